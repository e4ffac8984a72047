//! `shokai demo load [--fixtures DIR] [--cards DIR] [--config FILE]`: fills
//! a database that has no cases with the demo office of `make run`: the
//! accounts of `users.toml` and the cases of `cases.toml`, each driven step
//! by step through the workflow and the store (one transition per step, at
//! the step's own time), so the audit chain is real and verifies.
//!
//! Letters get fresh codes and their PDFs are kept as the letter service
//! keeps them; a mailed letter keeps only the copy with the code blanked.
//! The code of each letter stays in this process's memory for the demo
//! response step and is never printed or stored.
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

use chrono::{DateTime, Duration, Utc};
use clap::{Args, Subcommand};
use secrecy::ExposeSecret;
use shokai_card::{Card, Transport, sim_file};
use shokai_store::{Actor, CaseFilter, Store, StoreError, cases, users};
use shokai_workflow::case::japan_date;
use shokai_workflow::letter::{LetterContent, render_letter, render_retained_copy};
use shokai_workflow::{
    Application, CardFingerprint, Case, Event, FailureReason, IdDocument, IdDocumentKind,
    ResponseChecklist, ResponseEntry, TransitionError, VerificationCode,
};

use super::demo_fixture::{self, Action, CasesFile, DemoCase, DemoStep, FixtureError, UsersFile};
use crate::app::AppState;
use crate::infra::letter_assets::{LetterAssetError, LetterAssets};
use crate::service::responses::response_step;
use crate::service::users::{AddUserError, add_user};
use crate::settings::{CardTerminal, Settings, SettingsError};

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
    let cards = read_cards(&args.cards, &demo)?;
    let letters = LetterAssets::load(&settings)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(DemoCliError::Runtime)?;
    runtime.block_on(async {
        let store = Store::connect(settings.database_url.expose_secret()).await?;
        store.migrate().await?;
        let state = AppState::new(settings, store.clone(), letters).map_err(DemoCliError::Keys)?;
        let loaded = Loader::new(&state, &cards, now)
            .load(&users, &demo, &args.cards)
            .await;
        store.close().await;
        loaded
    })
}

/// The certificate fingerprint of each card the cases name, read from the
/// fixture without a PIN (the file is not written).
fn read_cards(
    dir: &Path,
    demo: &CasesFile,
) -> Result<BTreeMap<String, CardFingerprint>, DemoCliError> {
    let mut cards = BTreeMap::new();
    for name in demo.case.iter().map(|c| &c.card) {
        if cards.contains_key(name) {
            continue;
        }
        let path = dir.join(format!("{name}.json"));
        let fail = |reason: String| DemoCliError::Card {
            path: path.clone(),
            reason,
        };
        let mut sim = sim_file::load(&path).map_err(|e| fail(e.to_string()))?;
        let read = Card::new(&mut sim as &mut dyn Transport).auth_certificate_fingerprint();
        let fingerprint = read.map_err(|e| fail(e.to_string()))?;
        let parsed =
            CardFingerprint::parse(&fingerprint.to_string()).map_err(|e| fail(e.to_string()))?;
        cards.insert(name.clone(), parsed);
    }
    Ok(cards)
}

/// What the loader remembers about a case between its steps.
#[derive(Default)]
struct Progress {
    id: i64,
    version: i64,
    reference: String,
    state: &'static str,
    /// The number of the current letter.
    letter: u8,
    /// The code of the current letter: memory only, for the response step.
    code: Option<VerificationCode>,
    /// The current letter as printed, and its PDF's fingerprint, until mailed.
    printed: Option<(LetterContent, String)>,
}

struct Loader<'a> {
    state: &'a AppState,
    cards: &'a BTreeMap<String, CardFingerprint>,
    now: DateTime<Utc>,
    actors: BTreeMap<String, Actor>,
}

impl<'a> Loader<'a> {
    fn new(
        state: &'a AppState,
        cards: &'a BTreeMap<String, CardFingerprint>,
        now: DateTime<Utc>,
    ) -> Self {
        Loader {
            state,
            cards,
            now,
            actors: BTreeMap::new(),
        }
    }

    async fn load(
        mut self,
        users: &UsersFile,
        demo: &CasesFile,
        cards_dir: &Path,
    ) -> Result<(), DemoCliError> {
        if let Some(n) = self.existing_cases().await? {
            println!(
                "demo data already loaded: the database has cases ({n} or more); nothing changed"
            );
            return Ok(());
        }
        self.accounts(users).await?;
        let progress = self.drive(demo).await?;
        self.put_counter_card(cards_dir, &demo.counter_card);
        summary(demo, &progress);
        let report = shokai_store::audit::verify(self.state.store()).await?;
        match report.first_break {
            None => println!("audit chain intact: {} events", report.events),
            Some(problem) => println!("audit chain BROKEN: {problem}"),
        }
        Ok(())
    }

