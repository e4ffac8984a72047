//! Random event sequences: a final state is never left, and every step taken
//! is one the documented table allows.

use proptest::prelude::*;
use shokai_workflow::{CaseState, EventKind, Path, Role};

use crate::fixtures::{WRONG_CODE, World, event_for, jst, response};
use crate::table::expected;

#[derive(Debug, Clone)]
struct Step {
    kind: EventKind,
    wrong_code: bool,
    hours_later: i64,
    role: Role,
}

/// Any event, but the steps towards the counter more often than the rest:
/// a response counts only after a letter is issued, printed and mailed,
/// three steps in order, so uniform draws seldom get a case that far.
/// Issuing gets the least extra weight: a reissue supersedes the letter
/// on its way and starts the three steps again.
fn kind() -> impl Strategy<Value = EventKind> {
    use EventKind::{
        CompletePinChange, Fail, IssueLetter, MarkMailed, PrintLetter, RecordResponse,
    };
    prop_oneof![
        4 => prop::sample::select(EventKind::ALL.to_vec()),
        1 => Just(IssueLetter),
        2 => Just(PrintLetter),
        2 => Just(MarkMailed),
        2 => Just(RecordResponse),
        1 => Just(CompletePinChange),
        1 => Just(Fail),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (
        kind(),
        any::<bool>(),
        prop_oneof![Just(0i64), 1i64..30, 24i64..24 * 45],
        prop::sample::select(Role::ALL.to_vec()),
    )
        .prop_map(|(kind, wrong_code, hours_later, role)| Step {
            kind,
            wrong_code,
            hours_later,
            role,
        })
}

/// Applies `steps`, checking every one; returns the states visited.
fn run(path: Path, steps: &[Step]) -> Result<Vec<CaseState>, TestCaseError> {
    let mut world = World::new();
    let table = expected(path);
    let mut case = world.open(path);
    let pins_applied_for = case.pins().clone();
    let mut now = jst(2026, 11, 26, 10);
    let mut overrides = 0usize;
    let mut visited = vec![case.state()];
    for s in steps {
        now += chrono::TimeDelta::hours(s.hours_later);
        let event = if s.kind == EventKind::RecordResponse && s.wrong_code {
            response(WRONG_CODE, now)
        } else {
            event_for(&mut world, &case, s.kind, now)
        };
        let before = case.state();
        match world.try_step(&case, event, now, s.role) {
            Ok(t) => {
                prop_assert!(
                    !before.is_final(),
                    "left final state {before:?} by {:?}",
                    s.kind
                );
                let to = t.case.state();
                // A wrong code is recorded (it counts) but moves nothing.
                let refused_but_recorded = t.refusal().is_some() && to == before;
                prop_assert!(
                    refused_but_recorded || table.contains(&(before, s.kind, to)),
                    "undocumented step {before:?} --{:?}--> {to:?} on {path:?}",
                    s.kind
                );
                prop_assert_eq!(t.audit.from, Some(before));
                prop_assert_eq!(t.audit.to, to);
                prop_assert!(path.has_state(to));
                overrides += usize::from(s.kind == EventKind::IssueLetterOverride);
                check_invariants(&t.case, overrides)?;
                prop_assert_eq!(
                    t.case.pins(),
                    &pins_applied_for,
                    "no event changes the PINs"
                );
                case = t.case;
                visited.push(to);
            }
            Err(_) => prop_assert_eq!(case.state(), before),
        }
    }
    Ok(visited)
}

/// What must hold of every case, whatever happened before.
fn check_invariants(case: &shokai_workflow::Case, overrides: usize) -> Result<(), TestCaseError> {
    let current = case
        .letters()
        .iter()
        .filter(|l| l.superseded_at.is_none())
        .count();
    prop_assert!(current <= 1, "{current} letters are current at once");
    prop_assert_eq!(case.is_locked(), case.wrong_code_attempts() >= 5);
    prop_assert!(
        case.letters().len() <= 3 + overrides,
        "more than 3 letters without an override"
    );
    let mailed = case.letters().iter().any(|l| l.mailed_on.is_some());
    prop_assert_eq!(case.deadline().is_some(), mailed);
    for l in case.letters() {
        prop_assert!(
            l.mailed_on.is_none() || l.has_code(),
            "letter {} was mailed without a code",
            l.number
        );
    }
    // The case never gives less time than the mailed letter prints.
    if let Some(letter) = case.current_letter().filter(|l| l.mailed_on.is_some()) {
        prop_assert!(case.deadline() >= letter.deadline, "{case:?}");
    }
    if case.state() == CaseState::Applied {
        prop_assert!(!mailed, "an applied case has no mailed letter");
    }
    prop_assert_eq!(case.closed_at().is_some(), case.state().is_final());
    Ok(())
}

/// Any application: path, age (around 15 and adults), ward status, whether
/// the card holds a signature certificate, and any non-empty set of PINs.
fn any_application() -> impl Strategy<Value = shokai_workflow::Application> {
    (
        prop::sample::select(Path::ALL.to_vec()),
        prop::sample::select(vec![2010, 2011, 2012, 1950, 1985]),
        any::<bool>(),
        any::<bool>(),
        prop::sample::subsequence(shokai_workflow::PinKind::ALL.to_vec(), 1..=4),
    )
        .prop_map(|(path, born, adult_ward, signature_certificate, kinds)| {
            let mut app = crate::fixtures::application(path);
            app.cardholder.date_of_birth =
                shokai_workflow::DateOfBirth::from_date(crate::fixtures::day(born, 11, 26))
                    .unwrap();
            app.cardholder.adult_ward = adult_ward;
            app.card_has_signature_certificate = signature_certificate;
            app.pins = crate::fixtures::pins(&kinds);
            app
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever is applied for, a case that opens never lists the signature
    /// PIN for an adult ward, a child under 15 or a card without a signature
    /// certificate; and since no event changes a case's PINs (checked on
    /// every step of the random runs above), no later step can either.
    #[test]
    fn no_adult_ward_child_or_card_without_a_signature_certificate_gets_a_signature_pin_change(
        app in any_application(),
    ) {
        use shokai_workflow::{Case, PinKind, ReferenceNumber};
        let world = World::new();
        let day = crate::fixtures::application_day();
        let reference = ReferenceNumber::for_date(day, 1).unwrap();
        let ctx = world.ctx(crate::fixtures::morning(day), Role::Clerk);
        let age = app.cardholder.date_of_birth.age_on(day);
        let barred = app.cardholder.adult_ward || !app.card_has_signature_certificate || age < 15;
        if let Ok(opened) = Case::open(app, reference, None, &ctx) {
            prop_assert!(
                !(barred && opened.case.pins().contains(PinKind::Signature)),
                "{:?}", opened.case
            );
        }
    }

    #[test]
    fn random_events_on_the_optional_proxy_path_follow_the_table(steps in prop::collection::vec(step(), 1..40)) {
        run(Path::OptionalProxy, &steps)?;
    }

    #[test]
    fn random_events_on_the_same_day_paths_follow_the_table(
        legal in any::<bool>(),
        steps in prop::collection::vec(step(), 1..20),
    ) {
        run(if legal { Path::LegalRepresentative } else { Path::InPerson }, &steps)?;
    }
}

#[test]
fn a_final_state_refuses_every_event() {
    let mut world = World::new();
    for state in CaseState::ALL.into_iter().filter(|s| s.is_final()) {
        let now = jst(2027, 2, 1, 10);
        for kind in EventKind::ALL {
            let (case, _, _) =
                crate::fixtures::prepare(&mut world, Path::OptionalProxy, state, kind);
            let event = event_for(&mut world, &case, kind, now);
            let err = world
                .try_step(&case, event, now, Role::Supervisor)
                .unwrap_err();
            assert_eq!(err.code(), "invalid_transition", "{state:?} {kind:?}");
        }
    }
}

/// Guards the generator: a property over sequences that never get anywhere
/// would pass vacuously.
#[test]
fn random_sequences_reach_every_state_of_the_proxy_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = prop::collection::vec(step(), 1..40);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..1000 {
        let steps = strategy.new_tree(&mut runner).unwrap().current();
        seen.extend(run(Path::OptionalProxy, &steps).unwrap());
    }
    assert_eq!(seen, CaseState::ALL.into_iter().collect());
}
