//! Password hashing (argon2id, OWASP parameters) and the password policy.
//!
//! Hashing and verification cost ~19 MiB and tens of milliseconds each, so they run on the
//! blocking thread pool, never on an async worker. A login for an unknown user still verifies
//! against a dummy hash, so the response time does not tell whether the account exists.

use std::sync::Arc;

use argon2::PasswordHasher as _;
use argon2::password_hash::SaltString;
use argon2::password_hash::rand_core::OsRng;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordVerifier, Version};

use crate::configuration::PasswordSettings;

/// Frequently used passwords of ten characters or more (from public breach top lists), compared
/// case-insensitively. Short ones are already refused by the length rule.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "0123456789",
    "0987654321",
    "1111111111",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "abcdefghij",
    "aaaaaaaaaa",
    "passwordpassword",
    "password12",
    "password123",
    "password1234",
    "password!",
    "qwertyuiop",
    "qwertyuiop123",
    "qwerty1234",
    "qwerty12345",
    "qwerty123456",
    "asdfghjkl;",
    "asdfghjkl1",
    "zxcvbnm123",
    "iloveyou123",
    "letmein123",
    "welcome123",
    "welcome2024",
    "welcome2025",
    "welcome2026",
    "administrator",
    "admin12345",
    "admin123456",
    "changeme123",
    "football123",
    "baseball123",
    "superman123",
    "starwars123",
    "sunshine123",
    "princess123",
    "trustno1234",
    "monkey12345",
    "dragon12345",
    "master12345",
    "michael123",
    "charlie123",
    "p@ssw0rd123",
    "p@ssword123",
    "passw0rd123",
    "iloveyou12",
    "1234qwerasdf",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WeakPassword {
    #[error("password must have at least {0} characters")]
    TooShort(usize),
    #[error("password is longer than {0} characters")]
    TooLong(usize),
    #[error("password is on the list of commonly used passwords")]
    Common,
    #[error("password must not contain the username")]
    ContainsUsername,
}

/// Longest password accepted: argon2 takes any length, but an unbounded one is a cheap DoS.
const MAX_PASSWORD_CHARS: usize = 256;

/// Checks a new password against the policy.
pub fn check_strength(
    password: &str,
    username: &str,
    min_length: usize,
) -> Result<(), WeakPassword> {
    let chars = password.chars().count();
    if chars < min_length {
        return Err(WeakPassword::TooShort(min_length));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(WeakPassword::TooLong(MAX_PASSWORD_CHARS));
    }
    let lowered = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&lowered.as_str()) {
        return Err(WeakPassword::Common);
    }
    if username.len() >= 3 && lowered.contains(&username.to_lowercase()) {
        return Err(WeakPassword::ContainsUsername);
    }
    Ok(())
}

/// Hashes and verifies passwords with fixed argon2id parameters.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password, verified against when the user does not exist.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(settings: &PasswordSettings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|error| anyhow::anyhow!("invalid argon2 parameters: {error}"))?;
        let mut hasher = PasswordHasher {
            params,
            dummy_hash: Arc::from(""),
        };
        let random_password = SaltString::generate(&mut OsRng);
        hasher.dummy_hash = Arc::from(hasher.hash_blocking(random_password.as_str())?);
        Ok(hasher)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    fn hash_blocking(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("argon2 hashing failed: {error}"))
    }

    fn verify_blocking(&self, password: &str, stored_hash: &str) -> bool {
        match PasswordHash::new(stored_hash) {
            Ok(parsed) => self
                .argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(error) => {
                tracing::error!(%error, "stored password hash is unreadable");
                false
            }
        }
    }

    /// Hashes on the blocking pool.
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let hasher = self.clone();
        tokio::task::spawn_blocking(move || hasher.hash_blocking(&password)).await?
    }

    /// Verifies on the blocking pool. `None` for `stored_hash` (unknown user) still does the
    /// full work against the dummy hash and returns `false`.
    pub async fn verify(
        &self,
        password: String,
        stored_hash: Option<String>,
    ) -> anyhow::Result<bool> {
        let hasher = self.clone();
        let verified = tokio::task::spawn_blocking(move || match stored_hash {
            Some(hash) => hasher.verify_blocking(&password, &hash),
            None => {
                hasher.verify_blocking(&password, &hasher.dummy_hash);
                false
            }
        })
        .await?;
        Ok(verified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_common_and_username_passwords_are_weak() {
        assert_eq!(
            check_strength("short", "alice", 10),
            Err(WeakPassword::TooShort(10))
        );
        assert_eq!(
            check_strength("Password123", "alice", 10),
            Err(WeakPassword::Common)
        );
        assert_eq!(
            check_strength("alice-is-great", "alice", 10),
            Err(WeakPassword::ContainsUsername)
        );
        assert!(check_strength("correct horse battery", "alice", 10).is_ok());
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let settings = PasswordSettings {
            min_length: 10,
            argon2_memory_kib: 19456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
        };
        let hasher = PasswordHasher::new(&settings).expect("hasher");
        let hash = hasher
            .hash("correct horse battery".into())
            .await
            .expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("wrong horse battery".into(), Some(hash))
                .await
                .unwrap()
        );
        assert!(!hasher.verify("anything at all".into(), None).await.unwrap());
    }
}
