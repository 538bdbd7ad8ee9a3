//! TypingDNA as an optional extra detector (off unless `typingdna.api_key` and
//! `APP__TYPINGDNA__API_SECRET` are both set).
//!
//! A sample may carry `typingdna_pattern`, the string TypingDNA's browser recorder produced
//! for the same typing. Enrolment saves it (`POST {base_url}/save/{id}`), verification checks
//! it (`POST {base_url}/verify/{id}`) and fuses TypingDNA's score with ours:
//! `fused = (1 - w) * ours + w * theirs`, where `theirs` is `score / 100` (or `result` when no
//! score is returned) and `w` is `typingdna.weight`, halved when TypingDNA reports
//! `high_confidence = 0`. TypingDNA never decides alone and never fails a request: when it is
//! off, unreachable, answers an error or has no verdict yet (fewer saved patterns than it
//! needs), our own score stands and the reason is logged.
//!
//! `{id}` is `hex(SHA-256(id_salt ‖ our user id))` (64 characters, inside TypingDNA's 6-256):
//! neither the username nor the raw user id ever leaves the server. Only patterns of the
//! configured `pattern_type` are sent, so one id never mixes pattern types (TypingDNA refuses
//! that).

pub mod client;
pub mod settings;

use std::sync::Arc;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::state::AppState;

pub use client::{TypingDnaClient, TypingDnaError, Verdict};
pub use settings::{PatternType, TypingDnaSettings};

/// The id TypingDNA knows the user by: a salted hash of our user id, never the username.
pub fn anonymous_id(salt: &str, user_id: Uuid) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(user_id.as_bytes());
    format!("{:x}", hasher.finalize())
}

/// The kind of a recorder pattern: diagram patterns (same text, types 1 and 2 of the recorder)
/// are `|`-separated per-key blocks; any-text patterns (type 0) are one comma list.
pub fn pattern_type(pattern: &str) -> PatternType {
    if pattern.contains('|') {
        PatternType::Diagram
    } else {
        PatternType::Anytext
    }
}

/// TypingDNA's score on our 0..1 scale, and the weight it gets in the fusion.
pub fn fusion_input(verdict: &Verdict, weight: f64) -> (f64, f64) {
    let theirs = match verdict.score {
        Some(score) => (score / 100.0).clamp(0.0, 1.0),
        None => f64::from(u8::from(verdict.result)),
    };
    let weight = if verdict.high_confidence {
        weight
    } else {
        weight / 2.0
    };
    (theirs, weight.clamp(0.0, 1.0))
}

/// The pattern to send, when TypingDNA is on and the sample carries one of the right type.
fn usable_pattern<'a>(state: &AppState, pattern: Option<&'a str>) -> Option<&'a str> {
    let settings = &state.settings.typingdna;
    let pattern = pattern.filter(|p| !p.is_empty())?;
    if !settings.enabled() {
        return None;
    }
    if pattern_type(pattern) != settings.pattern_type {
        tracing::warn!(
            expected = ?settings.pattern_type,
            "TypingDNA pattern of another type ignored (one id must not mix pattern types)"
        );
        return None;
    }
    Some(pattern)
}

/// Saves the enrolment sample's pattern; failures are logged, never returned.
pub async fn save(state: &Arc<AppState>, user_id: Uuid, pattern: Option<&str>) {
    let Some(pattern) = usable_pattern(state, pattern) else {
        return;
    };
    let settings = &state.settings.typingdna;
    let client = TypingDnaClient::new(settings);
    let id = anonymous_id(&settings.id_salt, user_id);
    if let Err(error) = client.save(&id, pattern).await {
        tracing::warn!(%user_id, %error, "TypingDNA save failed; enrolment continues without it");
    }
}

/// TypingDNA's verdict on the pattern, or `None` (off, no pattern, error, no verdict yet).
pub async fn verify(
    state: &Arc<AppState>,
    user_id: Uuid,
    pattern: Option<&str>,
) -> Option<Verdict> {
    let pattern = usable_pattern(state, pattern)?;
    let settings = &state.settings.typingdna;
    let client = TypingDnaClient::new(settings);
    let id = anonymous_id(&settings.id_salt, user_id);
    // Boxed: an HTTP exchange's future is kilobytes, and inline it would sit in every
    // verification's future, on or off.
    match Box::pin(client.verify(&id, pattern)).await {
        Ok(Some(verdict)) => Some(verdict),
        Ok(None) => {
            tracing::info!(%user_id, "TypingDNA has no verdict yet (not enough saved patterns)");
            None
        }
        Err(error) => {
            tracing::warn!(%user_id, %error, "TypingDNA verify failed; our score decides alone");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_anonymous_id_is_a_salted_hash_of_the_user_id() {
        let user = Uuid::from_u128(42);
        let id = anonymous_id("salt", user);
        assert_eq!(id.len(), 64);
        assert_ne!(id, anonymous_id("other salt", user));
        assert!(!id.contains(&user.to_string()));
    }

    #[test]
    fn patterns_are_typed_by_their_shape() {
        assert_eq!(
            pattern_type("0,3.2,0,0,6|1968,98|61,49"),
            PatternType::Diagram
        );
        assert_eq!(pattern_type("120,95,0.3,44,1"), PatternType::Anytext);
    }

    #[test]
    fn a_low_confidence_verdict_weighs_half() {
        let verdict = Verdict {
            result: true,
            score: Some(80.0),
            high_confidence: false,
            message_code: 1,
        };
        assert_eq!(fusion_input(&verdict, 0.4), (0.8, 0.2));
        let no_score = Verdict {
            score: None,
            high_confidence: true,
            ..verdict
        };
        assert_eq!(fusion_input(&no_score, 0.4), (1.0, 0.4));
    }
}
