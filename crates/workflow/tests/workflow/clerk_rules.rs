//! The rules clerk pages ask of a case: is it overdue, is it ready for the PIN
//! change, and what the audit log's event codes are called in Japanese.

use std::collections::BTreeSet;

use shokai_workflow::case::event_name_ja;
use shokai_workflow::{
    AuditEventKind, Case, CaseState, Event, EventKind, Path, ReferenceNumber, Role,
};

use crate::fixtures::{
    WRONG_CODE, World, application, application_day, day, morning, prepare, response,
};

/// Every audit event code the workflow actually writes: the opening on each
/// path, every step each path's machine allows, and the codes that do not
/// let a response in (no letter's, an unmailed letter's, a replaced letter's).
fn written_audit_codes() -> BTreeSet<&'static str> {
    let mut world = World::new();
    let mut written = BTreeSet::new();
    for path in Path::ALL {
        let reference = ReferenceNumber::for_date(application_day(), 123).unwrap();
        let ctx = world.ctx(morning(application_day()), Role::Clerk);
        let opened = Case::open(application(path), reference, None, &ctx).unwrap();
        written.insert(opened.audit.event);
        for (from, kind, _) in path.transitions() {
            let (case, event, now) = prepare(&mut world, path, *from, *kind);
            let step = world.try_step(&case, event, now, Role::Supervisor).unwrap();
            written.insert(step.audit.event);
        }
    }
    let (case, old_code) = world.mailed_proxy_case();
    let now = morning(day(2026, 12, 1));
    let wrong = world.try_step(&case, response(WRONG_CODE, now), now, Role::Clerk);
    written.insert(wrong.unwrap().audit.event);
    // A reissued letter not mailed yet: its code, and the replaced letter's.
    let reason = "再送".to_owned();
    let reissue = Event::IssueLetterOverride { reason };
    let reissued = world.step(&case, reissue, now, Role::Supervisor);
    let (reissued, new_code) = world.print(&reissued, now, day(2026, 12, 2));
    for typed in [&new_code, &old_code] {
        let refused = world.try_step(&reissued, response(typed, now), now, Role::Clerk);
        written.insert(refused.unwrap().audit.event);
    }
    // A PIN tried on the card at the counter.
    let tried = shokai_workflow::PinTry {
        pin: shokai_workflow::PinKind::UserAuth,
        outcome: shokai_workflow::PinTryOutcome::Changed,
        tries_left: 3,
    };
    written.insert(case.pin_try(tried, &world.ctx(now, Role::Clerk)).event);
    written
}

#[test]
fn every_event_code_the_workflow_writes_into_an_audit_record_has_a_japanese_name() {
    for code in written_audit_codes() {
        assert!(event_name_ja(code).is_some(), "no Japanese name for {code}");
    }
}

#[test]
fn the_audit_event_kinds_are_exactly_the_codes_the_workflow_writes() {
    let kinds: BTreeSet<&str> = AuditEventKind::all().map(AuditEventKind::code).collect();
    assert_eq!(kinds, written_audit_codes());
}

#[test]
fn a_case_is_ready_for_the_pin_change_exactly_where_completing_it_succeeds() {
    let mut world = World::new();
    for path in Path::ALL {
        for state in CaseState::ALL {
            let kind = EventKind::CompletePinChange;
            let (case, event, now) = prepare(&mut world, path, state, kind);
            let completed = world.try_step(&case, event, now, Role::Clerk).is_ok();
            assert_eq!(case.ready_for_pin_change(), completed, "{path:?} {state:?}");
            assert_eq!(
                case.ready_for_pin_change(),
                case.next_events().contains(&kind),
                "{path:?} {state:?}"
            );
        }
    }
}

#[test]
fn a_mailed_case_is_overdue_exactly_on_the_days_it_may_be_expired() {
    let mut world = World::new();
    let (case, _) = world.mailed_proxy_case();
    assert_eq!(case.deadline(), Some(day(2026, 12, 28)));
    for today in [
        day(2026, 12, 27),
        day(2026, 12, 28),
        day(2026, 12, 29),
        day(2027, 1, 5),
    ] {
        let expired = world.try_step(&case, Event::Expire, morning(today), Role::Clerk);
        assert_eq!(case.is_overdue(today), expired.is_ok(), "{today}");
    }
    assert!(!case.is_overdue(day(2026, 12, 28)));
    assert!(case.is_overdue(day(2026, 12, 29)));
}

#[test]
fn a_case_whose_response_was_returned_is_not_overdue_after_its_deadline() {
    let mut world = World::new();
    let (case, code) = world.mailed_proxy_case();
    let now = morning(day(2026, 12, 1));
    let returned = world.step(&case, response(&code, now), now, Role::Clerk);
    assert_eq!(returned.state(), CaseState::ResponseReturned);
    assert!(!returned.is_overdue(day(2027, 1, 5)));
}

#[test]
fn a_same_day_case_is_never_overdue() {
    let world = World::new();
    for path in [Path::InPerson, Path::LegalRepresentative] {
        let case = world.open(path);
        assert!(!case.is_overdue(day(2027, 12, 31)), "{path:?}");
    }
}

#[test]
fn a_pin_try_is_recorded_with_its_kind_outcome_and_tries_left_and_moves_nothing() {
    use shokai_workflow::{AuditEventKind, PinKind, PinTry, PinTryOutcome, event_name_ja};
    let world = crate::fixtures::World::new();
    let case = world.open(shokai_workflow::Path::InPerson);
    let ctx = world.ctx(
        crate::fixtures::morning(crate::fixtures::application_day()),
        shokai_workflow::Role::Clerk,
    );
    let tried = PinTry {
        pin: PinKind::UserAuth,
        outcome: PinTryOutcome::WrongPin,
        tries_left: 2,
    };

    let record = case.pin_try(tried, &ctx);

    assert_eq!(record.event, AuditEventKind::PinTry.code());
    assert_eq!(record.from, Some(case.state()));
    assert_eq!(record.to, case.state());
    assert_eq!(
        record.details,
        serde_json::json!({ "pin": "user_auth", "outcome": "wrong_pin", "tries_left": 2 })
    );
    assert!(record.personal.is_none());
    assert!(event_name_ja("pin_try").is_some());
}
