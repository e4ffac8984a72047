//! `shokai demo load [--fixtures DIR] [--cards DIR] [--config FILE]`: fills
//! a database that has no cases with the demo office of `make run`: the
//! accounts of `users.toml` and the cases of `cases.toml`, each driven step
//! by step through the same services the clerk's pages call, on a clock set
//! to each step's own time and with the case's card in the simulated
//! terminal, so the cases, letters, batches, outbox and audit chain are
//! exactly what the office would have made.
//!
//! Letters are issued and batched as usual: closing a batch gives each
//! letter its code and writes the print file, marking it mailed deletes the
//! file. The code source keeps each code made at close in this process's
//! memory for the demo response step; it is never printed or stored.
//!
//! On a database that already has cases it says so and changes nothing.
//! A fresh load also puts a fresh copy of the counter card into the
//! simulated terminal (`SHOKAI_CARD_TERMINAL=simulated:FILE`).
//!
//! Exit codes: 0 loaded, or already loaded; 1 failure while loading
//! (database, card file, a step the workflow refused); 2 bad settings or a
//! bad fixture file, nothing written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use shokai_card::{Card, InitialPins, Pin, PinKind, SimulatedCard, Transport, sim_file};
use shokai_store::{Store, StoreError};
use shokai_workflow::{
    CardFingerprint, Event, FailureReason, IdDocument, IdDocumentKind, Proof, Representation,
    TransitionError, VerificationCode,
};

use super::demo_fixture::{self, Action, CasesFile, DemoCase, DemoStep, FixtureError, UsersFile};
use crate::auth::Caller;
use crate::clock::{Clock, KeptCodes, ManualClock};
use crate::infra::letter_assets::{LetterAssetError, LetterAssets};
use crate::service::batches::{self, CloseRequest, MailedRequest};
use crate::service::cases::{self, CaseQuery, CaseView, Intake};
use crate::service::error::ServiceError;
use crate::service::letters::{self, IssueRequest};
use crate::service::pin_change;
use crate::service::responses::{self, ChecklistInput, ResponseRequest};
use crate::service::users::{AddUserError, add_user};
use crate::settings::{CardTerminal, Settings, SettingsError};
use crate::state::AppState;

const EXIT_CODES: &str = "\
Exit codes:
  0  the demo office was loaded, or was already there (nothing changed)
  1  failure while loading: database, card file, a step the workflow refused
  2  bad settings or fixture file; nothing was written";

/// The demo office.
#[derive(Debug, Args)]
pub struct DemoCommand {
    #[command(subcommand)]
    pub action: DemoAction,
}

/// The demo subcommands.
#[derive(Debug, Subcommand)]
pub enum DemoAction {
    /// Load the demo accounts and cases into a database without cases.
    #[command(after_help = EXIT_CODES)]
    Load(LoadArgs),
}

/// `shokai demo load` flags.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Directory holding users.toml and cases.toml.
    #[arg(long, default_value = "fixtures/demo")]
    pub fixtures: PathBuf,
    /// Directory of the simulated card files the cases name.
    #[arg(long, default_value = "fixtures/cards")]
    pub cards: PathBuf,
    /// Settings file (see .env.example); the environment wins over it.
    #[arg(long, env = "SHOKAI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Why `shokai demo load` failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoCliError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    #[error(transparent)]
    Letters(#[from] LetterAssetError),
    #[error("code keys: {0}")]
    Keys(#[source] shokai_workflow::KeyringError),
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("database: {0}")]
    Database(String),
    #[error("demo account {username}: {source}")]
    User {
        username: String,
        #[source]
        source: AddUserError,
    },
    #[error("card {path}: {reason}")]
    Card { path: PathBuf, reason: String },
    #[error("case \"{label}\", step {step} ({action}): {reason}")]
    Step {
        label: String,
        step: usize,
        action: &'static str,
        reason: String,
    },
}

impl DemoCliError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            DemoCliError::Settings(_)
            | DemoCliError::Fixture(_)
            | DemoCliError::Letters(_)
            | DemoCliError::Keys(_) => 2,
            DemoCliError::Runtime(_)
            | DemoCliError::Store(_)
            | DemoCliError::Database(_)
            | DemoCliError::User { .. }
            | DemoCliError::Card { .. }
            | DemoCliError::Step { .. } => 1,
        }
    }
}

