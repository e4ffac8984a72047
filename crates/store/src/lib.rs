//! Persistence for shokai on SQLite (the embedded default) and PostgreSQL.
