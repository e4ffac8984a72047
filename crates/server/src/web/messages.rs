//! Japanese wording of errors and field names for the pages.
//!
//! Keyed by the services' error variants (and the workflow's refusals inside
//! them), each matched exhaustively: a new refusal cannot reach a clerk
//! without a sentence chosen for it here.

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

/// How long to wait, in words: 「30秒ほど」, 「5分ほど」 (minutes rounded up).
pub fn wait_ja(secs: u64) -> String {
    if secs < 60 {
        format!("{}秒ほど", secs.max(1))
    } else {
        format!("{}分ほど", secs.div_ceil(60))
    }
}

/// What a clerk reads for `e`.
pub fn error_ja(e: &ServiceError) -> String {
    let fixed = match e {
        ServiceError::Unauthenticated => "ログインしてください。",
        ServiceError::BadCredentials => "ユーザー名またはパスワードが違います。",
        ServiceError::TooManyRequests { retry_after_secs } => {
            return format!(
                "失敗が続いたため、しばらくの間ログインできません。{}待ってから、もう一度お試しください。",
                wait_ja(*retry_after_secs)
            );
        }
        ServiceError::NotFound { .. } => "お探しのページまたは案件は見つかりません。",
        ServiceError::VersionConflict { .. } => {
            "他の職員が先に更新しました。最新の内容を確認してください。"
        }
        ServiceError::Duplicate { .. } => "同じものが既に登録されています。",
        ServiceError::Purged { .. } => "保存期間を過ぎたため、個人情報は削除されています。",
        ServiceError::BatchEmpty => "発送を待っている照会書はありません。",
        ServiceError::BatchAlreadyMailed { mailed_on, .. } => {
            return format!(
                "このバッチは既に発送済みです（発送日 {}）。",
                shokai_workflow::ja::date_ja(*mailed_on)
            );
        }
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
        ServiceError::CardUnreadable(card) => return card.message_ja(),
        ServiceError::WrongPin(_) | ServiceError::PinFormat { .. } => return counter_ja(e),
        ServiceError::PinsNotOfCase(problem) => return problem.message_ja(),
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
        ServiceError::Invalid {
            message_ja: Some(message),
            ..
        } => return message.clone(),
        ServiceError::Invalid { field, .. } => {
            return format!("「{}」の入力内容を確認してください。", field_ja(field));
        }
        ServiceError::Transition(t) | ServiceError::Refused { error: t, .. } => {
            return t.message_ja();
        }
        ServiceError::Application(a) => return a.message_ja(),
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
        other => error_ja(other),
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
    use shokai_card::{CardError, PinKind};
    use shokai_workflow::TransitionError;
    use shokai_workflow::ja::{examples, has_english};

    use super::*;
    use crate::service::error::{PinsProblem, WrongPin};

    #[test]
    fn a_wait_is_said_in_seconds_under_a_minute_and_in_whole_minutes_rounded_up_above() {
        assert_eq!(wait_ja(1), "1秒ほど");
        assert_eq!(wait_ja(59), "59秒ほど");
        assert_eq!(wait_ja(60), "1分ほど");
        assert_eq!(wait_ja(61), "2分ほど");
        let refused = ServiceError::TooManyRequests {
            retry_after_secs: 90,
        };
        assert!(
            error_ja(&refused).contains("2分ほど待ってから"),
            "{}",
            error_ja(&refused)
        );
    }

    #[test]
    fn a_version_conflict_tells_the_clerk_someone_else_was_first() {
        let e = ServiceError::VersionConflict { case_id: 3 };
        assert_eq!(
            error_ja(&e),
            "他の職員が先に更新しました。最新の内容を確認してください。"
        );
    }

    #[test]
    fn bad_input_names_the_field_in_japanese_without_the_apis_english() {
        let e = ServiceError::invalid("cardholder.address.postal_code", "7 digits");
        assert_eq!(
            error_ja(&e),
            "「本人 郵便番号」の入力内容を確認してください。"
        );
    }

    #[test]
    fn a_workflow_refusal_is_worded_by_the_workflow() {
        let e = ServiceError::from(TransitionError::ReasonRequired { event: "cancel" });
        assert_eq!(error_ja(&e), "「取消」には理由を入力してください。");
        let e = ServiceError::from(TransitionError::CaseLocked);
        assert_eq!(
            error_ja(&e),
            "照会番号の誤入力が上限に達したため、ロックされています。監督者によるロック解除が必要です。"
        );
    }

    /// Matches every variant with no `_` arm: a new refusal does not compile
    /// until it is listed here, and then added to the walk below.
    fn covers(e: &ServiceError) {
        match e {
            ServiceError::Unauthenticated
            | ServiceError::BadCredentials
            | ServiceError::TooManyRequests { .. }
            | ServiceError::NotFound { .. }
            | ServiceError::Invalid { .. }
            | ServiceError::Unprintable { .. }
            | ServiceError::Application(_)
            | ServiceError::Transition(_)
            // Worded by the same arm as `Transition`: walked through it.
            | ServiceError::Refused { .. }
            | ServiceError::VersionConflict { .. }
            | ServiceError::Duplicate { .. }
            | ServiceError::Purged { .. }
            | ServiceError::BatchEmpty
            | ServiceError::BatchAlreadyMailed { .. }
            | ServiceError::PrintFileDiscarded { .. }
            | ServiceError::LetterUnprintable { .. }
            | ServiceError::PinFormat { .. }
            | ServiceError::PinsNotOfCase(_)
            | ServiceError::WrongPin(_)
            | ServiceError::TerminalUnavailable
            | ServiceError::CardUnreadable(_)
            | ServiceError::Internal(_) => {}
        }
    }

    fn every_card_error() -> Vec<CardError> {
        use shokai_card::TransportError;
        use shokai_card::apdu::ResponseError;
        let kind = PinKind::UserAuth;
        vec![
            CardError::Transport(TransportError::NoReader("r".into())),
            CardError::Transport(TransportError::NoCard("r".into())),
            CardError::Transport(TransportError::Failed("r".into())),
            CardError::Response(ResponseError::NoStatusWord(1)),
            CardError::NotFound {
                what: "signature".into(),
            },
            CardError::WrongPin { kind, remaining: 2 },
            CardError::WrongPinNowBlocked { kind },
            CardError::PinBlocked { kind },
            CardError::KindMismatch {
                expected: kind,
                got: PinKind::Resident,
            },
            CardError::ResetNotAuthorized { kind },
            CardError::BadCertificate("short".into()),
        ]
    }

    fn every_pin_error(kind: PinKind) -> Vec<ServiceError> {
        let mut all = Vec::new();
        for which in [PinField::Current, PinField::New] {
            for typed in ["1", "abcdef", "ABCDEFG", "123456", "ABC-123"] {
                if let Err(error) = shokai_card::Pin::parse(kind, typed) {
                    all.push(ServiceError::PinFormat {
                        pin: kind,
                        which,
                        error,
                    });
                }
            }
        }
        all.extend(
            [
                PinsProblem::NoPin,
                PinsProblem::NotOfCase(kind),
                PinsProblem::Missing(kind),
                PinsProblem::Twice(kind),
                PinsProblem::CurrentMissing(kind),
                PinsProblem::CurrentForReset(kind),
            ]
            .map(ServiceError::PinsNotOfCase),
        );
        all
    }

    fn every_service_error() -> Vec<ServiceError> {
        let kind = PinKind::Signature;
        let mut all = vec![
            ServiceError::Unauthenticated,
            ServiceError::BadCredentials,
            ServiceError::TooManyRequests {
                retry_after_secs: 90,
            },
            ServiceError::NotFound {
                what: "case 1".into(),
            },
            ServiceError::invalid("from", "must not be after `to`"),
            ServiceError::invalid("no.such.field", "whatever"),
            ServiceError::Unprintable {
                field: "cardholder.name.name",
                ch: '𠮷',
            },
            ServiceError::VersionConflict { case_id: 1 },
            ServiceError::Duplicate { what: "user" },
            ServiceError::Purged { case_id: 1 },
            ServiceError::BatchEmpty,
            ServiceError::BatchAlreadyMailed {
                batch_id: 1,
                mailed_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            },
            ServiceError::PrintFileDiscarded { batch_id: 1 },
            ServiceError::LetterUnprintable {
                reference: "R8-000123-4".into(),
                letter: 1,
                reason: "unprintable_character",
            },
            ServiceError::LetterUnprintable {
                reference: "R8-000123-4".into(),
                letter: 1,
                reason: "layout",
            },
            ServiceError::WrongPin(WrongPin {
                pin: kind,
                tries_left: 2,
            }),
            ServiceError::TerminalUnavailable,
            ServiceError::internal(std::io::Error::other("disk full")),
        ];
        all.extend(every_pin_error(kind));
        all.extend(
            every_card_error()
                .into_iter()
                .map(ServiceError::CardUnreadable),
        );
        all.extend(
            examples::every_transition_error()
                .into_iter()
                .map(ServiceError::Transition),
        );
        all.extend(
            examples::every_application_error()
                .into_iter()
                .map(ServiceError::Application),
        );
        all
    }

    #[test]
    fn every_refusal_a_clerk_can_meet_is_worded_in_japanese() {
        let all = every_service_error();
        assert!(all.len() > 90, "{}", all.len());
        for e in &all {
            covers(e);
            let text = error_ja(e);
            assert!(!text.is_empty(), "{e:?}");
            assert!(!has_english(&text), "{e:?}: English in {text}");
        }
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
