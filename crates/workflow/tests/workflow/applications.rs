//! What is refused when a case is opened, and what the opening records.

use shokai_workflow::{
    Application, ApplicationError, Case, CaseState, DateOfBirth, Path, PinKind, Proof, ProofKind,
    ReferenceNumber, Representation, Role, WaiverReason, WardKind,
};

use crate::fixtures::{World, application, application_day, day, guardian, morning, pins, proxy};

fn open(world: &World, app: Application) -> Result<CaseState, ApplicationError> {
    let reference = ReferenceNumber::for_date(application_day(), 1).unwrap();
    Case::open(
        app,
        reference,
        &world.ctx(morning(application_day()), Role::Clerk),
    )
    .map(|t| t.case.state())
}

fn with_signature(mut app: Application) -> Application {
    app.pins = pins(&[PinKind::Signature, PinKind::UserAuth]);
    app
}

/// A proxy application for a cardholder born on `born`, asking for the signature PIN.
fn signature_for_born(born: chrono::NaiveDate) -> Application {
    let mut app = with_signature(application(Path::OptionalProxy));
    app.cardholder.date_of_birth = DateOfBirth::from_date(born).unwrap();
    app
}

#[test]
fn a_cardholder_14_years_and_363_days_old_cannot_have_the_signature_pin_changed() {
    // Applied 2026-11-26; born 2011-11-28: the 15th birthday is two days away.
    let err = open(&World::new(), signature_for_born(day(2011, 11, 28))).unwrap_err();
    assert_eq!(err, ApplicationError::SignatureUnder15 { age: 14 });
    assert_eq!(err.code(), "signature_under_15");
}

#[test]
fn a_cardholder_14_years_and_364_days_old_is_legally_15_and_may() {
    // Born 2011-11-27: the application day is the eve of the 15th birthday.
    assert_eq!(
        open(&World::new(), signature_for_born(day(2011, 11, 27))),
        Ok(CaseState::Applied)
    );
}

#[test]
fn a_cardholder_exactly_15_years_old_may_have_the_signature_pin_changed() {
    assert_eq!(
        open(&World::new(), signature_for_born(day(2011, 11, 26))),
        Ok(CaseState::Applied)
    );
}

#[test]
fn an_adult_ward_never_has_the_signature_pin_changed() {
    let mut app = with_signature(application(Path::LegalRepresentative));
    app.cardholder.date_of_birth = DateOfBirth::from_date(day(1950, 1, 1)).unwrap();
    let proof = Proof::Certificate {
        kind: ProofKind::GuardianshipRegistration,
        issued_on: day(2026, 11, 1),
    };
    app.representation = Representation::LegalRepresentative(guardian(WardKind::AdultWard, proof));
    assert_eq!(
        open(&World::new(), app),
        Err(ApplicationError::SignatureForAdultWard)
    );
}

#[test]
fn a_child_under_15_cannot_apply_in_person() {
    let mut app = application(Path::InPerson);
    app.cardholder.date_of_birth = DateOfBirth::from_date(day(2016, 1, 1)).unwrap();
    assert_eq!(
        open(&World::new(), app),
        Err(ApplicationError::InPersonUnder15 { age: 10 })
    );
}

#[test]
fn the_proxy_cannot_be_the_cardholder() {
    let mut app = application(Path::OptionalProxy);
    let mut same = proxy();
    same.person = app.cardholder.name.clone();
    same.date_of_birth = app.cardholder.date_of_birth;
    app.representation = Representation::OptionalProxy(same);
    assert_eq!(
        open(&World::new(), app),
        Err(ApplicationError::ProxyIsCardholder)
    );
}

#[test]
fn a_namesake_with_another_birthday_may_be_the_proxy() {
    let mut app = application(Path::OptionalProxy);
    let mut namesake = proxy();
    namesake.person = app.cardholder.name.clone();
    app.representation = Representation::OptionalProxy(namesake);
    assert_eq!(open(&World::new(), app), Ok(CaseState::Applied));
}

fn minor_with_proof(proof: Proof) -> Application {
    let mut app = application(Path::LegalRepresentative);
    app.representation = Representation::LegalRepresentative(guardian(WardKind::Minor, proof));
    app
}

#[test]
fn a_certificate_issued_exactly_three_months_before_the_application_is_accepted() {
    let proof = Proof::Certificate {
        kind: ProofKind::FamilyRegister,
        issued_on: day(2026, 8, 26),
    };
    assert_eq!(
        open(&World::new(), minor_with_proof(proof)),
        Ok(CaseState::Applied)
    );
}

#[test]
fn a_certificate_issued_one_day_earlier_is_too_old() {
    let proof = Proof::Certificate {
        kind: ProofKind::FamilyRegister,
        issued_on: day(2026, 8, 25),
    };
    assert_eq!(
        open(&World::new(), minor_with_proof(proof)),
        Err(ApplicationError::ProofTooOld {
            issued_on: day(2026, 8, 25),
            earliest: day(2026, 8, 26)
        })
    );
}

