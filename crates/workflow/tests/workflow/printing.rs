//! Codes made at print time: an issued letter waits for its print batch
//! without a code; printing gives it one and fixes the deadline it prints
//! (the batch's planned mailing date + the deadline days, on an open day);
//! mailing hands that deadline to the case, later only if the post was late.

use chrono::NaiveDate;
use shokai_workflow::{Case, CaseState, Event, Path, Role, Transition, TransitionError};

use crate::fixtures::{WRONG_CODE, World, application_day, day, jst, morning, response};

/// Marks the current letter mailed on `mailed_on`, in the morning of that day.
fn mail(world: &World, case: &Case, mailed_on: NaiveDate) -> Result<Transition, TransitionError> {
    world.try_step(
        case,
        Event::MarkMailed { mailed_on },
        morning(mailed_on),
        Role::Clerk,
    )
}

/// Printing letter `number` with a fresh code for mailing on `planned_mailing`.
fn print_event(world: &mut World, number: u8, planned_mailing: NaiveDate) -> Event {
    Event::PrintLetter {
        number,
        code: world.code().0,
        planned_mailing,
    }
}

/// The case as stored before codes moved to print time: its letters carry
/// a digest but neither a print time nor a printed deadline.
fn legacy(case: &Case) -> Case {
    let mut json = serde_json::to_value(case).unwrap();
    for letter in json["core"]["letters"].as_array_mut().unwrap() {
        let letter = letter.as_object_mut().unwrap();
        letter.remove("printed_at");
        letter.remove("deadline");
    }
    serde_json::from_value(json).unwrap()
}

#[test]
fn an_issued_letter_has_no_code_until_it_is_printed_and_no_response_is_taken_before_it_is_mailed() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let now = morning(application_day());
    let issued = world
        .try_step(&case, Event::IssueLetter, now, Role::Clerk)
        .unwrap();
    assert_eq!(issued.audit.details.get("key_id"), None, "no code, no key");
    let issued = issued.case;
    let letter = &issued.letters()[0];
    assert_eq!(letter.digest, None);
    assert!(!letter.has_code() && letter.awaits_print());
    assert_eq!((letter.printed_at, letter.deadline), (None, None));
    let refused = world.try_step(&issued, response(WRONG_CODE, now), now, Role::Clerk);
    assert_eq!(
        refused.unwrap_err(),
        TransitionError::InvalidTransition {
            state: CaseState::Applied,
            event: "record_response"
        }
    );

    let printed_at = jst(2026, 11, 26, 17);
    let (printed, code) = world.print(&issued, printed_at, day(2026, 11, 27));
    let letter = &printed.letters()[0];
    assert!(letter.has_code() && !letter.awaits_print());
    assert_eq!(letter.digest.as_ref().unwrap().key_id, "k1");
    assert_eq!(letter.printed_at, Some(printed_at));
    assert_eq!(
        printed.state(),
        CaseState::Applied,
        "printing moves nothing"
    );
    let early = jst(2026, 11, 26, 18);
    let refused = world.try_step(&printed, response(&code, early), early, Role::Clerk);
    assert_eq!(
        refused.unwrap_err().code(),
        "invalid_transition",
        "printed but not mailed"
    );

    let mailed = mail(&world, &printed, day(2026, 11, 27)).unwrap().case;
    let later = jst(2026, 11, 30, 10);
    let accepted = world.try_step(&mailed, response(&code, later), later, Role::Clerk);
    assert_eq!(accepted.unwrap().case.state(), CaseState::ResponseReturned);
}

#[test]
fn a_reissued_letter_waiting_for_its_batch_lets_no_response_in() {
    let mut world = World::new();
    let (case, old_code) = world.mailed_proxy_case();
    let now = jst(2026, 11, 30, 10);
    let reissued = world.issue_unprinted(&case, now);
    assert!(!reissued.current_letter().unwrap().has_code());

    let old = world
        .try_step(&reissued, response(&old_code, now), now, Role::Clerk)
        .unwrap();
    assert_eq!(
        old.refusal(),
        Some(TransitionError::SupersededCode {
            letter: 1,
            current: 2
        })
    );
    let other = world
        .try_step(&reissued, response(WRONG_CODE, now), now, Role::Clerk)
        .unwrap();
    assert_eq!(other.audit.event, "code_mismatch");
    assert_eq!(other.case.state(), CaseState::InquiryMailed);
}