/// Runs `shokai demo …`.
pub fn run(cmd: DemoCommand) -> Result<(), DemoCliError> {
    match cmd.action {
        DemoAction::Load(args) => load(args),
    }
}

fn load(args: LoadArgs) -> Result<(), DemoCliError> {
    let settings = Settings::load(args.config.as_deref())?;
    let users: UsersFile = demo_fixture::read(&args.fixtures.join("users.toml"))?;
    let cases_path = args.fixtures.join("cases.toml");
    let demo: CasesFile = demo_fixture::read(&cases_path)?;
    let now = Utc::now();
    demo_fixture::check(&cases_path, &demo, &users, now)?;
    // The cards made for the cases live only while the demo loads.
    let scratch = std::env::temp_dir().join(format!("shokai-demo-cards-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| DemoCliError::Card {
        path: scratch.clone(),
        reason: e.to_string(),
    })?;
    let cards = read_cards(&args.cards, &scratch, &demo);
    let cards = cards.inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&scratch);
    })?;
    let letters = LetterAssets::load(&settings)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(DemoCliError::Runtime)?;
    runtime.block_on(async {
        let store = Store::connect(settings.database_url.expose_secret()).await?;
        store.migrate().await?;
        let clock = Arc::new(ManualClock::new(now));
        let codes = Arc::new(KeptCodes::default());
        let state = AppState::with_sources(
            settings,
            store.clone(),
            letters,
            clock.clone(),
            codes.clone(),
        )
        .map_err(DemoCliError::Keys)?;
        let loader = Loader {
            state: &state,
            clock: &clock,
            codes: &codes,
            cards: &cards,
            cards_dir: &args.cards,
            now,
            callers: BTreeMap::new(),
            printed: std::sync::Mutex::new(BTreeMap::new()),
        };
        let loaded = loader.load(&users, &demo).await;
        store.close().await;
        let _ = std::fs::remove_dir_all(&scratch);
        loaded
    })
}

/// A card with the PINs (as salted hashes) of `fixture` and a certificate
/// of its own, derived from `seed`.
fn with_pins_of(fixture: &SimulatedCard, seed: &str) -> Result<SimulatedCard, String> {
    // Only the certificate of this throwaway card is kept, so its PINs
    // never matter: the fixture's take their place.
    let pin = |kind, text| Pin::parse(kind, text).map_err(|e| e.to_string());
    let throwaway = InitialPins {
        signature: None,
        user_auth: pin(PinKind::UserAuth, "0000")?,
        resident: pin(PinKind::Resident, "0000")?,
        card_info: pin(PinKind::CardInfo, "0000")?,
    };
    let fresh = SimulatedCard::new(&throwaway, seed).map_err(|e| e.to_string())?;
    let mut state = fixture.state().clone();
    state.certificate_seed = seed.to_owned();
    state
        .auth_certificate_der
        .clone_from(&fresh.state().auth_certificate_der);
    SimulatedCard::from_state(state).map_err(|e| e.to_string())
}

/// Each case's card: its file and certificate fingerprint, by case label.
/// A case that names a card uses that fixture (read without a PIN; the file
/// is not written); any other gets a card of its own in `scratch`, made
/// from a seed of its label with the PINs of `cardholder.json`.
fn read_cards(
    dir: &Path,
    scratch: &Path,
    demo: &CasesFile,
) -> Result<BTreeMap<String, (PathBuf, CardFingerprint)>, DemoCliError> {
    let mut cards = BTreeMap::new();
    for case in &demo.case {
        let path = match &case.card {
            Some(name) => dir.join(format!("{name}.json")),
            None => scratch.join(format!("case-{}.json", cards.len())),
        };
        let fail = |reason: String| DemoCliError::Card {
            path: path.clone(),
            reason,
        };
        let mut sim = match &case.card {
            Some(_) => sim_file::load(&path).map_err(|e| fail(e.to_string()))?,
            None => {
                let fixture = sim_file::load(&dir.join("cardholder.json"))
                    .map_err(|e| fail(e.to_string()))?;
                let seed = format!("shokai-demo:{}", case.label);
                let own = with_pins_of(&fixture, &seed).map_err(fail)?;
                sim_file::save(&path, &own).map_err(|e| fail(e.to_string()))?;
                own
            }
        };
        let read = Card::new(&mut sim as &mut dyn Transport).auth_certificate_fingerprint();
        let fingerprint = read.map_err(|e| fail(e.to_string()))?;
        let parsed =
            CardFingerprint::parse(&fingerprint.to_string()).map_err(|e| fail(e.to_string()))?;
        cards.insert(case.label.clone(), (path, parsed));
    }
    Ok(cards)
}

