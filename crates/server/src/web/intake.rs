//! The intake forms: `/cases/new?path=optional_proxy|in_person|legal_representative`
//!
//! Inputs are named by their path in the JSON API's request
//! (`cardholder.address.postal_code`, …), so a submitted form becomes that
//! request and goes through the API's own parsing into domain types
//! ([`crate::api::json::parse`] into [`Intake`]); a refusal names the same
//! field the API would, and the page shows it there. Before that, every
//! field is checked on its own ([`crate::service::intake_check`]), so the
//! page marks every bad field at once, each in Japanese. The card in the
//! counter's terminal is read and bound to the case by the same service the
//! API uses ([`crate::service::cases::open`]).
//!
//! Each path has its list of documents to check at the counter (the ward
//! office's list of 必要なもの); all must be ticked before a case is opened.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shokai_workflow::domain::{MAX_KANA_CHARS, MAX_NAME_CHARS, MAX_REST_CHARS};
use shokai_workflow::{IdDocumentKind, IdList, Path, PinKind, Procedure};

use super::csrf::{CsrfForm, NoFields};
use super::messages::{error_ja, field_ja};
use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::Operate;
use crate::service::cases::{self, Intake};
use crate::service::error::ServiceError;
use crate::service::intake_check;
use crate::state::AppState;

/// The intake forms' tabs, in the order a counter meets them most.
const TABS: [Path; 3] = [
    Path::OptionalProxy,
    Path::InPerson,
    Path::LegalRepresentative,
];

/// The path of a `path=` value (the workflow's code); the proxy's form by
/// default.
fn path_of(code: &str) -> Path {
    Path::from_code(code).unwrap_or(Path::OptionalProxy)
}

/// The form's heading.
fn title(path: Path) -> &'static str {
    match path {
        Path::OptionalProxy => "任意代理人による申請",
        Path::InPerson => "本人による申請",
        Path::LegalRepresentative => "法定代理人による申請",
    }
}

/// What to check at the counter (the office's list of what to bring).
fn documents(path: Path) -> &'static [(&'static str, &'static str)] {
    match path {
        Path::OptionalProxy => &[
            ("doc_card", "暗証番号を変更する方のマイナンバーカード"),
            (
                "doc_proxy_id",
                "任意代理人の本人確認書類（顔写真のないものでも可）",
            ),
            (
                "doc_explained",
                "即日では完了せず、本人あてに照会書を郵送することを説明した",
            ),
        ],
        Path::InPerson => &[
            ("doc_card", "暗証番号を変更する方のマイナンバーカード"),
            ("doc_identity", "カードの顔写真で本人であることを確認した"),
        ],
        Path::LegalRepresentative => &[
            ("doc_card", "暗証番号を変更する方のマイナンバーカード"),
            (
                "doc_rep_id",
                "法定代理人の顔写真付き本人確認書類（運転免許証など官公署発行のもの）",
            ),
            (
                "doc_proof",
                "代理権の確認書類（15歳未満: 戸籍全部事項証明書、成年被後見人: 成年後見登記事項証明書）、または省略できることを確認した",
            ),
        ],
    }
}

/// `?path=`.
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub path: String,
}

/// One input of the form.
pub struct Field {
    /// Name (the API's JSON path).
    pub name: String,
    /// Element id.
    pub id: String,
    pub label: &'static str,
    /// `text`, `date`, `tel`, `email`, `select`, `checkbox`.
    pub input: &'static str,
    pub required: bool,
    pub hint: &'static str,
    pub value: String,
    /// Options of a select: (value, label, selected).
    pub options: Vec<(&'static str, String, bool)>,
    pub checked: bool,
    pub autocomplete: &'static str,
    pub error: Option<String>,
    /// The most characters the field takes (the envelope window, the
    /// forms), shown with a counter before the clerk reaches it.
    pub max_chars: Option<usize>,
}

impl Field {
    /// The characters typed so far, for the counter.
    pub fn chars(&self) -> usize {
        self.value.chars().count()
    }
}

/// A fieldset of the form.
pub struct Section {
    pub id: &'static str,
    pub legend: &'static str,
    pub note: &'static str,
    pub fields: Vec<Field>,
    /// An error about the whole group (e.g. "the proxy is the cardholder").
    pub error: Option<String>,
}

/// The intake page.
#[derive(Template)]
#[template(path = "intake.html")]
pub struct IntakePage {
    pub chrome: Chrome,
    pub path: &'static str,
    pub title: &'static str,
    pub tabs: Vec<(&'static str, &'static str, bool)>,
    pub sections: Vec<Section>,
    /// What was refused, at the top: (id of the field at fault, what to
    /// fix), every problem at once.
    pub errors: Vec<(String, String)>,
}

/// What was typed, to fill the form again, and what is wrong with it.
struct Typed<'a> {
    pairs: &'a [(String, String)],
    /// (field path, message), in the order of the form.
    errors: &'a [(String, String)],
}

