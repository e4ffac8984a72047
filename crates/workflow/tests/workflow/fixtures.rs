//! Small, named building blocks for cases: a world with settings and keys, a
//! Japan-time clock, applications for each path, and the steps of a case.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use shokai_workflow::case::japan_date;
use shokai_workflow::letter::planned_mailing;
use shokai_workflow::{
    Address, Application, CardFingerprint, Cardholder, Case, CaseState, CodeDigest, CodeKeyring,
    Context, DateOfBirth, Event, EventKind, FailureReason, IdDocument, IdDocumentKind,
    LegalRepresentative, Path, PersonName, PinKind, PinSet, Proof, ProofKind, Proxy,
    ReferenceNumber, Representation, ResponseChecklist, ResponseEntry, Role, Transition,
    TransitionError, VerificationCode, WardKind, WorkflowSettings,
};

pub const BOUND_CARD: &str = "00112233445566778899aabbccddeeff";
pub const OTHER_CARD: &str = "ffeeddccbbaa99887766554433221100";

/// A Japan date.
pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// An instant given in Japan time (UTC+9).
pub fn jst(y: i32, m: u32, d: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, hour, 0, 0).unwrap() - chrono::TimeDelta::hours(9)
}

/// 10:00 on the given Japan date (01:00 UTC).
pub fn morning(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(1, 0, 0).unwrap())
}

/// The application day of most tests: Thursday 26 November 2026.
pub fn application_day() -> NaiveDate {
    day(2026, 11, 26)
}

pub fn card(hex: &str) -> CardFingerprint {
    CardFingerprint::parse(hex).unwrap()
}

/// Settings, keys and a seeded random source.
pub struct World {
    pub settings: WorkflowSettings,
    pub keyring: CodeKeyring,
    rng: StdRng,
    /// Every code this world generated, by digest, so tests can type it back.
    printed: Vec<(CodeDigest, String)>,
}

impl World {
    pub fn new() -> World {
        World {
            settings: WorkflowSettings::default(),
            keyring: CodeKeyring::new("k1", vec![42; 32]).unwrap(),
            rng: StdRng::seed_from_u64(2026),
            printed: Vec::new(),
        }
    }