/// What the loader remembers about a case between its steps.
/// Where a demo case stands while the loader drives it.
#[derive(Default)]
struct Progress {
    id: i64,
    version: i64,
    reference: String,
    state: &'static str,
    /// The number of the case's current letter.
    letter: u8,
}

/// Drives the demo cases through the services on a clock it sets to each
/// step's time, with each case's card in the simulated terminal.
struct Loader<'a> {
    state: &'a AppState,
    clock: &'a ManualClock,
    codes: &'a KeptCodes,
    cards: &'a BTreeMap<String, (PathBuf, CardFingerprint)>,
    cards_dir: &'a Path,
    now: DateTime<Utc>,
    callers: BTreeMap<String, Caller>,
    /// The code each case's current letter was printed with, by reference,
    /// from the batch close until the response step.
    printed: std::sync::Mutex<BTreeMap<String, VerificationCode>>,
}

impl<'a> Loader<'a> {
    async fn load(mut self, users: &UsersFile, demo: &CasesFile) -> Result<(), DemoCliError> {
        if let Some(n) = self.existing_cases().await? {
            println!(
                "demo data already loaded: the database has cases ({n} or more); nothing changed"
            );
            return Ok(());
        }
        self.accounts(users).await?;
        let progress = self.drive(demo).await?;
        self.clock.set(self.now);
        self.put_counter_card(&demo.counter_card);
        summary(demo, &progress);
        let report = shokai_store::audit::verify(self.state.store()).await?;
        match report.first_break {
            None => println!("audit chain intact: {} events", report.events),
            Some(problem) => println!("audit chain BROKEN: {problem}"),
        }
        Ok(())
    }

    /// How many cases the database has, if any (checked before anything is written).
    async fn existing_cases(&self) -> Result<Option<usize>, DemoCliError> {
        let listed = cases::list(
            self.state,
            shokai_workflow::Role::System,
            CaseQuery::default(),
        )
        .await
        .map_err(|e| DemoCliError::Database(e.to_string()))?;
        let n = listed.cases.len();
        Ok((n > 0).then_some(n))
    }

    /// Creates the demo accounts that do not exist yet.
    async fn accounts(&mut self, users: &UsersFile) -> Result<(), DemoCliError> {
        let store = self.state.store();
        for demo in &users.user {
            let mut tx = store.read().await?;
            let existing = shokai_store::users::user_by_username(&mut tx, &demo.username).await?;
            tx.commit().await?;
            let user = match existing {
                Some(user) => {
                    println!("account {} exists: kept as it is", user.username);
                    user
                }
                None => {
                    let added = add_user(
                        store,
                        self.clock,
                        &demo.username,
                        &demo.display_name,
                        demo.role,
                        &demo.password,
                    )
                    .await;
                    added.map_err(|source| DemoCliError::User {
                        username: demo.username.clone(),
                        source,
                    })?
                }
            };
            let caller = Caller {
                user_id: user.id,
                username: user.username.clone(),
                role: user.role,
            };
            self.callers.insert(demo.username.clone(), caller);
        }
        Ok(())
    }

    /// Every step of every case, in time order across cases (as the office
    /// would have taken them).
    async fn drive(&self, demo: &CasesFile) -> Result<Vec<Progress>, DemoCliError> {
        let mut timeline: Vec<(DateTime<Utc>, usize, usize)> = Vec::new();
        for (c, case) in demo.case.iter().enumerate() {
            for (s, step) in case.step.iter().enumerate() {
                timeline.push((step.at.resolve(self.now), c, s));
            }
        }
        timeline.sort();
        let mut progress: Vec<Progress> = demo.case.iter().map(|_| Progress::default()).collect();
        for (at, c, s) in timeline {
            let case = &demo.case[c];
            let step = &case.step[s];
            self.clock.set(at);
            self.step(case, step, &mut progress[c])
                .await
                .map_err(|reason| DemoCliError::Step {
                    label: case.label.clone(),
                    step: s + 1,
                    action: action_name(&step.action),
                    reason,
                })?;
        }
        Ok(progress)
    }

