//! Services on a real database and a clock the test sets: an `AppState` as
//! `serve` builds it, on a fresh SQLite file or (with `SHOKAI_TEST_POSTGRES`)
//! a fresh PostgreSQL database, with the repository's font, wording and a
//! copy of the fixture card in the simulated terminal.

use std::path::PathBuf;
use std::sync::Arc;

/// Defines, for each named `async fn(TestDb)` of the calling test module,
/// `sqlite::<name>` and `postgres::<name>` tests (the PostgreSQL one runs
/// only with `SHOKAI_TEST_POSTGRES`; `make test` reports the e2e skips).
macro_rules! on_both_backends {
    ($($body:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $body() {
                    super::$body(crate::testing::TestDb::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $body() {
                    if let Some(db) = crate::testing::TestDb::postgres().await {
                        super::$body(db).await;
                    }
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;

use chrono::{DateTime, Utc};
use shokai_store::Store;
use shokai_store::testing::{POSTGRES_ENV, PostgresTestDatabase};
use shokai_workflow::{
    Address, Cardholder, DateOfBirth, IdDocument, IdDocumentKind, PersonName, PinSet, Proxy,
    Representation, Role,
};

use crate::auth::Caller;
use crate::clock::{ManualClock, RandomCodes};
use crate::infra::letter_assets::LetterAssets;
use crate::service::cases::Intake;
use crate::settings::{Settings, Sources};
use crate::state::AppState;

#[path = "../../../tests/e2e/cards.rs"]
mod cards;

/// A database for one test, dropped (PostgreSQL) or deleted with its
/// directory (SQLite) at the end.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres: Option<PostgresTestDatabase>,
}

impl TestDb {
    /// A fresh SQLite file.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("shokai.db").display());
        TestDb {
            url,
            dir,
            postgres: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` without `SHOKAI_TEST_POSTGRES`.
    pub async fn postgres() -> Option<TestDb> {
        let admin = std::env::var(POSTGRES_ENV).ok()?;
        let db = PostgresTestDatabase::create(&admin)
            .await
            .expect("SHOKAI_TEST_POSTGRES is set but unusable");
        Some(TestDb {
            url: db.url().to_owned(),
            dir: tempfile::tempdir().expect("temporary directory"),
            postgres: Some(db),
        })
    }

    /// Drops the PostgreSQL database (SQLite's goes with the directory).
    pub async fn finish(self) {
        if let Some(db) = self.postgres {
            db.drop_database().await.expect("drop the test database");
        }
    }

    /// A server's state on this database, its clock standing at `now`.
    pub async fn state(&self, now: DateTime<Utc>) -> (AppState, Arc<ManualClock>) {
        self.state_with(now, &[]).await
    }

    /// [`TestDb::state`] with some settings added (`SHOKAI_*` key, value).
    pub async fn state_with(
        &self,
        now: DateTime<Utc>,
        extra: &[(&str, &str)],
    ) -> (AppState, Arc<ManualClock>) {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let card = self.dir.path().join("card.json");
        if !card.exists() {
            std::fs::copy(repo.join("fixtures/cards/cardholder.json"), &card).expect("card");
        }
        let file = |p: &str| repo.join(p).display().to_string();
        let pairs = [
            ("SHOKAI_DATABASE_URL", self.url.clone()),
            ("SHOKAI_CODE_KEYS", format!("t1={}", "ab".repeat(32))),
            ("SHOKAI_OFFICE_NAME", "テスト区役所".to_owned()),
            ("SHOKAI_OFFICE_HEAD", "テスト区長".to_owned()),
            (
                "SHOKAI_OFFICE_ADDRESS",
                "〒100-0001 東京都テスト区1-1".to_owned(),
            ),
            ("SHOKAI_OFFICE_PHONE", "03-0000-0000".to_owned()),
            ("SHOKAI_OFFICE_HOURS", "平日 8:30〜17:15".to_owned()),
            (
                "SHOKAI_CARD_TERMINAL",
                format!("simulated:{}", card.display()),
            ),
            ("SHOKAI_LETTER_FONT", file("templates/fonts/ipaexg.ttf")),
            (
                "SHOKAI_LETTER_TEMPLATE",
                file("templates/letter/letter.toml"),
            ),
            ("SHOKAI_MAIL_TEMPLATES", file("templates/mail")),
            (
                "SHOKAI_PRINT_DIR",
                self.dir.path().join("print").display().to_string(),
            ),
        ];
        let mut sources = Sources::default();
        sources.overlay(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)));
        sources.overlay(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let settings = Settings::from_sources(&sources).expect("test settings");
        let store = Store::connect(&self.url).await.expect("database");
        store.migrate().await.expect("migrations");
        let letters = LetterAssets::load(&settings).expect("letter assets");
        let clock = Arc::new(ManualClock::new(now));
        let state = AppState::with_sources(
            settings,
            store,
            letters,
            clock.clone(),
            Arc::new(RandomCodes),
        )
        .expect("state");
        (state, clock)
    }
}

/// A staff member acting in `role` (an account made in the database).
pub async fn staff(state: &AppState, name: &str, role: Role) -> Caller {
    let password = secrecy::SecretString::from("correct horse battery staple".to_owned());
    let user =
        crate::service::users::add_user(state.store(), state.clock(), name, name, role, &password)
            .await
            .expect("account");
    Caller {
        user_id: user.id,
        username: user.username,
        role: user.role,
    }
}

/// 山田 太郎's proxy 佐藤 花子 applies for the user_auth PIN.
pub fn proxy_intake() -> Intake {
    Intake {
        cardholder: Cardholder {
            name: PersonName::parse("山田 太郎", "ヤマダ タロウ").expect("name"),
            address: Address::parse("160-0022", "東京都", "新宿区", "新宿一丁目1番1号")
                .expect("address"),
            date_of_birth: DateOfBirth::parse("1980-04-01").expect("date of birth"),
            phone: None,
            adult_ward: false,
        },
        representation: Representation::OptionalProxy(Proxy {
            person: PersonName::parse("佐藤 花子", "サトウ ハナコ").expect("name"),
            date_of_birth: DateOfBirth::parse("1985-06-15").expect("date of birth"),
            id_document: IdDocument::parse(IdDocumentKind::PensionBook, false, "1234")
                .expect("document"),
            second_id_document: None,
            phone: None,
            email: None,
        }),
        pins: PinSet::parse("user_auth").expect("pins"),
        procedure: shokai_workflow::Procedure::Change,
    }
}

/// Japan time `YYYY-MM-DD HH:MM` as an instant.
pub fn jst(text: &str) -> DateTime<Utc> {
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time");
    local.and_utc() - chrono::Duration::hours(9)
}

/// Puts another cardholder's card in `state`'s simulated terminal, as the
/// next person at the counter hands theirs over (a card has at most one
/// open case): the fixture card's PINs, a certificate of its own. Returns
/// its fingerprint.
pub fn insert_new_card(state: &AppState) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let Some(crate::settings::CardTerminal::Simulated(path)) = &state.settings().card_terminal
    else {
        panic!("a test state has a simulated terminal");
    };
    cards::write_card(path, &format!("test-card-{n}"))
}
