//! The second visit: the checklist, wrong codes and the lock.

use shokai_workflow::{
    CaseState, ChecklistItem, Event, IdCount, IdDocument, IdDocumentKind, IdRequirement,
    ResponseChecklist, ResponseEntry, Role, TransitionError,
};

use crate::fixtures::{OTHER_CARD, WRONG_CODE, World, card, full_checklist, jst, response};

fn entry_with(code: &str, checklist: ResponseChecklist) -> Event {
    let at = jst(2026, 12, 1, 10);
    Event::RecordResponse(ResponseEntry::new(code, at, checklist))
}

#[test]
fn each_missing_checklist_item_is_refused_with_its_own_reason_and_costs_no_attempt() {
    type Remove = fn(&mut ResponseChecklist);
    let cases: [(Remove, ChecklistItem); 6] = [
        (|c| c.card_presented = None, ChecklistItem::CardPresented),
        (|c| c.proxy_photo_id = None, ChecklistItem::ProxyPhotoId),
        (
            |c| c.response_form_signed = false,
            ChecklistItem::ResponseFormSigned,
        ),
        (
            |c| c.power_of_attorney_complete = false,
            ChecklistItem::PowerOfAttorneyComplete,
        ),
        (
            |c| c.power_of_attorney_names_proxy = false,
            ChecklistItem::PowerOfAttorneyNamesProxy,
        ),
        (|c| c.envelope_sealed = false, ChecklistItem::EnvelopeSealed),
    ];
    let mut world = World::new();
    let (case, code) = world.mailed_proxy_case();
    for (remove, item) in cases {
        let mut checklist = full_checklist();
        remove(&mut checklist);
        let err = world
            .try_step(
                &case,
                entry_with(&code, checklist),
                jst(2026, 12, 1, 10),
                Role::Clerk,
            )
            .unwrap_err();
        assert_eq!(
            err,
            TransitionError::ChecklistIncomplete {
                missing: vec![item]
            },
            "{item:?}"
        );
        assert_eq!(err.code(), "checklist_incomplete");
    }
    assert_eq!(case.wrong_code_attempts(), 0);
}

fn pension_book() -> IdDocument {
    IdDocument::parse(IdDocumentKind::PensionBook, false, "0001").unwrap()
}

#[test]
fn a_list_b_document_alone_is_refused_at_the_second_visit_naming_what_is_needed() {
    let mut world = World::new();
    let (case, code) = world.mailed_proxy_case();
    let mut checklist = full_checklist();
    checklist.proxy_photo_id = Some(pension_book());
    let err = world
        .try_step(
            &case,
            entry_with(&code, checklist),
            jst(2026, 12, 1, 10),
            Role::Clerk,
        )
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::IdDocumentsShort {
            needed: IdRequirement::parse("A").unwrap(),
            shown: IdCount {
                a: 0,
                b: 1,
                not_accepted: 0
            },
        }
    );
    assert_eq!(err.code(), "id_documents_short");
}

#[test]
fn an_office_asking_two_documents_at_the_second_visit_refuses_one_and_takes_a_photo_id_and_a_b() {
    let mut world = World::new();
    world.settings.id_proxy_response = IdRequirement::parse("A+A|A+B").unwrap();
    let (case, code) = world.mailed_proxy_case();
    let one = world.try_step(
        &case,
        entry_with(&code, full_checklist()),
        jst(2026, 12, 1, 10),
        Role::Clerk,
    );
    assert_eq!(one.unwrap_err().code(), "id_documents_short");
    let mut checklist = full_checklist();
    checklist.proxy_second_id = Some(pension_book());
    let two = world
        .try_step(
            &case,
            entry_with(&code, checklist),
            jst(2026, 12, 1, 10),
            Role::Clerk,
        )
        .unwrap();
    assert_eq!(two.case.state(), CaseState::ResponseReturned);
}

#[test]
fn a_card_other_than_the_bound_card_is_refused() {
    let mut world = World::new();
    let (case, code) = world.mailed_proxy_case();
    let mut checklist = full_checklist();
    checklist.card_presented = Some(card(OTHER_CARD));
    let err = world
        .try_step(
            &case,
            entry_with(&code, checklist),
            jst(2026, 12, 1, 10),
            Role::Clerk,
        )
        .unwrap_err();
    assert_eq!(err, TransitionError::CardNotBound);
}

#[test]
fn a_malformed_code_is_refused_without_counting_an_attempt() {
    let mut world = World::new();
    let (case, _) = world.mailed_proxy_case();
    let err = world.try_step(
        &case,
        response("12345", jst(2026, 12, 1, 10)),
        jst(2026, 12, 1, 10),
        Role::Clerk,
    );
    assert_eq!(err.unwrap_err().code(), "code_malformed");
}

