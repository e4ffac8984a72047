//! Staff accounts and sessions.

use chrono::Duration;
use shokai_store::audit;
use shokai_store::users::{self, NewUser};
use shokai_store::{Actor, Role, StoreError};

use crate::both_backends;
use crate::fixtures::{supervisor, t0};

/// The idle timeout the tests use.
const IDLE: Duration = Duration::minutes(30);

fn cli() -> Actor {
    Actor {
        user_id: None,
        username: "cli".to_owned(),
        role: Role::System,
    }
}

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
        let created = users::create_user(&mut tx, &clerk("tanaka"), &cli(), t0()).await.unwrap();
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
        users::create_user(&mut tx, &clerk("tanaka"), &cli(), t0()).await.unwrap();
        let again = users::create_user(&mut tx, &clerk("tanaka"), &cli(), t0()).await;
        assert!(matches!(again, Err(StoreError::Duplicate { what: "username" })), "{again:?}");
    }
}

both_backends! {
    async fn a_session_works_until_it_expires_is_revoked_or_its_user_is_disabled(db) {
        let mut tx = db.store.begin().await.unwrap();
        let user = users::create_user(&mut tx, &clerk("tanaka"), &cli(), t0()).await.unwrap();
        let expires = t0() + Duration::hours(8);
        users::create_session(&mut tx, user.id, "hash-a", expires, t0()).await.unwrap();
        users::create_session(&mut tx, user.id, "hash-b", expires, t0()).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.store.begin().await.unwrap();
        let soon = t0() + Duration::minutes(10);
        let (session, found) = users::find_session(&mut tx, "hash-a", soon, IDLE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, user.id);
        assert_eq!(found.last_login_at, Some(t0()));
        assert_eq!(session.expires_at, expires);
        assert_eq!(session.last_seen_at, t0());
        // Kept busy until its absolute expiry, it still ends there.
        users::touch_session(&mut tx, session.id, expires - Duration::minutes(1)).await.unwrap();
        assert!(users::find_session(&mut tx, "hash-a", expires, IDLE).await.unwrap().is_none());
        assert!(users::find_session(&mut tx, "unknown", soon, IDLE).await.unwrap().is_none());

        assert!(users::revoke_session(&mut tx, "hash-a", soon).await.unwrap());
        assert!(users::find_session(&mut tx, "hash-a", soon, IDLE).await.unwrap().is_none());
        assert!(users::find_session(&mut tx, "hash-b", soon, IDLE).await.unwrap().is_some());

        assert!(users::set_user_active(&mut tx, user.id, false, &supervisor(), soon).await.unwrap());
        assert!(users::find_session(&mut tx, "hash-b", soon, IDLE).await.unwrap().is_none());
    }
}

both_backends! {
    async fn a_session_unused_for_the_idle_timeout_ends_and_use_keeps_it_alive(db) {
        let mut tx = db.store.begin().await.unwrap();
        let user = users::create_user(&mut tx, &clerk("tanaka"), &cli(), t0()).await.unwrap();
        let expires = t0() + Duration::hours(8);
        users::create_session(&mut tx, user.id, "busy", expires, t0()).await.unwrap();
        users::create_session(&mut tx, user.id, "idle", expires, t0()).await.unwrap();

        let later = t0() + Duration::minutes(20);
        let (busy, _) = users::find_session(&mut tx, "busy", later, IDLE).await.unwrap().unwrap();
        users::touch_session(&mut tx, busy.id, later).await.unwrap();

        let past_idle = t0() + IDLE;
        assert!(users::find_session(&mut tx, "idle", past_idle, IDLE).await.unwrap().is_none());
        let (busy, _) = users::find_session(&mut tx, "busy", past_idle, IDLE).await.unwrap().unwrap();
        assert_eq!(busy.last_seen_at, later);
        assert!(users::find_session(&mut tx, "busy", later + IDLE, IDLE).await.unwrap().is_none());
    }
}

both_backends! {
    async fn the_clean_up_deletes_expired_idle_and_revoked_sessions_only(db) {
        let mut tx = db.store.begin().await.unwrap();
        let user = users::create_user(&mut tx, &clerk("tanaka"), &cli(), t0()).await.unwrap();
        let now = t0() + Duration::hours(1);
        let far = t0() + Duration::hours(8);
        users::create_session(&mut tx, user.id, "expired", t0() + Duration::minutes(50), t0()).await.unwrap();
        users::create_session(&mut tx, user.id, "idle", far, t0()).await.unwrap();
        users::create_session(&mut tx, user.id, "revoked", far, now).await.unwrap();
        users::revoke_session(&mut tx, "revoked", now).await.unwrap();
        users::create_session(&mut tx, user.id, "live", far, now - Duration::minutes(5)).await.unwrap();

        assert_eq!(users::delete_expired_sessions(&mut tx, now, IDLE).await.unwrap(), 3);
        assert!(users::find_session(&mut tx, "live", now, IDLE).await.unwrap().is_some());
        assert_eq!(users::delete_expired_sessions(&mut tx, now, IDLE).await.unwrap(), 0);
    }
}

