//! The `[typingdna]` configuration section.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which kind of recorder pattern the deployment sends (the same for save and verify).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PatternType {
    /// Same-text patterns (`getTypingPattern({type: 1})` or `{type: 2}`), e.g. the password.
    Diagram,
    /// Any-text patterns (`getTypingPattern({type: 0})`), for long free text.
    Anytext,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TypingDnaSettings {
    /// The account's apiKey; empty = TypingDNA off.
    pub api_key: String,
    /// The apiSecret: from `APP__TYPINGDNA__API_SECRET` only; empty = TypingDNA off.
    #[serde(default)]
    pub api_secret: String,
    /// `https://api.typingdna.com` (or a regional server, or a test stand-in).
    pub base_url: String,
    /// Salt of the hash that names our users to TypingDNA.
    pub id_salt: String,
    /// TypingDNA's share of the fused score (0..1).
    pub weight: f64,
    pub pattern_type: PatternType,
    /// Longest wait for one TypingDNA call.
    pub timeout_ms: u64,
}

impl TypingDnaSettings {
    pub fn enabled(&self) -> bool {
        !self.api_key.is_empty() && !self.api_secret.is_empty()
    }

    /// Refuses a weight outside 0..1, a base URL that is not http(s), and an unsalted id.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.weight) {
            return Err(format!(
                "typingdna.weight {} is not within 0..1",
                self.weight
            ));
        }
        if !self.enabled() {
            return Ok(());
        }
        if !(self.base_url.starts_with("https://") || self.base_url.starts_with("http://")) {
            return Err("typingdna.base_url must be an http(s) URL".into());
        }
        if self.id_salt.len() < 16 {
            return Err("typingdna.id_salt must be at least 16 bytes when TypingDNA is on".into());
        }
        Ok(())
    }
}
