//! Opening a case: the application checks that can be decided at the counter.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shokai_card::PinKind;

use super::audit::{AuditEventKind, AuditRecord, Context, Transition};
use super::error::{ApplicationError, IdHolder};
use super::model::{
    Cardholder, Case, CaseCore, CaseState, LegalRepresentative, Parties, Proof, ProofKind, Proxy,
    Representation, Role, WardKind,
};
use crate::domain::{CardFingerprint, IdCount, PinSet, Procedure, ReferenceNumber, reiwa_year};
use crate::settings::WorkflowSettings;

/// Age below which a cardholder has no signature certificate.
pub const SIGNATURE_MIN_AGE: u32 = 15;
/// Age of majority since 1 April 2022.
pub const MAJORITY_AGE: u32 = 18;

/// What a clerk registers at the first visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub cardholder: Cardholder,
    pub representation: Representation,
    pub pins: PinSet,
    /// A change (the current PIN is known) or a reset (it is forgotten or
    /// blocked).
    #[serde(default)]
    pub procedure: Procedure,
    /// The fingerprint of the card brought to the counter; later visits must bring the same card.
    pub card_fingerprint: CardFingerprint,
    /// Whether that card holds a signature certificate, as read from it at
    /// the counter (a card issued before 15, or whose certificate was
    /// revoked, has none: selecting it answers 6A 82).
    pub card_has_signature_certificate: bool,
}

impl Case {
    /// Registers an application; the application date is the Japan date of
    /// `ctx.now`. `open_case_for_card` is the case still open for the same
    /// card, if any (the store looks it up in the transaction that inserts).
    pub fn open(
        application: Application,
        reference: ReferenceNumber,
        open_case_for_card: Option<ReferenceNumber>,
        ctx: &Context<'_>,
    ) -> Result<Transition, ApplicationError> {
        match ctx.role {
            Role::Clerk | Role::Supervisor => {}
            Role::Auditor | Role::Printer | Role::System => {
                return Err(ApplicationError::RoleNotPermitted { role: ctx.role });
            }
        }
        if let Some(open) = open_case_for_card {
            return Err(ApplicationError::CardHasOpenCase { reference: open });
        }
        let applied_on = ctx.today();
        check_reference(reference, applied_on)?;
        check_people(&application, applied_on, ctx.settings.proof_valid_months)?;
        check_id_documents(&application.representation, ctx.settings)?;
        let path = application.representation.path();
        let audit = AuditRecord {
            event: AuditEventKind::Open.code(),
            role: ctx.role,
            reason: None,
            from: None,
            to: CaseState::Applied,
            details: json!({
                "reference": reference.to_string(),
                "path": path.code(),
                "procedure": application.procedure.code(),
                "pins": application.pins.codes(),
                "applied_on": applied_on,
                "card_has_signature_certificate": application.card_has_signature_certificate,
            }),
            personal: Some(personal_summary(&application)),
        };
        let core = CaseCore {
            reference,
            path,
            state: CaseState::Applied,
            pins: application.pins,
            procedure: application.procedure,
            applied_at: ctx.now,
            applied_on,
            deadline: None,
            card_fingerprint: application.card_fingerprint,
            letters: Vec::new(),
            wrong_code_attempts: 0,
            locked: false,
            response_at: None,
            closed_at: None::<DateTime<Utc>>,
            failure: None,
        };
        let parties = Parties {
            cardholder: application.cardholder,
            representation: application.representation,
            response_id_document: None,
        };
        Ok(Transition {
            case: Case { core, parties },
            audit,
        })
    }
}

fn check_reference(
    reference: ReferenceNumber,
    applied_on: NaiveDate,
) -> Result<(), ApplicationError> {
    let application_year = reiwa_year(applied_on).unwrap_or(0);
    if reference.reiwa_year() != application_year {
        return Err(ApplicationError::ReferenceYearMismatch {
            reference_year: reference.reiwa_year(),
            application_year,
        });
    }
    Ok(())
}

fn check_people(
    app: &Application,
    applied_on: NaiveDate,
    proof_months: u32,
) -> Result<(), ApplicationError> {
    let dob = app.cardholder.date_of_birth;
    if dob.date() > applied_on {
        return Err(ApplicationError::BornAfterApplication);
    }
    let age = dob.age_on(applied_on);
    let adult_ward = app.cardholder.adult_ward;
    let wants_signature = app.pins.contains(PinKind::Signature);
    if wants_signature && age < SIGNATURE_MIN_AGE {
        return Err(ApplicationError::SignatureUnder15 { age });
    }
    if wants_signature && adult_ward {
        return Err(ApplicationError::SignatureForAdultWard);
    }
    if wants_signature && !app.card_has_signature_certificate {
        return Err(ApplicationError::CardHasNoSignatureCertificate);
    }
    match &app.representation {
        Representation::InPerson if age < SIGNATURE_MIN_AGE => {
            Err(ApplicationError::InPersonUnder15 { age })
        }
        Representation::InPerson => Ok(()),
        Representation::LegalRepresentative(rep) => {
            check_representative(rep, age, adult_ward, applied_on, proof_months)
        }
        Representation::OptionalProxy(_) if age < SIGNATURE_MIN_AGE => {
            Err(ApplicationError::ProxyForUnder15 { age })
        }
        Representation::OptionalProxy(_) if adult_ward => Err(ApplicationError::ProxyForAdultWard),
        Representation::OptionalProxy(proxy) => check_proxy(proxy, &app.cardholder),
    }
}

