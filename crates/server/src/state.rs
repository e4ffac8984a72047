//! The application state every handler sees: settings, metrics, the
//! database, the workflow's settings and code keys, and the card terminal.
//! Cheap to clone: one `Arc`.

use std::sync::Arc;

use shokai_store::Store;

use chrono::{DateTime, Utc};
use shokai_workflow::{CodeKeyring, Context, KeyringError, Role, WorkflowSettings};

use crate::clock::{Clock, CodeSource, RandomCodes, SystemClock};
use crate::infra::card_terminal::Terminal;
use crate::infra::letter_assets::LetterAssets;
use crate::infra::metrics::Metrics;
use crate::settings::Settings;

/// `host:pid:random`, unique among running servers.
fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "server".to_owned());
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// Shared state of a running server.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    metrics: Metrics,
    store: Store,
    instance: String,
    workflow: WorkflowSettings,
    keyring: CodeKeyring,
    terminal: Terminal,
    letters: Arc<LetterAssets>,
    clock: Arc<dyn Clock>,
    codes: Arc<dyn CodeSource>,
}

impl AppState {
    /// State for a server with these settings, on the system clock and
    /// random codes.
    pub fn new(
        settings: Settings,
        store: Store,
        letters: LetterAssets,
    ) -> Result<AppState, KeyringError> {
        AppState::with_sources(
            settings,
            store,
            letters,
            Arc::new(SystemClock),
            Arc::new(RandomCodes),
        )
    }

    /// State whose services take the time from `clock` and fresh codes from
    /// `codes` (the demo loader; tests).
    pub fn with_sources(
        settings: Settings,
        store: Store,
        letters: LetterAssets,
        clock: Arc<dyn Clock>,
        codes: Arc<dyn CodeSource>,
    ) -> Result<AppState, KeyringError> {
        let ids = &settings.id_documents;
        let workflow = WorkflowSettings {
            deadline_days: settings.deadline_days,
            id_proxy_application: ids.proxy_application.clone(),
            id_proxy_response: ids.proxy_response.clone(),
            id_legal_representative: ids.legal_representative.clone(),
            ..WorkflowSettings::default()
        };
        let keyring = settings.code_keys.keyring()?;
        let terminal = Terminal::new(settings.card_terminal.clone());
        Ok(AppState {
            inner: Arc::new(Inner {
                workflow,
                keyring,
                terminal,
                letters: Arc::new(letters),
                settings,
                metrics: Metrics::default(),
                store,
                instance: instance_name(),
                clock,
                codes,
            }),
        })
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

    /// This server's name among the servers sharing its database: the
    /// holder of the job leases it takes (host, process and a random part,
    /// so a restarted process is a new holder).
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// The counter's card terminal.
    pub fn terminal(&self) -> &Terminal {
        &self.inner.terminal
    }

    /// Font, wording and office settings for letters.
    pub fn letters(&self) -> &LetterAssets {
        &self.inner.letters
    }

    /// The letter assets, shared: for a thread that renders on its own
    /// (the print file of a batch being closed).
    pub fn letters_shared(&self) -> Arc<LetterAssets> {
        Arc::clone(&self.inner.letters)
    }

    /// The workflow's settings.
    pub fn workflow(&self) -> &WorkflowSettings {
        &self.inner.workflow
    }

    /// The services' clock.
    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// Now, by the services' clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Where fresh verification codes come from.
    pub fn codes(&self) -> &dyn CodeSource {
        self.inner.codes.as_ref()
    }

    /// What the workflow needs to decide a step taken at `now` by `role`.
    pub fn context(&self, now: DateTime<Utc>, role: Role) -> Context<'_> {
        Context::new(now, role, &self.inner.workflow, &self.inner.keyring)
    }
}
