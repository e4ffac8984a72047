//! `shokai serve`: load and check the settings, open the database and apply
//! pending migrations, then listen.
//!
//! The first line on stdout is `shokai listening on http://ADDR` (`https://`
//! with `SHOKAI_TLS_CERT`/`_KEY`), printed once the socket is bound (with
//! port 0 it names the port the system picked); scripts and the end-to-end
//! tests read it. With `SHOKAI_PUBLIC_BIND` a second line follows,
//! `shokai: public status page on http://ADDR`: the listener that serves only
//! the proxies' status page ([`crate::app::public_router`]), with the same
//! TLS; a shutdown signal stops both. Logs go to stderr.
//!
//! Exit codes: 0 after a graceful shutdown (SIGINT/SIGTERM); 1 the server
//! failed (cannot bind, database unreachable); 2 the settings are wrong (the
//! message names the key; an unreadable TLS certificate or key included).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use secrecy::ExposeSecret;
use shokai_store::Store;
use tokio_rustls::rustls::ServerConfig;
use tokio_util::sync::CancellationToken;

use crate::app::http;
use crate::infra::mail::MailTemplates;
use crate::infra::telemetry;
use crate::jobs::Jobs;
use crate::settings::{MailTransport, Settings, SettingsError};
use crate::state::AppState;

/// `shokai serve` flags.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes:\n  0  stopped by SIGINT/SIGTERM\n  1  server failure\n  2  bad settings"
)]
pub struct ServeArgs {
    /// Settings file in dotenv format (see .env.example); the environment wins over it.
    #[arg(long, env = "SHOKAI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Why `serve` stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The settings are missing something or hold a bad value.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address from SHOKAI_BIND or SHOKAI_PUBLIC_BIND.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Store(#[from] shokai_store::StoreError),
    /// The code keys passed the settings check but not the keyring (not expected).
    #[error("code keys: {0}")]
    Keys(#[source] shokai_workflow::KeyringError),
    /// The letter font or wording could not be loaded.
    #[error(transparent)]
    Letters(#[from] crate::infra::letter_assets::LetterAssetError),
    /// The mail texts or transport could not be set up.
    #[error(transparent)]
    Mail(#[from] crate::infra::mail::MailError),
    /// The TLS certificate or key could not be read, parsed or used.
    #[error(transparent)]
    Tls(#[from] crate::app::tls::TlsError),
    /// Serving failed.
    #[error("server failed: {0}")]
    Serve(#[source] std::io::Error),
}

impl ServeError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            ServeError::Settings(_)
            | ServeError::Keys(_)
            | ServeError::Letters(_)
            | ServeError::Mail(_)
            | ServeError::Tls(_) => 2,
            ServeError::Runtime(_)
            | ServeError::Bind { .. }
            | ServeError::Store(_)
            | ServeError::Serve(_) => 1,
        }
    }
}

/// Runs the server until a shutdown signal.
pub fn run(args: ServeArgs) -> Result<(), ServeError> {
    let settings = Settings::load(args.config.as_deref())?;
    telemetry::init(&settings.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(serve(settings))
}

async fn serve(settings: Settings) -> Result<(), ServeError> {
    log_summary(&settings);
    let tls = settings
        .edge
        .tls
        .as_ref()
        .map(crate::app::tls::server_config)
        .transpose()?;
    let letters = crate::infra::letter_assets::LetterAssets::load(&settings)?;
    let mail_templates = std::sync::Arc::new(MailTemplates::load(&settings.mail_templates)?);
    let store = Store::connect(settings.database_url.expose_secret()).await?;
    store.migrate().await?;
    tracing::info!(backend = ?store.backend(), "database ready");
    let (listener, local) = bind(settings.bind).await?;
    let public = match settings.public_bind {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let state = AppState::new(settings, store.clone(), letters).map_err(ServeError::Keys)?;
    let jobs = Jobs::start(&state, mail_templates)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("shokai listening on {scheme}://{local}");
    tracing::info!(%local, scheme, "listening");
    // One signal, waited for once, stops every listener.
    let shutdown = CancellationToken::new();
    tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            http::shutdown_signal().await;
            shutdown.cancel();
        }
    });
    let staff_app = crate::app::staff_router(state.clone());
    let staff = listen(listener, tls.clone(), staff_app, shutdown.clone());
    let served = match public {
        Some((listener, local)) => {
            println!("shokai: public status page on {scheme}://{local}");
            tracing::info!(%local, scheme, "listening for the public status page");
            let public_app = crate::app::public_router(state);
            let public = listen(listener, tls, public_app, shutdown);
            // The first failure stops both.
            tokio::try_join!(staff, public).map(|_| ())
        }
        None => staff.await,
    };
    jobs.stop().await;
    store.close().await;
    served
}

async fn bind(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), ServeError> {
    http::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}

/// Serves `app` on `listener`, in TLS when `tls` is set, until `shutdown`.
async fn listen(
    listener: tokio::net::TcpListener,
    tls: Option<Arc<ServerConfig>>,
    app: axum::Router,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    let stop = shutdown.cancelled_owned();
    match tls {
        Some(config) => {
            let listener =
                crate::app::tls::TlsListener::new(listener, config).map_err(ServeError::Serve)?;
            http::serve(listener, app, stop).await
        }
        None => http::serve(listener, app, stop).await,
    }
    .map_err(ServeError::Serve)
}

/// One start-up line with what was configured, secrets left out, so an
/// operator can see in the log which settings the server really runs with.
fn log_summary(s: &Settings) {
    let key_ids: Vec<&str> = s.code_keys.keys.iter().map(|(id, _)| id.as_str()).collect();
    tracing::info!(
        office = %s.office.name,
        deadline_days = s.deadline_days,
        batch_cutoff = %s.batch_cutoff.format("%H:%M"),
        session_hours = s.session_hours,
        code_key_current = %s.code_keys.current,
        code_key_ids = ?key_ids,
        mail = ?s.mail.as_ref().map(|m| match &m.transport {
            MailTransport::Smtp(smtp) => format!("smtp {}:{} ({:?}, login: {})", smtp.host, smtp.port,
                smtp.tls, smtp.credentials.as_ref().map_or("none", |c| c.username.as_str())),
            MailTransport::Directory(dir) => format!("files in {}", dir.display()),
        }),
        mail_from = ?s.mail.as_ref().map(|m| &m.from),
        print_room = ?s.mail.as_ref().map(|m| &m.print_room),
        card_terminal = ?s.card_terminal,
        reminder_days = s.reminder_days,
        public_bind = ?s.public_bind,
        tls = s.edge.tls.is_some(),
        public_url = ?s.edge.public_url,
        trusted_proxies = ?s.edge.trusted_proxies,
        "settings loaded"
    );
    match s.mail.as_ref().map(|m| &m.transport) {
        None => tracing::warn!(
            "no mail transport configured: mail waits in the outbox, nothing is sent"
        ),
        Some(MailTransport::Directory(dir)) => tracing::warn!(
            dir = %dir.display(),
            "mail is written to files (SHOKAI_MAIL_DIR), not sent: for a demo only"
        ),
        Some(MailTransport::Smtp(_)) => {}
    }
}
