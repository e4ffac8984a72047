//! The identity document a proxy or legal representative shows at the counter,
//! in one of the two lists offices use: A, a photo document issued by a
//! public office (one is enough), and B, a document without a photo or not
//! issued by a public office (two are needed); see [`IdRequirement`](super::IdRequirement).
//! Only its kind, whether it has a photo, and the last four characters of its
//! number are kept: enough to say later which document was seen, not enough to
//! misuse it. For a My Number Card, a passport or a residence card not even
//! that: only that it was seen (part of an individual number must never be
//! recorded, and the others identify a person across offices).

use serde::{Deserialize, Serialize};

use super::text::{fold_width, trim};

/// The kind of identity document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdDocumentKind {
    /// 運転免許証 (A)
    DriversLicence,
    /// 運転経歴証明書 (A)
    DrivingHistoryCertificate,
    /// 旅券 (A)
    Passport,
    /// 在留カード (A)
    ResidenceCard,
    /// 特別永住者証明書 (A)
    SpecialPermanentResidentCertificate,
    /// The proxy's own マイナンバーカード (A; never the cardholder's).
    MyNumberCard,
    /// 身体障害者手帳 (A)
    PhysicalDisabilityCertificate,
    /// 療育手帳 (A)
    IntellectualDisabilityCertificate,
    /// 精神障害者保健福祉手帳 (A)
    MentalDisabilityCertificate,
    /// 資格確認書 (B): issued instead of the health insurance card since
    /// 2 December 2024.
    QualificationCertificate,
    /// 健康保険証: no longer accepted (none is valid after 1 December 2025);
    /// kept so that cases recorded with one still read.
    HealthInsuranceCard,
    /// 年金手帳 (B)
    PensionBook,
    /// 介護保険被保険者証 (B)
    LongTermCareInsuranceCard,
    /// 医療受給者証 (B)
    MedicalRecipientCertificate,
    /// 学生証 (B)
    StudentCard,
    /// 社員証 (B)
    EmployeeCard,
    /// Anything else the office accepts (B); whether it has a photo is stated.
    Other,
}

/// The two lists of identity documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IdList {
    /// A photo document issued by a public office: one is enough.
    A,
    /// Any other accepted document: two are needed.
    B,
}

impl IdDocumentKind {
    /// Every kind, for parsing and tests.
    pub const ALL: [IdDocumentKind; 17] = [
        IdDocumentKind::DriversLicence,
        IdDocumentKind::DrivingHistoryCertificate,
        IdDocumentKind::Passport,
        IdDocumentKind::ResidenceCard,
        IdDocumentKind::SpecialPermanentResidentCertificate,
        IdDocumentKind::MyNumberCard,
        IdDocumentKind::PhysicalDisabilityCertificate,
        IdDocumentKind::IntellectualDisabilityCertificate,
        IdDocumentKind::MentalDisabilityCertificate,
        IdDocumentKind::QualificationCertificate,
        IdDocumentKind::HealthInsuranceCard,
        IdDocumentKind::PensionBook,
        IdDocumentKind::LongTermCareInsuranceCard,
        IdDocumentKind::MedicalRecipientCertificate,
        IdDocumentKind::StudentCard,
        IdDocumentKind::EmployeeCard,
        IdDocumentKind::Other,
    ];

    /// The kinds a clerk may record now (forms list these).
    pub fn offered() -> impl Iterator<Item = IdDocumentKind> {
        IdDocumentKind::ALL
            .into_iter()
            .filter(|k| k.list().is_some())
    }