#[test]
fn marking_a_letter_mailed_before_it_is_printed_is_refused_as_letter_not_printed() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let issued = world.issue_unprinted(&case, morning(application_day()));
    let err = mail(&world, &issued, day(2026, 11, 27)).unwrap_err();
    assert_eq!(err, TransitionError::LetterNotPrinted { number: 1 });
    assert_eq!(err.code(), "letter_not_printed");

    let (mailed, _) = world.mailed_proxy_case();
    let reissued = world.issue_unprinted(&mailed, jst(2026, 11, 30, 10));
    let err = mail(&world, &reissued, day(2026, 12, 1)).unwrap_err();
    assert_eq!(err, TransitionError::LetterNotPrinted { number: 2 });
}

#[test]
fn printing_fixes_the_deadline_of_the_planned_mailing_plus_the_deadline_days_on_an_open_day() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let now = morning(application_day());
    let issued = world.issue_unprinted(&case, now);
    // Fri 27 Nov + 30 = Sun 27 Dec → Mon 28 Dec.
    let event = print_event(&mut world, 1, day(2026, 11, 27));
    let t = world.try_step(&issued, event, now, Role::System).unwrap();
    assert_eq!(t.case.letters()[0].deadline, Some(day(2026, 12, 28)));
    assert_eq!(t.case.deadline(), None, "the case has none until mailed");
    assert_eq!(t.audit.event, "print_letter");
    assert_eq!(t.audit.details["letter"], 1);
    assert_eq!(t.audit.details["key_id"], "k1");
    assert_eq!(t.audit.details["planned_mailing"], "2026-11-27");
    assert_eq!(t.audit.details["deadline"], "2026-12-28");

    // Wed 2 Dec + 30 = Fri 1 Jan, closed until Mon 4 Jan 2027.
    let (printed, _) = world.print(&issued, now, day(2026, 12, 2));
    assert_eq!(printed.letters()[0].deadline, Some(day(2027, 1, 4)));
    assert_eq!(
        printed.letters()[0].deadline,
        Some(world.settings.calendar.deadline(day(2026, 12, 2), 30))
    );
}

#[test]
fn mailing_on_the_planned_day_gives_the_case_exactly_the_printed_deadline() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let (printed, _) = world.issue_for(&case, morning(application_day()), day(2026, 11, 27));
    let t = mail(&world, &printed, day(2026, 11, 27)).unwrap();
    assert_eq!(t.case.deadline(), printed.letters()[0].deadline);
    assert_eq!(t.case.deadline(), Some(day(2026, 12, 28)));
    assert_eq!(t.audit.details["deadline"], "2026-12-28");
}

#[test]
fn mailing_later_than_planned_moves_the_cases_deadline_later() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let (printed, code) = world.issue_for(&case, morning(application_day()), day(2026, 11, 27));
    // Posted on Wed 2 Dec instead: + 30 = Fri 1 Jan → Mon 4 Jan 2027.
    let t = mail(&world, &printed, day(2026, 12, 2)).unwrap();
    assert_eq!(t.case.deadline(), Some(day(2027, 1, 4)));
    assert_eq!(t.audit.details["deadline"], "2027-01-04");
    assert_eq!(
        t.case.letters()[0].deadline,
        Some(day(2026, 12, 28)),
        "the letter keeps what it printed"
    );
    let after_printed = jst(2026, 12, 30, 10);
    let late = world.try_step(
        &t.case,
        response(&code, after_printed),
        after_printed,
        Role::Clerk,
    );
    assert_eq!(late.unwrap().case.state(), CaseState::ResponseReturned);
}

#[test]
fn mailing_earlier_than_planned_keeps_the_printed_deadline() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    // Planned for Wed 2 Dec (deadline Mon 4 Jan), posted Fri 27 Nov, which
    // alone would give Mon 28 Dec.
    let (printed, _) = world.issue_for(&case, morning(application_day()), day(2026, 12, 2));
    let t = mail(&world, &printed, day(2026, 11, 27)).unwrap();
    assert_eq!(t.case.deadline(), Some(day(2027, 1, 4)), "never earlier");
    assert_eq!(t.audit.details["deadline"], "2027-01-04");
}

