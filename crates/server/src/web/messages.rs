//! Japanese wording of errors and field names for the pages.
//!
//! Keyed by the services' error variants (and the workflow's refusals inside
//! them), each matched exhaustively: a new refusal cannot reach a clerk
//! without a sentence chosen for it here.

use shokai_workflow::{ApplicationError, TransitionError};

use crate::service::error::{PinField, ServiceError};

/// What a clerk reads when their role may not do something.
pub const FORBIDDEN: &str = "この操作を行う権限がありません。";

/// Why letter `letter` of `reference` could not be printed, and what to do.
fn unprintable_ja(reference: &str, letter: i64, reason: &str) -> String {
    let why = match reason {
        "unprintable_character" => {
            "氏名または住所に、照会書の書体で印字できない文字があります。この案件を取り消し、住民票の記載を標準の文字で登録し直してください"
        }
        _ => "照会書の作成に失敗しました。システム管理者に連絡してください",
    };
    format!("受付番号 {reference} の照会書（{letter}通目）を印刷できません。{why}。")
}

/// What a clerk reads for `e`.
pub fn error_ja(e: &ServiceError) -> String {
    let fixed = match e {
        ServiceError::Unauthenticated => "ログインしてください。",
        ServiceError::BadCredentials => "ユーザー名またはパスワードが違います。",
        ServiceError::TooManyRequests => {
            "失敗が続いたため、しばらくの間ログインできません。15分ほど待ってから、もう一度お試しください。"
        }
        ServiceError::NotFound { .. } => "お探しのページまたは案件は見つかりません。",
        ServiceError::VersionConflict { .. } => {
            "他の職員が先に更新しました。最新の内容を確認してください。"
        }
        ServiceError::Duplicate { .. } => "同じものが既に登録されています。",
        ServiceError::Purged { .. } => "保存期間を過ぎたため、個人情報は削除されています。",
        ServiceError::BatchEmpty => "発送を待っている照会書はありません。",
        ServiceError::BatchAlreadyMailed { .. } => "このバッチは既に発送済みです。",
        ServiceError::PrintFileDiscarded { .. } => {
            "発送済みのため、印刷用PDFは削除されています（照会番号を含むため）。"
        }
        ServiceError::LetterUnprintable {
            reference,
            letter,
            reason,
        } => return unprintable_ja(reference, *letter, reason),
        ServiceError::TerminalUnavailable => {
            "カードリーダーが使用できません。接続と設定を確認してください。"
        }
        ServiceError::CardUnreadable(shokai_card::CardError::ResetNotAuthorized { .. }) => {
            "カードが初期化（再設定）を受け付けませんでした。初期化は、J-LISに接続した区役所の端末でのみ行えます。端末の設定を確認してください。"
        }
        ServiceError::CardUnreadable(_) => {
            "カードを読み取れません。カードをリーダーに置き直してください。"
        }
        ServiceError::WrongPin(_)
        | ServiceError::PinFormat { .. }
        | ServiceError::PinsNotOfCase(_) => return counter_ja(e),
        ServiceError::Internal(_) => {
            "システムエラーが発生しました。時間をおいてもう一度お試しください。続く場合は管理者に連絡してください。"
        }
        ServiceError::Unprintable { field, ch } => {
            return format!(
                "「{}」の「{ch}」（U+{:04X}）は照会書に印字できない文字です。住民票に記載のとおり、標準の文字で入力してください。",
                field_ja(field),
                u32::from(*ch)
            );
        }
        ServiceError::Invalid { field, message } => {
            return format!(
                "「{}」の入力内容を確認してください（{message}）。",
                field_ja(field)
            );
        }
        ServiceError::Transition(t) | ServiceError::Refused { error: t, .. } => {
            return match checklist_ja(t) {
                Some(named) => named,
                None => with_field(transition_ja(t), e),
            };
        }
        ServiceError::Application(a) => return application_ja(a, e),
    };
    fixed.to_owned()
}

/// A refusal of the PINs typed at the counter (never echoing a PIN).
fn counter_ja(e: &ServiceError) -> String {
    match e {
        ServiceError::WrongPin(w) => format!(
            "{}：現在の暗証番号が違います。あと{}回誤るとロックされ、初期化が必要になります。",
            w.pin.name_ja(),
            w.tries_left
        ),
        ServiceError::PinFormat { pin, which, error } => {
            let which = match which {
                PinField::Current => "現在の",
                PinField::New => "新しい",
            };
            format!(
                "{}：{which}暗証番号の形式が正しくありません（{}）。",
                pin.name_ja(),
                error.message_ja()
            )
        }
        ServiceError::PinsNotOfCase(message) => format!(
            "「{}」の入力内容を確認してください（{message}）。",
            field_ja("changes")
        ),
        other => error_ja(other),
    }
}

/// A refusal's sentence, with the field it is about named after it.
fn with_field(sentence: &str, e: &ServiceError) -> String {
    match e.field() {
        Some(field) => format!("{sentence}（{}）", field_ja(&field)),
        None => sentence.to_owned(),
    }
}