    /// Stable code name.
    pub fn code(self) -> &'static str {
        match self {
            IdDocumentKind::DriversLicence => "drivers_licence",
            IdDocumentKind::DrivingHistoryCertificate => "driving_history_certificate",
            IdDocumentKind::Passport => "passport",
            IdDocumentKind::ResidenceCard => "residence_card",
            IdDocumentKind::SpecialPermanentResidentCertificate => {
                "special_permanent_resident_certificate"
            }
            IdDocumentKind::MyNumberCard => "my_number_card",
            IdDocumentKind::PhysicalDisabilityCertificate => "physical_disability_certificate",
            IdDocumentKind::IntellectualDisabilityCertificate => {
                "intellectual_disability_certificate"
            }
            IdDocumentKind::MentalDisabilityCertificate => "mental_disability_certificate",
            IdDocumentKind::QualificationCertificate => "qualification_certificate",
            IdDocumentKind::HealthInsuranceCard => "health_insurance_card",
            IdDocumentKind::PensionBook => "pension_book",
            IdDocumentKind::LongTermCareInsuranceCard => "long_term_care_insurance_card",
            IdDocumentKind::MedicalRecipientCertificate => "medical_recipient_certificate",
            IdDocumentKind::StudentCard => "student_card",
            IdDocumentKind::EmployeeCard => "employee_card",
            IdDocumentKind::Other => "other",
        }
    }

    /// Parses a code name produced by [`IdDocumentKind::code`].
    pub fn from_code(code: &str) -> Option<IdDocumentKind> {
        IdDocumentKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Japanese name, as on the clerk's screen.
    pub fn name_ja(self) -> &'static str {
        match self {
            IdDocumentKind::DriversLicence => "運転免許証",
            IdDocumentKind::DrivingHistoryCertificate => "運転経歴証明書",
            IdDocumentKind::Passport => "旅券",
            IdDocumentKind::ResidenceCard => "在留カード",
            IdDocumentKind::SpecialPermanentResidentCertificate => "特別永住者証明書",
            IdDocumentKind::MyNumberCard => "マイナンバーカード(代理人本人のもの)",
            IdDocumentKind::PhysicalDisabilityCertificate => "身体障害者手帳",
            IdDocumentKind::IntellectualDisabilityCertificate => "療育手帳",
            IdDocumentKind::MentalDisabilityCertificate => "精神障害者保健福祉手帳",
            IdDocumentKind::QualificationCertificate => "資格確認書",
            IdDocumentKind::HealthInsuranceCard => "健康保険証(有効期限切れ)",
            IdDocumentKind::PensionBook => "年金手帳",
            IdDocumentKind::LongTermCareInsuranceCard => "介護保険被保険者証",
            IdDocumentKind::MedicalRecipientCertificate => "医療受給者証",
            IdDocumentKind::StudentCard => "学生証",
            IdDocumentKind::EmployeeCard => "社員証",
            IdDocumentKind::Other => "その他",
        }
    }

    /// The list a document of this kind counts in; `None` for a kind no
    /// longer accepted (the health insurance card).
    pub fn list(self) -> Option<IdList> {
        match self {
            IdDocumentKind::DriversLicence
            | IdDocumentKind::DrivingHistoryCertificate
            | IdDocumentKind::Passport
            | IdDocumentKind::ResidenceCard
            | IdDocumentKind::SpecialPermanentResidentCertificate
            | IdDocumentKind::MyNumberCard
            | IdDocumentKind::PhysicalDisabilityCertificate
            | IdDocumentKind::IntellectualDisabilityCertificate
            | IdDocumentKind::MentalDisabilityCertificate => Some(IdList::A),
            IdDocumentKind::QualificationCertificate
            | IdDocumentKind::PensionBook
            | IdDocumentKind::LongTermCareInsuranceCard
            | IdDocumentKind::MedicalRecipientCertificate
            | IdDocumentKind::StudentCard
            | IdDocumentKind::EmployeeCard
            | IdDocumentKind::Other => Some(IdList::B),
            IdDocumentKind::HealthInsuranceCard => None,
        }
    }

    /// Whether documents of this kind carry a photo of their holder:
    /// `Some(true)` always (licence, passport, residence card, My Number
    /// Card), `Some(false)` never (health insurance card, pension book),
    /// `None` when it depends on the document (`Other`: the clerk says).
    /// [`IdDocument::parse`] refuses a photo flag that contradicts it.
    pub fn has_photo(self) -> Option<bool> {
        match self.list() {
            Some(IdList::A) => Some(true),
            None => Some(false),
            Some(IdList::B) => match self {
                IdDocumentKind::QualificationCertificate
                | IdDocumentKind::PensionBook
                | IdDocumentKind::LongTermCareInsuranceCard
                | IdDocumentKind::MedicalRecipientCertificate => Some(false),
                _ => None,
            },
        }
    }

    /// Whether the last four characters of a document of this kind are
    /// recorded: not for a My Number Card (they would be part of an
    /// individual number), a passport or a residence card.
    pub fn records_number(self) -> bool {
        // The insurer's numbers on a 資格確認書 are protected by law from
        // being asked for (告知要求制限), so they are not recorded either.
        !matches!(
            self,
            IdDocumentKind::MyNumberCard
                | IdDocumentKind::Passport
                | IdDocumentKind::ResidenceCard
                | IdDocumentKind::SpecialPermanentResidentCertificate
                | IdDocumentKind::QualificationCertificate
        )
    }

    /// Whether a document of this kind has a photo, given the clerk's
    /// "has a photo" tick: the kind decides where it can
    /// ([`IdDocumentKind::has_photo`]), and the tick only for `Other`. The
    /// result is always accepted by [`IdDocument::parse`].
    pub fn photo_given(self, ticked: bool) -> bool {
        self.has_photo().unwrap_or(ticked)
    }
}