    /// One step, through the service a clerk's request would call.
    async fn step(
        &self,
        case: &DemoCase,
        step: &DemoStep,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let caller = &self.callers[&step.by];
        // The case's card is in the terminal for every step, as at the counter.
        let (card_file, card) = self.cards[&case.label].clone();
        self.state
            .terminal()
            .insert(CardTerminal::Simulated(card_file));
        let event = match &step.action {
            Action::Open => return self.open(case, caller, progress).await,
            Action::IssueLetter => return self.issue_letter(caller, progress).await,
            Action::MarkMailed => return self.mail(caller, progress).await,
            Action::RecordResponse { photo_id } => {
                let code = self
                    .printed_codes()
                    .remove(&progress.reference)
                    .ok_or("no letter code to respond with")?;
                let code = SecretString::from(code.expose().to_owned());
                return match self.respond(caller, code, photo_id, progress).await {
                    Ok(()) => Ok(()),
                    Err(e) => Err(e.to_string()),
                };
            }
            Action::WrongCode { times } => {
                return self.wrong_codes(caller, *times, progress).await;
            }
            Action::Unlock { reason } => Event::Unlock {
                reason: reason.clone(),
            },
            Action::Cancel { reason } => Event::Cancel {
                reason: reason.clone(),
            },
            Action::MarkUndeliverable { note } => Event::MarkUndeliverable {
                letter: progress.letter,
                note: note.clone(),
            },
            Action::Expire => Event::Expire,
            Action::CompletePinChange => Event::CompletePinChange { card },
            Action::Fail { pin, note } => Event::Fail {
                reason: FailureReason::ResetRequired { pin: *pin },
                note: note.clone(),
            },
            Action::CurrentPinWrong { pin } => {
                return self.current_pin_wrong(caller, *pin, progress).await;
            }
        };
        let after = cases::apply(self.state, caller, progress.id, progress.version, event)
            .await
            .map_err(|e| e.to_string())?;
        progress.record(&after);
        Ok(())
    }

    /// Ends the case as the clerk does who does not know the current PIN.
    async fn current_pin_wrong(
        &self,
        caller: &Caller,
        pin: PinKind,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let ended =
            pin_change::current_pin_wrong(self.state, caller, progress.id, progress.version, pin)
                .await
                .map_err(|e| e.to_string())?;
        progress.record(&ended);
        Ok(())
    }

    async fn open(
        &self,
        case: &DemoCase,
        caller: &Caller,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let mut representation = case.representation.clone();
        if let (Some(days), Representation::LegalRepresentative(rep)) =
            (case.proof_issued_days_before, &mut representation)
            && let Proof::Certificate { issued_on, .. } = &mut rep.proof
        {
            *issued_on = self.clock.today() - Duration::days(i64::from(days));
        }
        let intake = Intake {
            cardholder: case.cardholder.clone(),
            representation,
            pins: case.pins.clone(),
            procedure: case.procedure,
        };
        let opened = cases::open(self.state, caller, intake)
            .await
            .map_err(|e| e.to_string())?;
        progress.id = opened.id;
        progress.reference.clone_from(&opened.reference);
        progress.record(&opened);
        Ok(())
    }