#[test]
fn a_mailing_date_before_the_letter_was_printed_is_refused() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let issued = world.issue_unprinted(&case, morning(application_day()));
    // Its batch closed on Mon 30 Nov.
    let (printed, _) = world.print(&issued, jst(2026, 11, 30, 17), day(2026, 12, 1));
    let err = world
        .try_step(
            &printed,
            Event::MarkMailed {
                mailed_on: day(2026, 11, 27),
            },
            morning(day(2026, 12, 1)),
            Role::Clerk,
        )
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::MailingDateOutOfRange {
            issued_on: day(2026, 11, 30),
            today: day(2026, 12, 1)
        }
    );
    assert!(mail(&world, &printed, day(2026, 11, 30)).is_ok());
}

#[test]
fn a_letter_cannot_be_printed_twice_not_even_after_it_was_mailed() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let now = morning(application_day());
    let (printed, _) = world.issue(&case, now);
    let again = print_event(&mut world, 1, day(2026, 11, 27));
    let err = world
        .try_step(&printed, again, now, Role::System)
        .unwrap_err();
    assert_eq!(err, TransitionError::LetterAlreadyPrinted { number: 1 });
    assert_eq!(err.code(), "letter_already_printed");

    let mailed = mail(&world, &printed, day(2026, 11, 27)).unwrap().case;
    let later = jst(2026, 11, 30, 10);
    let again = print_event(&mut world, 1, day(2026, 12, 1));
    let err = world
        .try_step(&mailed, again, later, Role::System)
        .unwrap_err();
    assert_eq!(err, TransitionError::LetterAlreadyPrinted { number: 1 });
}

#[test]
fn a_superseded_or_unknown_letter_cannot_be_printed() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let first = world.issue_unprinted(&case, morning(application_day()));
    let now = jst(2026, 11, 27, 10);
    let second = world.issue_unprinted(&first, now);
    assert!(second.letters()[0].superseded_at.is_some());

    let old = print_event(&mut world, 1, day(2026, 11, 30));
    let err = world.try_step(&second, old, now, Role::System).unwrap_err();
    assert_eq!(err, TransitionError::LetterSuperseded { number: 1 });
    assert_eq!(err.code(), "letter_superseded");
    let missing = print_event(&mut world, 3, day(2026, 11, 30));
    let err = world
        .try_step(&second, missing, now, Role::System)
        .unwrap_err();
    assert_eq!(err, TransitionError::UnknownLetter { number: 3 });
    let current = print_event(&mut world, 2, day(2026, 11, 30));
    assert!(world.try_step(&second, current, now, Role::System).is_ok());
}

#[test]
fn a_planned_mailing_before_today_in_japan_is_refused_and_today_is_allowed() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let issued = world.issue_unprinted(&case, morning(application_day()));
    // 00:00 JST on Fri 27 Nov is still the 26th in UTC.
    let now = jst(2026, 11, 27, 0);
    let past = print_event(&mut world, 1, day(2026, 11, 26));
    let err = world
        .try_step(&issued, past, now, Role::System)
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::PlannedMailingInPast {
            today: day(2026, 11, 27)
        }
    );
    assert_eq!(err.code(), "planned_mailing_in_past");
    let today = print_event(&mut world, 1, day(2026, 11, 27));
    assert!(world.try_step(&issued, today, now, Role::System).is_ok());
}

#[test]
fn the_system_and_clerks_may_print_a_letter_but_an_auditor_or_the_print_room_may_not() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let now = morning(application_day());
    let issued = world.issue_unprinted(&case, now);
    for role in [Role::System, Role::Clerk, Role::Supervisor] {
        let event = print_event(&mut world, 1, day(2026, 11, 27));
        let t = world.try_step(&issued, event, now, role).unwrap();
        assert_eq!(t.audit.role, role);
    }
    for role in [Role::Auditor, Role::Printer] {
        let event = print_event(&mut world, 1, day(2026, 11, 27));
        let err = world.try_step(&issued, event, now, role).unwrap_err();
        assert_eq!(
            err,
            TransitionError::RoleNotPermitted {
                event: "print_letter",
                role,
                required: Role::Clerk
            }
        );
    }
}