/// Why an identity document record was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdDocumentError {
    /// The last four characters of the number must be exactly four letters or digits.
    #[error("enter exactly the last 4 letters or digits of the document number")]
    BadNumberSuffix,
    /// The stated photo flag contradicts the kind (a passport always has one).
    #[error("a {kind:?} {} a photo", if *has_photo_by_kind { "always has" } else { "never has" })]
    PhotoContradictsKind {
        kind: IdDocumentKind,
        has_photo_by_kind: bool,
    },
}

/// An identity document as recorded at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawIdDocument", into = "RawIdDocument")]
pub struct IdDocument {
    kind: IdDocumentKind,
    has_photo: bool,
    /// `None` for the kinds whose number is never recorded.
    number_last4: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct RawIdDocument {
    kind: IdDocumentKind,
    has_photo: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    number_last4: Option<String>,
}

impl TryFrom<RawIdDocument> for IdDocument {
    type Error = IdDocumentError;
    fn try_from(r: RawIdDocument) -> Result<Self, Self::Error> {
        IdDocument::parse(r.kind, r.has_photo, r.number_last4.as_deref().unwrap_or(""))
    }
}

impl From<IdDocument> for RawIdDocument {
    fn from(d: IdDocument) -> Self {
        RawIdDocument {
            kind: d.kind,
            has_photo: d.has_photo,
            number_last4: d.number_last4,
        }
    }
}

impl IdDocument {
    /// Records a document. `number_last4` may be full-width and lower case;
    /// for a kind whose number is never recorded
    /// ([`IdDocumentKind::records_number`]) it is ignored, whatever was typed.
    pub fn parse(
        kind: IdDocumentKind,
        has_photo: bool,
        number_last4: &str,
    ) -> Result<IdDocument, IdDocumentError> {
        let last4 = if kind.records_number() {
            let last4: String = trim(number_last4)
                .chars()
                .map(fold_width)
                .map(|c| c.to_ascii_uppercase())
                .collect();
            if last4.chars().count() != 4 || !last4.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(IdDocumentError::BadNumberSuffix);
            }
            Some(last4)
        } else {
            None
        };
        if let Some(by_kind) = kind.has_photo()
            && by_kind != has_photo
        {
            return Err(IdDocumentError::PhotoContradictsKind {
                kind,
                has_photo_by_kind: by_kind,
            });
        }
        Ok(IdDocument {
            kind,
            has_photo,
            number_last4: last4,
        })
    }

    /// The kind of document.
    pub fn kind(&self) -> IdDocumentKind {
        self.kind
    }

    /// Whether it carries a photo of its holder.
    pub fn has_photo(&self) -> bool {
        self.has_photo
    }

    /// The last four characters of its number, upper case; `None` for the
    /// kinds whose number is never recorded.
    pub fn number_last4(&self) -> Option<&str> {
        self.number_last4.as_deref()
    }