    /// `Some(count)` (capped) when the database already has cases.
    async fn existing_cases(&self) -> Result<Option<usize>, DemoCliError> {
        let mut tx = self.state.store().read().await?;
        let filter = CaseFilter {
            limit: 100,
            ..CaseFilter::default()
        };
        let found = cases::list_cases(&mut tx, &filter).await?;
        tx.commit().await?;
        Ok((!found.is_empty()).then_some(found.len()))
    }

    /// Creates the demo accounts; an account that already exists is kept as it is.
    async fn accounts(&mut self, users: &UsersFile) -> Result<(), DemoCliError> {
        let store = self.state.store();
        for demo in &users.user {
            let mut tx = store.read().await?;
            let existing = users::user_by_username(&mut tx, &demo.username).await?;
            tx.commit().await?;
            let user = match existing {
                Some(user) => {
                    println!("account {} exists: kept as it is", user.username);
                    user
                }
                None => {
                    let added = add_user(
                        store,
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
            let actor = Actor {
                user_id: Some(user.id),
                username: user.username.clone(),
                role: user.role,
            };
            self.actors.insert(demo.username.clone(), actor);
        }
        Ok(())
    }

    /// Every step of every case, in time order across cases, so reference
    /// numbers and the audit log run in the order an office would see.
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
            self.step(case, step, at, &mut progress[c])
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

    async fn step(
        &self,
        case: &DemoCase,
        step: &DemoStep,
        at: DateTime<Utc>,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let actor = &self.actors[&step.by];
        let card = self.cards[&case.card].clone();
        let event = match &step.action {
            Action::Open => return self.open(case, card, actor, at, progress).await,
            Action::IssueLetter => return self.issue_letter(actor, at, progress).await,
            Action::MarkMailed => return self.mark_mailed(actor, at, progress).await,
            Action::RecordResponse { photo_id } => {
                let checklist = ResponseChecklist {
                    card_presented: Some(card),
                    proxy_photo_id: Some(photo_id.clone()),
                    response_form_signed: true,
                    power_of_attorney_complete: true,
                    power_of_attorney_names_proxy: true,
                    envelope_sealed: true,
                };
                return self.respond(actor, at, checklist, progress).await;
            }
            Action::WrongCode { times } => {
                return self.wrong_codes(actor, at, card, *times, progress).await;
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
                reason: FailureReason::PinBlocked { pin: *pin },
                note: note.clone(),
            },
        };
        self.apply(actor, at, progress, |case, ctx| case.apply(event, ctx))
            .await
    }

    async fn open(
        &self,
        case: &DemoCase,
        card_fingerprint: CardFingerprint,
        actor: &Actor,
        at: DateTime<Utc>,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let application = Application {
            cardholder: case.cardholder.clone(),
            representation: case.representation.clone(),
            pins: case.pins.clone(),
            card_fingerprint,
        };
        let ctx = self.state.context(at, actor.role);
        let stored = self
            .state
            .store()
            .create_case(actor, at, |reference| {
                Case::open(application, reference, &ctx)
            })
            .await
            .map_err(|e| e.to_string())?;
        progress.id = stored.id;
        progress.reference = stored.core.reference().to_string();
        progress.record(&stored);
        Ok(())
    }

    /// One transition at `at` by `actor`.
    async fn apply(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
        progress: &mut Progress,
        event: impl FnOnce(
            &Case,
            &shokai_workflow::Context<'_>,
        ) -> Result<shokai_workflow::Transition, TransitionError>,
    ) -> Result<(), String> {
        let ctx = self.state.context(at, actor.role);
        let stored = self
            .state
            .store()
            .transition(progress.id, progress.version, actor, at, |case| {
                event(case, &ctx)
            })
            .await
            .map_err(|e| e.to_string())?;
        progress.record(&stored);
        Ok(())
    }

    /// Issues a letter with a fresh code and keeps its PDF, as the letter
    /// service does.
    async fn issue_letter(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let code = VerificationCode::generate(&mut rand::rng());
        let kept = VerificationCode::parse(code.expose()).map_err(|e| e.to_string())?;
        self.apply(actor, at, progress, |case, ctx| {
            case.apply(Event::IssueLetter { code }, ctx)
        })
        .await?;
        let case = self.stored_case(progress.id).await?;
        let content = LetterContent::from_case(&case, self.state.workflow(), &kept, japan_date(at))
            .map_err(|e| e.to_string())?;
        let assets = self.state.letters();
        let letter = render_letter(&content, &assets.settings, &assets.template, &assets.fonts)
            .map_err(|e| e.to_string())?;
        self.save_pdf(progress.id, content.letter_number, &letter.pdf)
            .await?;
        progress.letter = content.letter_number;
        progress.code = Some(kept);
        progress.printed = Some((content, letter.fingerprint));
        Ok(())
    }

    /// Marks the current letter mailed on the step's date and keeps only
    /// the copy with the code blanked, as after a mailed print batch.
    async fn mark_mailed(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let mailed_on = japan_date(at);
        self.apply(actor, at, progress, |case, ctx| {
            case.apply(Event::MarkMailed { mailed_on }, ctx)
        })
        .await?;
        let (content, fingerprint) = progress
            .printed
            .take()
            .ok_or("no letter was issued before mailing")?;
        let assets = self.state.letters();
        let retained = render_retained_copy(
            &content,
            &assets.settings,
            &assets.template,
            &assets.fonts,
            &fingerprint,
        )
        .map_err(|e| e.to_string())?;
        self.save_pdf(progress.id, content.letter_number, &retained.pdf)
            .await
    }

    /// The response visit with the code printed on the current letter.
    async fn respond(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
        checklist: ResponseChecklist,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let code = progress
            .code
            .take()
            .ok_or("no letter code to respond with")?;
        let entry = ResponseEntry::new(code.expose(), at, checklist);
        drop(code);
        self.record_response(actor, at, entry, progress).await
    }

    /// `times` response attempts with codes that are not the letter's.
    async fn wrong_codes(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
        card: CardFingerprint,
        times: u8,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let photo_id = IdDocument::parse(IdDocumentKind::DriversLicence, true, "0000")
            .map_err(|e| e.to_string())?;
        for attempt in 0..times {
            let at = at + Duration::seconds(40 * i64::from(attempt));
            let wrong = VerificationCode::generate(&mut rand::rng());
            // Everything but the code is in order, so each attempt counts.
            let checklist = ResponseChecklist {
                card_presented: Some(card.clone()),
                proxy_photo_id: Some(photo_id.clone()),
                response_form_signed: true,
                power_of_attorney_complete: true,
                power_of_attorney_names_proxy: true,
                envelope_sealed: true,
            };
            let entry = ResponseEntry::new(wrong.expose(), at, checklist);
            match self.record_response(actor, at, entry, progress).await {
                Err(refused) if refused.starts_with("code_mismatch:") => {}
                Err(other) => return Err(other),
                Ok(()) => return Err("a random code matched the letter's".into()),
            }
        }
        Ok(())
    }

    /// `RecordResponse`, logged as a response attempt in the same
    /// transaction (as the response service does). A wrong code is
    /// committed and reported as `Err("code_mismatch: …")`.
    async fn record_response(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
        entry: ResponseEntry,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let ctx = self.state.context(at, actor.role);
        let outcome = self
            .state
            .store()
            .transition(progress.id, progress.version, actor, at, |case| {
                response_step(case, entry, &ctx)
            })
            .await;
        match outcome {
            Ok(stored) => {
                progress.record(&stored);
                Ok(())
            }
            Err(StoreError::Refused { error, case }) => {
                progress.record(&case);
                Err(format!("{}: {error}", error.code()))
            }
            Err(other) => Err(other.to_string()),
        }
    }

    async fn stored_case(&self, id: i64) -> Result<Case, String> {
        let store = self.state.store();
        let mut tx = store.read().await.map_err(|e| e.to_string())?;
        let stored = cases::get_case(&mut tx, id)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        stored.case().map_err(|e| e.to_string())
    }

    async fn save_pdf(&self, id: i64, number: u8, pdf: &[u8]) -> Result<(), String> {
        let save = async {
            let mut tx = self.state.store().begin().await?;
            cases::save_letter_pdf(&mut tx, id, number, pdf).await?;
            tx.commit().await
        };
        save.await.map_err(|e: StoreError| e.to_string())
    }

    /// Puts a fresh copy of the counter card into a simulated terminal, so
    /// the PINs in fixtures/cards/README.md work for the demo cases.
    fn put_counter_card(&self, cards_dir: &Path, name: &str) {
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
    fn record(&mut self, stored: &shokai_store::StoredCase) {
        self.version = stored.version;
        self.state = stored.core.state().code();
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