both_backends! {
    async fn disabling_ends_every_session_and_enabling_lets_the_user_log_in_again(db) {
        let mut tx = db.store.begin().await.unwrap();
        let user = users::create_user(&mut tx, &clerk("tanaka"), &cli(), t0()).await.unwrap();
        users::create_session(&mut tx, user.id, "a", t0() + Duration::hours(8), t0()).await.unwrap();
        let later = t0() + Duration::minutes(5);

        assert!(users::set_user_active(&mut tx, user.id, false, &supervisor(), later).await.unwrap());
        assert!(!users::set_user_active(&mut tx, user.id, false, &supervisor(), later).await.unwrap());
        let off = users::user_by_id(&mut tx, user.id).await.unwrap();
        assert!(!off.active);
        assert_eq!(off.disabled_at, Some(later));
        // Deleted, not only refused: enabling does not bring it back.
        assert!(users::set_user_active(&mut tx, user.id, true, &supervisor(), later).await.unwrap());
        assert!(!users::set_user_active(&mut tx, user.id, true, &supervisor(), later).await.unwrap());
        let on = users::user_by_id(&mut tx, user.id).await.unwrap();
        assert!(on.active);
        assert_eq!(on.disabled_at, None);
        assert!(users::find_session(&mut tx, "a", later, IDLE).await.unwrap().is_none());

        let missing = users::set_user_active(&mut tx, 999, false, &supervisor(), later).await;
        assert!(matches!(missing, Err(StoreError::NotFound { .. })), "{missing:?}");
    }
}

both_backends! {
    async fn a_password_reset_replaces_the_hash_and_revoking_deletes_every_session(db) {
        let mut tx = db.store.begin().await.unwrap();
        let user = users::create_user(&mut tx, &clerk("tanaka"), &cli(), t0()).await.unwrap();
        let far = t0() + Duration::hours(8);
        users::create_session(&mut tx, user.id, "a", far, t0()).await.unwrap();
        users::create_session(&mut tx, user.id, "b", far, t0()).await.unwrap();

        assert_eq!(users::revoke_user_sessions(&mut tx, user.id, &supervisor(), t0()).await.unwrap(), 2);
        assert!(users::find_session(&mut tx, "a", t0(), IDLE).await.unwrap().is_none());
        assert_eq!(users::revoke_user_sessions(&mut tx, user.id, &supervisor(), t0()).await.unwrap(), 0);

        users::create_session(&mut tx, user.id, "c", far, t0()).await.unwrap();
        users::reset_password(&mut tx, user.id, "$argon2id$new", &supervisor(), t0()).await.unwrap();
        let changed = users::user_by_id(&mut tx, user.id).await.unwrap();
        assert_eq!(changed.password_hash, "$argon2id$new");
        assert!(users::find_session(&mut tx, "c", t0(), IDLE).await.unwrap().is_none());
    }
}

both_backends! {
    async fn every_account_change_is_in_the_audit_log_with_its_actor_and_no_hash(db) {
        let mut tx = db.store.begin().await.unwrap();
        let user = users::create_user(&mut tx, &clerk("tanaka"), &cli(), t0()).await.unwrap();
        users::set_user_active(&mut tx, user.id, false, &supervisor(), t0()).await.unwrap();
        users::set_user_active(&mut tx, user.id, true, &supervisor(), t0()).await.unwrap();
        users::reset_password(&mut tx, user.id, "$argon2id$secret-hash", &supervisor(), t0()).await.unwrap();
        users::revoke_user_sessions(&mut tx, user.id, &supervisor(), t0()).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.store.read().await.unwrap();
        let events = audit::events_between(&mut tx, t0(), t0() + Duration::seconds(1)).await.unwrap();
        let seen: Vec<(&str, Option<&str>, &str)> = events
            .iter()
            .map(|e| (e.event.as_str(), e.actor.as_deref(), e.role.as_str()))
            .collect();
        assert_eq!(seen, [
            ("user_added", Some("cli"), "system"),
            ("user_disabled", Some("sato"), "supervisor"),
            ("user_enabled", Some("sato"), "supervisor"),
            ("user_password_reset", Some("sato"), "supervisor"),
            ("user_sessions_revoked", Some("sato"), "supervisor"),
        ]);
        for e in &events {
            let details: serde_json::Value = serde_json::from_str(&e.details).unwrap();
            assert_eq!(details["username"], "tanaka", "{}", e.details);
            assert_eq!(details["role"], "clerk", "{}", e.details);
            assert!(!e.details.contains("argon2"), "{}", e.details);
        }
        let report = audit::verify(&db.store).await.unwrap();
        assert!(report.is_intact(), "{report:?}");
    }
}
