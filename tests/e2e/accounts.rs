//! Account lifecycle through the real binary: `shokai user list|disable|
//! enable|reset-password|revoke-sessions`, the supervisors' page `/users`
//! doing the same, every change in the audit log with its actor, and a
//! session that ends when it sits idle.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{PASSWORD, Role, TestApp};
use crate::web_ops::{Browser, csrf_of};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// Logs in through the API: the token, or `None` when refused (401).
async fn token(app: &TestApp, user: &str, password: &str) -> Option<String> {
    let response = app.login(user, password).await;
    match response.status() {
        StatusCode::CREATED => {
            let body: Value = response.json().await.unwrap();
            Some(body["token"].as_str().unwrap().to_owned())
        }
        StatusCode::UNAUTHORIZED => None,
        other => panic!("login answered {other}"),
    }
}

/// The status of `GET /api/session` with `token`.
async fn session_status(app: &TestApp, token: &str) -> StatusCode {
    app.call(Method::GET, "/api/session", Some(token), None)
        .await
        .status()
}

/// The account events of the audit log: (event, actor, role, username).
async fn account_events(app: &TestApp) -> Vec<(String, String, String, String)> {
    let auditor = app.token_for(Role::Auditor).await;
    let response = app
        .call(Method::GET, "/api/audit", Some(&auditor), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(!text.contains("argon2"), "a hash in the audit log: {text}");
    assert!(
        !text.contains(NEW_PASSWORD) && !text.contains(PASSWORD),
        "{text}"
    );
    let events: Vec<Value> = serde_json::from_str(&text).unwrap();
    events
        .iter()
        .filter(|e| e["event"].as_str().unwrap().starts_with("user_"))
        .map(|e| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (
                s(&e["event"]),
                s(&e["actor"]),
                s(&e["role"]),
                s(&e["details"]["username"]),
            )
        })
        .collect()
}

/// `shokai user ARGS` with `stdin`: (exit code, stdout + stderr).
async fn user_cli(app: &TestApp, args: &[&str], stdin: &str) -> (Option<i32>, String) {
    let mut all = vec!["user"];
    all.extend_from_slice(args);
    let (code, out, err) = app.cli(&all, stdin).await;
    (code, format!("{out}{err}"))
}

crate::both_backends! {
async fn the_command_line_lists_disables_enables_resets_and_revokes_and_the_audit_log_shows_each(app) {
    app.add_user("sato", Role::Clerk).await;
    let (code, listed) = user_cli(&app, &["list"], "").await;
    assert_eq!(code, Some(0), "{listed}");
    assert!(listed.contains("sato\tclerk\tenabled\t"), "{listed}");
    assert!(!listed.contains("argon2"), "{listed}");
    let first = token(&app, "sato", PASSWORD).await.expect("sato logs in");

    let (code, out) = user_cli(&app, &["disable", "sato"], "").await;
    assert_eq!(code, Some(0), "{out}");
    assert!(token(&app, "sato", PASSWORD).await.is_none(), "a disabled user logs in");
    assert_eq!(session_status(&app, &first).await, StatusCode::UNAUTHORIZED);
    let (_, listed) = user_cli(&app, &["list"], "").await;
    assert!(listed.contains("sato\tclerk\tdisabled\t"), "{listed}");
    assert_eq!(user_cli(&app, &["disable", "nobody"], "").await.0, Some(3));

    assert_eq!(user_cli(&app, &["enable", "sato"], "").await.0, Some(0));
    let second = token(&app, "sato", PASSWORD).await.expect("enabled again");

    let (code, out) = user_cli(&app, &["reset-password", "sato"], "short\n").await;
    assert_eq!(code, Some(2), "{out}");
    let (code, out) = user_cli(&app, &["reset-password", "sato"], &format!("{NEW_PASSWORD}\n")).await;
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(session_status(&app, &second).await, StatusCode::UNAUTHORIZED);
    assert!(token(&app, "sato", PASSWORD).await.is_none(), "the old password still works");
    let third = token(&app, "sato", NEW_PASSWORD).await.expect("the new password works");

    assert_eq!(user_cli(&app, &["revoke-sessions", "sato"], "").await.0, Some(0));
    assert_eq!(session_status(&app, &third).await, StatusCode::UNAUTHORIZED);

    let sato: Vec<(String, String, String)> = account_events(&app)
        .await
        .into_iter()
        .filter(|e| e.3 == "sato")
        .map(|(event, actor, role, _)| (event, actor, role))
        .collect();
    let expected = ["user_added", "user_disabled", "user_enabled", "user_password_reset", "user_sessions_revoked"]
        .map(|event| (event.to_owned(), "cli".to_owned(), "system".to_owned()));
    assert_eq!(sato, expected);
}
}

