//! The simulated card's user-authentication certificate: a real, self-signed
//! X.509 DER whose key is derived from a seed, so the same seed always yields
//! the same bytes (and so the same fingerprint in fixtures).
//!
//! Real JPKI certificates are RSA-2048 issued by J-LIS; Ed25519 keeps this
//! pure Rust and deterministic (Ed25519 signatures need no randomness).

use ed25519_dalek::Signer;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, DnValue, KeyIdMethod, KeyUsagePurpose,
    PublicKeyData, SerialNumber, SignatureAlgorithm, SigningKey, date_time_ymd,
};
use sha2::{Digest, Sha256};

/// Why a certificate could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not build the simulated certificate: {0}")]
pub struct CertificateError(String);

struct SeededKey {
    signing: ed25519_dalek::SigningKey,
    public: [u8; 32],
}

impl PublicKeyData for SeededKey {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ED25519
    }
}

impl SigningKey for SeededKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(self.signing.sign(msg).to_bytes().to_vec())
    }
}

fn derive(label: &str, seed: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(label.as_bytes());
    hasher.update([0]);
    hasher.update(seed.as_bytes());
    hasher.finalize().into()
}

/// A self-signed user-authentication certificate for the seed.
pub fn auth_certificate_der(seed: &str) -> Result<Vec<u8>, CertificateError> {
    let signing = ed25519_dalek::SigningKey::from_bytes(&derive("shokai sim auth key v1", seed));
    let public = signing.verifying_key().to_bytes();
    let key = SeededKey { signing, public };

    let mut serial = derive("shokai sim auth serial v1", seed)[..16].to_vec();
    // A positive INTEGER keeps its full 16 bytes.
    serial[0] &= 0x7F;
    let mut name = DistinguishedName::new();
    // RFC 5280 wants countryName as a PrintableString.
    let country = rcgen::string::PrintableString::try_from("JP")
        .map_err(|e| CertificateError(e.to_string()))?;
    name.push(DnType::CountryName, DnValue::PrintableString(country));
    name.push(DnType::OrganizationName, "shokai simulated JPKI");
    name.push(
        DnType::CommonName,
        format!("Simulated card {}", hex::encode_upper(&serial[..4])),
    );

    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params.not_before = date_time_ymd(2025, 1, 1);
    params.not_after = date_time_ymd(2030, 1, 1);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.key_identifier_method = KeyIdMethod::PreSpecified(Sha256::digest(public)[..20].to_vec());
    let cert = params
        .self_signed(&key)
        .map_err(|e| CertificateError(e.to_string()))?;
    Ok(cert.der().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_certificate() {
        let a = auth_certificate_der("card-a").unwrap();
        assert_eq!(a, auth_certificate_der("card-a").unwrap());
        assert_ne!(a, auth_certificate_der("card-b").unwrap());
    }

    #[test]
    fn the_certificate_is_a_der_sequence_longer_than_one_read() {
        let der = auth_certificate_der("card-a").unwrap();
        assert_eq!(der[0], 0x30);
        assert_eq!(der[1], 0x82, "two-byte long-form length");
        let declared = usize::from(u16::from_be_bytes([der[2], der[3]]));
        assert_eq!(declared + 4, der.len());
    }
}
