//! The Japanese a clerk reads for every refusal the workflow can give.
//!
//! Each error type's `Display` stays English, for logs and the API's
//! `message`; `message_ja` is what the pages show, written here once so the
//! server, the CLI and any later front end word a refusal the same way. Every
//! match is exhaustive: a new refusal does not compile until it has its
//! sentence, and the test at the bottom walks one value of every variant and
//! fails on a sentence with English words in it.

use chrono::{Datelike, NaiveDate};

use crate::case::{
    ApplicationError, ChecklistItem, EventKind, FailureReason, IdHolder, ProofKind, Role,
    TransitionError, WaiverReason, WardKind,
};
use crate::domain::{
    AddressError, AddressField, CardFingerprintError, DateOfBirthError, EmailError, IdCount,
    IdDocumentError, IdRequirementError, PersonNameError, PhoneError, PinSetError, PostalCodeError,
    ReferenceNumberError, VerificationCodeError,
};

/// A date as the pages write it: 2026年11月30日.
pub fn date_ja(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// A step by its event code, as the case history names it.
fn step_ja(event: &str) -> &'static str {
    EventKind::from_code(event).map_or("その操作", EventKind::name_ja)
}

impl Role {
    /// The role as staff call it.
    pub fn name_ja(self) -> &'static str {
        match self {
            Role::Clerk => "窓口職員",
            Role::Supervisor => "監督者",
            Role::Auditor => "監査担当",
            Role::Printer => "印刷担当",
            Role::System => "システム",
        }
    }
}

impl FailureReason {
    /// Why the PINs of a failed case were not set, and the way on, as the
    /// case page says it.
    pub fn message_ja(self) -> String {
        match self {
            FailureReason::ResetRequired { pin } => format!(
                "{}がロックされているため、変更できませんでした。初期化（暗証番号の再設定）の手続が必要です。",
                pin.name_ja()
            ),
            FailureReason::CurrentPinWrong { pin } => format!(
                "{}の現在の暗証番号が正しくなく、変更できませんでした。初期化（暗証番号の再設定）の手続が必要です。",
                pin.name_ja()
            ),
            FailureReason::CardNotBound => {
                "提示されたカードが申請時のカードと異なるため、変更できませんでした。".to_owned()
            }
            FailureReason::CardError => {
                "カードの読み書きができなかったため、変更できませんでした。カードと読み取り機を確かめてから、改めて申請を受け付けてください。".to_owned()
            }
        }
    }
}

impl WardKind {
    /// Who the legal representative acts for.
    pub fn name_ja(self) -> &'static str {
        match self {
            WardKind::Minor => "未成年者",
            WardKind::AdultWard => "成年被後見人",
        }
    }
}

impl ProofKind {
    /// The certificate's name.
    pub fn name_ja(self) -> &'static str {
        match self {
            ProofKind::FamilyRegister => "戸籍全部事項証明書",
            ProofKind::GuardianshipRegistration => "登記事項証明書（成年後見登記）",
        }
    }
}

impl WaiverReason {
    /// Why the certificate could be left out.
    pub fn name_ja(self) -> &'static str {
        match self {
            WaiverReason::SameHousehold => "住民票で続柄を確認できる",
            WaiverReason::FamilyRegisterHeldByCity => "本市に本籍がある",
        }
    }
}

/// What was shown, by list: 「A 0点、B 1点」 and any no longer accepted.
pub fn id_count_ja(shown: IdCount) -> String {
    let mut text = format!("A {}点、B {}点", shown.a, shown.b);
    if shown.not_accepted > 0 {
        text.push_str(&format!(
            "（ほかに使えない書類 {}点: 健康保険証は2025年12月2日以降使えません）",
            shown.not_accepted
        ));
    }
    text
}

const LISTS_AB: &str = "A: 官公署発行の顔写真付き書類、B: それ以外の書類";

