//! Staff accounts.

use secrecy::SecretString;
use shokai_store::users::{self, NewUser, User};
use shokai_store::{Role, Store, StoreError};

use crate::clock::Clock;
use crate::infra::password::{self, PasswordError};

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    /// The password is unacceptable.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The username is taken, or the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates an account with an argon2 hash of `password`.
pub async fn add_user(
    store: &Store,
    clock: &dyn Clock,
    username: &str,
    display_name: &str,
    role: Role,
    password: &SecretString,
) -> Result<User, AddUserError> {
    let password_hash = password::hash(password)?;
    let mut tx = store.begin().await?;
    let user = users::create_user(
        &mut tx,
        &NewUser {
            username: username.to_owned(),
            display_name: display_name.to_owned(),
            role,
            password_hash,
        },
        clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}
