//! Issuing, reissuing and mailing inquiry letters.

use shokai_workflow::{CaseState, Event, Path, Role, TransitionError};

use crate::fixtures::{World, application_day, day, jst, morning, response};

#[test]
fn issuing_keeps_the_case_applied_and_mailing_moves_it_on_with_a_deadline() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let (issued, _) = world.issue(&case, morning(application_day()));
    assert_eq!(issued.state(), CaseState::Applied);
    assert_eq!(issued.letters().len(), 1);
    assert_eq!(issued.deadline(), None);
    let t = world
        .try_step(
            &issued,
            Event::MarkMailed {
                mailed_on: day(2026, 11, 27),
            },
            morning(day(2026, 11, 27)),
            Role::Clerk,
        )
        .unwrap();
    assert_eq!(t.case.state(), CaseState::InquiryMailed);
    // Fri 27 Nov + 30 days = Sun 27 Dec: moved to Mon 28 Dec, the last open day of the year.
    assert_eq!(t.case.deadline(), Some(day(2026, 12, 28)));
    assert_eq!(t.audit.details["deadline"], "2026-12-28");
}

#[test]
fn a_letter_cannot_be_marked_mailed_twice_or_before_one_is_issued() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let now = morning(application_day());
    let err = world
        .try_step(
            &case,
            Event::MarkMailed {
                mailed_on: application_day(),
            },
            now,
            Role::Clerk,
        )
        .unwrap_err();
    assert_eq!(err, TransitionError::NoLetter);
    let (mailed, _) = world.mailed_proxy_case();
    let later = jst(2026, 11, 30, 10);
    let err = world
        .try_step(
            &mailed,
            Event::MarkMailed {
                mailed_on: day(2026, 11, 30),
            },
            later,
            Role::Clerk,
        )
        .unwrap_err();
    assert_eq!(err, TransitionError::LetterAlreadyMailed { number: 1 });
}

#[test]
fn a_mailing_date_before_the_letter_was_issued_or_in_the_future_is_refused() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let (issued, _) = world.issue(&case, morning(application_day()));
    let now = morning(application_day());
    for mailed_on in [day(2026, 11, 25), day(2026, 11, 27)] {
        let err = world
            .try_step(&issued, Event::MarkMailed { mailed_on }, now, Role::Clerk)
            .unwrap_err();
        assert_eq!(err.code(), "mailing_date_out_of_range", "{mailed_on}");
    }
}

#[test]
fn the_third_letter_is_allowed_and_the_fourth_needs_a_supervisor_override() {
    let mut world = World::new();
    let (case, _) = world.mailed_proxy_case();
    let (case, _) = world.issue(&case, jst(2026, 11, 27, 15));
    let (case, _) = world.issue(&case, jst(2026, 11, 28, 15));
    assert_eq!(case.letters().len(), 3);

    let err = world.try_step(
        &case,
        Event::IssueLetter,
        jst(2026, 11, 30, 10),
        Role::Supervisor,
    );
    assert_eq!(err.unwrap_err(), TransitionError::LetterLimit { max: 3 });

    let by_clerk = Event::IssueLetterOverride {
        reason: "転居".into(),
    };
    let err = world
        .try_step(&case, by_clerk, jst(2026, 11, 30, 10), Role::Clerk)
        .unwrap_err();
    assert_eq!(err.code(), "role_not_permitted");

    let without_reason = Event::IssueLetterOverride {
        reason: "  ".into(),
    };
    let err = world
        .try_step(
            &case,
            without_reason,
            jst(2026, 11, 30, 10),
            Role::Supervisor,
        )
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::ReasonRequired {
            event: "issue_letter_override"
        }
    );

    let override_ = Event::IssueLetterOverride {
        reason: "転居のため再送".into(),
    };
    let t = world
        .try_step(&case, override_, jst(2026, 11, 30, 10), Role::Supervisor)
        .unwrap();
    assert_eq!(t.case.letters().len(), 4);
    assert_eq!(t.audit.event, "issue_letter_override");
    assert_eq!(t.audit.reason.as_deref(), Some("転居のため再送"));
}

#[test]
fn a_second_letter_on_the_same_japan_day_is_too_soon() {
    let mut world = World::new();
    let (case, _) = world.mailed_proxy_case(); // letter 1 issued 26 Nov
    // 23:30 JST on the 26th is 14:30 UTC: still the same Japan day.
    let err = world
        .try_step(
            &case,
            Event::IssueLetter,
            jst(2026, 11, 26, 23),
            Role::Clerk,
        )
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::LetterTooSoon {
            earliest: day(2026, 11, 27)
        }
    );
    assert!(
        world
            .try_step(&case, Event::IssueLetter, jst(2026, 11, 27, 0), Role::Clerk)
            .is_ok()
    );
}

#[test]
fn a_letter_cannot_be_reissued_after_the_deadline_without_an_override() {
    let mut world = World::new();
    let (case, _) = world.mailed_proxy_case(); // deadline Mon 28 Dec 2026
    let err = world
        .try_step(&case, Event::IssueLetter, jst(2026, 12, 29, 9), Role::Clerk)
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::DeadlinePassed {
            deadline: day(2026, 12, 28)
        }
    );
    assert!(
        world
            .try_step(&case, Event::IssueLetter, jst(2026, 12, 28, 9), Role::Clerk)
            .is_ok()
    );
}