impl TransitionError {
    /// What a clerk reads when the step is refused.
    // One arm per refusal, no `_`: the flat exhaustive match is the point.
    #[allow(clippy::too_many_lines)]
    pub fn message_ja(&self) -> String {
        match self {
            TransitionError::RoleNotPermitted {
                event, required, ..
            } => format!(
                "「{}」は{}の権限が必要です。",
                step_ja(event),
                required.name_ja()
            ),
            TransitionError::InvalidTransition { state, event } => format!(
                "この案件は「{}」のため、「{}」はできません。",
                state.name_ja(),
                step_ja(event)
            ),
            TransitionError::ReasonRequired { event } => {
                format!("「{}」には理由を入力してください。", step_ja(event))
            }
            TransitionError::CaseLocked => "照会番号の誤入力が上限に達したため、ロックされています。監督者によるロック解除が必要です。".to_owned(),
            TransitionError::NotLocked => "この案件はロックされていません。".to_owned(),
            TransitionError::ChecklistIncomplete { missing } => {
                let names: Vec<&str> = missing.iter().map(|m| m.name_ja()).collect();
                format!("未確認の項目があります: {}。", names.join("、"))
            }
            TransitionError::IdDocumentsShort { needed, shown } => format!(
                "{}の本人確認書類が足りません。必要: {}（{LISTS_AB}）。確認した書類: {}。",
                IdHolder::ProxyAtResponse.name_ja(),
                needed.name_ja(),
                id_count_ja(*shown)
            ),
            TransitionError::CardNotBound => "受付時のカードと異なるカードです。".to_owned(),
            TransitionError::CodeMalformed(e) => e.message_ja(),
            TransitionError::CodeMismatch { attempts, remaining } => format!(
                "照会番号が一致しません（誤入力{attempts}回目。あと{remaining}回でロックされます）。"
            ),
            TransitionError::SupersededCode { letter, current } => format!(
                "再発行により無効になった照会書（{letter}通目）の照会番号です。最新の照会書（{current}通目）の照会番号を入力してください。この入力は誤入力として数えません。"
            ),
            TransitionError::UnmailedCode { letter, attempts, remaining } => format!(
                "照会書（{letter}通目）はまだ発送されていないため、その照会番号はお受けできません。この入力は記録され、誤入力として数えられます（{attempts}回目。あと{remaining}回でロック）。監督者に報告してください。"
            ),
            TransitionError::NoLetter => "照会書がまだ発行されていません。".to_owned(),
            TransitionError::LetterAlreadyMailed { number } => {
                format!("照会書（{number}通目）は既に発送済みです。")
            }
            TransitionError::UnknownLetter { number } => {
                format!("この案件に照会書（{number}通目）はありません。")
            }
            TransitionError::LetterSuperseded { number } => {
                format!("照会書（{number}通目）は再発行により無効になっています。")
            }
            TransitionError::LetterNotMailed { number } => {
                format!("照会書（{number}通目）はまだ発送されていません。")
            }
            TransitionError::LetterNotPrinted { number } => format!(
                "照会書（{number}通目）はまだ印刷されていません。発送バッチを締めて印刷してから発送済みにしてください。"
            ),
            TransitionError::LetterAlreadyPrinted { number } => {
                format!("照会書（{number}通目）は既に印刷されています。")
            }
            TransitionError::PlannedMailingInPast { today } => format!(
                "発送予定日には今日（{}）以降の日付を指定してください。",
                date_ja(*today)
            ),
            TransitionError::LetterLimit { max } => format!(
                "照会書の発行が上限の{max}通に達しています。監督者が理由を付けて発行してください。"
            ),
            TransitionError::LetterTooSoon { earliest } => format!(
                "前回の発行から日数が経っていないため、再発行は{}以降です。監督者は理由を付けて発行できます。",
                date_ja(*earliest)
            ),
            TransitionError::DeadlinePassed { deadline } => {
                format!("回答期限（{}）を過ぎています。", date_ja(*deadline))
            }
            TransitionError::DeadlineNotPassed { deadline } => {
                format!("回答期限（{}）はまだ過ぎていません。", date_ja(*deadline))
            }
            TransitionError::MailingDateOutOfRange { issued_on, today } => format!(
                "発送日は、照会書の印刷日（{}）から今日（{}）までの日付を入力してください。",
                date_ja(*issued_on),
                date_ja(*today)
            ),
            TransitionError::EntryInFuture => "受付日時が未来になっています。".to_owned(),
            TransitionError::EntryBeforeMailing => {
                "受付日時が照会書の発送日より前になっています。".to_owned()
            }
            TransitionError::NotSameDay { applied_on } => format!(
                "本人・法定代理人の申請は申請当日（{}）にしか完了できません。改めて申請を受け付けてください。",
                date_ja(*applied_on)
            ),
        }
    }
}

