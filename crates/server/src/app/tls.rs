//! HTTPS on the server's own socket (`SHOKAI_TLS_CERT`, `SHOKAI_TLS_KEY`):
//! rustls with the ring provider lettre already builds, no OpenSSL.
//!
//! The PEM files are read once at start-up; a file that cannot be read or
//! parsed stops `serve` with a message naming its key and path, never its
//! content. [`TlsListener`] accepts TCP connections and runs each TLS
//! handshake in a task of its own (bounded in time), so a slow or silent
//! client cannot hold up the others; `axum::serve` takes finished streams
//! from it and keeps its graceful shutdown.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;
use zeroize::Zeroizing;

use crate::settings::TlsFiles;

/// How long a client may take to finish its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the certificate or key could not be used. Messages name the setting
/// and the file; what the file holds is never repeated.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file could not be read.
    #[error("{key}: cannot read {}: {source}", path.display())]
    Read {
        /// `SHOKAI_TLS_CERT` or `SHOKAI_TLS_KEY`.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file holds no usable PEM of the expected kind.
    #[error("{key}: {} {reason}", path.display())]
    Parse {
        /// `SHOKAI_TLS_CERT` or `SHOKAI_TLS_KEY`.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong, in fixed words.
        reason: &'static str,
    },
    /// rustls refused the pair (e.g. the key does not belong to the certificate).
    #[error("SHOKAI_TLS_CERT/SHOKAI_TLS_KEY: rustls refused the certificate and key: {0}")]
    Refused(#[source] rustls::Error),
}

/// The rustls configuration for `files`: HTTP/1.1 over TLS 1.2 or 1.3.
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = certificates(&files.cert)?;
    let key = private_key(&files.key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Refused)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(TlsError::Refused)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read(key: &'static str, path: &Path) -> Result<Zeroizing<Vec<u8>>, TlsError> {
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|source| TlsError::Read {
            key,
            path: path.to_owned(),
            source,
        })
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    const KEY: &str = "SHOKAI_TLS_CERT";
    let parse = |reason| TlsError::Parse {
        key: KEY,
        path: path.to_owned(),
        reason,
    };
    let pem = read(KEY, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| parse("is not valid PEM"))?;
    if certs.is_empty() {
        return Err(parse("holds no CERTIFICATE block"));
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    const KEY: &str = "SHOKAI_TLS_KEY";
    let pem = read(KEY, path)?;
    // The parser's own errors may quote a line of the file: not repeated.
    PrivateKeyDer::from_pem_slice(&pem).map_err(|_| TlsError::Parse {
        key: KEY,
        path: path.to_owned(),
        reason: "holds no PEM private key (PKCS#8, PKCS#1 or SEC1)",
    })
}

/// A listener that answers only in TLS. Handshakes run concurrently; plain
/// HTTP or a failed handshake just closes that connection.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `listener` with `config`.
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let acceptor = tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), tx));
        Ok(TlsListener {
            ready,
            local,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait, as axum does.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if tx.is_closed() {
            return;
        }
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    let _ = tx.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accept loop never ends on its own; if it did, accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, cert: &str, key: &str) -> TlsFiles {
        std::fs::write(dir.join("cert.pem"), cert).unwrap();
        std::fs::write(dir.join("key.pem"), key).unwrap();
        TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }

    #[test]
    fn a_generated_pair_loads_and_bad_files_name_their_key_without_their_content() {
        let dir = tempfile::tempdir().unwrap();
        let pair = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let (cert, key) = (pair.cert.pem(), pair.signing_key.serialize_pem());
        assert!(server_config(&files(dir.path(), &cert, &key)).is_ok());

        let secret = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==!!\n";
        let e = server_config(&files(dir.path(), &cert, secret)).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("SHOKAI_TLS_KEY: "), "{text}");
        assert!(!text.contains("c2VjcmV0"), "{text}");

        let e = server_config(&files(dir.path(), "not a certificate", &key)).unwrap_err();
        assert!(e.to_string().starts_with("SHOKAI_TLS_CERT: "), "{e}");

        let missing = TlsFiles {
            key: dir.path().join("absent.pem"),
            ..files(dir.path(), &cert, &key)
        };
        let e = server_config(&missing).unwrap_err();
        assert!(
            e.to_string().starts_with("SHOKAI_TLS_KEY: cannot read"),
            "{e}"
        );

        let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let e = server_config(&files(
            dir.path(),
            &cert,
            &other.signing_key.serialize_pem(),
        ))
        .unwrap_err();
        assert!(matches!(e, TlsError::Refused(_)), "{e}");
    }
}