/// A response checklist refusal that names what is missing.
fn checklist_ja(e: &TransitionError) -> Option<String> {
    match e {
        TransitionError::ChecklistIncomplete { missing } => {
            let names: Vec<&str> = missing.iter().map(|m| m.name_ja()).collect();
            Some(format!("未確認の項目があります: {}。", names.join("、")))
        }
        TransitionError::IdDocumentsShort { needed, shown } => Some(format!(
            "代理人（回答書の持参時）の本人確認書類が足りません。必要: {}（A: 官公署発行の顔写真付き書類、B: それ以外の書類）。確認した書類: {}。",
            needed.name_ja(),
            shown_ja(*shown)
        )),
        _ => None,
    }
}

/// A workflow refusal in Japanese.
fn transition_ja(e: &TransitionError) -> &'static str {
    match e {
        TransitionError::RoleNotPermitted { .. } => FORBIDDEN,
        TransitionError::InvalidTransition { .. } => {
            "この案件の現在の状態では、その操作はできません。"
        }
        TransitionError::ReasonRequired { .. } => "理由を入力してください。",
        TransitionError::CaseLocked => {
            "照会番号の誤入力が上限に達したため、ロックされています。監督者によるロック解除が必要です。"
        }
        TransitionError::NotLocked => "この案件はロックされていません。",
        TransitionError::ChecklistIncomplete { .. } => "確認項目に未確認のものがあります。",
        TransitionError::IdDocumentsShort { .. } => "代理人の本人確認書類が足りません。",
        TransitionError::CardNotBound => "受付時のカードと異なるカードです。",
        TransitionError::CodeMalformed(_) => "照会番号の形式が正しくありません（英数字10文字）。",
        TransitionError::CodeMismatch { .. } => "照会番号が一致しません。",
        TransitionError::SupersededCode { .. } => {
            "再発行により無効になった照会書の照会番号です。新しい照会書（回答書）の照会番号を入力してください。"
        }
        TransitionError::UnmailedCode { .. } => {
            "この照会番号の照会書はまだ発送されていないため、受け付けられません。この入力は記録され、誤入力として数えられます。監督者に報告してください。"
        }
        TransitionError::NoLetter => "照会書がまだ発行されていません。",
        TransitionError::LetterAlreadyMailed { .. } => "この照会書は既に発送済みです。",
        TransitionError::UnknownLetter { .. } => "その番号の照会書はありません。",
        TransitionError::LetterSuperseded { .. } => "その照会書は再発行により無効になっています。",
        TransitionError::LetterNotMailed { .. } => "その照会書はまだ発送されていません。",
        TransitionError::LetterNotPrinted { .. } => {
            "その照会書はまだ印刷されていません。発送バッチを締めて印刷してから発送済みにしてください。"
        }
        TransitionError::LetterAlreadyPrinted { .. } => "その照会書は既に印刷されています。",
        TransitionError::PlannedMailingInPast { .. } => {
            "発送予定日には今日以降の日付を指定してください。"
        }
        TransitionError::LetterLimit { .. } => {
            "照会書の発行回数が上限に達しています。監督者が理由を付けて発行してください。"
        }
        TransitionError::LetterTooSoon { .. } => {
            "前回の発行から日数が経っていないため、まだ再発行できません。監督者が理由を付けて発行できます。"
        }
        TransitionError::DeadlinePassed { .. } => "回答期限を過ぎています。",
        TransitionError::DeadlineNotPassed { .. } => "回答期限はまだ過ぎていません。",
        TransitionError::MailingDateOutOfRange { .. } => "発送日が正しくありません。",
        TransitionError::EntryInFuture => "受付日時が未来になっています。",
        TransitionError::EntryBeforeMailing => "受付日時が発送日より前になっています。",
        TransitionError::NotSameDay { .. } => "即日処理の案件は、申請当日にしか完了できません。",
    }
}