impl ApplicationError {
    /// What a clerk reads when the application is refused.
    // One arm per refusal, no `_`: the flat exhaustive match is the point.
    #[allow(clippy::too_many_lines)]
    pub fn message_ja(&self) -> String {
        match self {
            ApplicationError::RoleNotPermitted { role } => {
                format!("{}は申請を受け付けられません。", role.name_ja())
            }
            ApplicationError::SignatureUnder15 { age } => format!(
                "{age}歳（15歳未満）の方のカードには署名用電子証明書がないため、署名用電子証明書の暗証番号は選べません。"
            ),
            ApplicationError::SignatureForAdultWard => "成年被後見人の方のカードには署名用電子証明書がないため、署名用電子証明書の暗証番号は選べません。".to_owned(),
            ApplicationError::InPersonUnder15 { age } => format!(
                "{age}歳（15歳未満）の方の手続は、法定代理人（親権者）が行います。法定代理人の申請区分で受け付けてください。"
            ),
            ApplicationError::ProxyForUnder15 { age } => format!(
                "{age}歳の方の手続は、任意代理人ではなく法定代理人（親権者）が行います。法定代理人の申請区分で受け付けてください。"
            ),
            ApplicationError::ProxyForAdultWard => "成年被後見人の方の手続は、任意代理人ではなく成年後見人（法定代理人）が行います。法定代理人の申請区分で受け付けてください。".to_owned(),
            ApplicationError::WardStatusMismatch { ward, adult_ward } => format!(
                "法定代理人の区分は「{}」ですが、カード名義人は成年被後見人{}と記録されています。どちらかを直してください。",
                ward.name_ja(),
                if *adult_ward { "である" } else { "ではない" }
            ),
            ApplicationError::WaiverOnlyUnder15 { age } => format!(
                "権限を証する書類を省略できるのは15歳未満の方だけです（本市に本籍がある場合、または住民票で続柄を確認できる場合）。{age}歳の方は証明書の提出が必要です。"
            ),
            ApplicationError::CardHasNoSignatureCertificate => "このカードには署名用電子証明書が搭載されていないため、署名用電子証明書の暗証番号は変更できません。".to_owned(),
            ApplicationError::ProxyIsCardholder => "代理人の氏名と生年月日がカード名義人と同じです。本人の申請区分で受け付けてください。".to_owned(),
            ApplicationError::MinorWardIsAdult { age } => format!(
                "{age}歳の方は未成年者ではありません。法定代理人の区分を確認してください。"
            ),
            ApplicationError::ProofKindMismatch { ward, kind } => format!(
                "{}では{}の法定代理人であることを確認できません。",
                kind.name_ja(),
                ward.name_ja()
            ),
            ApplicationError::ProofTooOld { issued_on, earliest } => format!(
                "証明書の発行日（{}）が古すぎます。{}以降に発行されたものが必要です。",
                date_ja(*issued_on),
                date_ja(*earliest)
            ),
            ApplicationError::ProofIssuedInFuture { issued_on } => format!(
                "証明書の発行日（{}）が申請日より後になっています。",
                date_ja(*issued_on)
            ),
            ApplicationError::WaiverNotApplicable { ward, reason } => format!(
                "{}の場合、「{}」ことを理由に証明書を省略することはできません。",
                ward.name_ja(),
                reason.name_ja()
            ),
            ApplicationError::BornAfterApplication => {
                "生年月日が申請日より後になっています。".to_owned()
            }
            ApplicationError::ReferenceYearMismatch {
                reference_year,
                application_year,
            } => format!(
                "受付番号の年（令和{reference_year}年）が申請日の年（令和{application_year}年）と一致しません。システム管理者に連絡してください。"
            ),
            ApplicationError::CardHasOpenCase { reference } => format!(
                "このカードには手続中の申請（受付番号 {reference}）があります。同じカードで二つ目の申請はできません。その申請が完了するか取消の処理をしてから受け付けてください。本人が来庁した場合は、その申請の画面から「本人来庁に切替」を行ってください。"
            ),
            ApplicationError::NothingToReset { reference } => format!(
                "受付番号 {reference} は暗証番号のロックや失念で終了した案件ではないため、初期化（再設定）の案件は作れません。"
            ),
            ApplicationError::NotTheCasesCard { reference } => format!(
                "カードリーダーのカードが、受付番号 {reference} のカードと異なります。その案件のカードを置いてください。"
            ),
            ApplicationError::IdDocumentsShort { holder, needed, shown } => format!(
                "{}の本人確認書類が足りません。必要: {}（{LISTS_AB}）。確認した書類: {}。",
                holder.name_ja(),
                needed.name_ja(),
                id_count_ja(*shown)
            ),
            ApplicationError::TakeOverNotInPerson => "本人来庁への切替は、カード名義人ご本人の申請（本人の申請区分）でのみ行えます。".to_owned(),
        }
    }
}

