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
