//! An e-mail address for telling a proxy that the letter has been mailed.

use serde::{Deserialize, Serialize};

use super::text::{is_control, trim};

/// Why an e-mail address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Not `local@domain.tld` with no spaces, at most 254 characters.
    #[error("not an e-mail address")]
    Malformed,
}

/// An e-mail address, checked for shape only (delivery proves the rest).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses an address.
    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let s = trim(input);
        let ok = s.len() <= 254
            && !s.chars().any(|c| is_control(c) || c.is_whitespace())
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            });
        if ok {
            Ok(Email(s.to_owned()))
        } else {
            Err(EmailError::Malformed)
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_addresses_pass_and_shapeless_ones_do_not() {
        assert!(Email::parse("proxy@example.jp").is_ok());
        for bad in [
            "proxy",
            "@example.jp",
            "a@b",
            "a b@example.jp",
            "a@@example.jp",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Malformed), "{bad}");
        }
    }
}
