//! Enrolment: validate and extract a sample, refuse poor or mismatched ones, store it, and
//! start training once the profile has enough samples.

use std::sync::Arc;

use serde_json::json;
use uuid::Uuid;

use crate::error::ApiError;
use crate::events::Sample;
use crate::features::fixed_text::check_sequence;
use crate::features::quality::QualityReport;
use crate::state::AppState;
use crate::store;
use crate::store::biometric_samples::{LABEL_GENUINE, NewSample, StoredSample};

use super::bot_defence;
use super::extraction::{Extracted, extract};
use super::training::required_samples;
use super::{device_name, modality_name, profile_key};

#[derive(Debug)]
pub struct Enrolled {
    pub sample_id: i64,
    pub profile_key: String,
    pub quality: QualityReport,
    pub enrolled: u64,
    pub required: u64,
    /// Enough samples: a model is trained (or being trained) for the profile.
    pub ready: bool,
}

/// Refuses a fixed-text sample whose key sequence differs from the profile's enrolled one.
pub async fn check_enrolled_sequence(
    state: &AppState,
    user_id: Uuid,
    profile_key: &str,
    extracted: &Extracted,
) -> Result<(), ApiError> {
    if extracted.sequence_hash.is_none() {
        return Ok(());
    }
    let enrolled =
        store::biometric_samples::enrolled_sequence_hash(&state.db, user_id, profile_key).await?;
    check_sequence_against(enrolled.as_deref(), extracted)
}

/// [`check_enrolled_sequence`] with the enrolled hash at hand (a loaded model carries it).
pub fn check_sequence_against(
    enrolled: Option<&str>,
    extracted: &Extracted,
) -> Result<(), ApiError> {
    match (enrolled, extracted.sequence_hash.as_deref()) {
        (Some(enrolled_hash), Some(candidate)) => {
            check_sequence(enrolled_hash, candidate).map_err(|_| {
                ApiError::SequenceMismatch(
                    "the typed key sequence does not match the enrolled text for this text_id"
                        .into(),
                )
            })
        }
        _ => Ok(()),
    }
}

/// Stores an extracted sample as the account holder's; `source` is `enrollment` or
/// `adaptation`. In this process's write turn, so that on SQLite it goes ahead of the
/// background writers ([`store::in_write_turn`]): a verify that adapts its sample waits for it.
pub async fn store_genuine(
    state: &AppState,
    user_id: Uuid,
    profile_key: &str,
    sample: &Sample,
    extracted: &Extracted,
    source: &'static str,
) -> Result<StoredSample, ApiError> {
    let insert = store::biometric_samples::insert(
        &state.db,
        NewSample {
            user_id,
            profile_key: profile_key.to_owned(),
            modality: modality_name(sample.modality),
            device: device_name(sample.device),
            text_id: sample.text_id.clone(),
            sequence_hash: extracted.sequence_hash.clone(),
            features: json!(extracted.rows),
            quality: extracted.quality.score,
            label: LABEL_GENUINE,
            source,
        },
    );
    Ok(store::in_write_turn(&state.db, insert).await?)
}

#[tracing::instrument(skip(state, sample), fields(profile_key))]
pub async fn enroll(
    state: &Arc<AppState>,
    user_id: Uuid,
    sample: &Sample,
) -> Result<Enrolled, ApiError> {
    let settings = &state.settings.biometrics;
    let extracted = extract(sample, user_id, settings)?;
    let key = profile_key(sample);
    tracing::Span::current().record("profile_key", key.as_str());
    bot_defence::flag_scripted(state, user_id, &key, &extracted.quality, "enroll").await?;
    if extracted.quality.score < settings.min_enrollment_quality {
        let reasons: Vec<String> = extracted
            .quality
            .issues
            .iter()
            .map(ToString::to_string)
            .collect();
        return Err(ApiError::InvalidSample(format!(
            "sample quality {:.2} is below {:.2}: {}",
            extracted.quality.score,
            settings.min_enrollment_quality,
            reasons.join("; ")
        )));
    }
    check_enrolled_sequence(state, user_id, &key, &extracted).await?;
    bot_defence::refuse_replay(state, user_id, &key, &extracted.keystrokes, "enroll").await?;

    let stored = store_genuine(state, user_id, &key, sample, &extracted, "enrollment").await?;
    crate::typingdna::save(state, user_id, sample.typingdna_pattern.as_deref()).await;
    let enrolled =
        store::biometric_samples::count_for_profile(&state.db, user_id, &key, LABEL_GENUINE)
            .await?;
    let required = required_samples(&key, settings);
    let ready = enrolled >= required;
    if ready {
        state.training.request(state.clone(), user_id, key.clone());
    }
    Ok(Enrolled {
        sample_id: stored.id,
        profile_key: key,
        quality: extracted.quality,
        enrolled,
        required,
        ready,
    })
}
