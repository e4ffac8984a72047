//! Opening a case: the application checks that can be decided at the counter.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shokai_card::PinKind;

use super::audit::{AuditEventKind, AuditRecord, Context, Transition};
use super::error::ApplicationError;
use super::model::{
    Cardholder, Case, CaseCore, CaseState, LegalRepresentative, Parties, Proof, ProofKind, Proxy,
    Representation, Role, WaiverReason, WardKind,
};
use crate::domain::{CardFingerprint, PinSet, ReferenceNumber, reiwa_year};

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
    /// The fingerprint of the card brought to the counter; later visits must bring the same card.
    pub card_fingerprint: CardFingerprint,
}

impl Case {
    /// Registers an application; the application date is the Japan date of `ctx.now`.
    pub fn open(
        application: Application,
        reference: ReferenceNumber,
        ctx: &Context<'_>,
    ) -> Result<Transition, ApplicationError> {
        match ctx.role {
            Role::Clerk | Role::Supervisor => {}
            Role::Auditor | Role::Printer | Role::System => {
                return Err(ApplicationError::RoleNotPermitted { role: ctx.role });
            }
        }
        let applied_on = ctx.today();
        check_reference(reference, applied_on)?;
        check_people(&application, applied_on, ctx.settings.proof_valid_months)?;
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
                "pins": application.pins.codes(),
                "applied_on": applied_on,
            }),
            personal: Some(personal_summary(&application)),
        };
        let core = CaseCore {
            reference,
            path,
            state: CaseState::Applied,
            pins: application.pins,
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
    let wants_signature = app.pins.contains(PinKind::Signature);
    if wants_signature && age < SIGNATURE_MIN_AGE {
        return Err(ApplicationError::SignatureUnder15 { age });
    }
    match &app.representation {
        Representation::InPerson if age < SIGNATURE_MIN_AGE => {
            Err(ApplicationError::InPersonUnder15 { age })
        }
        Representation::InPerson => Ok(()),
        Representation::LegalRepresentative(rep) => {
            check_representative(rep, age, wants_signature, applied_on, proof_months)
        }
        Representation::OptionalProxy(proxy) => check_proxy(proxy, &app.cardholder),
    }
}

fn check_representative(
    rep: &LegalRepresentative,
    age: u32,
    wants_signature: bool,
    applied_on: NaiveDate,
    proof_months: u32,
) -> Result<(), ApplicationError> {
    match rep.ward {
        WardKind::Minor if age >= MAJORITY_AGE => {
            return Err(ApplicationError::MinorWardIsAdult { age });
        }
        WardKind::AdultWard if wants_signature => {
            return Err(ApplicationError::SignatureForAdultWard);
        }
        WardKind::Minor | WardKind::AdultWard => {}
    }
    check_proof(rep.ward, rep.proof, applied_on, proof_months)
}

/// The proof must match the ward and be issued within `months` before the
/// application: issued exactly `months` months earlier is still accepted.
fn check_proof(
    ward: WardKind,
    proof: Proof,
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
        // Guardianship has been registered with the Legal Affairs Bureau, not in
        // the family register, since 2000: the city's family register proves nothing.
        Proof::Waived {
            reason: reason @ WaiverReason::FamilyRegisterHeldByCity,
        } if ward == WardKind::AdultWard => {
            Err(ApplicationError::WaiverNotApplicable { ward, reason })
        }
        Proof::Waived { .. } => Ok(()),
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
    json!({ "cardholder": app.cardholder.name.name(), "representative": representative })
}
