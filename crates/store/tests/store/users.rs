//! Staff accounts and sessions.

use chrono::Duration;
use shokai_store::users::{self, NewUser};
use shokai_store::{Role, StoreError};

use crate::both_backends;
use crate::fixtures::t0;

fn clerk(username: &str) -> NewUser {
    NewUser {
        username: username.to_owned(),
        display_name: "田中 花子".to_owned(),
        role: Role::Clerk,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
    }
}

both_backends! {
    async fn a_created_user_is_found_by_username_with_the_hash_the_caller_made(db) {
        let mut tx = db.store.begin().await.unwrap();
        let created = users::create_user(&mut tx, &clerk("tanaka"), t0()).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.store.read().await.unwrap();
        let found = users::user_by_username(&mut tx, "tanaka").await.unwrap().unwrap();
        assert_eq!(found, created);
        assert_eq!(found.role, Role::Clerk);
        assert!(found.active);
        assert_eq!(found.password_hash, clerk("tanaka").password_hash);
        assert!(users::user_by_username(&mut tx, "suzuki").await.unwrap().is_none());
    }
}

both_backends! {
    async fn a_taken_username_is_refused_as_a_duplicate(db) {
        let mut tx = db.store.begin().await.unwrap();
        users::create_user(&mut tx, &clerk("tanaka"), t0()).await.unwrap();
        let again = users::create_user(&mut tx, &clerk("tanaka"), t0()).await;
        assert!(matches!(again, Err(StoreError::Duplicate { what: "username" })), "{again:?}");
    }
}

both_backends! {
    async fn a_session_works_until_it_expires_is_revoked_or_its_user_is_deactivated(db) {
        let mut tx = db.store.begin().await.unwrap();
        let user = users::create_user(&mut tx, &clerk("tanaka"), t0()).await.unwrap();
        let expires = t0() + Duration::hours(8);
        users::create_session(&mut tx, user.id, "hash-a", expires, t0()).await.unwrap();
        users::create_session(&mut tx, user.id, "hash-b", expires, t0()).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.store.begin().await.unwrap();
        let (session, found) = users::find_session(&mut tx, "hash-a", t0() + Duration::hours(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, user.id);
        assert_eq!(session.expires_at, expires);
        assert!(users::find_session(&mut tx, "hash-a", expires).await.unwrap().is_none());
        assert!(users::find_session(&mut tx, "unknown", t0()).await.unwrap().is_none());

        assert!(users::revoke_session(&mut tx, "hash-a", t0()).await.unwrap());
        assert!(users::find_session(&mut tx, "hash-a", t0()).await.unwrap().is_none());
        assert!(users::find_session(&mut tx, "hash-b", t0()).await.unwrap().is_some());

        users::set_user_active(&mut tx, user.id, false).await.unwrap();
        assert!(users::find_session(&mut tx, "hash-b", t0()).await.unwrap().is_none());

        assert_eq!(users::delete_expired_sessions(&mut tx, expires).await.unwrap(), 2);
    }
}
