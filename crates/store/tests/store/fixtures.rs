//! Small named builders for store tests: an optional-proxy application, the
//! workflow context, actors, and cases opened and moved through the store.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use shokai_store::{Actor, Role, Store, StoredCase};
use shokai_workflow::{
    Address, Application, CardFingerprint, Cardholder, Case, CodeKeyring, Context, DateOfBirth,
    Event, IdDocument, IdDocumentKind, PersonName, PinSet, Proxy, Representation, VerificationCode,
    WorkflowSettings,
};

/// 09:30 in Tokyo on Thursday 26 November 2026 (Reiwa 8).
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 0, 30, 0).unwrap()
}

pub fn clerk() -> Actor {
    Actor {
        user_id: None,
        username: "tanaka".to_owned(),
        role: Role::Clerk,
    }
}

pub fn supervisor() -> Actor {
    Actor {
        user_id: None,
        username: "sato".to_owned(),
        role: Role::Supervisor,
    }
}

pub fn settings() -> &'static WorkflowSettings {
    static SETTINGS: std::sync::OnceLock<WorkflowSettings> = std::sync::OnceLock::new();
    SETTINGS.get_or_init(WorkflowSettings::default)
}

pub fn keyring() -> &'static CodeKeyring {
    static KEYS: std::sync::OnceLock<CodeKeyring> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| CodeKeyring::new("2026-a", vec![7; 32]).unwrap())
}

pub fn ctx(actor: &Actor, now: DateTime<Utc>) -> Context<'static> {
    Context::new(now, actor.role, settings(), keyring())
}

/// 山田 太郎 applies through his proxy 佐藤 花子 for the user_auth PIN.
pub fn proxy_application() -> Application {
    Application {
        cardholder: Cardholder {
            name: PersonName::parse("山田 太郎", "ヤマダ タロウ").unwrap(),
            address: Address::parse("160-0022", "東京都", "新宿区", "新宿一丁目1番1号").unwrap(),
            date_of_birth: DateOfBirth::parse("1980-04-01").unwrap(),
            phone: None,
            adult_ward: false,
        },
        representation: Representation::OptionalProxy(Proxy {
            person: PersonName::parse("佐藤 花子", "サトウ ハナコ").unwrap(),
            date_of_birth: DateOfBirth::parse("1985-06-15").unwrap(),
            id_document: IdDocument::parse(IdDocumentKind::PensionBook, false, "1234").unwrap(),
            second_id_document: None,
            phone: None,
            email: None,
        }),
        pins: PinSet::parse("user_auth").unwrap(),
        procedure: shokai_workflow::Procedure::Change,
        card_fingerprint: another_card(),
        card_has_signature_certificate: true,
    }
}

/// A card no case has used yet: a card has at most one open case, and
/// these tests open many.
pub fn another_card() -> CardFingerprint {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    CardFingerprint::parse(&format!("{n:032x}")).unwrap()
}

/// Opens a proxy case at `now`, for a card of its own.
pub async fn open_case(store: &Store, now: DateTime<Utc>) -> StoredCase {
    open_application(store, now, proxy_application()).await
}

/// Opens a case for `application` at `now`.
pub async fn open_application(
    store: &Store,
    now: DateTime<Utc>,
    application: Application,
) -> StoredCase {
    let actor = clerk();
    let card = application.card_fingerprint.clone();
    store
        .create_case(&actor, now, &card, |reference, open_case| {
            Case::open(application, reference, open_case, &ctx(&actor, now))
        })
        .await
        .unwrap()
}

pub fn new_code() -> VerificationCode {
    VerificationCode::generate(&mut rand::rng())
}

/// The cut-off job, which closes print batches as the system.
pub fn system() -> Actor {
    Actor {
        user_id: None,
        username: "system".to_owned(),
        role: Role::System,
    }
}

/// Issues the case's next letter at `now`: queued for a print batch, no code yet.
pub async fn issue_letter(store: &Store, case: &StoredCase, now: DateTime<Utc>) -> StoredCase {
    let actor = clerk();
    store
        .transition(case.id, case.version, &actor, now, |c: &Case| {
            c.apply(Event::IssueLetter, &ctx(&actor, now))
        })
        .await
        .unwrap()
}

/// Prints the case's current letter with `code` at `now` for mailing on
/// `planned_mailing`, as the cut-off job closing its batch does.
pub async fn print_letter(
    store: &Store,
    case: &StoredCase,
    code: VerificationCode,
    planned_mailing: NaiveDate,
    now: DateTime<Utc>,
) -> StoredCase {
    let actor = system();
    let number = case.core.current_letter().expect("an issued letter").number;
    let print = Event::PrintLetter {
        number,
        code,
        planned_mailing,
    };
    store
        .transition(case.id, case.version, &actor, now, |c: &Case| {
            c.apply(print, &ctx(&actor, now))
        })
        .await
        .unwrap()
}

/// Issues a letter at `now` and prints it at once with `code` for mailing
/// on `planned_mailing`.
pub async fn issue_and_print(
    store: &Store,
    case: &StoredCase,
    code: VerificationCode,
    planned_mailing: NaiveDate,
    now: DateTime<Utc>,
) -> StoredCase {
    let issued = issue_letter(store, case, now).await;
    print_letter(store, &issued, code, planned_mailing, now).await
}

/// Records the letter as mailed on `mailed_on`.
pub async fn mark_mailed(
    store: &Store,
    case: &StoredCase,
    mailed_on: NaiveDate,
    now: DateTime<Utc>,
) -> StoredCase {
    let actor = clerk();
    store
        .transition(case.id, case.version, &actor, now, |c: &Case| {
            c.apply(Event::MarkMailed { mailed_on }, &ctx(&actor, now))
        })
        .await
        .unwrap()
}

/// A case with a letter issued and printed an hour after opening for
/// mailing the same day, and mailed that day.
pub async fn mailed_case(store: &Store, now: DateTime<Utc>) -> StoredCase {
    let case = open_case(store, now).await;
    let today = shokai_workflow::case::japan_date(now);
    let case = issue_and_print(store, &case, new_code(), today, now + Duration::hours(1)).await;
    mark_mailed(store, &case, today, now + Duration::hours(2)).await
}

/// The retention purge of every case closed before `before`, run at `now`
/// as the command line runs it, committed, and the SQLite WAL settled afterwards.
pub async fn purge_closed_before(
    store: &Store,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> shokai_store::PurgeReport {
    use shokai_store::personal_data::purge;
    let actor = Actor {
        user_id: None,
        username: "cli".to_owned(),
        role: Role::System,
    };
    let mut tx = store.begin().await.unwrap();
    let report = purge::purge_closed_before(&mut tx, &actor, before, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    purge::settle(store).await.unwrap();
    report
}
