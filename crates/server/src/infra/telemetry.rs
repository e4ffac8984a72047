//! Logging: `tracing` to stderr, filtered by `SHOKAI_LOG`.
//!
//! Stdout is kept for the one line a supervisor or test reads (the bound
//! URL); everything else goes to stderr. No personal data and no PIN bytes
//! are ever logged: request spans carry the method, the path (ids only, no
//! query string) and the request id.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. The settings checked the filter already;
/// should it still fail to parse, the server logs at `info` rather than not at all.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