#[test]
fn the_system_may_print_but_still_neither_issue_nor_mail_a_letter() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let now = morning(application_day());
    let err = world
        .try_step(&case, Event::IssueLetter, now, Role::System)
        .unwrap_err();
    assert_eq!(err.code(), "role_not_permitted");
    let (printed, _) = world.issue(&case, now);
    let mailing = Event::MarkMailed {
        mailed_on: application_day(),
    };
    let err = world
        .try_step(&printed, mailing, now, Role::System)
        .unwrap_err();
    assert_eq!(err.code(), "role_not_permitted");
}

#[test]
fn a_letter_issued_before_codes_moved_to_print_time_is_printed_afresh_and_its_old_code_no_longer_counts()
 {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let (with_code, old_code) = world.issue(&case, morning(application_day()));
    let old = legacy(&with_code);
    let letter = &old.letters()[0];
    assert!(letter.has_code() && letter.printed_at.is_none() && letter.deadline.is_none());
    assert!(letter.awaits_print(), "its code was in a file that is gone");

    let printed_at = jst(2026, 11, 27, 17);
    let (reprinted, new_code) = world.print(&old, printed_at, day(2026, 11, 30));
    assert_ne!(new_code, old_code);
    assert_ne!(reprinted.letters()[0].digest, old.letters()[0].digest);
    assert_eq!(reprinted.letters()[0].printed_at, Some(printed_at));
    let mailed = mail(&world, &reprinted, day(2026, 11, 30)).unwrap().case;

    let now = jst(2026, 12, 1, 10);
    let t = world
        .try_step(&mailed, response(&old_code, now), now, Role::Clerk)
        .unwrap();
    assert_eq!(t.audit.event, "code_mismatch");
    assert_eq!(t.case.wrong_code_attempts(), 1);
    let t = world
        .try_step(&t.case, response(&new_code, now), now, Role::Clerk)
        .unwrap();
    assert_eq!(t.case.state(), CaseState::ResponseReturned);
}

#[test]
fn a_letter_from_before_print_time_codes_that_was_already_mailed_keeps_its_code() {
    let mut world = World::new();
    let (mailed, code) = world.mailed_proxy_case();
    let old = legacy(&mailed);
    let letter = &old.letters()[0];
    assert!(
        !letter.awaits_print(),
        "mailed letters are not printed again"
    );
    let now = jst(2026, 11, 30, 10);
    let again = print_event(&mut world, 1, day(2026, 12, 1));
    let err = world.try_step(&old, again, now, Role::System).unwrap_err();
    assert_eq!(err, TransitionError::LetterAlreadyPrinted { number: 1 });
    assert_eq!(old.deadline(), Some(day(2026, 12, 28)));
    let t = world
        .try_step(&old, response(&code, now), now, Role::Clerk)
        .unwrap();
    assert_eq!(t.case.state(), CaseState::ResponseReturned);
}

#[test]
fn a_letter_from_before_print_time_codes_in_a_batch_already_printed_is_mailed_with_its_code() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let (with_code, code) = world.issue(&case, morning(application_day()));
    let old = legacy(&with_code);
    // Mailing dates count from its issue; the deadline from the post alone.
    let t = mail(&world, &old, day(2026, 11, 26)).unwrap();
    assert_eq!(t.case.deadline(), Some(day(2026, 12, 28)));
    let now = jst(2026, 11, 30, 10);
    let t = world
        .try_step(&t.case, response(&code, now), now, Role::Clerk)
        .unwrap();
    assert_eq!(t.case.state(), CaseState::ResponseReturned);
}

#[test]
fn the_print_room_that_posts_the_letters_may_record_them_mailed_and_an_auditor_may_not() {
    let mut world = World::new();
    let case = world.open(Path::OptionalProxy);
    let (printed, _) = world.issue(&case, morning(application_day()));
    let mailed_on = day(2026, 11, 27);
    let event = || Event::MarkMailed { mailed_on };
    let by_print_room = world
        .try_step(&printed, event(), morning(mailed_on), Role::Printer)
        .unwrap();
    assert_eq!(by_print_room.case.state(), CaseState::InquiryMailed);
    assert_eq!(by_print_room.audit.role, Role::Printer);
    let err = world
        .try_step(&printed, event(), morning(mailed_on), Role::Auditor)
        .unwrap_err();
    assert_eq!(err.code(), "role_not_permitted");
}
