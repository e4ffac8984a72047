//! The application state every handler sees: settings, metrics and the
//! database. Cheap to clone: one `Arc`.

use std::sync::Arc;

use shokai_store::Store;

use crate::infra::metrics::Metrics;
use crate::service::session::LoginLimits;
use crate::settings::Settings;

/// Shared state of a running server.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    metrics: Metrics,
    store: Store,
    login_limits: LoginLimits,
}

impl AppState {
    /// State for a server with these settings.
    pub fn new(settings: Settings, store: Store) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                settings,
                metrics: Metrics::default(),
                store,
                login_limits: LoginLimits::default(),
            }),
        }
    }

    /// The settings the server started with.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Request counters.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Failed-login counters.
    pub fn login_limits(&self) -> &LoginLimits {
        &self.inner.login_limits
    }
}
