//! The case aggregate: what is known about one PIN-change application.
//!
//! Personal data lives in [`Parties`], apart from everything else
//! ([`CaseCore`]), so the store can keep it in a column of its own and purge it
//! when the retention period ends while the case history stays.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shokai_card::PinKind;

use crate::domain::{
    Address, CardFingerprint, DateOfBirth, Email, IdDocument, PersonName, Phone, PinSet, Procedure,
    ReferenceNumber,
};
use crate::keyring::CodeDigest;

/// How the card's holder is represented at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Path {
    /// 本人: the cardholder comes in person. Same day.
    InPerson,
    /// 法定代理人: a parent for a child under 15, a guardian for an adult ward. Same day.
    LegalRepresentative,
    /// 任意代理人: a proxy; an inquiry letter goes to the cardholder first.
    OptionalProxy,
}

impl Path {
    /// Every path.
    pub const ALL: [Path; 3] = [
        Path::InPerson,
        Path::LegalRepresentative,
        Path::OptionalProxy,
    ];

    /// Stable code name.
    pub fn code(self) -> &'static str {
        match self {
            Path::InPerson => "in_person",
            Path::LegalRepresentative => "legal_representative",
            Path::OptionalProxy => "optional_proxy",
        }
    }

    /// Parses [`Path::code`].
    pub fn from_code(code: &str) -> Option<Path> {
        Path::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The name clerks use for the path (本人, 法定代理人, 任意代理人): on the
    /// case list, the case page and in reports.
    pub fn name_ja(self) -> &'static str {
        match self {
            Path::InPerson => "本人",
            Path::LegalRepresentative => "法定代理人",
            Path::OptionalProxy => "任意代理人",
        }
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Registered at the counter; for a proxy, letters may be issued but none is mailed yet.
    Applied,
    /// The inquiry letter has been mailed; waiting for the proxy's second visit.
    InquiryMailed,
    /// The proxy returned a complete response with the right code.
    ResponseReturned,
    /// The new PIN(s) are on the card. Final.
    PinSet,
    /// Cancelled by a supervisor. Final.
    Cancelled,
    /// The letter came back undelivered (転送不要). Final.
    Undeliverable,
    /// The response deadline passed. Final.
    Expired,
    /// The PIN could not be set (blocked PIN, wrong card). Final.
    Failed,
}

impl CaseState {
    /// Every state.
    pub const ALL: [CaseState; 8] = [
        CaseState::Applied,
        CaseState::InquiryMailed,
        CaseState::ResponseReturned,
        CaseState::PinSet,
        CaseState::Cancelled,
        CaseState::Undeliverable,
        CaseState::Expired,
        CaseState::Failed,
    ];

    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            CaseState::Applied => "applied",
            CaseState::InquiryMailed => "inquiry_mailed",
            CaseState::ResponseReturned => "response_returned",
            CaseState::PinSet => "pin_set",
            CaseState::Cancelled => "cancelled",
            CaseState::Undeliverable => "undeliverable",
            CaseState::Expired => "expired",
            CaseState::Failed => "failed",
        }
    }

    /// Parses [`CaseState::code`].
    pub fn from_code(code: &str) -> Option<CaseState> {
        CaseState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether no event can leave this state.
    pub fn is_final(self) -> bool {
        match self {
            CaseState::Applied | CaseState::InquiryMailed | CaseState::ResponseReturned => false,
            CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired
            | CaseState::Failed => true,
        }
    }

    /// The name shown to clerks.
    pub fn name_ja(self) -> &'static str {
        match self {
            CaseState::Applied => "受付済",
            CaseState::InquiryMailed => "照会書発送済み",
            CaseState::ResponseReturned => "回答書受理",
            CaseState::PinSet => "暗証番号変更完了",
            CaseState::Cancelled => "取消",
            CaseState::Undeliverable => "照会書返戻",
            CaseState::Expired => "回答期限切れ",
            CaseState::Failed => "変更不能",
        }
    }

    /// Whether a case in this state with this response `deadline` is overdue
    /// on `today` (a Japan date): it is still waiting for the response
    /// (`inquiry_mailed`) and the deadline, the last day a response is
    /// accepted, is before `today`. On the deadline itself a case is not yet
    /// overdue; a case without a deadline never is.
    ///
    /// For rows that carry only the state and the deadline (case summaries);
    /// with a whole case use [`CaseCore::is_overdue`].
    pub fn is_overdue(self, deadline: Option<NaiveDate>, today: NaiveDate) -> bool {
        let waiting_for_response = match self {
            CaseState::InquiryMailed => true,
            CaseState::Applied
            | CaseState::ResponseReturned
            | CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired
            | CaseState::Failed => false,
        };
        waiting_for_response && deadline.is_some_and(|d| d < today)
    }
}

