//! Cases that follow another: one open case per card, the cardholder who
//! comes in person while the proxy's case is open, and the reset that
//! follows a change ended on a blocked or forgotten PIN.

use shokai_workflow::{
    ApplicationError, Case, CaseState, Event, FailureReason, Path, PinKind, Procedure,
    ReferenceNumber, Representation, Role, TakeOverError, TransitionError,
};

use crate::fixtures::{BOUND_CARD, OTHER_CARD, World, application, application_day, card, morning};

fn reference(sequence: u32) -> ReferenceNumber {
    ReferenceNumber::for_date(application_day(), sequence).unwrap()
}

fn in_person_for_the_bound_card() -> shokai_workflow::Application {
    application(Path::InPerson)
}

#[test]
fn a_second_case_for_a_card_with_an_open_case_is_refused_naming_the_open_case() {
    let world = World::new();
    let ctx = world.ctx(morning(application_day()), Role::Clerk);
    let err = Case::open(
        application(Path::OptionalProxy),
        reference(2),
        Some(reference(1)),
        &ctx,
    )
    .unwrap_err();
    assert_eq!(
        err,
        ApplicationError::CardHasOpenCase {
            reference: reference(1)
        }
    );
    assert_eq!(err.code(), "card_has_open_case");
    assert!(err.to_string().contains(&reference(1).to_string()), "{err}");
}

#[test]
fn a_cardholder_in_person_takes_over_an_open_proxy_case_and_both_records_name_the_other() {
    let mut world = World::new();
    let (mailed, _) = world.mailed_proxy_case();
    let later = morning(application_day() + chrono::Days::new(3));
    let ctx = world.ctx(later, Role::Clerk);
    let new_reference = reference(200);
    let done = mailed
        .take_over(in_person_for_the_bound_card(), new_reference, &ctx)
        .unwrap();

    assert_eq!(done.closed.case.state(), CaseState::Cancelled);
    assert_eq!(done.closed.audit.event, "cardholder_came_in_person");
    assert_eq!(done.closed.audit.reason.as_deref(), Some("本人来庁"));
    assert_eq!(
        done.closed.audit.details["taken_over_by"],
        new_reference.to_string()
    );
    assert_eq!(done.opened.case.path(), Path::InPerson);
    assert_eq!(done.opened.case.state(), CaseState::Applied);
    assert_eq!(
        done.opened.audit.details["takes_over"],
        mailed.reference().to_string()
    );
    assert_eq!(
        done.opened.case.card_fingerprint(),
        mailed.card_fingerprint()
    );
}

#[test]
fn a_takeover_needs_the_cardholders_own_application_for_the_same_card() {
    let mut world = World::new();
    let (mailed, _) = world.mailed_proxy_case();
    let ctx = world.ctx(
        morning(application_day() + chrono::Days::new(3)),
        Role::Clerk,
    );

    let by_proxy = mailed
        .take_over(application(Path::OptionalProxy), reference(200), &ctx)
        .unwrap_err();
    assert_eq!(
        by_proxy,
        TakeOverError::Application(ApplicationError::TakeOverNotInPerson)
    );

    let mut other_card = in_person_for_the_bound_card();
    other_card.card_fingerprint = card(OTHER_CARD);
    let wrong_card = mailed
        .take_over(other_card, reference(200), &ctx)
        .unwrap_err();
    assert_eq!(
        wrong_card,
        TakeOverError::Transition(TransitionError::CardNotBound)
    );
}

#[test]
fn only_an_open_optional_proxy_case_can_be_taken_over() {
    let world = World::new();
    let ctx = world.ctx(morning(application_day()), Role::Clerk);
    let in_person = world.open(Path::InPerson);
    let err = in_person
        .take_over(in_person_for_the_bound_card(), reference(200), &ctx)
        .unwrap_err();
    assert!(
        matches!(
            err,
            TakeOverError::Transition(TransitionError::InvalidTransition { .. })
        ),
        "{err:?}"
    );

    let proxy = world.open(Path::OptionalProxy);
    let supervisor = world.ctx(morning(application_day()), Role::Supervisor);
    let cancelled = world.step(
        &proxy,
        Event::Cancel {
            reason: "申請取下げ".into(),
        },
        morning(application_day()),
        Role::Supervisor,
    );
    let err = cancelled
        .take_over(in_person_for_the_bound_card(), reference(200), &supervisor)
        .unwrap_err();
    assert!(
        matches!(
            err,
            TakeOverError::Transition(TransitionError::InvalidTransition { .. })
        ),
        "{err:?}"
    );
}

fn failed(world: &World, reason: FailureReason) -> Case {
    let case = world.open(Path::InPerson);
    world.step(
        &case,
        Event::Fail { reason, note: None },
        morning(application_day()),
        Role::Clerk,
    )
}

