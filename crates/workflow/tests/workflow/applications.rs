//! What is refused when a case is opened, and what the opening records.

use shokai_workflow::{
    Application, ApplicationError, Case, CaseState, DateOfBirth, IdCount, IdDocument,
    IdDocumentKind, IdHolder, IdRequirement, Path, PinKind, Proof, ProofKind, ReferenceNumber,
    Representation, Role, WaiverReason, WardKind,
};

use crate::fixtures::{World, application, application_day, day, guardian, morning, pins, proxy};

fn open(world: &World, app: Application) -> Result<CaseState, ApplicationError> {
    let reference = ReferenceNumber::for_date(application_day(), 1).unwrap();
    Case::open(
        app,
        reference,
        None,
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

/// An adult ward (born 1950) represented by the guardian with a fresh
/// certificate, asking for user_auth and resident.
fn adult_ward_by_guardian() -> Application {
    let mut app = application(Path::LegalRepresentative);
    app.cardholder.date_of_birth = DateOfBirth::from_date(day(1950, 1, 1)).unwrap();
    app.cardholder.adult_ward = true;
    let proof = Proof::Certificate {
        kind: ProofKind::GuardianshipRegistration,
        issued_on: day(2026, 11, 1),
    };
    app.representation = Representation::LegalRepresentative(guardian(WardKind::AdultWard, proof));
    app
}

#[test]
fn an_adult_ward_never_has_the_signature_pin_changed_on_any_path() {
    assert_eq!(
        open(&World::new(), adult_ward_by_guardian()),
        Ok(CaseState::Applied)
    );
    let by_guardian = with_signature(adult_ward_by_guardian());
    let mut in_person = with_signature(application(Path::InPerson));
    in_person.cardholder.adult_ward = true;
    for app in [by_guardian, in_person] {
        let err = open(&World::new(), app).unwrap_err();
        assert_eq!(err, ApplicationError::SignatureForAdultWard);
        assert_eq!(err.code(), "signature_for_adult_ward");
    }
}

#[test]
fn an_adult_ward_cannot_apply_through_an_optional_proxy() {
    let mut app = application(Path::OptionalProxy);
    app.cardholder.adult_ward = true;
    let err = open(&World::new(), app).unwrap_err();
    assert_eq!(err, ApplicationError::ProxyForAdultWard);
    assert_eq!(err.code(), "proxy_for_adult_ward");
}

#[test]
fn a_child_under_15_cannot_apply_through_an_optional_proxy_but_a_15_year_old_may() {
    let mut child = application(Path::OptionalProxy);
    child.cardholder.date_of_birth = DateOfBirth::from_date(day(2011, 11, 28)).unwrap();
    let mut fifteen = application(Path::OptionalProxy);
    fifteen.cardholder.date_of_birth = DateOfBirth::from_date(day(2011, 11, 26)).unwrap();

    let err = open(&World::new(), child).unwrap_err();

    assert_eq!(err, ApplicationError::ProxyForUnder15 { age: 14 });
    assert_eq!(err.code(), "proxy_for_under_15");
    assert_eq!(open(&World::new(), fifteen), Ok(CaseState::Applied));
}

#[test]
fn a_guardian_acts_only_for_a_cardholder_recorded_as_an_adult_ward_and_a_parent_only_for_one_who_is_not()
 {
    let mut unmarked = adult_ward_by_guardian();
    unmarked.cardholder.adult_ward = false;
    let mut marked_minor = application(Path::LegalRepresentative);
    marked_minor.cardholder.adult_ward = true;

    assert_eq!(
        open(&World::new(), unmarked),
        Err(ApplicationError::WardStatusMismatch {
            ward: WardKind::AdultWard,
            adult_ward: false
        })
    );
    let err = open(&World::new(), marked_minor).unwrap_err();
    assert_eq!(
        err,
        ApplicationError::WardStatusMismatch {
            ward: WardKind::Minor,
            adult_ward: true
        }
    );
    assert_eq!(err.code(), "ward_status_mismatch");
}

#[test]
fn a_card_without_a_signature_certificate_cannot_have_the_signature_pin_changed() {
    let mut app = with_signature(application(Path::InPerson));
    app.card_has_signature_certificate = false;
    let mut other_pins = application(Path::InPerson);
    other_pins.card_has_signature_certificate = false;

    let err = open(&World::new(), app).unwrap_err();

    assert_eq!(err, ApplicationError::CardHasNoSignatureCertificate);
    assert_eq!(err.code(), "card_has_no_signature_certificate");
    assert_eq!(
        open(&World::new(), other_pins),
        Ok(CaseState::Applied),
        "the other PINs of such a card can still be changed"
    );
}

#[test]
fn the_opening_records_whether_the_card_holds_a_signature_certificate_and_the_ward_status() {
    let reference = ReferenceNumber::for_date(application_day(), 1).unwrap();
    let world = World::new();
    let ctx = world.ctx(morning(application_day()), Role::Clerk);
    let opened = Case::open(adult_ward_by_guardian(), reference, None, &ctx).unwrap();
    assert_eq!(opened.audit.details["card_has_signature_certificate"], true);
    assert_eq!(opened.audit.personal.unwrap()["adult_ward"], true);
    assert!(opened.case.parties().cardholder.adult_ward);
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
fn proof_is_waived_only_for_a_child_under_15_and_never_for_an_adult_ward() {
    let same_household = Proof::Waived {
        reason: WaiverReason::SameHousehold,
    };
    let held = Proof::Waived {
        reason: WaiverReason::FamilyRegisterHeldByCity,
    };
    for waiver in [same_household, held] {
        assert_eq!(
            open(&World::new(), minor_with_proof(waiver)),
            Ok(CaseState::Applied)
        );
        let mut sixteen = minor_with_proof(waiver);
        sixteen.cardholder.date_of_birth = DateOfBirth::from_date(day(2010, 6, 1)).unwrap();
        let err = open(&World::new(), sixteen).unwrap_err();
        assert_eq!(err, ApplicationError::WaiverOnlyUnder15 { age: 16 });
        assert_eq!(err.code(), "waiver_only_under_15");

        let Proof::Waived { reason } = waiver else {
            unreachable!()
        };
        let mut ward = adult_ward_by_guardian();
        ward.representation =
            Representation::LegalRepresentative(guardian(WardKind::AdultWard, waiver));
        assert_eq!(
            open(&World::new(), ward),
            Err(ApplicationError::WaiverNotApplicable {
                ward: WardKind::AdultWard,
                reason
            }),
            "an adult ward's guardian always shows the 成年後見登記事項証明書"
        );
    }
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
    let err = Case::open(application(Path::InPerson), reference, None, &ctx).unwrap_err();
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
        let err = Case::open(application(Path::InPerson), reference, None, &ctx).unwrap_err();
        assert_eq!(err, ApplicationError::RoleNotPermitted { role });
    }
}

#[test]
fn a_reference_from_another_era_year_is_refused() {
    let world = World::new();
    let reference = ReferenceNumber::new(7, 1).unwrap();
    let ctx = world.ctx(morning(application_day()), Role::Clerk);
    let err = Case::open(application(Path::InPerson), reference, None, &ctx).unwrap_err();
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
        None,
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

fn document(kind: IdDocumentKind) -> IdDocument {
    IdDocument::parse(kind, kind.photo_given(false), "2468").unwrap()
}

fn refused_for_documents(world: &World, app: Application) -> ApplicationError {
    let reference = ReferenceNumber::for_date(application_day(), 9).unwrap();
    let ctx = world.ctx(morning(application_day()), Role::Clerk);
    let err = Case::open(app, reference, None, &ctx).unwrap_err();
    assert_eq!(err.code(), "id_documents_short", "{err}");
    err
}

#[test]
fn a_proxy_shows_any_one_document_at_application_but_never_an_expired_health_insurance_card() {
    let world = World::new();
    let mut app = application(Path::OptionalProxy);
    if let Representation::OptionalProxy(p) = &mut app.representation {
        p.id_document = document(IdDocumentKind::QualificationCertificate);
    }
    world.open_application(app.clone());
    if let Representation::OptionalProxy(p) = &mut app.representation {
        p.id_document = document(IdDocumentKind::HealthInsuranceCard);
    }
    let err = refused_for_documents(&world, app);
    assert_eq!(
        err,
        ApplicationError::IdDocumentsShort {
            holder: IdHolder::ProxyAtApplication,
            needed: IdRequirement::parse("B").unwrap(),
            shown: IdCount {
                a: 0,
                b: 0,
                not_accepted: 1
            },
        }
    );
}

#[test]
fn a_legal_representative_shows_one_list_a_document_or_two_from_list_b() {
    let world = World::new();
    let mut app = application(Path::LegalRepresentative);
    let set = |app: &mut Application, first, second: Option<IdDocumentKind>| {
        if let Representation::LegalRepresentative(r) = &mut app.representation {
            r.id_document = document(first);
            r.second_id_document = second.map(document);
        }
    };
    set(&mut app, IdDocumentKind::PensionBook, None);
    let err = refused_for_documents(&world, app.clone());
    assert!(err.to_string().contains("A|B+B"), "{err}");
    set(
        &mut app,
        IdDocumentKind::PensionBook,
        Some(IdDocumentKind::QualificationCertificate),
    );
    world.open_application(app.clone());
    set(&mut app, IdDocumentKind::Passport, None);
    world.open_application(app);
}

#[test]
fn an_office_that_asks_a_photo_document_at_the_proxys_first_visit_refuses_a_list_b_one() {
    let mut world = World::new();
    world.settings.id_proxy_application = IdRequirement::parse("A").unwrap();
    let err = refused_for_documents(&world, application(Path::OptionalProxy));
    assert_eq!(
        err,
        ApplicationError::IdDocumentsShort {
            holder: IdHolder::ProxyAtApplication,
            needed: IdRequirement::parse("A").unwrap(),
            shown: IdCount {
                a: 0,
                b: 1,
                not_accepted: 0
            },
        }
    );
}