impl std::fmt::Display for CaseState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 窓口職員: the everyday steps.
    Clerk,
    /// A clerk's supervisor: cancellations, unlocks, overrides.
    Supervisor,
    /// 監査担当: reads, never changes a case.
    Auditor,
    /// 印刷担当 (the print room): downloads the print files that carry the
    /// codes and records when a batch was posted; never reads or changes a case.
    Printer,
    /// The server's own jobs (expiry): never a login, never in [`Role::ALL`].
    System,
}

impl Role {
    /// Every role a member of staff can have (not [`Role::System`]).
    pub const ALL: [Role; 4] = [Role::Clerk, Role::Supervisor, Role::Auditor, Role::Printer];

    /// Stable code name.
    pub fn code(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
            Role::Auditor => "auditor",
            Role::Printer => "printer",
            Role::System => "system",
        }
    }

    /// Parses the [`Role::code`] of a staff role; `system` is no one's role.
    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One inquiry letter of a case.
///
/// Issuing only queues it: it has no code until its print batch is closed,
/// when the code is generated, printed into the batch's print file and
/// forgotten; only its digest is kept here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    /// 1 for the first letter of the case, then 2, 3…
    pub number: u8,
    /// HMAC of the code printed on it; `None` while the letter waits for
    /// its print batch.
    pub digest: Option<CodeDigest>,
    /// When it was issued (queued for the next print batch).
    pub issued_at: DateTime<Utc>,
    /// When its print batch made it (code generated, printed). Letters
    /// issued before codes moved to print time carry a digest but no date.
    #[serde(default)]
    pub printed_at: Option<DateTime<Utc>>,
    /// The response deadline printed on it: the batch's planned mailing date
    /// plus the office's deadline days, on an open day.
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
    /// The Japan date it was handed to the post, once known.
    pub mailed_on: Option<NaiveDate>,
    /// When a newer letter replaced it; its code is no longer accepted.
    pub superseded_at: Option<DateTime<Utc>>,
}

/// What a letter's code is good for now, as the case page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterStatus {
    /// The case waits for this letter's response.
    Valid,
    /// A reissue replaced it.
    Superseded,
    /// Its response was accepted (the case went on to the counter).
    Used,
    /// The case ended without it.
    Void,
}

impl LetterStatus {
    /// The name shown to clerks.
    pub fn name_ja(self) -> &'static str {
        match self {
            LetterStatus::Valid => "有効",
            LetterStatus::Superseded => "再発行により無効",
            LetterStatus::Used => "使用済",
            LetterStatus::Void => "無効",
        }
    }
}

impl CaseCore {
    /// The status of `letter` (one of this case's letters) in the case's
    /// current state.
    pub fn letter_status(&self, letter: &Letter) -> LetterStatus {
        if letter.superseded_at.is_some() {
            return LetterStatus::Superseded;
        }
        let answered = self.response_at.is_some();
        match self.state {
            CaseState::Applied | CaseState::InquiryMailed => LetterStatus::Valid,
            CaseState::ResponseReturned | CaseState::PinSet | CaseState::Failed if answered => {
                LetterStatus::Used
            }
            CaseState::ResponseReturned
            | CaseState::PinSet
            | CaseState::Failed
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired => LetterStatus::Void,
        }
    }
}

impl Letter {
    /// Whether a code exists for this letter (it was printed).
    pub fn has_code(&self) -> bool {
        self.digest.is_some()
    }

    /// Whether the letter still waits for a print batch to make it: not
    /// printed and not mailed. A letter issued before codes moved to print
    /// time and never batched counts too: its code was in a file that is
    /// gone, so it is printed afresh with a new one.
    pub fn awaits_print(&self) -> bool {
        self.printed_at.is_none() && self.mailed_on.is_none()
    }
}

/// Whether a legally represented cardholder is a minor or an adult ward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WardKind {
    /// 未成年者 (under 18), represented by a person with parental authority.
    Minor,
    /// 成年被後見人, represented by an adult guardian.
    AdultWard,
}

/// The document proving the representative's authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProofKind {
    /// 戸籍全部事項証明書: proves parental authority over a minor.
    FamilyRegister,
    /// 登記事項証明書 (成年後見登記): proves guardianship of an adult ward.
    GuardianshipRegistration,
}