    /// The list it counts in ([`IdDocumentKind::list`]).
    pub fn list(&self) -> Option<IdList> {
        self.kind.list()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_a_document_has_a_photo_and_only_a_few_list_b_ones_leave_it_to_the_clerk() {
        use IdDocumentKind as K;
        for kind in K::ALL {
            match kind.list() {
                Some(IdList::A) => assert_eq!(kind.has_photo(), Some(true), "{kind:?}"),
                None => assert_eq!(kind, K::HealthInsuranceCard),
                Some(IdList::B) => {}
            }
        }
        let clerk_says: Vec<K> = K::ALL
            .into_iter()
            .filter(|k| k.has_photo().is_none())
            .collect();
        assert_eq!(clerk_says, [K::StudentCard, K::EmployeeCard, K::Other]);
        assert!(K::offered().all(|k| k != K::HealthInsuranceCard));
        assert_eq!(K::QualificationCertificate.list(), Some(IdList::B));
    }

    #[test]
    fn a_licence_always_has_a_photo_and_other_documents_follow_the_tick() {
        assert!(IdDocumentKind::DriversLicence.photo_given(false));
        assert!(!IdDocumentKind::HealthInsuranceCard.photo_given(true));
        assert!(IdDocumentKind::Other.photo_given(true));
        assert!(!IdDocumentKind::Other.photo_given(false));
    }

    #[test]
    fn the_photo_given_a_tick_is_always_accepted_and_only_other_documents_accept_both() {
        for kind in IdDocumentKind::ALL {
            for ticked in [false, true] {
                let photo = kind.photo_given(ticked);
                assert!(IdDocument::parse(kind, photo, "1234").is_ok(), "{kind:?}");
                let opposite_accepted = IdDocument::parse(kind, !photo, "1234").is_ok();
                assert_eq!(opposite_accepted, kind.has_photo().is_none(), "{kind:?}");
            }
        }
    }

    #[test]
    fn a_licence_number_suffix_is_kept_in_upper_case_ascii() {
        let d = IdDocument::parse(IdDocumentKind::DriversLicence, true, "ｔｋ１２").unwrap();
        assert_eq!(d.number_last4(), Some("TK12"));
    }

    #[test]
    fn no_number_is_recorded_for_a_my_number_card_a_passport_or_a_residence_card() {
        use IdDocumentKind as K;
        for kind in [K::MyNumberCard, K::Passport, K::ResidenceCard] {
            let d = IdDocument::parse(kind, true, "1234").unwrap();
            assert_eq!(d.number_last4(), None, "{kind:?}");
            let json = serde_json::to_string(&d).unwrap();
            assert!(
                !json.contains("1234") && !json.contains("number_last4"),
                "{json}"
            );
            let seen: IdDocument =
                serde_json::from_str(&format!(r#"{{"kind":"{}","has_photo":true}}"#, kind.code()))
                    .unwrap();
            assert_eq!(seen.kind(), kind, "recorded as seen, without a number");
        }
        let not_recorded: Vec<K> = K::ALL.into_iter().filter(|k| !k.records_number()).collect();
        assert_eq!(
            not_recorded,
            [
                K::Passport,
                K::ResidenceCard,
                K::SpecialPermanentResidentCertificate,
                K::MyNumberCard,
                K::QualificationCertificate,
            ]
        );
    }

    #[test]
    fn a_health_insurance_card_cannot_claim_a_photo() {
        assert_eq!(
            IdDocument::parse(IdDocumentKind::HealthInsuranceCard, true, "1234"),
            Err(IdDocumentError::PhotoContradictsKind {
                kind: IdDocumentKind::HealthInsuranceCard,
                has_photo_by_kind: false
            })
        );
        assert!(
            IdDocument::parse(IdDocumentKind::Other, true, "1234")
                .unwrap()
                .has_photo()
        );
        assert_eq!(
            IdDocument::parse(IdDocumentKind::DriversLicence, true, "12345"),
            Err(IdDocumentError::BadNumberSuffix)
        );
    }
}