    pub fn ctx(&self, now: DateTime<Utc>, role: Role) -> Context<'_> {
        Context::new(now, role, &self.settings, &self.keyring)
    }

    /// A fresh code and its text, as the letter would print it.
    pub fn code(&mut self) -> (VerificationCode, String) {
        let code = VerificationCode::generate(&mut self.rng);
        let text = code.grouped();
        self.printed
            .push((self.keyring.digest(&code), text.clone()));
        (code, text)
    }

    /// The code printed on the case's current letter, as the cardholder would copy it.
    pub fn current_code(&self, case: &Case) -> String {
        let digest = case.current_letter().and_then(|l| l.digest.as_ref());
        let found = self.printed.iter().find(|(d, _)| Some(d) == digest);
        found.map_or_else(|| WRONG_CODE.to_owned(), |(_, t)| t.clone())
    }

    pub fn open(&self, path: Path) -> Case {
        self.open_application(application(path))
    }

    pub fn open_application(&self, app: Application) -> Case {
        let reference = ReferenceNumber::for_date(application_day(), 123).unwrap();
        Case::open(
            app,
            reference,
            None,
            &self.ctx(morning(application_day()), Role::Clerk),
        )
        .unwrap()
        .case
    }

    pub fn try_step(
        &self,
        case: &Case,
        event: Event,
        now: DateTime<Utc>,
        role: Role,
    ) -> Result<Transition, TransitionError> {
        case.apply(event, &self.ctx(now, role))
    }

    pub fn step(&self, case: &Case, event: Event, now: DateTime<Utc>, role: Role) -> Case {
        self.try_step(case, event, now, role).unwrap().case
    }

    /// Queues the case's next letter at `now`: issued, not printed, no code.
    pub fn issue_unprinted(&self, case: &Case, now: DateTime<Utc>) -> Case {
        self.step(case, Event::IssueLetter, now, Role::Clerk)
    }

    /// The print batch closed at `now` makes the case's current letter with
    /// a fresh code, for mailing on `planned_mailing` (the cut-off job runs
    /// as the system); returns the case and the code printed on the letter.
    pub fn print(
        &mut self,
        case: &Case,
        now: DateTime<Utc>,
        planned_mailing: NaiveDate,
    ) -> (Case, String) {
        let number = case.current_letter().expect("a letter to print").number;
        let (code, text) = self.code();
        let event = Event::PrintLetter {
            number,
            code,
            planned_mailing,
        };
        (self.step(case, event, now, Role::System), text)
    }

    /// Issues a letter at `now` and prints it in a batch closed at once for
    /// mailing on `planned_mailing`; returns the case and the printed code.
    pub fn issue_for(
        &mut self,
        case: &Case,
        now: DateTime<Utc>,
        planned_mailing: NaiveDate,
    ) -> (Case, String) {
        let issued = self.issue_unprinted(case, now);
        self.print(&issued, now, planned_mailing)
    }

    /// Issues a letter at `now` and prints it in a batch closed at once,
    /// planned for the next open office day as a batch plans it; returns the
    /// case and the code printed on it.
    pub fn issue(&mut self, case: &Case, now: DateTime<Utc>) -> (Case, String) {
        let planned = self.planned_mailing(now);
        self.issue_for(case, now, planned)
    }

    /// The mailing date a print batch closed at `now` plans for.
    pub fn planned_mailing(&self, now: DateTime<Utc>) -> NaiveDate {
        planned_mailing(&self.settings.calendar, japan_date(now))
    }

    /// A proxy case whose first letter was issued and printed on the
    /// application day for mailing the next day (Friday 27 November 2026),
    /// and mailed that day.
    pub fn mailed_proxy_case(&mut self) -> (Case, String) {
        let case = self.open(Path::OptionalProxy);
        let (case, code) = self.issue(&case, morning(application_day()));
        let mailed_on = day(2026, 11, 27);
        (
            self.step(
                &case,
                Event::MarkMailed { mailed_on },
                morning(mailed_on),
                Role::Clerk,
            ),
            code,
        )
    }
}

pub fn name(kanji: &str, kana: &str) -> PersonName {
    PersonName::parse(kanji, kana).unwrap()
}

pub fn licence() -> IdDocument {
    IdDocument::parse(IdDocumentKind::DriversLicence, true, "1234").unwrap()
}

pub fn cardholder(born: NaiveDate) -> Cardholder {
    Cardholder {
        name: name("山田 花子", "ヤマダ ハナコ"),
        address: Address::parse("150-0001", "東京都", "渋谷区", "神宮前一丁目2番3号").unwrap(),
        date_of_birth: DateOfBirth::from_date(born).unwrap(),
        phone: None,
        adult_ward: false,
    }
}

pub fn proxy() -> Proxy {
    Proxy {
        person: name("佐藤 一郎", "サトウ イチロウ"),
        date_of_birth: DateOfBirth::from_date(day(1970, 4, 1)).unwrap(),
        id_document: IdDocument::parse(IdDocumentKind::PensionBook, false, "5678").unwrap(),
        second_id_document: None,
        phone: None,
        email: None,
    }
}

pub fn guardian(ward: WardKind, proof: Proof) -> LegalRepresentative {
    LegalRepresentative {
        person: name("山田 太郎", "ヤマダ タロウ"),
        id_document: licence(),
        second_id_document: None,
        ward,
        proof,
        phone: None,
    }
}

pub fn pins(kinds: &[PinKind]) -> PinSet {
    PinSet::new(kinds.iter().copied()).unwrap()
}

