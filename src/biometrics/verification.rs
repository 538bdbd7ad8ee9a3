//! Verification: score a sample against the profile's model and decide allow / challenge /
//! deny. Confident, good-quality genuine results may join the profile (drift adaptation).

use std::sync::Arc;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;
use crate::events::Sample;
use crate::features::quality::QualityReport;
use crate::scoring::model::ScoreBreakdown;
use crate::state::AppState;
use crate::store;
use crate::store::biometric_samples::{LABEL_GENUINE, SOURCE_ADAPTATION};
use crate::typingdna;

use super::bot_defence;
use super::enrollment::{check_sequence_against, store_genuine};
use super::extraction::extract;
use super::profile_key;
use super::training::required_samples;
use super::verification_log::VerificationRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Challenge,
    Deny,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Challenge => "challenge",
            Decision::Deny => "deny",
        }
    }
}

/// Where a verification came from; a step-up sample is never adapted into the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Verify,
    Login,
    StepUp,
}

impl Context {
    fn as_str(self) -> &'static str {
        match self {
            Context::Verify => "verify",
            Context::Login => "login",
            Context::StepUp => "step_up",
        }
    }
}

/// Each detector's normalised similarity (0 = typical of the user; higher = more genuine).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DetectorScores {
    pub manhattan: f64,
    pub knn: Option<f64>,
    pub svm: Option<f64>,
    /// TypingDNA's score (0..1) when it is on and gave a verdict on the sample's pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typingdna: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Verified {
    pub score: f64,
    pub decision: Decision,
    pub threshold: f64,
    pub detectors: DetectorScores,
    pub model_version: i32,
    pub quality: QualityReport,
    pub adapted: bool,
}

/// The mean of each detector over the sample's rows (touch samples have one row per stroke).
fn average(breakdowns: &[ScoreBreakdown]) -> (f64, DetectorScores) {
    let n = breakdowns.len().max(1) as f64;
    let mean_of = |values: Vec<f64>| {
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let score = breakdowns.iter().map(|b| b.score).sum::<f64>() / n;
    let detectors = DetectorScores {
        manhattan: breakdowns.iter().map(|b| b.manhattan).sum::<f64>() / n,
        knn: mean_of(breakdowns.iter().filter_map(|b| b.knn).collect()),
        svm: mean_of(breakdowns.iter().filter_map(|b| b.svm).collect()),
        typingdna: None,
    };
    (score, detectors)
}

pub fn decide(
    score: f64,
    threshold: f64,
    quality: f64,
    settings: &crate::configuration::BiometricSettings,
) -> Decision {
    if !score.is_finite() || score < settings.deny_below {
        Decision::Deny
    } else if score >= threshold && quality >= settings.min_enrollment_quality {
        Decision::Allow
    } else {
        Decision::Challenge
    }
}

/// The futures this awaits only now and then (a database read or write, TypingDNA's HTTP
/// exchange, a cache miss) are boxed where they are made: this future is part of every verify
/// request's, which is copied whole each time it is boxed (it was some 11 KB).
#[tracing::instrument(skip(state, sample))]
pub async fn verify(
    state: &Arc<AppState>,
    user_id: Uuid,
    sample: &Sample,
    context: Context,
) -> Result<Verified, ApiError> {
    let settings = &state.settings.biometrics;
    let extracted = extract(sample, user_id, settings)?;
    let key = profile_key(sample);
    let Some(loaded) = state.models.get(&state.db, user_id, &key).await? else {
        let enrolled = Box::pin(store::biometric_samples::count_for_profile(
            &state.db,
            user_id,
            &key,
            LABEL_GENUINE,
        ))
        .await?;
        let required = required_samples(&key, settings);
        let why = if enrolled >= required {
            "its model is being trained; retry in a moment".to_owned()
        } else {
            format!("{enrolled} of {required} enrolment samples")
        };
        return Err(ApiError::ProfileNotReady(format!(
            "profile {key} is not ready: {why}"
        )));
    };
    check_sequence_against(loaded.sequence_hash.as_deref(), &extracted)?;
    bot_defence::flag_scripted(state, user_id, &key, &extracted.quality, context.as_str()).await?;
    bot_defence::refuse_replay(
        state,
        user_id,
        &key,
        &extracted.keystrokes,
        context.as_str(),
    )
    .await?;

    let breakdowns = extracted
        .rows
        .iter()
        .map(|row| loaded.model.score(ndarray::ArrayView1::from(row)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| {
            ApiError::InvalidSample(format!("the sample does not fit the profile: {error}"))
        })?;
    let (mut score, mut detectors) = average(&breakdowns);
    let pattern = sample.typingdna_pattern.as_deref();
    if let Some(verdict) = typingdna::verify(state, user_id, pattern).await {
        let (theirs, weight) = typingdna::fusion_input(&verdict, state.settings.typingdna.weight);
        score = (1.0 - weight) * score + weight * theirs;
        detectors.typingdna = Some(theirs);
    }
    let threshold = loaded.model.threshold.value;
    let decision = decide(score, threshold, extracted.quality.score, settings);

    let adapt = settings.adapt
        && context != Context::StepUp
        && decision == Decision::Allow
        && score >= settings.adapt_min_score
        && extracted.quality.score >= settings.min_enrollment_quality;
    let mut sample_id = None;
    let mut adapted = false;
    if adapt && let Some(adapted_now) = loaded.take_adaptation_place(settings.max_adapted_samples) {
        let stored = Box::pin(store_genuine(
            state,
            user_id,
            &key,
            sample,
            &extracted,
            SOURCE_ADAPTATION,
        ))
        .await?;
        sample_id = Some(stored.id);
        adapted = true;
        if adapted_now.is_multiple_of(settings.retrain_every_adapted.max(1)) {
            state.training.request(state.clone(), user_id, key.clone());
        }
    }
    state
        .verifications
        .record(VerificationRow {
            user_id,
            profile_key: key,
            sample_id,
            score,
            decision: decision.as_str(),
            model_version: loaded.version,
            context: context.as_str(),
            created_at: Utc::now(),
        })
        .await;
    Ok(Verified {
        score,
        decision,
        threshold,
        detectors,
        model_version: loaded.version,
        quality: extracted.quality,
        adapted,
    })
}
