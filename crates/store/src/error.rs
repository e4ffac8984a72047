//! Store errors: one enum, specific variants for what a caller acts on
//! (a version conflict is retried or shown, a duplicate is a 409), and the
//! driver's error for everything else.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else changed the case first: reload and try again.
    #[error("case {case_id} was changed by someone else (expected version {expected})")]
    VersionConflict {
        /// The case whose version moved on.
        case_id: i64,
        /// The version the caller read.
        expected: i64,
    },
    /// No row with that key.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. "case 12".
        what: String,
    },
    /// A unique value is already taken (username, reference, idempotency key).
    #[error("{what} already exists")]
    Duplicate {
        /// Which value clashed.
        what: &'static str,
    },
    /// The workflow refused the event; nothing was written.
    #[error(transparent)]
    Transition(#[from] shokai_workflow::TransitionError),
    /// The workflow recorded the step but refused what was asked (a wrong
    /// code, which counts towards the lock): committed, then reported.
    #[error("{error}")]
    Refused {
        /// The refusal to show the clerk.
        error: shokai_workflow::TransitionError,
        /// The case as stored after the step.
        case: Box<crate::cases::StoredCase>,
    },
    /// The workflow refused to open the case.
    #[error(transparent)]
    Application(#[from] shokai_workflow::ApplicationError),
    /// The case's personal data was purged; it can no longer change.
    #[error("case {case_id} has had its personal data purged")]
    Purged {
        /// The case.
        case_id: i64,
    },
    /// The date is outside the Reiwa era, so no reference number exists.
    #[error("{date} is outside the Reiwa era")]
    OutsideReiwa {
        /// The Japan date.
        date: chrono::NaiveDate,
    },
    /// Every reference number of the year is used.
    #[error("no reference numbers left for Reiwa {reiwa_year}")]
    ReferencesExhausted {
        /// The year.
        reiwa_year: u8,
    },
    /// The batch was already recorded as mailed.
    #[error("print batch {batch_id} was already mailed on {mailed_on}")]
    BatchAlreadyMailed {
        /// The batch.
        batch_id: i64,
        /// Its recorded post date.
        mailed_on: chrono::NaiveDate,
    },
    /// `SHOKAI_DATABASE_URL` names neither SQLite nor PostgreSQL.
    #[error("unsupported database URL {0}: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    /// The directory for the SQLite file could not be created.
    #[error("cannot create directory {path} for the database")]
    CreateDirectory {
        /// The directory.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A stored value is not in the form the store writes.
    #[error("stored value in column {column} is unreadable: {reason}")]
    Corrupt {
        /// The column.
        column: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A JSON column does not match the type the code expects.
    #[error("stored JSON does not match the expected shape")]
    Json(#[from] serde_json::Error),
    /// A migration failed.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database driver failed.
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// A stable snake_case code for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            Self::VersionConflict { .. } => "version_conflict",
            Self::NotFound { .. } => "not_found",
            Self::Duplicate { .. } => "duplicate",
            Self::Transition(error) | Self::Refused { error, .. } => error.code(),
            Self::Application(error) => error.code(),
            Self::Purged { .. } => "personal_data_purged",
            Self::OutsideReiwa { .. } => "outside_reiwa",
            Self::ReferencesExhausted { .. } => "references_exhausted",
            Self::BatchAlreadyMailed { .. } => "batch_already_mailed",
            Self::UnsupportedUrl(_) => "unsupported_database_url",
            Self::CreateDirectory { .. } => "database_directory",
            Self::Corrupt { .. } | Self::Json(_) => "corrupt_data",
            Self::Migrate(_) => "migration_failed",
            Self::Database(_) => "database_error",
        }
    }

    /// Turns a unique-constraint violation into [`StoreError::Duplicate`].
    pub(crate) fn duplicate_as(self, what: &'static str) -> Self {
        match &self {
            Self::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                Self::Duplicate { what }
            }
            _ => self,
        }
    }
}

impl From<shokai_workflow::TakeOverError> for StoreError {
    fn from(e: shokai_workflow::TakeOverError) -> Self {
        match e {
            shokai_workflow::TakeOverError::Transition(e) => StoreError::Transition(e),
            shokai_workflow::TakeOverError::Application(e) => StoreError::Application(e),
        }
    }
}
