//! Every problem of an intake request's fields at once, in Japanese.
//!
//! Deserializing the request stops at its first bad field, and its message
//! is the developers' English. The intake page wants every bad field marked
//! at once, each beside its input: this walks the request (the API's JSON,
//! which the page builds from its form) field by field with the workflow's
//! own parsers, and words each refusal with the workflow's `message_ja`.
//! Rules across fields (age, path, documents) stay with the workflow's
//! `Application::open`, after every field parses.

use serde_json::Value;
use shokai_workflow::Path;
use shokai_workflow::domain::{
    Address, DateOfBirth, Email, IdDocument, IdDocumentKind, PersonName, PersonNameError, Phone,
    PinSet,
};

/// A field of the request and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field, as a path into the request (`cardholder.address.rest`).
    pub field: String,
    /// What the clerk reads, in Japanese.
    pub message: String,
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, field: &str, message: String) {
        self.0.push(Problem {
            field: field.to_owned(),
            message,
        });
    }
}

/// The text at the dotted `path` of `root`, trimmed; "" when absent.
fn text<'a>(root: &'a Value, path: &str) -> &'a str {
    path.split('.')
        .try_fold(root, |node, part| node.get(part))
        .and_then(Value::as_str)
        .map_or("", str::trim)
}

fn required(out: &mut Problems, root: &Value, field: &str, what: &str) -> bool {
    let present = !text(root, field).is_empty();
    if !present {
        out.add(field, format!("{what}を入力してください。"));
    }
    present
}

fn chosen(out: &mut Problems, root: &Value, field: &str, what: &str) -> bool {
    let present = !text(root, field).is_empty();
    if !present {
        out.add(field, format!("{what}を選んでください。"));
    }
    present
}

fn person(out: &mut Problems, root: &Value, prefix: &str) {
    let problems = PersonName::problems(
        text(root, &format!("{prefix}.name")),
        text(root, &format!("{prefix}.kana")),
    );
    let mut put = |part: &str, e: Option<PersonNameError>| {
        if let Some(e) = e {
            out.add(&format!("{prefix}.{part}"), e.message_ja());
        }
    };
    put("name", problems.name);
    put("kana", problems.kana);
}

fn date_of_birth(out: &mut Problems, root: &Value, field: &str) {
    if required(out, root, field, "生年月日")
        && let Err(e) = DateOfBirth::parse(text(root, field))
    {
        out.add(field, e.message_ja());
    }
}

fn address(out: &mut Problems, root: &Value, prefix: &str) {
    let part = |name: &str| text(root, &format!("{prefix}.{name}"));
    let problems = Address::problems(
        part("postal_code"),
        part("prefecture"),
        part("city"),
        part("rest"),
    );
    if let Some(e) = problems.postal_code {
        out.add(&format!("{prefix}.postal_code"), e.message_ja());
    }
    for (name, e) in [
        ("prefecture", problems.prefecture),
        ("city", problems.city),
        ("rest", problems.rest),
    ] {
        if let Some(e) = e {
            out.add(&format!("{prefix}.{name}"), e.message_ja());
        }
    }
}

fn optional<E>(
    out: &mut Problems,
    root: &Value,
    field: &str,
    parse: impl Fn(&str) -> Result<(), E>,
    ja: impl Fn(&E) -> String,
) {
    let value = text(root, field);
    if !value.is_empty()
        && let Err(e) = parse(value)
    {
        out.add(field, ja(&e));
    }
}

fn phone(out: &mut Problems, root: &Value, field: &str) {
    optional(
        out,
        root,
        field,
        |v| Phone::parse(v).map(drop),
        |e| e.message_ja(),
    );
}

/// An identity document; `needed` when the path asks for one.
fn id_document(out: &mut Problems, root: &Value, prefix: &str, needed: bool) {
    let kind_field = format!("{prefix}.kind");
    let code = text(root, &kind_field);
    if code.is_empty() {
        if needed {
            out.add(
                &kind_field,
                "本人確認書類の種類を選んでください。".to_owned(),
            );
        }
        return;
    }
    let Some(kind) = IdDocumentKind::from_code(code) else {
        out.add(&kind_field, "選べない本人確認書類の種類です。".to_owned());
        return;
    };
    let has_photo = root
        .pointer(&format!("/{}/has_photo", prefix.replace('.', "/")))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let number = text(root, &format!("{prefix}.number_last4"));
    if let Err(e) = IdDocument::parse(kind, has_photo, number) {
        out.add(&format!("{prefix}.number_last4"), e.message_ja());
    }
}

fn pins(out: &mut Problems, root: &Value) {
    let codes: Vec<&str> = root
        .get("pins")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Err(e) = PinSet::parse(&codes.join(",")) {
        out.add("pins", e.message_ja());
    }
}