#[test]
fn a_change_failed_on_a_blocked_pin_is_followed_by_a_reset_of_that_pin_on_the_same_card() {
    let world = World::new();
    let blocked = failed(
        &world,
        FailureReason::ResetRequired {
            pin: PinKind::Resident,
        },
    );
    assert_eq!(
        blocked.failure().map(FailureReason::code),
        Some("reset_required")
    );
    let ctx = world.ctx(morning(application_day()), Role::Clerk);
    let reset = blocked
        .open_reset(card(BOUND_CARD), true, reference(300), None, &ctx)
        .unwrap();
    let core = reset.case.core();
    assert_eq!(core.procedure(), Procedure::Reset);
    assert_eq!(core.pins().codes(), "resident");
    assert_eq!(
        reset.case.parties().cardholder,
        blocked.parties().cardholder
    );
    assert_eq!(
        reset.case.parties().representation,
        Representation::InPerson
    );
    assert_eq!(
        reset.audit.details["follows"],
        blocked.reference().to_string()
    );
    assert_eq!(reset.audit.details["procedure"], "reset");
}

#[test]
fn a_change_failed_on_a_forgotten_pin_is_followed_by_a_reset_too() {
    let world = World::new();
    let forgotten = failed(
        &world,
        FailureReason::CurrentPinWrong {
            pin: PinKind::UserAuth,
        },
    );
    let ctx = world.ctx(morning(application_day()), Role::Clerk);
    let reset = forgotten
        .open_reset(card(BOUND_CARD), true, reference(300), None, &ctx)
        .unwrap();
    assert_eq!(reset.case.core().pins().codes(), "user_auth");
}

#[test]
fn no_reset_follows_a_case_that_did_not_fail_on_a_pin_or_on_another_card() {
    let world = World::new();
    let ctx = world.ctx(morning(application_day()), Role::Clerk);
    let open = world.open(Path::InPerson);
    assert_eq!(
        open.open_reset(card(BOUND_CARD), true, reference(300), None, &ctx)
            .unwrap_err()
            .code(),
        "nothing_to_reset"
    );
    let wrong_card = failed(&world, FailureReason::CardNotBound);
    assert_eq!(
        wrong_card
            .open_reset(card(BOUND_CARD), true, reference(300), None, &ctx)
            .unwrap_err()
            .code(),
        "nothing_to_reset"
    );
    let blocked = failed(
        &world,
        FailureReason::ResetRequired {
            pin: PinKind::UserAuth,
        },
    );
    let err = blocked
        .open_reset(card(OTHER_CARD), true, reference(300), None, &ctx)
        .unwrap_err();
    assert_eq!(
        err,
        ApplicationError::NotTheCasesCard {
            reference: blocked.reference()
        }
    );
    let err = blocked
        .open_reset(
            card(BOUND_CARD),
            true,
            reference(300),
            Some(reference(9)),
            &ctx,
        )
        .unwrap_err();
    assert_eq!(err.code(), "card_has_open_case");
}

#[test]
fn a_case_stored_with_the_old_pin_blocked_reason_reads_as_reset_required() {
    let old: FailureReason =
        serde_json::from_str(r#"{"type":"pin_blocked","pin":"user_auth"}"#).unwrap();
    assert_eq!(
        old,
        FailureReason::ResetRequired {
            pin: PinKind::UserAuth
        }
    );
    assert_eq!(old.code(), "reset_required");
}

#[test]
fn a_letter_reads_valid_while_waiting_used_once_answered_and_void_when_the_case_ends_without_it() {
    use shokai_workflow::LetterStatus;
    let mut world = World::new();
    let (mailed, code) = world.mailed_proxy_case();
    let letter = mailed.current_letter().unwrap().clone();
    assert_eq!(mailed.letter_status(&letter), LetterStatus::Valid);

    let answered = world.step(
        &mailed,
        crate::fixtures::response(&code, crate::fixtures::jst(2026, 12, 1, 10)),
        crate::fixtures::jst(2026, 12, 1, 10),
        Role::Clerk,
    );
    assert_eq!(answered.letter_status(&letter), LetterStatus::Used);
    assert_eq!(LetterStatus::Used.name_ja(), "使用済");

    let cancelled = world.step(
        &mailed,
        Event::Cancel {
            reason: "申請取下げ".into(),
        },
        crate::fixtures::jst(2026, 12, 1, 10),
        Role::Supervisor,
    );
    assert_eq!(cancelled.letter_status(&letter), LetterStatus::Void);
    assert_eq!(LetterStatus::Void.name_ja(), "無効");
}