/// The id of `username`'s row on the /users page.
fn row_id(html: &str, username: &str) -> String {
    let end = html
        .find(&format!(r#"-name">{username}"#))
        .unwrap_or_else(|| panic!("{username} is not listed"));
    let start = html[..end].rfind("user-").unwrap() + 5;
    html[start..end].to_owned()
}

crate::both_backends! {
async fn a_supervisor_manages_accounts_on_the_users_page_and_a_clerk_may_not(app) {
    app.add_user("sato", Role::Clerk).await;
    let supervisor = Browser::login(&app, Role::Supervisor).await;
    let (status, html) = supervisor.get("/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"id="nav-users""#), "no menu entry");
    let (id, me) = (row_id(&html, "sato"), row_id(&html, "supervisor"));
    let csrf = csrf_of(&html);
    let first = token(&app, "sato", PASSWORD).await.unwrap();

    // Disabling asks first; only the confirmed POST acts.
    let (status, _, page) = supervisor.post(&format!("/users/{id}/disable"), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"id="confirm-form""#) && page.contains("無効にする"), "{page}");
    assert_eq!(session_status(&app, &first).await, StatusCode::OK);
    let confirmed = [("csrf", csrf.as_str()), ("confirmed", "yes")];
    let (status, location, _) = supervisor.post(&format!("/users/{id}/disable"), &confirmed).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/users")));
    assert_eq!(session_status(&app, &first).await, StatusCode::UNAUTHORIZED);
    assert!(token(&app, "sato", PASSWORD).await.is_none());

    let (status, _, page) = supervisor.post(&format!("/users/{me}/disable"), &confirmed).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("自分自身の利用者を無効にすることはできません"), "{page}");

    let (status, _, _) = supervisor.post(&format!("/users/{id}/enable"), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let second = token(&app, "sato", PASSWORD).await.expect("enabled again");

    let path = format!("/users/{id}/password");
    let typed = |a: &'static str, b: &'static str| [("csrf", csrf.clone()), ("password", a.to_owned()), ("password_again", b.to_owned())];
    let mismatch = typed(NEW_PASSWORD, "something else entirely");
    let (status, _, page) = supervisor.post(&path, &mismatch.each_ref().map(|(k, v)| (*k, v.as_str()))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(&format!(r#"id="user-{id}-password-error""#)) && page.contains("一致しません"), "{page}");
    let short = typed("short", "short");
    let (status, _, page) = supervisor.post(&path, &short.each_ref().map(|(k, v)| (*k, v.as_str()))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("12文字以上"), "{page}");
    let good = typed(NEW_PASSWORD, NEW_PASSWORD);
    let (status, _, _) = supervisor.post(&path, &good.each_ref().map(|(k, v)| (*k, v.as_str()))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(session_status(&app, &second).await, StatusCode::UNAUTHORIZED);
    assert!(token(&app, "sato", PASSWORD).await.is_none());
    let third = token(&app, "sato", NEW_PASSWORD).await.expect("the new password works");

    let (status, _, _) = supervisor.post(&format!("/users/{id}/revoke-sessions"), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(session_status(&app, &third).await, StatusCode::UNAUTHORIZED);

    let clerk = Browser::login(&app, Role::Clerk).await;
    assert_eq!(clerk.get("/users").await.0, StatusCode::FORBIDDEN);
    let (_, clerk_page) = clerk.get("/cases").await;
    assert!(!clerk_page.contains(r#"id="nav-users""#));

    let by_page: Vec<(String, String)> = account_events(&app)
        .await
        .into_iter()
        .filter(|e| e.3 == "sato" && e.0 != "user_added")
        .map(|(event, actor, role, _)| (event, format!("{actor}/{role}")))
        .collect();
    let expected = ["user_disabled", "user_enabled", "user_password_reset", "user_sessions_revoked"]
        .map(|event| (event.to_owned(), "supervisor/supervisor".to_owned()));
    assert_eq!(by_page, expected);
}
}

/// Marks every session as last used long ago, as if it had sat idle.
async fn age_every_session(app: &TestApp) {
    use sqlx::Connection;
    let sql = "UPDATE sessions SET last_seen_at = '2000-01-01T00:00:00.000000Z'";
    let url = app.database_url();
    if url.starts_with("sqlite:") {
        let mut db = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut db).await.unwrap();
    } else {
        let mut db = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut db).await.unwrap();
    }
}

crate::both_backends! {
async fn a_session_left_idle_past_the_idle_timeout_is_refused(app) {
    let clerk = app.token_for(Role::Clerk).await;
    assert_eq!(session_status(&app, &clerk).await, StatusCode::OK);

    age_every_session(&app).await;

    assert_eq!(session_status(&app, &clerk).await, StatusCode::UNAUTHORIZED);
    assert!(token(&app, "clerk", PASSWORD).await.is_some(), "logging in again works");
}
}