fn legal_representative(out: &mut Problems, root: &Value) {
    chosen(out, root, "representation.ward", "本人の区分");
    if !chosen(out, root, "representation.proof.type", "代理権の確認") {
        return;
    }
    match text(root, "representation.proof.type") {
        "certificate" => {
            chosen(out, root, "representation.proof.kind", "証明書の種類");
            let issued = "representation.proof.issued_on";
            if required(out, root, issued, "証明書の発行日")
                && chrono::NaiveDate::parse_from_str(text(root, issued), "%Y-%m-%d").is_err()
            {
                out.add(
                    issued,
                    "証明書の発行日を正しい日付で入力してください。".to_owned(),
                );
            }
        }
        _ => {
            chosen(out, root, "representation.proof.reason", "省略の理由");
        }
    }
}

/// Every problem of the fields of intake request `request`, in the order
/// of the form; empty when every field parses.
pub fn problems(request: &Value) -> Vec<Problem> {
    let mut out = Problems::default();
    person(&mut out, request, "cardholder.name");
    date_of_birth(&mut out, request, "cardholder.date_of_birth");
    address(&mut out, request, "cardholder.address");
    phone(&mut out, request, "cardholder.phone");
    let path = Path::from_code(text(request, "representation.path"));
    if matches!(path, Some(Path::OptionalProxy | Path::LegalRepresentative)) {
        person(&mut out, request, "representation.person");
        if path == Some(Path::OptionalProxy) {
            date_of_birth(&mut out, request, "representation.date_of_birth");
        }
        id_document(&mut out, request, "representation.id_document", true);
        id_document(
            &mut out,
            request,
            "representation.second_id_document",
            false,
        );
        phone(&mut out, request, "representation.phone");
    }
    match path {
        Some(Path::OptionalProxy) => {
            optional(
                &mut out,
                request,
                "representation.email",
                |v| Email::parse(v).map(drop),
                |e| e.message_ja(),
            );
        }
        Some(Path::LegalRepresentative) => legal_representative(&mut out, request),
        Some(Path::InPerson) => {}
        None => out.add("representation", "申請区分を選んでください。".to_owned()),
    }
    pins(&mut out, request);
    out.0
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn proxy_request() -> Value {
        json!({
            "cardholder": {
                "name": {"name": "山田 太郎", "kana": "ヤマダ タロウ"},
                "date_of_birth": "1980-04-01",
                "address": {"postal_code": "160-0022", "prefecture": "東京都", "city": "新宿区", "rest": "新宿一丁目1番1号"},
            },
            "representation": {
                "path": "optional_proxy",
                "person": {"name": "山田 花子", "kana": "ヤマダ ハナコ"},
                "date_of_birth": "1982-05-02",
                "id_document": {"kind": "drivers_licence", "has_photo": true, "number_last4": "1234"},
            },
            "pins": ["user_auth"],
        })
    }

    fn fields(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.field.as_str()).collect()
    }

    #[test]
    fn a_complete_proxy_request_has_no_problem() {
        assert_eq!(problems(&proxy_request()), vec![]);
    }

    #[test]
    fn every_bad_field_is_named_at_once_in_japanese() {
        let mut request = proxy_request();
        request["cardholder"]["name"]["kana"] = json!("yamada");
        request["cardholder"]["address"]["postal_code"] = json!("16");
        request["cardholder"]["address"]["rest"] = json!("あ".repeat(49));
        request["representation"]["email"] = json!("not-an-address");
        request["pins"] = json!([]);
        let found = problems(&request);
        assert_eq!(
            fields(&found),
            [
                "cardholder.name.kana",
                "cardholder.address.postal_code",
                "cardholder.address.rest",
                "representation.email",
                "pins",
            ]
        );
        for p in &found {
            assert!(!shokai_workflow::ja::has_english(&p.message), "{p:?}");
        }
        assert!(found[2].message.contains("48文字まで"), "{:?}", found[2]);
    }

    #[test]
    fn an_empty_form_asks_for_each_required_field() {
        let request = json!({"representation": {"path": "optional_proxy"}, "pins": []});
        let found = fields(&problems(&request)).join(" ");
        for field in [
            "cardholder.name.name",
            "cardholder.name.kana",
            "cardholder.date_of_birth",
            "cardholder.address.postal_code",
            "cardholder.address.prefecture",
            "cardholder.address.city",
            "cardholder.address.rest",
            "representation.person.name",
            "representation.date_of_birth",
            "representation.id_document.kind",
            "pins",
        ] {
            assert!(found.contains(field), "{field} missing from {found}");
        }
    }

    #[test]
    fn a_legal_representative_must_say_how_authority_was_checked() {
        let mut request = proxy_request();
        request["representation"]["path"] = json!("legal_representative");
        request["representation"]["proof"] = json!({"type": "certificate"});
        let found = fields(&problems(&request)).join(" ");
        assert!(found.contains("representation.ward"), "{found}");
        assert!(found.contains("representation.proof.kind"), "{found}");
        assert!(found.contains("representation.proof.issued_on"), "{found}");
    }

    #[test]
    fn an_in_person_request_ignores_representative_fields() {
        let mut request = proxy_request();
        request["representation"] = json!({"path": "in_person"});
        assert_eq!(problems(&request), vec![]);
    }
}
