//! Domain values, each built once by `parse` with named errors, then trusted.

mod address;
mod birth;
mod code;
mod email;
mod fingerprint;
mod id_document;
mod id_requirement;
mod name;
mod phone;
mod pin_set;
mod postal;
mod procedure;
mod reference;
mod text;

pub use address::{
    Address, AddressError, AddressField, AddressProblems, MAX_FIRST_LINE_CHARS, MAX_REST_CHARS,
    PREFECTURES, RawAddress,
};
pub use birth::{DateOfBirth, DateOfBirthError};
pub use code::{CODE_LEN, VerificationCode, VerificationCodeError};
pub use email::{Email, EmailError};
pub use fingerprint::{CardFingerprint, CardFingerprintError};
pub use id_document::{IdDocument, IdDocumentError, IdDocumentKind, IdList};
pub use id_requirement::{IdCount, IdRequirement, IdRequirementError};
pub use name::{MAX_KANA_CHARS, MAX_NAME_CHARS, NameProblems, PersonName, PersonNameError};
pub use phone::{Phone, PhoneError};
pub use pin_set::{PinSet, PinSetError};
pub use postal::{PostalCode, PostalCodeError};
pub use procedure::Procedure;
pub use reference::{MAX_SEQUENCE, ReferenceNumber, ReferenceNumberError, reiwa_year};