/// A valid application on `path`: an adult cardholder (a 10-year-old with
/// her parent on the legal-representative path), user_auth + resident PINs.
pub fn application(path: Path) -> Application {
    let (born, representation) = match path {
        Path::InPerson => (day(1985, 5, 5), Representation::InPerson),
        Path::LegalRepresentative => (
            day(2016, 5, 5),
            Representation::LegalRepresentative(guardian(
                WardKind::Minor,
                Proof::Certificate {
                    kind: ProofKind::FamilyRegister,
                    issued_on: day(2026, 11, 1),
                },
            )),
        ),
        Path::OptionalProxy => (day(1985, 5, 5), Representation::OptionalProxy(proxy())),
    };
    Application {
        cardholder: cardholder(born),
        representation,
        pins: pins(&[PinKind::UserAuth, PinKind::Resident]),
        procedure: shokai_workflow::Procedure::Change,
        card_fingerprint: card(BOUND_CARD),
        card_has_signature_certificate: true,
    }
}

/// Everything the proxy must bring on the second visit.
pub fn full_checklist() -> ResponseChecklist {
    ResponseChecklist {
        card_presented: Some(card(BOUND_CARD)),
        proxy_photo_id: Some(licence()),
        proxy_second_id: None,
        response_form_signed: true,
        power_of_attorney_complete: true,
        power_of_attorney_names_proxy: true,
        envelope_sealed: true,
    }
}

pub fn response(code: &str, at: DateTime<Utc>) -> Event {
    Event::RecordResponse(ResponseEntry::new(code, at, full_checklist()))
}

/// A syntactically valid code that matches no letter (unless astronomically unlucky).
pub const WRONG_CODE: &str = "ZZZZZ-ZZZZZ";

/// A case on `path` in `state` that also meets the preconditions of `kind`
/// where the pair is allowed, with the event to apply and the time to apply
/// it. States a path never reaches are forged through the serialised form.
pub fn prepare(
    world: &mut World,
    path: Path,
    state: CaseState,
    kind: EventKind,
) -> (Case, Event, DateTime<Utc>) {
    let case = reach(world, path, state, kind);
    let now = when(&case, kind);
    let event = event_for(world, &case, kind, now);
    (case, event, now)
}

fn reach(world: &mut World, path: Path, state: CaseState, kind: EventKind) -> Case {
    let on_path = path.has_state(state);
    if !on_path {
        return forge(world.open(path), state);
    }
    let today = morning(application_day());
    let open = world.open(path);
    match state {
        CaseState::Applied => applied_for(world, open, kind),
        CaseState::InquiryMailed => inquiry_mailed_for(world, kind),
        CaseState::ResponseReturned => {
            let (case, code) = world.mailed_proxy_case();
            world.step(
                &case,
                response(&code, jst(2026, 12, 1, 10)),
                jst(2026, 12, 1, 10),
                Role::Clerk,
            )
        }
        CaseState::PinSet => {
            let done = Event::CompletePinChange {
                card: card(BOUND_CARD),
            };
            after_counter(world, path, kind, done)
        }
        CaseState::Failed => {
            let failed = Event::Fail {
                reason: FailureReason::CardError,
                note: None,
            };
            after_counter(world, path, kind, failed)
        }
        CaseState::Cancelled => world.step(
            &open,
            Event::Cancel {
                reason: "申請者の申出".into(),
            },
            today,
            Role::Supervisor,
        ),
        CaseState::Undeliverable => {
            let (case, _) = world.mailed_proxy_case();
            world.step(
                &case,
                Event::MarkUndeliverable {
                    letter: 1,
                    note: None,
                },
                jst(2026, 12, 2, 10),
                Role::Clerk,
            )
        }
        CaseState::Expired => {
            let (case, _) = world.mailed_proxy_case();
            world.step(&case, Event::Expire, jst(2027, 1, 5, 10), Role::Clerk)
        }
    }
}

/// An `applied` case ready for `kind`: on the optional-proxy path a printed
/// letter before `mark_mailed`, an issued one not yet printed before
/// `print_letter`.
fn applied_for(world: &mut World, open: Case, kind: EventKind) -> Case {
    let today = morning(application_day());
    if !open.path().mails_letters() {
        return open;
    }
    match kind {
        EventKind::MarkMailed => world.issue(&open, today).0,
        EventKind::PrintLetter => world.issue_unprinted(&open, today),
        _ => open,
    }
}