fn check_representative(
    rep: &LegalRepresentative,
    age: u32,
    adult_ward: bool,
    applied_on: NaiveDate,
    proof_months: u32,
) -> Result<(), ApplicationError> {
    let ward_is_adult_ward = match rep.ward {
        WardKind::Minor if age >= MAJORITY_AGE => {
            return Err(ApplicationError::MinorWardIsAdult { age });
        }
        WardKind::Minor => false,
        WardKind::AdultWard => true,
    };
    if ward_is_adult_ward != adult_ward {
        return Err(ApplicationError::WardStatusMismatch {
            ward: rep.ward,
            adult_ward,
        });
    }
    check_proof(rep.ward, rep.proof, age, applied_on, proof_months)
}

/// The proof must match the ward and be issued within `months` before the
/// application: issued exactly `months` months earlier is still accepted.
/// It is waived only as the seed allows: for a child under 15 whose family
/// register this city holds, or whose relationship the resident record shows.
fn check_proof(
    ward: WardKind,
    proof: Proof,
    age: u32,
    applied_on: NaiveDate,
    months: u32,
) -> Result<(), ApplicationError> {
    match proof {
        Proof::Certificate { kind, issued_on } => {
            let expected = match ward {
                WardKind::Minor => ProofKind::FamilyRegister,
                WardKind::AdultWard => ProofKind::GuardianshipRegistration,
            };
            if kind != expected {
                return Err(ApplicationError::ProofKindMismatch { ward, kind });
            }
            if issued_on > applied_on {
                return Err(ApplicationError::ProofIssuedInFuture { issued_on });
            }
            let earliest = applied_on
                .checked_sub_months(Months::new(months))
                .unwrap_or(NaiveDate::MIN);
            if issued_on < earliest {
                return Err(ApplicationError::ProofTooOld {
                    issued_on,
                    earliest,
                });
            }
            Ok(())
        }
        // Guardianship is registered with the Legal Affairs Bureau, not in the
        // family register or the resident record: only its certificate proves it.
        Proof::Waived { reason } if ward == WardKind::AdultWard => {
            Err(ApplicationError::WaiverNotApplicable { ward, reason })
        }
        Proof::Waived { .. } if age >= SIGNATURE_MIN_AGE => {
            Err(ApplicationError::WaiverOnlyUnder15 { age })
        }
        Proof::Waived { .. } => Ok(()),
    }
}

/// The documents the representative showed meet the office's requirement
/// for them; the refusal says what was needed and what was shown.
fn check_id_documents(
    representation: &Representation,
    settings: &WorkflowSettings,
) -> Result<(), ApplicationError> {
    let (holder, needed, first, second) = match representation {
        Representation::InPerson => return Ok(()),
        Representation::OptionalProxy(p) => (
            IdHolder::ProxyAtApplication,
            &settings.id_proxy_application,
            &p.id_document,
            &p.second_id_document,
        ),
        Representation::LegalRepresentative(r) => (
            IdHolder::LegalRepresentative,
            &settings.id_legal_representative,
            &r.id_document,
            &r.second_id_document,
        ),
    };
    let shown = IdCount::of(std::iter::once(first).chain(second));
    if needed.met_by(shown) {
        Ok(())
    } else {
        Err(ApplicationError::IdDocumentsShort {
            holder,
            needed: needed.clone(),
            shown,
        })
    }
}

/// A proxy cannot be the cardholder. Without a resident-record lookup the
/// workflow decides by name (or reading) plus date of birth.
fn check_proxy(proxy: &Proxy, cardholder: &Cardholder) -> Result<(), ApplicationError> {
    if proxy.date_of_birth == cardholder.date_of_birth
        && proxy.person.same_person_name(&cardholder.name)
    {
        return Err(ApplicationError::ProxyIsCardholder);
    }
    Ok(())
}

fn personal_summary(app: &Application) -> serde_json::Value {
    let representative = match &app.representation {
        Representation::InPerson => serde_json::Value::Null,
        Representation::LegalRepresentative(rep) => json!({
            "name": rep.person.name(),
            "id_document": rep.id_document,
            "ward": rep.ward,
            "proof": rep.proof,
        }),
        Representation::OptionalProxy(proxy) => json!({
            "name": proxy.person.name(),
            "id_document": proxy.id_document,
        }),
    };
    json!({
        "cardholder": app.cardholder.name.name(),
        "adult_ward": app.cardholder.adult_ward,
        "representative": representative,
    })
}
