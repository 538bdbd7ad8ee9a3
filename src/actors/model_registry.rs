//! The model registry: scores live-session windows against the users' trained models.
//! Sessions extract their own windows' features (reading the window in place); the registry
//! holds the models and scores.
//!
//! One registry runs on each HTTP worker thread, beside the sessions it scores (started in
//! `startup::serve`'s app factory), so a score request and its answer stay on that thread and
//! scoring grows with the workers. All of them share the [`ModelCache`] with the REST handlers, so a
//! retrained model is seen at once ([`ModelCache::refresh_regularly`] also drops models that
//! another process retrained). It answers [`ScoreWindow`], sent by every
//! [`crate::actors::session::LiveSession`], with a [`ScoreResult`]: inside the handler when the
//! model is in memory, else as a future that loads it (which holds up no other score).

use std::sync::Arc;

use actix::prelude::*;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::biometrics::enrollment::check_sequence_against;
use crate::biometrics::extraction::Extracted;
use crate::biometrics::models::{LoadedModel, ModelCache};
use crate::biometrics::verification::{Decision, decide};
use crate::configuration::BiometricSettings;
use crate::error::ApiError;

/// Score one window of a session's events, already extracted by the session (which reads its
/// window in place), against the user's model of `profile_key`.
#[derive(Message)]
#[rtype(result = "Result<ScoreResult, ApiError>")]
pub struct ScoreWindow {
    pub user_id: Uuid,
    pub profile_key: String,
    pub extracted: Extracted,
}

/// The verdict on one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreResult {
    /// Fused score, 0..1 (mean over the window's rows).
    pub score: f64,
    /// The user's calibrated threshold.
    pub threshold: f64,
    pub decision: Decision,
    pub model_version: i32,
}

pub struct ModelRegistry {
    /// Where stored models are read from on a cache miss.
    db: DatabaseConnection,
    /// Trained models in memory, shared with the REST handlers.
    models: ModelCache,
    /// Extraction limits and the decision thresholds.
    settings: Arc<BiometricSettings>,
}

impl ModelRegistry {
    pub fn new(db: DatabaseConnection, models: ModelCache, settings: BiometricSettings) -> Self {
        ModelRegistry {
            db,
            models,
            settings: Arc::new(settings),
        }
    }
}

impl Actor for ModelRegistry {
    type Context = Context<Self>;
}

impl Handler<ScoreWindow> for ModelRegistry {
    type Result = ResponseActFuture<Self, Result<ScoreResult, ApiError>>;

    fn handle(&mut self, request: ScoreWindow, _: &mut Self::Context) -> Self::Result {
        if let Some(loaded) = self.models.cached(request.user_id, &request.profile_key) {
            return Box::pin(fut::ready(score(
                &loaded,
                &request.extracted,
                &self.settings,
            )));
        }
        let (db, models, settings) = (self.db.clone(), self.models.clone(), self.settings.clone());
        Box::pin(
            async move {
                let Some(loaded) = models
                    .get(&db, request.user_id, &request.profile_key)
                    .await?
                else {
                    return Err(ApiError::ProfileNotReady(format!(
                        "profile {} has no trained model yet",
                        request.profile_key
                    )));
                };
                score(&loaded, &request.extracted, &settings)
            }
            .into_actor(self),
        )
    }
}

/// Scores the extracted window against the profile's model.
fn score(
    loaded: &LoadedModel,
    extracted: &Extracted,
    settings: &BiometricSettings,
) -> Result<ScoreResult, ApiError> {
    let threshold = loaded.model.threshold.value;
    // A fixed text typed with another key sequence is not the account holder's entry: as in
    // REST verification it is never scored, and here it counts as a deny.
    if check_sequence_against(loaded.sequence_hash.as_deref(), extracted).is_err() {
        return Ok(ScoreResult {
            score: 0.0,
            threshold,
            decision: Decision::Deny,
            model_version: loaded.version,
        });
    }
    let mut total = 0.0;
    for row in &extracted.rows {
        let breakdown = loaded
            .model
            .score(ndarray::ArrayView1::from(row))
            .map_err(|error| {
                ApiError::InvalidSample(format!("the window does not fit the profile: {error}"))
            })?;
        total += breakdown.score;
    }
    let score = total / extracted.rows.len().max(1) as f64;
    Ok(ScoreResult {
        score,
        threshold,
        decision: decide(score, threshold, extracted.quality.score, settings),
        model_version: loaded.version,
    })
}