/// A case that reached the counter step of its path, then `event`.
fn after_counter(world: &mut World, path: Path, kind: EventKind, event: Event) -> Case {
    let before = reach(world, path, at_counter(path), kind);
    world.step(&before, event, counter_time(path), Role::Clerk)
}

fn at_counter(path: Path) -> CaseState {
    if path.mails_letters() {
        CaseState::ResponseReturned
    } else {
        CaseState::Applied
    }
}

fn counter_time(path: Path) -> DateTime<Utc> {
    if path.mails_letters() {
        jst(2026, 12, 1, 11)
    } else {
        jst(2026, 11, 26, 11)
    }
}

/// An `inquiry_mailed` proxy case ready for `kind`: a second, printed but
/// unmailed letter before `mark_mailed`, a second letter not yet printed
/// before `print_letter`, five wrong codes before `unlock`.
fn inquiry_mailed_for(world: &mut World, kind: EventKind) -> Case {
    let (case, _) = world.mailed_proxy_case();
    match kind {
        EventKind::MarkMailed => world.issue(&case, jst(2026, 11, 30, 9)).0,
        EventKind::PrintLetter => world.issue_unprinted(&case, jst(2026, 11, 30, 9)),
        EventKind::Unlock => (0..5).fold(case, |c, _| {
            world.step(
                &c,
                response(WRONG_CODE, jst(2026, 11, 30, 9)),
                jst(2026, 11, 30, 9),
                Role::Clerk,
            )
        }),
        _ => case,
    }
}

fn forge(case: Case, state: CaseState) -> Case {
    let mut json = serde_json::to_value(&case).unwrap();
    json["core"]["state"] = serde_json::Value::String(state.code().to_owned());
    serde_json::from_value(json).unwrap()
}

/// When to apply `kind`: after the deadline for `expire`, on the application
/// day on the same-day paths, otherwise a few days after mailing.
fn when(case: &Case, kind: EventKind) -> DateTime<Utc> {
    if !case.path().mails_letters() {
        return jst(2026, 11, 26, 11);
    }
    match kind {
        EventKind::Expire => jst(2027, 1, 5, 10),
        _ => jst(2026, 12, 1, 11),
    }
}

/// A valid instance of `kind` for `case` at `now` (a supervisor applies it).
pub fn event_for(world: &mut World, case: &Case, kind: EventKind, now: DateTime<Utc>) -> Event {
    match kind {
        EventKind::IssueLetter => Event::IssueLetter,
        EventKind::IssueLetterOverride => Event::IssueLetterOverride {
            reason: "再送依頼".into(),
        },
        EventKind::PrintLetter => Event::PrintLetter {
            number: case.current_letter().map_or(1, |l| l.number),
            code: world.code().0,
            planned_mailing: world.planned_mailing(now),
        },
        EventKind::MarkMailed => Event::MarkMailed {
            mailed_on: japan_date(now),
        },
        EventKind::RecordResponse => response(&world.current_code(case), now),
        EventKind::Unlock => Event::Unlock {
            reason: "本人確認済".into(),
        },
        EventKind::CompletePinChange => Event::CompletePinChange {
            card: card(BOUND_CARD),
        },
        EventKind::Fail => Event::Fail {
            reason: FailureReason::ResetRequired {
                pin: PinKind::UserAuth,
            },
            note: None,
        },
        EventKind::Cancel => Event::Cancel {
            reason: "申請取下げ".into(),
        },
        EventKind::MarkUndeliverable => Event::MarkUndeliverable {
            letter: case.current_letter().map_or(1, |l| l.number),
            note: Some("宛所尋ねあたらず".into()),
        },
        EventKind::Expire => Event::Expire,
        EventKind::CardholderCameInPerson => Event::CardholderCameInPerson {
            in_person_case: ReferenceNumber::for_date(japan_date(now), 124).unwrap(),
        },
    }
}