#[test]
fn a_reissued_letter_supersedes_the_old_code_and_its_mailing_resets_the_deadline() {
    let mut world = World::new();
    let (case, old_code) = world.mailed_proxy_case();
    let (case, new_code) = world.issue(&case, jst(2026, 12, 10, 10));
    assert!(case.letters()[0].superseded_at.is_some());
    let case = world.step(
        &case,
        Event::MarkMailed {
            mailed_on: day(2026, 12, 11),
        },
        jst(2026, 12, 11, 10),
        Role::Clerk,
    );
    // 11 Dec + 30 = Sun 10 Jan 2027, Mon 11 Jan is 成人の日: Tue 12 Jan.
    assert_eq!(case.deadline(), Some(day(2027, 1, 12)));

    let t = world.try_step(
        &case,
        response(&old_code, jst(2026, 12, 14, 10)),
        jst(2026, 12, 14, 10),
        Role::Clerk,
    );
    let t = t.unwrap();
    assert_eq!(t.audit.event, "superseded_code");
    assert_eq!(
        t.refusal(),
        Some(TransitionError::SupersededCode {
            letter: 1,
            current: 2
        })
    );
    assert_eq!(
        t.case.wrong_code_attempts(),
        0,
        "an older letter's code is recorded, not counted towards the lock"
    );
    let t = world.try_step(
        &t.case,
        response(&new_code, jst(2026, 12, 14, 11)),
        jst(2026, 12, 14, 11),
        Role::Clerk,
    );
    assert_eq!(t.unwrap().case.state(), CaseState::ResponseReturned);
}

#[test]
fn an_undeliverable_letter_ends_the_case_but_a_superseded_one_does_not() {
    let mut world = World::new();
    let (case, _) = world.mailed_proxy_case();
    let (case, _) = world.issue(&case, jst(2026, 11, 30, 10));
    let now = jst(2026, 12, 1, 10);
    let old = Event::MarkUndeliverable {
        letter: 1,
        note: None,
    };
    assert_eq!(
        world.try_step(&case, old, now, Role::Clerk).unwrap_err(),
        TransitionError::LetterSuperseded { number: 1 }
    );
    let unmailed = Event::MarkUndeliverable {
        letter: 2,
        note: None,
    };
    assert_eq!(
        world
            .try_step(&case, unmailed, now, Role::Clerk)
            .unwrap_err(),
        TransitionError::LetterNotMailed { number: 2 }
    );
    let case = world.step(
        &case,
        Event::MarkMailed {
            mailed_on: day(2026, 12, 1),
        },
        now,
        Role::Clerk,
    );
    let t = world.try_step(
        &case,
        Event::MarkUndeliverable {
            letter: 2,
            note: Some("宛所に尋ねあたりません".into()),
        },
        now,
        Role::Clerk,
    );
    let t = t.unwrap();
    assert_eq!(t.case.state(), CaseState::Undeliverable);
    assert!(t.case.closed_at().is_some());
}

#[test]
fn the_case_keeps_only_a_digest_of_the_code() {
    let mut world = World::new();
    let (case, code) = world.mailed_proxy_case();
    let plain = code.replace('-', "");
    let json = serde_json::to_string(&case).unwrap();
    assert!(
        !json.contains(&plain) && !json.contains(&code),
        "the code leaked into the case"
    );
    assert_eq!(case.letters()[0].digest.as_ref().unwrap().key_id, "k1");
}

#[test]
fn the_code_of_a_reissued_letter_is_refused_until_that_letter_is_mailed_and_then_accepted() {
    let mut world = World::new();
    let (case, _old_code) = world.mailed_proxy_case();
    let case = world.step(
        &case,
        Event::IssueLetterOverride {
            reason: "本人から再送の依頼".into(),
        },
        jst(2026, 11, 30, 10),
        Role::Supervisor,
    );
    let (case, new_code) = world.print(&case, jst(2026, 11, 30, 10), day(2026, 12, 1));
    assert_eq!(
        case.state(),
        CaseState::InquiryMailed,
        "the first letter is out"
    );

    let early = world
        .try_step(
            &case,
            response(&new_code, jst(2026, 11, 30, 11)),
            jst(2026, 11, 30, 11),
            Role::Clerk,
        )
        .unwrap();

    assert_eq!(early.audit.event, "unmailed_code");
    assert_eq!(
        early.refusal(),
        Some(TransitionError::UnmailedCode {
            letter: 2,
            attempts: 1,
            remaining: 4
        })
    );
    assert_eq!(early.case.state(), CaseState::InquiryMailed);
    let mailed = world.step(
        &early.case,
        Event::MarkMailed {
            mailed_on: day(2026, 12, 1),
        },
        jst(2026, 12, 1, 10),
        Role::Clerk,
    );
    let accepted = world.try_step(
        &mailed,
        response(&new_code, jst(2026, 12, 2, 10)),
        jst(2026, 12, 2, 10),
        Role::Clerk,
    );
    assert_eq!(accepted.unwrap().case.state(), CaseState::ResponseReturned);
}