#[test]
fn the_fifth_wrong_code_locks_the_case_and_the_sixth_entry_is_refused_until_a_supervisor_unlocks_it()
 {
    let mut world = World::new();
    let (mut case, code) = world.mailed_proxy_case();
    let now = jst(2026, 12, 1, 10);
    for attempt in 1..=4u8 {
        let t = world
            .try_step(&case, response(WRONG_CODE, now), now, Role::Clerk)
            .unwrap();
        assert_eq!(
            t.refusal().unwrap(),
            TransitionError::CodeMismatch {
                attempts: attempt,
                remaining: 5 - attempt,
            }
        );
        assert!(!t.case.is_locked());
        case = t.case;
    }
    let fifth = world
        .try_step(&case, response(WRONG_CODE, now), now, Role::Clerk)
        .unwrap();
    assert_eq!(
        fifth.refusal().unwrap(),
        TransitionError::CodeMismatch {
            attempts: 5,
            remaining: 0,
        }
    );
    assert!(fifth.case.is_locked());
    assert_eq!(fifth.audit.details["locked"], true);
    let case = fifth.case;

    let sixth = world.try_step(&case, response(&code, now), now, Role::Clerk);
    assert_eq!(sixth.unwrap_err(), TransitionError::CaseLocked);

    let by_clerk = world.try_step(
        &case,
        Event::Unlock {
            reason: "本人確認".into(),
        },
        now,
        Role::Clerk,
    );
    assert_eq!(by_clerk.unwrap_err().code(), "role_not_permitted");
    let unlocked = world.step(
        &case,
        Event::Unlock {
            reason: "代理人と電話で確認".into(),
        },
        now,
        Role::Supervisor,
    );
    assert_eq!(
        (unlocked.is_locked(), unlocked.wrong_code_attempts()),
        (false, 0)
    );
    let t = world
        .try_step(&unlocked, response(&code, now), now, Role::Clerk)
        .unwrap();
    assert_eq!(t.case.state(), CaseState::ResponseReturned);
    assert_eq!(t.refusal(), None);
}

#[test]
fn unlocking_a_case_that_is_not_locked_is_refused() {
    let mut world = World::new();
    let (case, _) = world.mailed_proxy_case();
    let err = world.try_step(
        &case,
        Event::Unlock {
            reason: "念のため".into(),
        },
        jst(2026, 12, 1, 10),
        Role::Supervisor,
    );
    assert_eq!(err.unwrap_err(), TransitionError::NotLocked);
}

#[test]
fn no_audit_record_or_debug_output_holds_the_code() {
    let mut world = World::new();
    let (case, code) = world.mailed_proxy_case();
    let event = response(&code, jst(2026, 12, 1, 10));
    let debug = format!("{event:?}");
    let t = world
        .try_step(&case, event, jst(2026, 12, 1, 10), Role::Clerk)
        .unwrap();
    let audit = serde_json::to_string(&t.audit).unwrap();
    let plain = code.replace('-', "");
    for text in [&debug, &audit] {
        assert!(!text.contains(&code) && !text.contains(&plain), "{text}");
    }
}

#[test]
fn the_pin_is_set_only_on_the_bound_card_and_a_blocked_pin_fails_the_case() {
    let mut world = World::new();
    let (case, code) = world.mailed_proxy_case();
    let returned = world.step(
        &case,
        response(&code, jst(2026, 12, 1, 10)),
        jst(2026, 12, 1, 10),
        Role::Clerk,
    );
    let err = world.try_step(
        &returned,
        Event::CompletePinChange {
            card: card(OTHER_CARD),
        },
        jst(2026, 12, 1, 11),
        Role::Clerk,
    );
    assert_eq!(err.unwrap_err(), TransitionError::CardNotBound);
    let fail = Event::Fail {
        reason: shokai_workflow::FailureReason::ResetRequired {
            pin: shokai_workflow::PinKind::UserAuth,
        },
        note: None,
    };
    let t = world
        .try_step(&returned, fail, jst(2026, 12, 1, 11), Role::Clerk)
        .unwrap();
    assert_eq!(t.case.state(), CaseState::Failed);
    assert_eq!(t.audit.reason.as_deref(), Some("reset_required"));
    assert_eq!(t.audit.details["failure"]["pin"], "user_auth");
}

#[test]
fn an_auditor_can_read_but_not_act() {
    let mut world = World::new();
    let (case, code) = world.mailed_proxy_case();
    let err = world.try_step(
        &case,
        response(&code, jst(2026, 12, 1, 10)),
        jst(2026, 12, 1, 10),
        Role::Auditor,
    );
    assert_eq!(
        err.unwrap_err(),
        TransitionError::RoleNotPermitted {
            event: "record_response",
            role: Role::Auditor,
            required: Role::Clerk
        }
    );
}

#[test]
fn a_response_dated_in_the_future_or_before_the_mailing_is_refused() {
    let mut world = World::new();
    let (case, code) = world.mailed_proxy_case(); // mailed Fri 27 Nov 2026
    let now = jst(2026, 12, 1, 10);
    let future = response(&code, jst(2026, 12, 1, 11));
    assert_eq!(
        world.try_step(&case, future, now, Role::Clerk).unwrap_err(),
        TransitionError::EntryInFuture
    );
    let backdated = response(&code, jst(2026, 11, 26, 15));
    assert_eq!(
        world
            .try_step(&case, backdated, now, Role::Clerk)
            .unwrap_err(),
        TransitionError::EntryBeforeMailing
    );
}
