//! The two TypingDNA Authentication API calls we make, as documented
//! (<https://api.typingdna.com/docs>): HTTP Basic auth (apiKey:apiSecret), a form body with
//! `tp`, and a JSON answer with `status`, `message` and `message_code` (1 = done), plus
//! `result`, `score` and `high_confidence` on a verification.

use std::time::Duration;

use serde::Deserialize;

use super::settings::TypingDnaSettings;

/// `message_code` of a completed call.
const MESSAGE_CODE_DONE: i64 = 1;

/// TypingDNA's verdict on one pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// `result`: 1 = the pattern matches the saved ones.
    pub result: bool,
    /// `score` (0..100), returned on some subscriptions.
    pub score: Option<f64>,
    /// `high_confidence`: 1 = TypingDNA trusts its own `result`.
    pub high_confidence: bool,
    pub message_code: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum TypingDnaError {
    #[error("TypingDNA is unreachable: {0}")]
    Unreachable(String),
    #[error("TypingDNA refused the call: HTTP {status}, message_code {message_code:?}: {message}")]
    Refused {
        status: u16,
        message_code: Option<i64>,
        message: String,
    },
    #[error("TypingDNA's answer is unreadable: {0}")]
    Unreadable(String),
}

/// Every field any of the two answers (or an error answer) may carry.
#[derive(Debug, Deserialize)]
struct Answer {
    status: Option<u16>,
    #[serde(default)]
    message: String,
    message_code: Option<i64>,
    result: Option<i64>,
    score: Option<f64>,
    high_confidence: Option<i64>,
}

pub struct TypingDnaClient {
    http: awc::Client,
    base_url: String,
    api_key: String,
    api_secret: String,
}

impl TypingDnaClient {
    /// A client for the current arbiter (awc clients are not `Send`).
    pub fn new(settings: &TypingDnaSettings) -> Self {
        TypingDnaClient {
            http: awc::Client::builder()
                .timeout(Duration::from_millis(settings.timeout_ms))
                .finish(),
            base_url: settings.base_url.trim_end_matches('/').to_owned(),
            api_key: settings.api_key.clone(),
            api_secret: settings.api_secret.clone(),
        }
    }

    /// `POST /save/{id}`: enrols one pattern.
    #[tracing::instrument(name = "typingdna_save", skip_all)]
    pub async fn save(&self, id: &str, pattern: &str) -> Result<(), TypingDnaError> {
        let answer = self.post("save", id, pattern).await?;
        match answer.message_code {
            Some(MESSAGE_CODE_DONE) => Ok(()),
            code => Err(TypingDnaError::Refused {
                status: answer.status.unwrap_or(200),
                message_code: code,
                message: answer.message,
            }),
        }
    }

    /// `POST /verify/{id}`: `None` when TypingDNA gave no verdict (e.g. message_code 4 or 9:
    /// not enough saved patterns yet).
    #[tracing::instrument(name = "typingdna_verify", skip_all)]
    pub async fn verify(&self, id: &str, pattern: &str) -> Result<Option<Verdict>, TypingDnaError> {
        let answer = self.post("verify", id, pattern).await?;
        let (Some(MESSAGE_CODE_DONE), Some(result)) = (answer.message_code, answer.result) else {
            tracing::info!(
                message_code = ?answer.message_code,
                message = %answer.message,
                "TypingDNA returned no verdict"
            );
            return Ok(None);
        };
        Ok(Some(Verdict {
            result: result == 1,
            score: answer.score.filter(|score| score.is_finite()),
            high_confidence: answer.high_confidence == Some(1),
            message_code: MESSAGE_CODE_DONE,
        }))
    }

    async fn post(&self, action: &str, id: &str, pattern: &str) -> Result<Answer, TypingDnaError> {
        let url = format!("{}/{action}/{id}", self.base_url);
        let mut response = self
            .http
            .post(url)
            .basic_auth(&self.api_key, &self.api_secret)
            .send_form(&[("tp", pattern)])
            .await
            .map_err(|error| TypingDnaError::Unreachable(error.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .body()
            .limit(64 * 1024)
            .await
            .map_err(|error| TypingDnaError::Unreadable(error.to_string()))?;
        let answer: Option<Answer> = serde_json::from_slice(&body).ok();
        // Errors come as HTTP 4xx/5xx (including TypingDNA's own 444-462) with the same
        // envelope; its `status` field repeats the code.
        let reported = answer.as_ref().and_then(|a| a.status).unwrap_or(status);
        if !(200..300).contains(&status) || !(200..300).contains(&reported) {
            return Err(TypingDnaError::Refused {
                status,
                message_code: answer.as_ref().and_then(|a| a.message_code),
                message: answer.map(|a| a.message).unwrap_or_default(),
            });
        }
        answer.ok_or_else(|| TypingDnaError::Unreadable("not the documented JSON".into()))
    }
}
