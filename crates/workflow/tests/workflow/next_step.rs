//! The next step a case page points at, along each path.

use shokai_workflow::case::NextStep;
use shokai_workflow::{Event, Path, Role};

use crate::fixtures::*;

#[test]
fn a_proxy_case_goes_letter_then_batch_then_post_then_response_then_counter() {
    let mut world = World::new();
    let now = morning(application_day());
    let case = world.open(Path::OptionalProxy);
    assert_eq!(case.next_step(), NextStep::IssueLetter);

    let issued = world.issue_unprinted(&case, now);
    assert_eq!(issued.next_step(), NextStep::CloseBatch);

    let planned = world.planned_mailing(now);
    let (printed, code) = world.print(&issued, now, planned);
    assert_eq!(printed.next_step(), NextStep::MarkMailed);

    let mailed = world.step(
        &printed,
        Event::MarkMailed { mailed_on: planned },
        morning(planned),
        Role::Clerk,
    );
    assert_eq!(mailed.next_step(), NextStep::RecordResponse);

    let returned = world.step(
        &mailed,
        response(&code, morning(planned)),
        morning(planned),
        Role::Clerk,
    );
    assert_eq!(returned.next_step(), NextStep::ChangePins);
}

#[test]
fn a_reissued_letter_sends_the_case_back_through_the_batch() {
    let mut world = World::new();
    let (mailed, _) = world.mailed_proxy_case();
    let reissued = world.issue_unprinted(&mailed, morning(day(2026, 12, 3)));
    assert_eq!(reissued.next_step(), NextStep::CloseBatch);
}

#[test]
fn same_day_paths_go_straight_to_the_counter_and_closed_cases_are_done() {
    let world = World::new();
    for path in [Path::InPerson, Path::LegalRepresentative] {
        assert_eq!(
            world.open(path).next_step(),
            NextStep::ChangePins,
            "{path:?}"
        );
    }
    let case = world.open(Path::OptionalProxy);
    let cancelled = world.step(
        &case,
        Event::Cancel {
            reason: "取下げ".into(),
        },
        morning(application_day()),
        Role::Supervisor,
    );
    assert_eq!(cancelled.next_step(), NextStep::Done);
}