impl AddressField {
    /// The part of the address, as the intake form labels it.
    pub fn name_ja(self) -> &'static str {
        match self {
            AddressField::Prefecture => "都道府県",
            AddressField::City => "市区町村",
            AddressField::Rest => "町名・番地・建物名",
        }
    }
}

impl PostalCodeError {
    /// What a clerk reads.
    pub fn message_ja(&self) -> String {
        match self {
            PostalCodeError::Empty => "郵便番号を入力してください。".to_owned(),
            PostalCodeError::InvalidCharacter(c) => format!(
                "郵便番号に「{c}」は使えません。数字7桁で入力してください（例: 160-0022）。"
            ),
            PostalCodeError::WrongShape => {
                "郵便番号は数字7桁で入力してください（例: 160-0022）。".to_owned()
            }
        }
    }
}

impl AddressError {
    /// What a clerk reads.
    pub fn message_ja(&self) -> String {
        match self {
            AddressError::Empty(part) => {
                format!("住所の「{}」を入力してください。", part.name_ja())
            }
            AddressError::TooLongForWindow {
                field: AddressField::Rest,
                max,
                actual,
            } => format!(
                "住所の「町名・番地・建物名」が{actual}文字あり、封筒の窓に収まりません（{max}文字まで）。"
            ),
            AddressError::TooLongForWindow { max, actual, .. } => format!(
                "都道府県と市区町村が合わせて{actual}文字あり、封筒の窓の1行に収まりません（合わせて{max}文字まで）。"
            ),
            AddressError::InvalidPostalCode(e) => e.message_ja(),
            AddressError::ControlCharacter(part) => format!(
                "住所の「{}」に制御文字が含まれています。入力し直してください。",
                part.name_ja()
            ),
            AddressError::UnknownPrefecture(_) => {
                "都道府県は「東京都」「大阪府」のように正式な名称で入力してください。".to_owned()
            }
        }
    }
}

impl ReferenceNumberError {
    /// What a clerk reads.
    pub fn message_ja(&self) -> String {
        match self {
            ReferenceNumberError::WrongShape => "受付番号は「R8-000123-4」の形で入力してください。",
            ReferenceNumberError::WrongCheckDigit => {
                "受付番号の末尾の検査数字が合いません。番号を確かめてください。"
            }
            ReferenceNumberError::YearOutOfRange => "受付番号の年は1から99です。",
            ReferenceNumberError::SequenceOutOfRange => "受付番号の連番は000001から999999です。",
            ReferenceNumberError::BeforeReiwa => {
                "令和元年5月1日より前の日付には受付番号を付けられません。"
            }
        }
        .to_owned()
    }
}

impl PhoneError {
    /// What a clerk reads.
    pub fn message_ja(&self) -> String {
        match self {
            PhoneError::Empty => "電話番号を入力してください。".to_owned(),
            PhoneError::InvalidCharacter(c) => {
                format!("電話番号に「{c}」は使えません。数字とハイフンで入力してください。")
            }
            PhoneError::MustStartWithZero => {
                "電話番号は0から始まる番号を入力してください。".to_owned()
            }
            PhoneError::WrongLength(n) => {
                format!("電話番号は10桁か11桁です（入力は{n}桁）。")
            }
        }
    }
}