/// Why no proof document was needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaiverReason {
    /// The resident record shows both in one household with the relationship.
    SameHousehold,
    /// The family register is kept by this city, so the clerk can look it up.
    FamilyRegisterHeldByCity,
}

/// Proof of a legal representative's authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Proof {
    /// A certificate shown at the counter, issued on `issued_on`.
    Certificate {
        kind: ProofKind,
        issued_on: NaiveDate,
    },
    /// No certificate needed.
    Waived { reason: WaiverReason },
}

/// The cardholder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cardholder {
    pub name: PersonName,
    pub address: Address,
    pub date_of_birth: DateOfBirth,
    pub phone: Option<Phone>,
    /// 成年被後見人: recorded on every path. An adult ward has no signature
    /// certificate and is represented by the guardian, never by an
    /// optional proxy.
    #[serde(default)]
    pub adult_ward: bool,
}

/// A legal representative and their proof of authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalRepresentative {
    pub person: PersonName,
    pub id_document: IdDocument,
    /// A second document, where the first alone does not meet the office's
    /// requirement (two from list B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_id_document: Option<IdDocument>,
    pub ward: WardKind,
    pub proof: Proof,
    pub phone: Option<Phone>,
}

/// An optional proxy (任意代理人).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proxy {
    pub person: PersonName,
    pub date_of_birth: DateOfBirth,
    /// The ID shown at application (a photo is not needed then).
    pub id_document: IdDocument,
    /// A second document, where the office asks for two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_id_document: Option<IdDocument>,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
}

/// Who acts for the cardholder; decides the [`Path`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "path")]
pub enum Representation {
    InPerson,
    LegalRepresentative(LegalRepresentative),
    OptionalProxy(Proxy),
}

impl Representation {
    /// The path this representation takes.
    pub fn path(&self) -> Path {
        match self {
            Representation::InPerson => Path::InPerson,
            Representation::LegalRepresentative(_) => Path::LegalRepresentative,
            Representation::OptionalProxy(_) => Path::OptionalProxy,
        }
    }
}

/// All personal data of a case, purgeable as one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parties {
    pub cardholder: Cardholder,
    pub representation: Representation,
    /// The proxy's photo ID seen at the response visit.
    pub response_id_document: Option<IdDocument>,
}

/// Why a PIN could not be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum FailureReason {
    /// The PIN is blocked: a change cannot go on; the way on is a reset
    /// (初期化). Cases stored before the rename say `pin_blocked`.
    #[serde(alias = "pin_blocked")]
    ResetRequired { pin: PinKind },
    /// The current PIN given (on the returned form, or by the cardholder)
    /// was wrong and nobody knows the right one: rather than guess towards
    /// the lock, the clerk ends the case; the way on is a reset (初期化).
    CurrentPinWrong { pin: PinKind },
    /// The card presented is not the card bound at application.
    CardNotBound,
    /// The card could not be read or written.
    CardError,
}

impl FailureReason {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            FailureReason::ResetRequired { .. } => "reset_required",
            FailureReason::CurrentPinWrong { .. } => "current_pin_wrong",
            FailureReason::CardNotBound => "card_not_bound",
            FailureReason::CardError => "card_error",
        }
    }

    /// The PIN a reset would set anew, when a reset is the way on.
    pub fn pin_to_reset(self) -> Option<PinKind> {
        match self {
            FailureReason::ResetRequired { pin } | FailureReason::CurrentPinWrong { pin } => {
                Some(pin)
            }
            FailureReason::CardNotBound | FailureReason::CardError => None,
        }
    }
}

/// Everything about a case except personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseCore {
    pub(crate) reference: ReferenceNumber,
    pub(crate) path: Path,
    pub(crate) state: CaseState,
    pub(crate) pins: PinSet,
    /// Cases stored before resets existed were all changes.
    #[serde(default)]
    pub(crate) procedure: Procedure,
    pub(crate) applied_at: DateTime<Utc>,
    pub(crate) applied_on: NaiveDate,
    pub(crate) deadline: Option<NaiveDate>,
    pub(crate) card_fingerprint: CardFingerprint,
    pub(crate) letters: Vec<Letter>,
    pub(crate) wrong_code_attempts: u8,
    pub(crate) locked: bool,
    pub(crate) response_at: Option<DateTime<Utc>>,
    pub(crate) closed_at: Option<DateTime<Utc>>,
    pub(crate) failure: Option<FailureReason>,
}