/// An application rule in Japanese, on the field it is about.
fn application_ja(a: &ApplicationError, e: &ServiceError) -> String {
    match a {
        ApplicationError::RoleNotPermitted { .. } => FORBIDDEN.to_owned(),
        ApplicationError::SignatureUnder15 { .. }
        | ApplicationError::SignatureForAdultWard
        | ApplicationError::BornAfterApplication
        | ApplicationError::ProofKindMismatch { .. }
        | ApplicationError::ProofTooOld { .. }
        | ApplicationError::ProofIssuedInFuture { .. }
        | ApplicationError::WaiverNotApplicable { .. }
        | ApplicationError::MinorWardIsAdult { .. }
        | ApplicationError::InPersonUnder15 { .. }
        | ApplicationError::ProxyIsCardholder
        | ApplicationError::ReferenceYearMismatch { .. } => format!(
            "「{}」の入力内容を確認してください（{a}）。",
            field_ja(&e.field().unwrap_or_default())
        ),
        ApplicationError::WardStatusMismatch { .. } => "法定代理人の区分（未成年者・成年被後見人）と、カード名義人が成年被後見人かどうかの記録が一致しません。".to_owned(),
        ApplicationError::WaiverOnlyUnder15 { age } => format!(
            "権限を証する書類を省略できるのは15歳未満の方だけです（本市に本籍がある場合、または住民票で続柄を確認できる場合）。{age}歳の方は戸籍全部事項証明書の提出が必要です。"
        ),
        ApplicationError::ProxyForUnder15 { age } => format!(
            "{age}歳の方の手続は、任意代理人ではなく法定代理人（親権者）が行います。法定代理人の区分で受け付けてください。"
        ),
        ApplicationError::ProxyForAdultWard => "成年被後見人の方の手続は、任意代理人ではなく成年後見人（法定代理人）が行います。法定代理人の区分で受け付けてください。".to_owned(),
        ApplicationError::CardHasNoSignatureCertificate => "このカードには署名用電子証明書が搭載されていないため、署名用電子証明書の暗証番号は変更できません。".to_owned(),
        ApplicationError::NothingToReset { reference } => format!(
            "受付番号 {reference} は暗証番号のロックや失念で終了した案件ではないため、初期化（再設定）の案件は作れません。"
        ),
        ApplicationError::NotTheCasesCard { reference } => format!(
            "カードリーダーのカードが、受付番号 {reference} のカードと異なります。その案件のカードを置いてください。"
        ),
        ApplicationError::IdDocumentsShort {
            holder,
            needed,
            shown,
        } => format!(
            "{}の本人確認書類が足りません。必要: {}（A: 官公署発行の顔写真付き書類、B: それ以外の書類）。確認した書類: {}。",
            holder.name_ja(),
            needed.name_ja(),
            shown_ja(*shown)
        ),
        ApplicationError::TakeOverNotInPerson => "本人来庁への切替は、カード名義人ご本人の申請（本人の区分）でのみ行えます。".to_owned(),
        ApplicationError::CardHasOpenCase { reference } => format!(
            "このカードには手続中の申請（受付番号 {reference}）があります。同じカードで二つ目の申請はできません。その申請を完了または取消してから受け付けてください。本人が来庁した場合は、その申請の画面から「本人来庁に切替」を行ってください。"
        ),
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

/// What was shown, by list: 「A 0点、B 1点」 and any no longer accepted.
fn shown_ja(shown: shokai_workflow::IdCount) -> String {
    let mut text = format!("A {}点、B {}点", shown.a, shown.b);
    if shown.not_accepted > 0 {
        text.push_str(&format!(
            "（ほかに使えない書類 {}点: 健康保険証は2025年12月2日以降使えません）",
            shown.not_accepted
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_conflict_tells_the_clerk_someone_else_was_first() {
        let e = ServiceError::VersionConflict { case_id: 3 };
        assert_eq!(
            error_ja(&e),
            "他の職員が先に更新しました。最新の内容を確認してください。"
        );
    }

    #[test]
    fn bad_input_names_the_field_in_japanese() {
        let e = ServiceError::invalid("cardholder.address.postal_code", "7 digits");
        assert_eq!(
            error_ja(&e),
            "「本人 郵便番号」の入力内容を確認してください（7 digits）。"
        );
    }

    #[test]
    fn a_workflow_refusal_on_a_field_names_the_field_after_the_sentence() {
        let e = ServiceError::from(TransitionError::ReasonRequired { event: "cancel" });
        assert_eq!(error_ja(&e), "理由を入力してください。（理由）");
        let e = ServiceError::from(TransitionError::CaseLocked);
        assert_eq!(
            error_ja(&e),
            "照会番号の誤入力が上限に達したため、ロックされています。監督者によるロック解除が必要です。"
        );
    }

    #[test]
    fn a_badly_formed_pin_is_worded_in_japanese_by_pin_and_field_without_the_pin() {
        let typed = "12a4";
        let error = shokai_card::Pin::parse(shokai_card::PinKind::UserAuth, typed).unwrap_err();
        let e = ServiceError::PinFormat {
            pin: shokai_card::PinKind::UserAuth,
            which: PinField::New,
            error,
        };
        let text = error_ja(&e);
        assert!(text.starts_with("利用者証明用"), "{text}");
        assert!(
            text.contains("新しい暗証番号の形式が正しくありません"),
            "{text}"
        );
        assert!(!text.contains(typed), "{text}");
        assert!(
            text.chars().all(|c| !c.is_ascii_lowercase()),
            "no English: {text}"
        );
    }

    #[test]
    fn an_unprintable_letter_names_the_case_and_what_to_do() {
        let e = ServiceError::LetterUnprintable {
            reference: "R8-000123-4".into(),
            letter: 2,
            reason: "unprintable_character",
        };
        let text = error_ja(&e);
        assert!(text.contains("R8-000123-4"), "{text}");
        assert!(text.contains("標準の文字"), "{text}");
    }
}