    fn printed_codes(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, VerificationCode>> {
        self.printed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Issues (queues) the next letter through the letter service.
    async fn issue_letter(&self, caller: &Caller, progress: &mut Progress) -> Result<(), String> {
        let request = IssueRequest {
            version: progress.version,
            override_reason: None,
        };
        let issued = letters::issue(self.state, caller, progress.id, request)
            .await
            .map_err(|e| e.to_string())?;
        progress.letter = issued.letter_number;
        progress.record(&issued.case);
        Ok(())
    }

    /// Closes a print batch with the letters waiting, planned for the
    /// step's date, and marks it mailed that day, as the print room and the
    /// clerk would. Keeps the codes the close made (in print order, as the
    /// batch lists its references) for the response steps.
    async fn mail(&self, caller: &Caller, progress: &mut Progress) -> Result<(), String> {
        let request = CloseRequest {
            planned_mailing_on: Some(self.clock.today()),
        };
        let batch = batches::close(self.state, caller, request)
            .await
            .map_err(|e| e.to_string())?;
        let codes = self.codes.take();
        if !batch.held.is_empty() || codes.len() != batch.references.len() {
            return Err(format!(
                "batch {} printed {} of its letters",
                batch.id,
                batch.references.len()
            ));
        }
        self.printed_codes()
            .extend(batch.references.iter().cloned().zip(codes));
        let request = MailedRequest {
            mailed_on: Some(self.clock.today()),
        };
        let mailed = batches::mark_mailed(self.state, caller, batch.id, request)
            .await
            .map_err(|e| e.to_string())?;
        let ours = mailed
            .cases
            .iter()
            .find(|c| c.case_id == progress.id)
            .ok_or("the case's letter was not in the batch")?;
        progress.version = ours.version;
        progress.state = ours.state;
        Ok(())
    }

    async fn respond(
        &self,
        caller: &Caller,
        code: SecretString,
        photo_id: &IdDocument,
        progress: &mut Progress,
    ) -> Result<(), ServiceError> {
        let request = ResponseRequest {
            version: progress.version,
            code,
            entered_at: None,
            checklist: ChecklistInput {
                card_presented: true,
                proxy_photo_id: Some(photo_id.clone()),
                proxy_second_id: None,
                response_form_signed: true,
                power_of_attorney_complete: true,
                power_of_attorney_names_proxy: true,
                envelope_sealed: true,
            },
        };
        match responses::record(self.state, caller, progress.id, request).await {
            Ok(after) => {
                progress.record(&after);
                Ok(())
            }
            Err(ServiceError::Refused { error, case }) => {
                progress.version = case.version;
                progress.state = case.core.state().code();
                Err(ServiceError::Transition(error))
            }
            Err(other) => Err(other),
        }
    }

    /// Wrong codes typed at the counter, 40 seconds apart; each counts.
    async fn wrong_codes(
        &self,
        caller: &Caller,
        times: u8,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let photo_id = IdDocument::parse(IdDocumentKind::DriversLicence, true, "0000")
            .map_err(|e| e.to_string())?;
        for _ in 0..times {
            let wrong = VerificationCode::generate(&mut rand::rng());
            let code = SecretString::from(wrong.expose().to_owned());
            match self.respond(caller, code, &photo_id, progress).await {
                Err(ServiceError::Transition(TransitionError::CodeMismatch { .. })) => {}
                Err(other) => return Err(other.to_string()),
                Ok(()) => return Err("a random code matched the letter's".into()),
            }
            self.clock.advance(Duration::seconds(40));
        }
        Ok(())
    }

    fn put_counter_card(&self, name: &str) {
        let cards_dir = self.cards_dir;
        let source = cards_dir.join(format!("{name}.json"));
        match &self.state.settings().card_terminal {
            Some(CardTerminal::Simulated(path)) => {
                let fresh = std::fs::read(&source).ok();
                if fresh.is_some() && std::fs::read(path).ok() == fresh {
                    println!("counter card: {} (as {})", path.display(), source.display());
                    return;
                }
                let copied = path
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::copy(&source, path));
                match copied {
                    Ok(_) => println!(
                        "counter card: {} is now a fresh copy of {}",
                        path.display(),
                        source.display()
                    ),
                    Err(e) => println!(
                        "counter card: could not copy {} to {}: {e}",
                        source.display(),
                        path.display()
                    ),
                }
            }
            Some(CardTerminal::Pcsc(reader)) => {
                println!(
                    "counter card: the reader \"{reader}\" (the demo cases are bound to simulated cards)"
                );
            }
            None => println!("counter card: none (SHOKAI_CARD_TERMINAL is not set)"),
        }
    }
}

impl Progress {
    fn record(&mut self, case: &CaseView) {
        self.version = case.version;
        self.state = case.state;
    }
}

fn action_name(action: &Action) -> &'static str {
    match action {
        Action::Open => "open",
        Action::IssueLetter => "issue_letter",
        Action::MarkMailed => "mark_mailed",
        Action::RecordResponse { .. } => "record_response",
        Action::WrongCode { .. } => "wrong_code",
        Action::Unlock { .. } => "unlock",
        Action::Cancel { .. } => "cancel",
        Action::MarkUndeliverable { .. } => "mark_undeliverable",
        Action::Expire => "expire",
        Action::CompletePinChange => "complete_pin_change",
        Action::Fail { .. } => "fail",
        Action::CurrentPinWrong { .. } => "current_pin_wrong",
    }
}

/// One line per case: reference, path, state, label.
fn summary(demo: &CasesFile, progress: &[Progress]) {
    println!("loaded {} demo cases:", progress.len());
    for (case, p) in demo.case.iter().zip(progress) {
        let path = case.representation.path().code();
        println!(
            "  {:<14} {:<21} {:<18} {}",
            p.reference, path, p.state, case.label
        );
    }
}