#[test]
fn the_proof_must_be_the_certificate_for_the_kind_of_ward() {
    let proof = Proof::Certificate {
        kind: ProofKind::GuardianshipRegistration,
        issued_on: day(2026, 11, 1),
    };
    assert_eq!(
        open(&World::new(), minor_with_proof(proof)),
        Err(ApplicationError::ProofKindMismatch {
            ward: WardKind::Minor,
            kind: ProofKind::GuardianshipRegistration
        })
    );
}

#[test]
fn a_certificate_dated_after_the_application_is_refused() {
    let proof = Proof::Certificate {
        kind: ProofKind::FamilyRegister,
        issued_on: day(2026, 11, 27),
    };
    assert_eq!(
        open(&World::new(), minor_with_proof(proof)),
        Err(ApplicationError::ProofIssuedInFuture {
            issued_on: day(2026, 11, 27)
        })
    );
}

#[test]
fn proof_is_waived_for_the_same_household_but_the_family_register_proves_no_guardianship() {
    let same_household = Proof::Waived {
        reason: WaiverReason::SameHousehold,
    };
    assert_eq!(
        open(&World::new(), minor_with_proof(same_household)),
        Ok(CaseState::Applied)
    );
    let held = Proof::Waived {
        reason: WaiverReason::FamilyRegisterHeldByCity,
    };
    assert_eq!(
        open(&World::new(), minor_with_proof(held)),
        Ok(CaseState::Applied)
    );

    let mut app = application(Path::LegalRepresentative);
    app.cardholder.date_of_birth = DateOfBirth::from_date(day(1950, 1, 1)).unwrap();
    app.representation = Representation::LegalRepresentative(guardian(WardKind::AdultWard, held));
    assert_eq!(
        open(&World::new(), app),
        Err(ApplicationError::WaiverNotApplicable {
            ward: WardKind::AdultWard,
            reason: WaiverReason::FamilyRegisterHeldByCity
        })
    );
}

#[test]
fn an_adult_cannot_be_represented_as_a_minor() {
    let mut app = minor_with_proof(Proof::Waived {
        reason: WaiverReason::SameHousehold,
    });
    app.cardholder.date_of_birth = DateOfBirth::from_date(day(2000, 1, 1)).unwrap();
    assert_eq!(
        open(&World::new(), app),
        Err(ApplicationError::MinorWardIsAdult { age: 26 })
    );
}

#[test]
fn an_auditor_cannot_register_an_application() {
    let world = World::new();
    let reference = ReferenceNumber::for_date(application_day(), 1).unwrap();
    let ctx = world.ctx(morning(application_day()), Role::Auditor);
    let err = Case::open(application(Path::InPerson), reference, &ctx).unwrap_err();
    assert_eq!(
        err,
        ApplicationError::RoleNotPermitted {
            role: Role::Auditor
        }
    );
}

#[test]
fn neither_the_print_room_nor_the_system_can_register_an_application() {
    let world = World::new();
    for role in [Role::Printer, Role::System] {
        let reference = ReferenceNumber::for_date(application_day(), 1).unwrap();
        let ctx = world.ctx(morning(application_day()), role);
        let err = Case::open(application(Path::InPerson), reference, &ctx).unwrap_err();
        assert_eq!(err, ApplicationError::RoleNotPermitted { role });
    }
}

#[test]
fn a_reference_from_another_era_year_is_refused() {
    let world = World::new();
    let reference = ReferenceNumber::new(7, 1).unwrap();
    let ctx = world.ctx(morning(application_day()), Role::Clerk);
    let err = Case::open(application(Path::InPerson), reference, &ctx).unwrap_err();
    assert_eq!(
        err,
        ApplicationError::ReferenceYearMismatch {
            reference_year: 7,
            application_year: 8
        }
    );
}

#[test]
fn opening_records_the_path_and_pins_but_keeps_names_in_the_purgeable_part() {
    let world = World::new();
    let reference = ReferenceNumber::for_date(application_day(), 123).unwrap();
    let t = Case::open(
        application(Path::OptionalProxy),
        reference,
        &world.ctx(morning(application_day()), Role::Clerk),
    )
    .unwrap();
    assert_eq!(
        (t.audit.event, t.audit.from, t.audit.to),
        ("open", None, CaseState::Applied)
    );
    let details = t.audit.details.to_string();
    assert!(
        details.contains("R8-000123-4") && details.contains("optional_proxy"),
        "{details}"
    );
    assert!(
        !details.contains("山田") && !details.contains("佐藤"),
        "{details}"
    );
    assert!(t.audit.personal.unwrap().to_string().contains("佐藤"));
    assert_eq!(t.case.applied_on(), application_day());
}

#[test]
fn a_case_survives_the_trip_through_its_two_stored_parts() {
    let case = World::new().open(Path::OptionalProxy);
    let (core, parties) = case.clone().into_parts();
    let core: shokai_workflow::CaseCore =
        serde_json::from_str(&serde_json::to_string(&core).unwrap()).unwrap();
    let parties: shokai_workflow::Parties =
        serde_json::from_str(&serde_json::to_string(&parties).unwrap()).unwrap();
    assert_eq!(Case::from_parts(core, parties), case);
    let core_json = serde_json::to_string(case.core()).unwrap();
    assert!(
        !core_json.contains("山田") && !core_json.contains("150-0001"),
        "{core_json}"
    );
}
