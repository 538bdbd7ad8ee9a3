//! The model registry: scores live-session windows against the users' trained models.
//!
//! It owns a handle on the shared [`ModelCache`] (the same cache the REST handlers use, so a
//! retrained model is seen here at once) and answers [`ScoreWindow`], sent by every
//! [`crate::actors::session::LiveSession`], with a [`ScoreResult`]. Each request runs as its
//! own future, so a model loaded from the database never holds up other sessions' scores.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::biometrics::enrollment::check_sequence_against;
use crate::biometrics::extraction::extract;
use crate::biometrics::models::ModelCache;
use crate::biometrics::verification::{Decision, decide};
use crate::configuration::BiometricSettings;
use crate::error::ApiError;
use crate::events::Sample;

/// Score one window of a session's events against the user's model of `profile_key`.
#[derive(Message)]
#[rtype(result = "Result<ScoreResult, ApiError>")]
pub struct ScoreWindow {
    pub user_id: Uuid,
    pub profile_key: String,
    pub sample: Sample,
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

/// How often the registry looks for models retrained by other processes.
const REFRESH_INTERVAL: Duration = Duration::from_secs(1);
/// Look back this much further than the last look, for clock skew between processes.
const REFRESH_OVERLAP: chrono::Duration = chrono::Duration::seconds(5);

impl Actor for ModelRegistry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let mut since = Utc::now() - REFRESH_OVERLAP;
        ctx.run_interval(REFRESH_INTERVAL, move |actor, ctx| {
            let (db, models) = (actor.db.clone(), actor.models.clone());
            let looked_at = Utc::now();
            let from = since;
            since = looked_at - REFRESH_OVERLAP;
            ctx.spawn(
                async move {
                    if let Err(error) = models.refresh(&db, from).await {
                        tracing::warn!(%error, "cannot look for retrained models");
                    }
                }
                .into_actor(actor),
            );
        });
    }
}

impl Handler<ScoreWindow> for ModelRegistry {
    type Result = ResponseFuture<Result<ScoreResult, ApiError>>;

    fn handle(&mut self, request: ScoreWindow, _: &mut Self::Context) -> Self::Result {
        let db = self.db.clone();
        let models = self.models.clone();
        let settings = self.settings.clone();
        Box::pin(async move { score(&db, &models, &settings, request).await })
    }
}

#[tracing::instrument(name = "score_window", skip_all, fields(user_id = %request.user_id))]
async fn score(
    db: &DatabaseConnection,
    models: &ModelCache,
    settings: &BiometricSettings,
    request: ScoreWindow,
) -> Result<ScoreResult, ApiError> {
    let extracted = extract(&request.sample, request.user_id, settings)?;
    let Some(loaded) = models
        .get(db, request.user_id, &request.profile_key)
        .await?
    else {
        return Err(ApiError::ProfileNotReady(format!(
            "profile {} has no trained model yet",
            request.profile_key
        )));
    };
    let threshold = loaded.model.threshold.value;
    // A fixed text typed with another key sequence is not the account holder's entry: as in
    // REST verification it is never scored, and here it counts as a deny.
    if check_sequence_against(loaded.sequence_hash.as_deref(), &extracted).is_err() {
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