impl Typed<'_> {
    fn value(&self, name: &str) -> String {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn has(&self, name: &str, value: &str) -> bool {
        self.pairs.iter().any(|(k, v)| k == name && v == value)
    }

    /// The error of `name`: a refusal of the field itself, of one of its
    /// parts, or of the value it belongs to (an address as a whole).
    fn error(&self, name: &str) -> Option<String> {
        let part = format!("{name}.");
        self.errors
            .iter()
            .find(|(field, _)| field == name || field.starts_with(&part))
            .map(|(_, message)| message.clone())
    }
}

fn text(t: &Typed<'_>, name: &str, label: &'static str, required: bool) -> Field {
    Field {
        name: name.to_owned(),
        id: name.replace('.', "-"),
        label,
        input: "text",
        required,
        hint: "",
        value: t.value(name),
        options: Vec::new(),
        checked: false,
        autocomplete: "off",
        error: t.error(name),
        max_chars: None,
    }
}

fn limited(mut f: Field, max: usize) -> Field {
    f.max_chars = Some(max);
    f
}

fn with(mut f: Field, input: &'static str, hint: &'static str) -> Field {
    f.input = input;
    f.hint = hint;
    f
}

fn select<L: AsRef<str>>(
    t: &Typed<'_>,
    name: &str,
    label: &'static str,
    options: &[(&'static str, L)],
) -> Field {
    let chosen = t.value(name);
    let mut f = text(t, name, label, true);
    f.input = "select";
    f.options = options
        .iter()
        .map(|(v, l)| (*v, l.as_ref().to_owned(), chosen == *v))
        .collect();
    f
}

fn checkbox(t: &Typed<'_>, name: &str, value: &'static str, label: &'static str) -> Field {
    let mut f = text(t, name, label, false);
    f.input = "checkbox";
    f.id = format!("{}-{}", name.replace('.', "-"), value.replace('_', "-"));
    f.value = value.to_owned();
    f.checked = t.has(name, value);
    f.error = None;
    f
}

fn person(t: &Typed<'_>, prefix: &str) -> Vec<Field> {
    vec![
        limited(
            text(t, &format!("{prefix}.name"), "氏名", true),
            MAX_NAME_CHARS,
        ),
        limited(
            with(
                text(t, &format!("{prefix}.kana"), "フリガナ", true),
                "text",
                "全角カタカナ",
            ),
            MAX_KANA_CHARS,
        ),
    ]
}

/// A document kind as a clerk picks it: its name and its list.
pub fn kind_label(kind: IdDocumentKind) -> String {
    match kind.list() {
        Some(IdList::A) => format!("{}（A）", kind.name_ja()),
        Some(IdList::B) => format!("{}（B）", kind.name_ja()),
        None => kind.name_ja().to_owned(),
    }
}

fn id_document(t: &Typed<'_>, prefix: &str, label: &'static str) -> Vec<Field> {
    let kinds: Vec<(&'static str, String)> = IdDocumentKind::offered()
        .map(|k| (k.code(), kind_label(k)))
        .collect();
    let mut kind = select(t, &format!("{prefix}.kind"), label, &kinds);
    kind.required = !prefix.ends_with("second_id_document");
    vec![
        kind,
        checkbox(
            t,
            &format!("{prefix}.has_photo"),
            "true",
            "顔写真あり（学生証・社員証・「その他」の書類のとき）",
        ),
        with(
            text(
                t,
                &format!("{prefix}.number_last4"),
                "書類番号の末尾4桁",
                false,
            ),
            "text",
            "英数字4文字。マイナンバーカード・旅券・在留カード・特別永住者証明書・資格確認書は番号を記録しません（空欄のまま）。",
        ),
    ]
}

/// The cardholder's fields: name, date of birth, registered address (where
/// the letter goes), telephone, and whether an adult ward.
fn cardholder_fields(t: &Typed<'_>) -> Vec<Field> {
    let mut fields = person(t, "cardholder.name");
    fields.extend([
        with(
            text(t, "cardholder.date_of_birth", "生年月日", true),
            "date",
            "",
        ),
        with(
            text(t, "cardholder.address.postal_code", "郵便番号", true),
            "text",
            "7桁（例: 160-0022）",
        ),
        text(t, "cardholder.address.prefecture", "都道府県", true),
        with(
            text(t, "cardholder.address.city", "市区町村", true),
            "text",
            "都道府県と合わせて24文字まで（封筒の窓の1行目）。",
        ),
        limited(
            with(
                text(t, "cardholder.address.rest", "町名・番地・建物名", true),
                "text",
                "48文字まで（封筒の窓の2行分）。照会書はこの住所へ「転送不要」で郵送します。",
            ),
            MAX_REST_CHARS,
        ),
        with(
            text(t, "cardholder.phone", "電話番号（任意）", false),
            "tel",
            "",
        ),
        checkbox(
            t,
            "cardholder.adult_ward",
            "true",
            "成年被後見人（署名用電子証明書はなく、手続は成年後見人が行います）",
        ),
    ]);
    fields
}

fn sections(path: Path, t: &Typed<'_>) -> Vec<Section> {
    let documents = Section {
        id: "documents",
        legend: "持参書類の確認",
        note: "窓口で確認したものにチェックしてください。すべて必要です。",
        fields: documents(path)
            .iter()
            .map(|&(name, label)| checkbox(t, name, "1", label))
            .collect(),
        error: t.error("documents"),
    };
    let cardholder_fields = cardholder_fields(t);
    let cardholder = Section {
        id: "cardholder",
        legend: "暗証番号を変更する方（カード名義人）",
        note: "",
        fields: cardholder_fields,
        error: None,
    };
    let procedures: Vec<(&'static str, &'static str)> = Procedure::ALL
        .iter()
        .map(|p| (p.code(), p.name_ja()))
        .collect();
    let mut procedure = with(
        select(t, "procedure", "手続の種類", &procedures),
        "select",
        "暗証番号が分からない・ロックされたときは「初期化（再設定）」です。現在の暗証番号は使いません。",
    );
    // Most applications are changes: preselected until the clerk chooses.
    if !procedure.options.iter().any(|(_, _, chosen)| *chosen) {
        procedure.options[0].2 = true;
    }
    let mut pin_fields = vec![procedure];
    pin_fields.extend(
        PinKind::ALL
            .iter()
            .map(|k| checkbox(t, "pins", k.code(), k.name_ja())),
    );
    let pins = Section {
        id: "pins",
        legend: "変更・初期化する暗証番号",
        note: "15歳未満の方と成年被後見人の方は、署名用電子証明書がないため選べません。",
        fields: pin_fields,
        error: t.error("pins"),
    };
    let mut out = vec![documents, cardholder];
    if let Some(rep) = representative(path, t) {
        out.push(rep);
    }
    out.push(pins);
    out
}

fn representative(path: Path, t: &Typed<'_>) -> Option<Section> {
    let mut fields = person(t, "representation.person");
    let legend = match path {
        Path::InPerson => return None,
        Path::OptionalProxy => {
            fields.push(with(
                text(t, "representation.date_of_birth", "生年月日", true),
                "date",
                "",
            ));
            fields.extend(documents_of(t, "2点目の本人確認書類（必要なとき）"));
            fields.push(with(
                text(t, "representation.phone", "電話番号（任意）", false),
                "tel",
                "状況確認ページで、末尾4桁を本人確認に使います。",
            ));
            fields.push(with(
                text(t, "representation.email", "メールアドレス（任意）", false),
                "email",
                "照会書の発送と期限前のお知らせを送ります。",
            ));
            "任意代理人"
        }
        Path::LegalRepresentative => {
            fields.extend(legal_rep_fields(t));
            "法定代理人"
        }
    };
    Some(Section {
        id: "representation",
        legend,
        note: "",
        fields,
        error: t
            .errors
            .iter()
            .find(|(f, _)| f == "representation")
            .map(|(_, m)| m.clone()),
    })
}

/// The representative's identity document and an optional second one
/// (labelled `second`), for offices that ask two from list B.
fn documents_of(t: &Typed<'_>, second: &'static str) -> Vec<Field> {
    let mut fields = id_document(t, "representation.id_document", "本人確認書類の種類");
    fields.extend(id_document(t, "representation.second_id_document", second));
    fields
}

/// A legal representative's fields: photo ID, the ward, and the proof of
/// authority (or why it is waived).
fn legal_rep_fields(t: &Typed<'_>) -> Vec<Field> {
    let mut out = Vec::new();
    out.extend(documents_of(t, "2点目の本人確認書類（B 2点のとき）"));
    out.push(select(
        t,
        "representation.ward",
        "本人の区分",
        &[
            ("minor", "未成年者（15歳未満など）"),
            ("adult_ward", "成年被後見人"),
        ],
    ));
    out.push(select(
        t,
        "representation.proof.type",
        "代理権の確認",
        &[
            ("certificate", "証明書を確認した"),
            ("waived", "証明書の提出を省略する"),
        ],
    ));
    out.push(select(
        t,
        "representation.proof.kind",
        "証明書の種類（証明書を確認したとき）",
        &[
            ("family_register", "戸籍全部事項証明書"),
            (
                "guardianship_registration",
                "登記事項証明書（成年後見登記）",
            ),
        ],
    ));
    out.push(with(
        text(
            t,
            "representation.proof.issued_on",
            "証明書の発行日（証明書を確認したとき）",
            false,
        ),
        "date",
        "発行から3か月以内のもの",
    ));
    out.push(select(
        t,
        "representation.proof.reason",
        "省略の理由（省略するとき）",
        &[
            ("same_household", "住民記録で同一世帯・続柄を確認できる"),
            (
                "family_register_held_by_city",
                "本籍が当区にあり戸籍を確認できる",
            ),
        ],
    ));
    out.push(with(
        text(t, "representation.phone", "電話番号（任意）", false),
        "tel",
        "",
    ));
    out
}

fn intake_page(
    chrome: Chrome,
    path: Path,
    pairs: &[(String, String)],
    errors: &[(String, String)],
) -> IntakePage {
    let typed = Typed { pairs, errors };
    IntakePage {
        chrome: chrome.at("new"),
        path: path.code(),
        title: title(path),
        tabs: TABS
            .iter()
            .map(|p| (p.code(), title(*p), *p == path))
            .collect(),
        sections: sections(path, &typed),
        errors: errors
            .iter()
            .map(|(field, message)| (target_of(field), summary_of(field, message)))
            .collect(),
    }
}

/// The element a summary line links to: the field's input, or its group.
fn target_of(field: &str) -> String {
    match field {
        "pins" | "documents" | "representation" | "card" => field.to_owned(),
        other => other.replace('.', "-"),
    }
}

/// A summary line: the field's label, then what to fix.
fn summary_of(field: &str, message: &str) -> String {
    match field_ja(field) {
        "入力項目" => message.to_owned(),
        label => format!("{label}: {message}"),
    }
}

/// `GET /cases/new?path=`.
pub async fn form(auth: WebAuthorized<Operate>, Query(q): Query<NewQuery>) -> Response {
    let path = path_of(&q.path);
    page::render(&intake_page(auth.chrome, path, &[], &[]))
}

/// Sets `value` at the dotted `path` inside `root`.
fn set(root: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts = path.split('.').peekable();
    let mut node = root;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            node.insert(part.to_owned(), value);
            return;
        }
        let next = node
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        let Value::Object(map) = next else { return };
        node = map;
    }
}

/// Whether a document of `kind` (a code) has a photo: the workflow decides
/// by kind where it can, the clerk's tick otherwise.
fn has_photo(kind: &str, ticked: bool) -> bool {
    IdDocumentKind::from_code(kind).map_or(ticked, |k| k.photo_given(ticked))
}

/// The JSON API's intake request from the form's fields.
pub fn to_request(path: Path, pairs: &[(String, String)]) -> Value {
    let mut root = Map::new();
    let mut pins = Vec::new();
    for (key, value) in pairs {
        let value = value.trim();
        let skip = key == "csrf" || key == "path" || key.starts_with("doc_");
        if skip || value.is_empty() || key.ends_with(".has_photo") {
            continue;
        }
        if key == "pins" {
            pins.push(json!(value));
        } else if key == "procedure" {
            root.insert("procedure".to_owned(), json!(value));
        } else if key == "cardholder.adult_ward" {
            set(&mut root, key, json!(value == "true"));
        } else if key.starts_with("cardholder.")
            || (key.starts_with("representation.") && path != Path::InPerson)
        {
            set(&mut root, key, json!(value));
        }
    }
    root.insert("pins".to_owned(), Value::Array(pins));
    let mut representation = match root.remove("representation") {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    representation.insert("path".to_owned(), json!(path.code()));
    // A second document without a kind was not shown: a number typed
    // there alone is dropped with it.
    let no_second_kind = match representation.get("second_id_document") {
        Some(Value::Object(doc)) => !doc.contains_key("kind"),
        _ => false,
    };
    if no_second_kind {
        representation.remove("second_id_document");
    }
    for name in ["id_document", "second_id_document"] {
        if let Some(Value::Object(doc)) = representation.get_mut(name) {
            let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
            let tick = format!("representation.{name}.has_photo");
            let ticked = pairs.iter().any(|(k, v)| *k == tick && v == "true");
            doc.insert("has_photo".to_owned(), json!(has_photo(kind, ticked)));
        }
    }
    if let Some(Value::Object(proof)) = representation.get_mut("proof") {
        match proof.get("type").and_then(Value::as_str) {
            Some("certificate") => {
                proof.remove("reason");
            }
            Some("waived") => {
                proof.remove("kind");
                proof.remove("issued_on");
            }
            _ => {}
        }
    }
    root.insert("representation".to_owned(), Value::Object(representation));
    Value::Object(root)
}

/// The documents of `path` not ticked.
fn unchecked(path: Path, pairs: &[(String, String)]) -> bool {
    documents(path)
        .iter()
        .any(|(name, _)| !pairs.iter().any(|(k, v)| k == name && v == "1"))
}

/// `POST /cases/new`: opens the case and goes to its page.
pub async fn submit(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    CsrfForm(NoFields {}, body): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let path = path_of(&super::csrf::field(&body, "path").unwrap_or_default());
    let again = |status: StatusCode, errors: Vec<(String, String)>| {
        let page = intake_page(auth.chrome.clone(), path, &pairs, &errors);
        Ok(page::render_with(status, &page))
    };
    let request = to_request(path, &pairs);
    let mut errors: Vec<(String, String)> = Vec::new();
    if unchecked(path, &pairs) {
        let message = "持参書類の確認が済んでいない項目があります。すべて確認してください。";
        errors.push(("documents".to_owned(), message.to_owned()));
    }
    errors.extend(
        intake_check::problems(&request)
            .into_iter()
            .map(|p| (p.field, p.message)),
    );
    if !errors.is_empty() {
        return again(StatusCode::UNPROCESSABLE_ENTITY, errors);
    }
    let bytes = serde_json::to_vec(&request).map_err(|e| auth.fail(ServiceError::internal(e)))?;
    let outcome = match crate::api::json::parse::<Intake>(&bytes) {
        Ok(intake) => cases::open(&state, &auth.caller, intake).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(case) => {
            let receipt = if path == Path::OptionalProxy {
                "代理人の方に受付控えを印刷してお渡しください。"
            } else {
                ""
            };
            Ok(page::done(
                &format!("/cases/{}", case.id),
                format!(
                    "受付しました。受付番号は {} です。{receipt}",
                    case.reference
                ),
            ))
        }
        Err(e @ (ServiceError::Internal(_) | ServiceError::Unauthenticated)) => Err(auth.fail(e)),
        Err(e) => {
            let message = error_ja(&e);
            // The card in the terminal, or a refusal of the case as a whole.
            let field = e.field().unwrap_or_else(|| "card".to_owned());
            let (status, _) = page::status_of(e);
            again(status, vec![(field, message)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn proxy_form() -> Vec<(String, String)> {
        pairs(&[
            ("csrf", "x"),
            ("path", "optional_proxy"),
            ("doc_card", "1"),
            ("cardholder.name.name", "山田 太郎"),
            ("cardholder.name.kana", "ヤマダ タロウ"),
            ("cardholder.date_of_birth", "1980-04-01"),
            ("cardholder.address.postal_code", "160-0022"),
            ("cardholder.address.prefecture", "東京都"),
            ("cardholder.address.city", "新宿区"),
            ("cardholder.address.rest", "新宿一丁目1番1号"),
            ("cardholder.phone", ""),
            ("representation.person.name", "佐藤 花子"),
            ("representation.person.kana", "サトウ ハナコ"),
            ("representation.date_of_birth", "1985-06-15"),
            ("representation.id_document.kind", "pension_book"),
            ("representation.id_document.number_last4", "1234"),
            ("pins", "user_auth"),
            ("pins", "resident"),
        ])
    }

    #[test]
    fn a_proxy_form_becomes_the_apis_intake_request_and_parses() {
        let request = to_request(Path::OptionalProxy, &proxy_form());
        assert_eq!(request["representation"]["path"], "optional_proxy");
        assert_eq!(request["representation"]["id_document"]["has_photo"], false);
        assert_eq!(request["pins"], json!(["user_auth", "resident"]));
        assert!(
            request["cardholder"].get("phone").is_none(),
            "empty is absent"
        );
        let bytes = serde_json::to_vec(&request).unwrap();
        let intake = crate::api::json::parse::<Intake>(&bytes).unwrap();
        assert_eq!(intake.pins.codes(), "user_auth,resident");
    }

    #[test]
    fn a_second_document_is_sent_only_when_its_kind_is_chosen() {
        let mut form = proxy_form();
        form.push((
            "representation.second_id_document.number_last4".into(),
            "9999".into(),
        ));
        let request = to_request(Path::OptionalProxy, &form);
        assert!(
            request["representation"]
                .get("second_id_document")
                .is_none(),
            "a number without a kind is dropped: {request}"
        );
        form.push((
            "representation.second_id_document.kind".into(),
            "student_card".into(),
        ));
        form.push((
            "representation.second_id_document.has_photo".into(),
            "true".into(),
        ));
        let request = to_request(Path::OptionalProxy, &form);
        let bytes = serde_json::to_vec(&request).unwrap();
        let intake = crate::api::json::parse::<Intake>(&bytes).unwrap();
        let shokai_workflow::Representation::OptionalProxy(proxy) = intake.representation else {
            panic!("a proxy");
        };
        let second = proxy.second_id_document.unwrap();
        assert_eq!(second.kind(), IdDocumentKind::StudentCard);
        assert!(second.has_photo());
        assert_eq!(
            second.list(),
            Some(IdList::B),
            "a student card is list B, photo or not"
        );
    }

    #[test]
    fn the_adult_ward_box_records_the_cardholder_as_an_adult_ward() {
        let mut form = proxy_form();
        form.push(("cardholder.adult_ward".into(), "true".into()));
        let ticked = to_request(Path::InPerson, &form);
        let unticked = to_request(Path::InPerson, &proxy_form());
        let bytes = serde_json::to_vec(&ticked).unwrap();
        let intake = crate::api::json::parse::<Intake>(&bytes).unwrap();
        assert!(intake.cardholder.adult_ward);
        let bytes = serde_json::to_vec(&unticked).unwrap();
        let intake = crate::api::json::parse::<Intake>(&bytes).unwrap();
        assert!(
            !intake.cardholder.adult_ward,
            "absent means not an adult ward"
        );
    }

    #[test]
    fn an_in_person_form_ignores_representative_fields() {
        let mut form = proxy_form();
        form.push(("representation.ward".into(), "minor".into()));
        let request = to_request(Path::InPerson, &form);
        assert_eq!(request["representation"], json!({ "path": "in_person" }));
    }

    #[test]
    fn a_licence_always_has_a_photo_and_other_documents_follow_the_tick() {
        assert!(has_photo("drivers_licence", false));
        assert!(!has_photo("pension_book", true));
        assert!(has_photo("other", true));
        assert!(!has_photo("other", false));
    }

    #[test]
    fn a_bad_postal_code_is_refused_on_the_address_field() {
        let mut form = proxy_form();
        for (k, v) in &mut form {
            if k == "cardholder.address.postal_code" {
                *v = "12".into();
            }
        }
        let bytes = serde_json::to_vec(&to_request(Path::OptionalProxy, &form)).unwrap();
        match crate::api::json::parse::<Intake>(&bytes) {
            Err(ServiceError::Invalid { field, .. }) => {
                assert!(field.starts_with("cardholder.address"), "{field}");
            }
            other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn every_document_of_the_path_must_be_ticked() {
        let form = proxy_form();
        assert!(unchecked(Path::OptionalProxy, &form));
        let mut all = form.clone();
        all.push(("doc_proxy_id".into(), "1".into()));
        all.push(("doc_explained".into(), "1".into()));
        assert!(!unchecked(Path::OptionalProxy, &all));
    }
}
