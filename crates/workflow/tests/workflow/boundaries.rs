//! Deadlines on their last day and the day after, moved by weekends, holidays
//! and the year-end closure; same-day paths on the next day.

use shokai_workflow::{CaseState, Event, Path, Role, TransitionError};

use crate::fixtures::{BOUND_CARD, World, application_day, card, day, jst, response};

/// A proxy case whose letter was printed for mailing on `mailed_on` and
/// mailed that day, with its code.
fn mailed_on(world: &mut World, mailed_on: chrono::NaiveDate) -> (shokai_workflow::Case, String) {
    let case = world.open(Path::OptionalProxy);
    let (case, code) = world.issue_for(&case, jst(2026, 11, 26, 10), mailed_on);
    let case = world.step(
        &case,
        Event::MarkMailed { mailed_on },
        crate::fixtures::morning(mailed_on),
        Role::Clerk,
    );
    (case, code)
}

#[test]
fn a_response_on_the_last_day_is_accepted_and_on_the_next_day_refused() {
    let mut world = World::new();
    // Mailed Wed 2 Dec 2026 + 30 = Fri 1 Jan → closed until Mon 4 Jan 2027.
    let (case, code) = mailed_on(&mut world, day(2026, 12, 2));
    assert_eq!(case.deadline(), Some(day(2027, 1, 4)));
    let last = jst(2027, 1, 4, 23);
    assert_eq!(
        world
            .try_step(&case, response(&code, last), last, Role::Clerk)
            .unwrap()
            .case
            .state(),
        CaseState::ResponseReturned
    );
    let after = jst(2027, 1, 5, 0);
    let err = world
        .try_step(&case, response(&code, after), after, Role::Clerk)
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::DeadlinePassed {
            deadline: day(2027, 1, 4)
        }
    );
}

#[test]
fn a_case_expires_only_after_its_last_day() {
    let mut world = World::new();
    let (case, _) = mailed_on(&mut world, day(2026, 11, 27));
    let deadline = case.deadline().unwrap();
    assert_eq!(deadline, day(2026, 12, 28));
    let err = world
        .try_step(&case, Event::Expire, jst(2026, 12, 28, 23), Role::Clerk)
        .unwrap_err();
    assert_eq!(err, TransitionError::DeadlineNotPassed { deadline });
    let t = world
        .try_step(&case, Event::Expire, jst(2026, 12, 29, 0), Role::Clerk)
        .unwrap();
    assert_eq!(t.case.state(), CaseState::Expired);
    assert_eq!(t.audit.from, Some(CaseState::InquiryMailed));
}

#[test]
fn the_system_expires_a_case_past_its_deadline_and_may_do_nothing_a_clerk_does() {
    let mut world = World::new();
    let (case, code) = mailed_on(&mut world, day(2026, 11, 27));
    let after = jst(2026, 12, 29, 0);

    let t = world
        .try_step(&case, Event::Expire, after, Role::System)
        .unwrap();

    assert_eq!(t.case.state(), CaseState::Expired);
    assert_eq!(t.audit.role, Role::System);
    let answer = world.try_step(
        &case,
        response(&code, jst(2026, 12, 1, 10)),
        jst(2026, 12, 1, 10),
        Role::System,
    );
    assert!(
        matches!(answer, Err(TransitionError::RoleNotPermitted { .. })),
        "{answer:?}"
    );
    assert_eq!(
        Role::from_code("system"),
        None,
        "no login can have the system's role"
    );
}

#[test]
fn a_deadline_on_a_weekday_stays_put() {
    let mut world = World::new();
    // Thu 26 Nov 2026 + 30 = Sat 26 Dec → Mon 28 Dec.
    let (case, _) = mailed_on(&mut world, day(2026, 11, 26));
    assert_eq!(case.deadline(), Some(day(2026, 12, 28)));
}

#[test]
fn a_deadline_on_a_saturday_moves_to_monday() {
    let world = World::new();
    // Thu 5 Nov 2026 + 30 = Sat 5 Dec → Mon 7 Dec.
    assert_eq!(
        world.settings.calendar.deadline(day(2026, 11, 5), 30),
        day(2026, 12, 7)
    );
    // Wed 4 Nov + 30 = Fri 4 Dec: open, unchanged.
    assert_eq!(
        world.settings.calendar.deadline(day(2026, 11, 4), 30),
        day(2026, 12, 4)
    );
}

#[test]
fn a_deadline_on_a_weekend_before_a_monday_holiday_moves_to_tuesday() {
    let world = World::new();
    // Thu 22 Oct 2026 + 30 = Sat 21 Nov; Sun 22; Mon 23 is 勤労感謝の日 → Tue 24 Nov.
    assert_eq!(
        world.settings.calendar.deadline(day(2026, 10, 22), 30),
        day(2026, 11, 24)
    );
    // Tue 12 Jan 2027 + 30 = Thu 11 Feb, 建国記念の日 → Fri 12 Feb.
    assert_eq!(
        world.settings.calendar.deadline(day(2027, 1, 12), 30),
        day(2027, 2, 12)
    );
}

#[test]
fn a_deadline_in_the_silver_week_skips_the_citizens_holiday() {
    let world = World::new();
    // Fri 21 Aug 2026 + 30 = Sun 20 Sep; 21 敬老の日, 22 国民の休日, 23 秋分の日 → Thu 24 Sep.
    assert_eq!(
        world.settings.calendar.deadline(day(2026, 8, 21), 30),
        day(2026, 9, 24)
    );
}

#[test]
fn the_deadline_length_is_configurable() {
    let mut world = World::new();
    world.settings.deadline_days = 14;
    let (case, _) = mailed_on(&mut world, day(2026, 11, 27));
    // 27 Nov + 14 = Fri 11 Dec.
    assert_eq!(case.deadline(), Some(day(2026, 12, 11)));
}

#[test]
fn a_same_day_case_cannot_be_completed_on_the_next_day() {
    let world = World::new();
    let case = world.open(Path::InPerson);
    let next_day = jst(2026, 11, 27, 10);
    let err = world.try_step(
        &case,
        Event::CompletePinChange {
            card: card(BOUND_CARD),
        },
        next_day,
        Role::Clerk,
    );
    assert_eq!(
        err.unwrap_err(),
        TransitionError::NotSameDay {
            applied_on: application_day()
        }
    );
    let cancelled = world.step(
        &case,
        Event::Cancel {
            reason: "当日未完了".into(),
        },
        next_day,
        Role::Supervisor,
    );
    assert_eq!(cancelled.state(), CaseState::Cancelled);
}

#[test]
fn cancelling_needs_a_supervisor_and_a_reason() {
    let world = World::new();
    let case = world.open(Path::LegalRepresentative);
    let now = jst(2026, 11, 26, 11);
    let err = world
        .try_step(
            &case,
            Event::Cancel {
                reason: "取下げ".into(),
            },
            now,
            Role::Clerk,
        )
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::RoleNotPermitted {
            event: "cancel",
            role: Role::Clerk,
            required: Role::Supervisor
        }
    );
    let err = world
        .try_step(
            &case,
            Event::Cancel { reason: " ".into() },
            now,
            Role::Supervisor,
        )
        .unwrap_err();
    assert_eq!(err, TransitionError::ReasonRequired { event: "cancel" });
    let t = world
        .try_step(
            &case,
            Event::Cancel {
                reason: "申請者による取下げ".into(),
            },
            now,
            Role::Supervisor,
        )
        .unwrap();
    assert_eq!(
        (t.audit.role, t.audit.reason.as_deref()),
        (Role::Supervisor, Some("申請者による取下げ"))
    );
}