impl IdDocumentError {
    /// What a clerk reads.
    pub fn message_ja(&self) -> String {
        match self {
            IdDocumentError::BadNumberSuffix => {
                "書類番号は末尾の英数字4文字だけを入力してください。".to_owned()
            }
            IdDocumentError::PhotoContradictsKind {
                kind,
                has_photo_by_kind,
            } => format!(
                "{}は顔写真{}書類です。「顔写真あり」の欄を直してください。",
                kind.name_ja(),
                if *has_photo_by_kind {
                    "付きの"
                } else {
                    "のない"
                }
            ),
        }
    }
}

impl EmailError {
    /// What a clerk reads.
    pub fn message_ja(&self) -> String {
        match self {
            EmailError::Malformed => {
                "メールアドレスの形式が正しくありません。「@」の前後を確かめてください。".to_owned()
            }
        }
    }
}

impl CardFingerprintError {
    /// What a clerk reads.
    pub fn message_ja(&self) -> String {
        match self {
            CardFingerprintError::Malformed => {
                "カードの識別情報を読み取れません。カードを置き直してください。".to_owned()
            }
        }
    }
}

impl PinSetError {
    /// What a clerk reads.
    pub fn message_ja(&self) -> String {
        match self {
            PinSetError::Empty => "変更する暗証番号を1つ以上選んでください。".to_owned(),
            PinSetError::UnknownKind(_) => "選べない暗証番号の種類が指定されました。".to_owned(),
        }
    }
}

impl VerificationCodeError {
    /// What a clerk reads; not counted as a wrong code.
    pub fn message_ja(&self) -> String {
        match self {
            VerificationCodeError::WrongLength(n) => format!(
                "照会番号は英数字10文字です（入力は{n}文字）。回答書の照会番号を確かめてください。誤入力としては数えません。"
            ),
            VerificationCodeError::InvalidCharacter => "照会番号に、照会書に印字されない文字が含まれています。回答書の照会番号を確かめてください。誤入力としては数えません。".to_owned(),
        }
    }
}

impl DateOfBirthError {
    /// What a clerk reads.
    pub fn message_ja(&self) -> String {
        match self {
            DateOfBirthError::NotADate => "生年月日を正しい日付で入力してください。",
            DateOfBirthError::Implausible => "生年月日が1900年より前になっています。",
        }
        .to_owned()
    }
}

impl PersonNameError {
    /// What a clerk reads.
    pub fn message_ja(&self) -> String {
        match self {
            PersonNameError::EmptyName => "氏名を入力してください。".to_owned(),
            PersonNameError::EmptyKana => "フリガナを入力してください。".to_owned(),
            PersonNameError::NameTooLong { max, actual } => {
                format!("氏名が{actual}文字あり、長すぎます（{max}文字まで）。")
            }
            PersonNameError::KanaTooLong { max, actual } => {
                format!("フリガナが{actual}文字あり、長すぎます（{max}文字まで）。")
            }
            PersonNameError::NotKana(c) => {
                format!("フリガナはカタカナで入力してください（「{c}」はカタカナではありません）。")
            }
            PersonNameError::ControlCharacter => {
                "氏名に制御文字が含まれています。入力し直してください。".to_owned()
            }
        }
    }
}

impl IdRequirementError {
    /// What an administrator reads for a bad requirement setting.
    pub fn message_ja(&self) -> String {
        "本人確認書類の要件は「A」「B」「A|B+B」のように、AとBを+でつなぎ、選択肢を|で区切って書いてください。".to_owned()
    }
}

impl ChecklistItem {
    /// Every item, in the order of the checklist.
    pub const ALL: [ChecklistItem; 6] = [
        ChecklistItem::CardPresented,
        ChecklistItem::ProxyPhotoId,
        ChecklistItem::ResponseFormSigned,
        ChecklistItem::PowerOfAttorneyComplete,
        ChecklistItem::PowerOfAttorneyNamesProxy,
        ChecklistItem::EnvelopeSealed,
    ];
}

/// Whether `text` holds an English word (two or more lower-case letters in a
/// row): what no sentence meant for a clerk may contain. Public so the
/// server's every-variant test applies the same rule.
pub fn has_english(text: &str) -> bool {
    text.chars()
        .zip(text.chars().skip(1))
        .any(|(a, b)| a.is_ascii_lowercase() && b.is_ascii_lowercase())
}

pub mod examples;

#[cfg(test)]
mod tests;
