//! Japanese wording of errors and field names for the pages.
//!
//! The API's stable error codes are the key: a page says in Japanese what
//! the code means and what to do next. An unknown code falls back to a
//! generic sentence naming it, so a new workflow refusal is never silent.

use crate::api::error::AppError;

/// What a clerk reads for `e`.
pub fn error_ja(e: &AppError) -> String {
    let fixed = match e.code() {
        "unauthenticated" => "ログインしてください。",
        "bad_credentials" => "ユーザー名またはパスワードが違います。",
        "forbidden" | "role_not_permitted" => "この操作を行う権限がありません。",
        "not_found" => "お探しのページまたは案件は見つかりません。",
        "too_many_requests" => {
            "失敗が続いたため、しばらくの間ログインできません。15分ほど待ってから、もう一度お試しください。"
        }
        "version_conflict" => "他の職員が先に更新しました。最新の内容を確認してください。",
        "invalid_transition" => "この案件の現在の状態では、その操作はできません。",
        "duplicate" => "同じものが既に登録されています。",
        "reason_required" => "理由を入力してください。",
        "case_locked" => {
            "照会番号の誤入力が上限に達したため、ロックされています。監督者によるロック解除が必要です。"
        }
        "not_locked" => "この案件はロックされていません。",
        "checklist_incomplete" => "確認項目に未確認のものがあります。",
        "card_not_bound" => "受付時のカードと異なるカードです。",
        "code_malformed" => "照会番号の形式が正しくありません（英数字10文字）。",
        "code_mismatch" => "照会番号が一致しません。",
        "no_letter" => "照会書がまだ発行されていません。",
        "letter_already_mailed" => "この照会書は既に発送済みです。",
        "unknown_letter" => "その番号の照会書はありません。",
        "letter_superseded" => "その照会書は再発行により無効になっています。",
        "letter_not_mailed" => "その照会書はまだ発送されていません。",
        "letter_limit" => {
            "照会書の発行回数が上限に達しています。監督者が理由を付けて発行してください。"
        }
        "letter_too_soon" => {
            "前回の発行から日数が経っていないため、まだ再発行できません。監督者が理由を付けて発行できます。"
        }
        "deadline_passed" => "回答期限を過ぎています。",
        "deadline_not_passed" => "回答期限はまだ過ぎていません。",
        "mailing_date_out_of_range" => "発送日が正しくありません。",
        "entry_in_future" => "受付日時が未来になっています。",
        "entry_before_mailing" => "受付日時が発送日より前になっています。",
        "not_same_day" => "即日処理の案件は、申請当日にしか完了できません。",
        "card_terminal_unavailable" => {
            "カードリーダーが使用できません。接続と設定を確認してください。"
        }
        "card_unreadable" => "カードを読み取れません。カードをリーダーに置き直してください。",
        "purged" => "保存期間を過ぎたため、個人情報は削除されています。",
        "internal" => {
            "システムエラーが発生しました。時間をおいてもう一度お試しください。続く場合は管理者に連絡してください。"
        }
        _ => "",
    };
    match e {
        AppError::Invalid { field, message, .. } if fixed.is_empty() => {
            format!(
                "「{}」の入力内容を確認してください（{message}）。",
                field_ja(field)
            )
        }
        AppError::Invalid { field, .. } if e.code() != "invalid_input" => {
            format!("{fixed}（{}）", field_ja(field))
        }
        _ if fixed.is_empty() => format!("操作できませんでした（{}）。", e.code()),
        _ => fixed.to_owned(),
    }
}

/// The Japanese label of a field named by its path in the API's request.
pub fn field_ja(path: &str) -> &'static str {
    match path {
        "cardholder.name" | "cardholder.name.name" => "本人 氏名",
        "cardholder.name.kana" => "本人 フリガナ",
        "cardholder.address" => "本人 住所",
        "cardholder.address.postal_code" => "本人 郵便番号",
        "cardholder.address.prefecture" => "本人 都道府県",
        "cardholder.address.city" => "本人 市区町村",
        "cardholder.address.rest" => "本人 町名・番地",
        "cardholder.date_of_birth" => "本人 生年月日",
        "cardholder.phone" => "本人 電話番号",
        "representation" => "申請区分",
        "representation.person" | "representation.person.name" => "代理人 氏名",
        "representation.person.kana" => "代理人 フリガナ",
        "representation.date_of_birth" => "代理人 生年月日",
        "representation.id_document" => "代理人 本人確認書類",
        "representation.id_document.kind" => "代理人 本人確認書類の種類",
        "representation.id_document.number_last4" => "代理人 本人確認書類の番号（末尾4桁）",
        "representation.phone" => "代理人 電話番号",
        "representation.email" => "代理人 メールアドレス",
        "representation.ward" => "本人の区分（未成年者・成年被後見人）",
        "representation.proof" => "代理権の確認書類",
        "pins" => "変更する暗証番号",
        "reason" => "理由",
        "override_reason" => "理由",
        "version" => "版",
        "code" => "照会番号",
        "checklist" => "確認項目",
        "letter" => "照会書番号",
        "state" => "状態",
        _ => "入力項目",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_conflict_tells_the_clerk_someone_else_was_first() {
        let e = AppError::Conflict {
            code: "version_conflict",
            message: "x".into(),
        };
        assert_eq!(
            error_ja(&e),
            "他の職員が先に更新しました。最新の内容を確認してください。"
        );
    }

    #[test]
    fn bad_input_names_the_field_in_japanese() {
        let e = AppError::invalid("cardholder.address.postal_code", "7 digits");
        assert_eq!(
            error_ja(&e),
            "「本人 郵便番号」の入力内容を確認してください（7 digits）。"
        );
    }

    #[test]
    fn an_unknown_code_is_named_rather_than_hidden() {
        let e = AppError::Conflict {
            code: "something_new",
            message: "x".into(),
        };
        assert!(error_ja(&e).contains("something_new"));
    }
}