impl CaseCore {
    /// The reference number.
    pub fn reference(&self) -> ReferenceNumber {
        self.reference
    }
    /// The path.
    pub fn path(&self) -> Path {
        self.path
    }
    /// The current state.
    pub fn state(&self) -> CaseState {
        self.state
    }
    /// The PINs to change.
    pub fn pins(&self) -> &PinSet {
        &self.pins
    }
    /// Change or reset.
    pub fn procedure(&self) -> Procedure {
        self.procedure
    }
    /// The PIN a reset case would set anew: a case that failed on a blocked
    /// or forgotten PIN is followed by a reset for it.
    pub fn pin_to_reset(&self) -> Option<PinKind> {
        match self.state {
            CaseState::Failed => self.failure.and_then(FailureReason::pin_to_reset),
            CaseState::Applied
            | CaseState::InquiryMailed
            | CaseState::ResponseReturned
            | CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired => None,
        }
    }
    /// When the application was registered.
    pub fn applied_at(&self) -> DateTime<Utc> {
        self.applied_at
    }
    /// The Japan date of the application.
    pub fn applied_on(&self) -> NaiveDate {
        self.applied_on
    }
    /// The response deadline (last day a response is accepted), once a letter is mailed.
    pub fn deadline(&self) -> Option<NaiveDate> {
        self.deadline
    }
    /// The card bound at intake.
    pub fn card_fingerprint(&self) -> &CardFingerprint {
        &self.card_fingerprint
    }
    /// Every letter, oldest first.
    pub fn letters(&self) -> &[Letter] {
        &self.letters
    }
    /// The newest letter that has not been superseded.
    pub fn current_letter(&self) -> Option<&Letter> {
        self.letters
            .iter()
            .rev()
            .find(|l| l.superseded_at.is_none())
    }
    /// Wrong codes entered since the last unlock.
    pub fn wrong_code_attempts(&self) -> u8 {
        self.wrong_code_attempts
    }
    /// Whether wrong codes have locked the case.
    pub fn is_locked(&self) -> bool {
        self.locked
    }
    /// When the response was accepted.
    pub fn response_at(&self) -> Option<DateTime<Utc>> {
        self.response_at
    }
    /// When the case reached a final state.
    pub fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.closed_at
    }
    /// Why the PIN could not be set, for a failed case.
    pub fn failure(&self) -> Option<FailureReason> {
        self.failure
    }
    /// Whether the case is overdue on `today` (a Japan date): still waiting
    /// for the response after its deadline. The rule is
    /// [`CaseState::is_overdue`]; an overdue case is the one `expire` accepts.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.state.is_overdue(self.deadline, today)
    }
}

/// A PIN-change case: [`CaseCore`] plus [`Parties`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub(crate) core: CaseCore,
    pub(crate) parties: Parties,
}

impl std::ops::Deref for Case {
    type Target = CaseCore;
    fn deref(&self) -> &CaseCore {
        &self.core
    }
}

impl Case {
    /// The non-personal part.
    pub fn core(&self) -> &CaseCore {
        &self.core
    }
    /// The personal data.
    pub fn parties(&self) -> &Parties {
        &self.parties
    }
    /// Splits for storage.
    pub fn into_parts(self) -> (CaseCore, Parties) {
        (self.core, self.parties)
    }
    /// Joins what [`Case::into_parts`] split.
    pub fn from_parts(core: CaseCore, parties: Parties) -> Case {
        Case { core, parties }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn a_mailed_case_is_overdue_only_from_the_day_after_its_deadline() {
        let deadline = Some(day(28));
        assert!(!CaseState::InquiryMailed.is_overdue(deadline, day(27)));
        assert!(!CaseState::InquiryMailed.is_overdue(deadline, day(28)));
        assert!(CaseState::InquiryMailed.is_overdue(deadline, day(29)));
    }

    #[test]
    fn only_a_case_waiting_for_its_response_can_be_overdue() {
        let long_past = Some(day(1));
        for state in CaseState::ALL {
            assert_eq!(
                state.is_overdue(long_past, day(31)),
                state == CaseState::InquiryMailed,
                "{state:?}"
            );
        }
    }

    #[test]
    fn a_case_without_a_deadline_is_never_overdue() {
        for state in CaseState::ALL {
            assert!(!state.is_overdue(None, day(31)), "{state:?}");
        }
    }

    #[test]
    fn every_path_has_its_own_japanese_name() {
        let names: std::collections::BTreeSet<&str> =
            Path::ALL.into_iter().map(Path::name_ja).collect();
        assert_eq!(names.len(), Path::ALL.len());
        assert_eq!(Path::OptionalProxy.name_ja(), "任意代理人");
    }
}
