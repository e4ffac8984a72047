//! The confirmation page of an action that cannot be undone (発送済みにする,
//! 取消, 返戻): the first POST shows what will happen, with the form's
//! values carried in hidden fields; only the second POST, which carries
//! `confirmed=yes`, acts. Plain HTML forms, so it works without JavaScript
//! (GOV.UK's "check answers" pattern).

use askama::Template;
use axum::response::Response;

use super::page::{self, Chrome};

/// The value of the `confirmed` field that lets an action go ahead.
pub const CONFIRMED: &str = "yes";

/// What recording a returned letter does (the case page and the batch page
/// both offer it).
pub const RETURNED_CONSEQUENCE: &str = "照会書が「転送不要」で戻ってきたことを記録し、この案件を終了します。代理人が改めて申請する必要があります。";

/// Whether a submitted form's `confirmed` field says the clerk confirmed.
pub fn is_confirmed(field: &str) -> bool {
    field == CONFIRMED
}

/// The confirmation page.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    /// The page's heading, e.g. 「案件の取消」.
    pub title: String,
    /// What will happen, in one sentence.
    pub consequence: String,
    /// What the clerk is about to do it to: (label, value).
    pub facts: Vec<(String, String)>,
    /// Where the second POST goes (the same action).
    pub action: String,
    /// The form's values to send again: (name, value).
    pub hidden: Vec<(String, String)>,
    /// The button's words, e.g. 「取り消す」.
    pub button: String,
    /// Where 戻る leads (nothing is done).
    pub back: String,
}

impl ConfirmPage {
    /// Renders the page.
    pub fn render(&self) -> Response {
        page::render(self)
    }
}
