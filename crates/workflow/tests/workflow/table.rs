//! Every (state, event) pair on every path: the allowed ones reach the
//! documented state, all others are refused as `InvalidTransition` naming both.

use shokai_workflow::{CaseState, EventKind, Path, Role, TransitionError};

use crate::fixtures::{World, prepare};

use CaseState::{
    Applied, Cancelled, Expired, Failed, InquiryMailed, PinSet, ResponseReturned, Undeliverable,
};
use EventKind::{
    Cancel, CardholderCameInPerson, CompletePinChange, Expire, Fail, IssueLetter,
    IssueLetterOverride, MarkMailed, MarkUndeliverable, PrintLetter, RecordResponse, Unlock,
};

/// The documented machine of each path (the README's diagrams say the same).
pub fn expected(path: Path) -> Vec<(CaseState, EventKind, CaseState)> {
    match path {
        Path::InPerson | Path::LegalRepresentative => vec![
            (Applied, CompletePinChange, PinSet),
            (Applied, Fail, Failed),
            (Applied, Cancel, Cancelled),
        ],
        Path::OptionalProxy => vec![
            (Applied, IssueLetter, Applied),
            (Applied, IssueLetterOverride, Applied),
            (Applied, PrintLetter, Applied),
            (Applied, MarkMailed, InquiryMailed),
            (Applied, Cancel, Cancelled),
            (InquiryMailed, IssueLetter, InquiryMailed),
            (InquiryMailed, IssueLetterOverride, InquiryMailed),
            (InquiryMailed, PrintLetter, InquiryMailed),
            (InquiryMailed, MarkMailed, InquiryMailed),
            (InquiryMailed, RecordResponse, ResponseReturned),
            (InquiryMailed, Unlock, InquiryMailed),
            (InquiryMailed, MarkUndeliverable, Undeliverable),
            (InquiryMailed, Expire, Expired),
            (InquiryMailed, Cancel, Cancelled),
            (ResponseReturned, CompletePinChange, PinSet),
            (ResponseReturned, Fail, Failed),
            (ResponseReturned, Cancel, Cancelled),
            (Applied, CardholderCameInPerson, Cancelled),
            (InquiryMailed, CardholderCameInPerson, Cancelled),
            (ResponseReturned, CardholderCameInPerson, Cancelled),
        ],
    }
}

/// What the code does with each pair, tried for real by a supervisor (who may
/// do every step) on a case prepared to meet the event's own rules.
pub fn derived(path: Path) -> Vec<(CaseState, EventKind, Result<CaseState, TransitionError>)> {
    let mut world = World::new();
    let mut out = Vec::new();
    for state in CaseState::ALL {
        for kind in EventKind::ALL {
            let (case, event, now) = prepare(&mut world, path, state, kind);
            assert_eq!(
                case.state(),
                state,
                "the fixture must reach {state:?} on {path:?}"
            );
            let result = world
                .try_step(&case, event, now, Role::Supervisor)
                .map(|t| t.case.state());
            out.push((state, kind, result));
        }
    }
    out
}

fn check_path(path: Path) {
    let expected = expected(path);
    for (state, kind, result) in derived(path) {
        match expected.iter().find(|(s, k, _)| *s == state && *k == kind) {
            Some((_, _, to)) => assert_eq!(result, Ok(*to), "{path:?}: {state:?} --{kind:?}-->"),
            None => assert_eq!(
                result,
                Err(TransitionError::InvalidTransition {
                    state,
                    event: kind.code()
                }),
                "{path:?}: {state:?} --{kind:?}--> must be refused"
            ),
        }
    }
}

#[test]
fn every_state_and_event_pair_on_the_optional_proxy_path_does_what_the_table_says() {
    check_path(Path::OptionalProxy);
}

#[test]
fn every_state_and_event_pair_on_the_in_person_path_does_what_the_table_says() {
    check_path(Path::InPerson);
}

#[test]
fn every_state_and_event_pair_on_the_legal_representative_path_does_what_the_table_says() {
    check_path(Path::LegalRepresentative);
}

#[test]
fn the_librarys_published_table_is_the_documented_one() {
    for path in Path::ALL {
        assert_eq!(path.transitions().to_vec(), expected(path), "{path:?}");
    }
}

#[test]
fn next_events_offers_what_the_table_allows_from_the_current_state() {
    let world = World::new();
    let case = world.open(Path::OptionalProxy);
    assert_eq!(
        case.next_events(),
        vec![
            IssueLetter,
            IssueLetterOverride,
            PrintLetter,
            MarkMailed,
            Cancel,
            CardholderCameInPerson
        ]
    );
    let case = world.open(Path::InPerson);
    assert_eq!(case.next_events(), vec![CompletePinChange, Fail, Cancel]);
}

#[test]
fn an_invalid_transition_names_the_state_and_the_event_in_its_message() {
    let err = TransitionError::InvalidTransition {
        state: PinSet,
        event: Cancel.code(),
    };
    assert_eq!(
        err.to_string(),
        "`cancel` is not allowed when the case is `pin_set`"
    );
    assert_eq!(err.code(), "invalid_transition");
}
