//! Previews as pictures and the proxy's receipt, over HTTP as a clerk's
//! browser meets them: the letter's preview page shows each page as an
//! `<img>` drawn on the server (PNG, never cached), the PDF stays a
//! download; the case page offers the receipt (受付控え) after intake, as a
//! picture and as a PDF to print (also over the API), which names no
//! address and no code. Auditors and the print room get none of them.
//!
//! Set `SHOKAI_REVIEW_DIR` to keep the pages, pictures and PDFs fetched
//! here for a look.

use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::batches::case_with_letter;
use crate::helpers::{Role, TestApp, in_person_intake, pdf_text};
use crate::status::{mail_letter, proxy_intake_with_phone};

/// `GET path` with `token` as the page session's cookie.
async fn page_get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(COOKIE, format!("shokai_session={token}"))
        .send()
        .await
        .unwrap()
}

/// The page at `path` as HTML, which must be there.
async fn page(app: &TestApp, token: &str, path: &str) -> String {
    let response = page_get(app, token, path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    let html = response.text().await.unwrap();
    keep(&format!("{path}.html"), html.as_bytes());
    html
}

/// The file at `path`, which must be there, never cached, of `content_type`.
async fn file(app: &TestApp, token: &str, path: &str, content_type: &str) -> Vec<u8> {
    let response = page_get(app, token, path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    assert_eq!(response.headers()[CONTENT_TYPE], content_type, "{path}");
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store", "{path}");
    let bytes = response.bytes().await.unwrap().to_vec();
    keep(path, &bytes);
    bytes
}

/// Keeps what `path` answered in `$SHOKAI_REVIEW_DIR`, when that is set
/// (the path's slashes become dashes).
fn keep(path: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("SHOKAI_REVIEW_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let name = path.trim_start_matches('/').replace('/', "-");
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Width and height of a PNG, read from its header, after checking that it
/// is one.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (be(16), be(20))
}

/// An A4 picture at the preview resolution, with more than a blank page's
/// bytes in it.
fn assert_a4_picture(png: &[u8], what: &str) {
    assert_eq!(png_size(png), (909, 1286), "{what}");
    assert!(
        png.len() > 20_000,
        "{what}: {} bytes, a blank page?",
        png.len()
    );
}

crate::both_backends! {
async fn a_clerk_sees_both_pages_of_a_letter_as_pictures_and_keeps_the_pdf_as_a_download(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let (id, _) = case_with_letter(&app, &clerk, "160-0022").await;

    let case_page = page(&app, &clerk, &format!("/cases/{id}")).await;
    let preview = page(&app, &clerk, &format!("/cases/{id}/letters/1")).await;

    assert!(case_page.contains(&format!(r#"href="/cases/{id}/letters/1""#)), "{case_page}");
    assert!(!preview.contains("<object"), "no embedded PDF: {preview}");
    assert!(preview.contains(&format!(r#"href="/cases/{id}/letters/1/pdf""#)), "{preview}");
    for p in [1, 2] {
        let src = format!("/cases/{id}/letters/1/page-{p}.png");
        assert!(preview.contains(&format!(r#"<img src="{src}" alt="照会書 1通目 {p}枚目"#)), "{preview}");
        let png = file(&app, &clerk, &src, "image/png").await;
        assert_a4_picture(&png, &src);
    }
    let pdf = file(&app, &clerk, &format!("/cases/{id}/letters/1/pdf"), "application/pdf").await;
    assert!(pdf.starts_with(b"%PDF"));
    for missing in ["page-3.png", "page-0.png", "page-x.png", "page-1.gif"] {
        let response = page_get(&app, &clerk, &format!("/cases/{id}/letters/1/{missing}")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
    }
    let no_letter = page_get(&app, &clerk, &format!("/cases/{id}/letters/2/page-1.png")).await;
    assert_eq!(no_letter.status(), StatusCode::NOT_FOUND);
}
}

crate::both_backends! {
async fn a_mailed_letter_is_drawn_again_identically_and_its_copy_shows_no_code(app) {
    // The picture is drawn from the copy with the code blanked (the
    // workflow's tests compare it pixel by pixel with the mailed letter);
    // here: the same request gives the same picture, so nothing that
    // changes between requests enters it, and the copy's text has no code.
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_case(&clerk, &proxy_intake_with_phone()).await;
    let id = case["id"].as_i64().unwrap();
    let code = mail_letter(&app, id, 1).await;
    let path = format!("/cases/{id}/letters/1/page-2.png");

    let first = file(&app, &clerk, &path, "image/png").await;
    let again = file(&app, &clerk, &path, "image/png").await;
    let pdf = file(&app, &clerk, &format!("/cases/{id}/letters/1/pdf"), "application/pdf").await;

    assert_a4_picture(&first, &path);
    assert_eq!(first, again);
    let text = pdf_text(&pdf);
    assert!(!text.contains(&code) && crate::flow::code_in_letter(&text).is_none(), "{text}");
}
}

crate::both_backends! {
async fn after_intake_the_case_page_offers_the_receipt_which_names_no_address_and_no_code(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_case(&clerk, &proxy_intake_with_phone()).await;
    let id = case["id"].as_i64().unwrap();
    let reference = case["reference"].as_str().unwrap().to_owned();

    let case_page = page(&app, &clerk, &format!("/cases/{id}")).await;
    let receipt_page = page(&app, &clerk, &format!("/cases/{id}/receipt")).await;
    let png = file(&app, &clerk, &format!("/cases/{id}/receipt.png"), "image/png").await;
    let pdf = file(&app, &clerk, &format!("/cases/{id}/receipt.pdf"), "application/pdf").await;

    assert!(case_page.contains("受付控えを印刷"), "{case_page}");
    assert!(case_page.contains(&format!(r#"href="/cases/{id}/receipt.pdf""#)));
    assert!(receipt_page.contains(&format!(r#"<img src="/cases/{id}/receipt.png" alt="受付控え"#)), "{receipt_page}");
    assert_a4_picture(&png, "receipt.png");
    let text = pdf_text(&pdf);
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for expected in [reference.as_str(), "受付控え", "佐藤花子様", "転送不要郵便", "回答書兼委任状", "発送バッチで発送します", "下4桁", "テスト区役所区民課", "03-0000-0000"] {
        assert!(flat.contains(expected), "missing {expected} in {text}");
    }
    let status_page = format!("{}/status", app.address);
    assert!(flat.contains(&status_page), "the status page {status_page} in {text}");
    for address in ["160-0022", "1600022", "新宿", "一丁目1番1号"] {
        assert!(!flat.contains(address), "the cardholder's address ({address}) in {text}");
    }
    assert_eq!(crate::flow::code_in_letter(&text), None, "{text}");
}
}

crate::both_backends! {
async fn the_receipt_tells_when_the_letter_was_mailed_and_the_api_serves_it_too(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_case(&clerk, &proxy_intake_with_phone()).await;
    let id = case["id"].as_i64().unwrap();
    let code = mail_letter(&app, id, 1).await;

    let response = app.call(Method::GET, &format!("/api/cases/{id}/receipt.pdf"), Some(&clerk), None).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/pdf");
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    let text = pdf_text(&response.bytes().await.unwrap());
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/api/cases/{id}/receipt.pdf"]["get"].is_object(), "documented");
    assert!(text.contains("発送済み"), "{text}");
    assert!(text.contains("回答期限"), "{text}");
    assert!(!text.contains(&code) && crate::flow::code_in_letter(&text).is_none(), "{text}");
}
}

crate::both_backends! {
async fn a_case_without_a_proxy_has_no_receipt(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_case(&clerk, &in_person_intake()).await["id"].as_i64().unwrap();

    let case_page = page(&app, &clerk, &format!("/cases/{id}")).await;
    let web = page_get(&app, &clerk, &format!("/cases/{id}/receipt.pdf")).await;
    let api = app.call(Method::GET, &format!("/api/cases/{id}/receipt.pdf"), Some(&clerk), None).await;

    assert!(!case_page.contains("受付控えを印刷"), "{case_page}");
    assert_eq!(web.status(), StatusCode::NOT_FOUND);
    let body: Value = api.json().await.unwrap();
    assert_eq!(body["code"], "not_found", "{body}");
}
}

crate::both_backends! {
async fn auditors_and_the_print_room_get_no_picture_and_no_receipt(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let (id, _) = case_with_letter(&app, &clerk, "160-0022").await;
    let supervisor = app.token_for(Role::Supervisor).await;

    for role in [Role::Auditor, Role::Printer] {
        let token = app.token_for(role).await;
        for path in [
            format!("/cases/{id}/letters/1"),
            format!("/cases/{id}/letters/1/page-1.png"),
            format!("/cases/{id}/letters/1/page-2.png"),
            format!("/cases/{id}/letters/1/pdf"),
            format!("/cases/{id}/receipt"),
            format!("/cases/{id}/receipt.png"),
            format!("/cases/{id}/receipt.pdf"),
        ] {
            let response = page_get(&app, &token, &path).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} as {}", role.code());
        }
    }
    // A supervisor operates like a clerk.
    let png = file(&app, &supervisor, &format!("/cases/{id}/receipt.png"), "image/png").await;
    assert_a4_picture(&png, "receipt.png as supervisor");
}
}
