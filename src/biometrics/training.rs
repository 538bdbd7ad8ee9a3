//! Training a profile's model off the request path: gather the user's genuine samples, their
//! impostor-labelled ones and a capped background of other users' samples of the same
//! profile, fit a `UserModel` on the blocking pool, store it with the next version, and swap
//! it into the cache. A queue makes sure one profile never trains twice at once; a request
//! that arrives during training runs once more afterwards, on the newer data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use ndarray::Array2;
use uuid::Uuid;

use crate::error::ApiError;
use crate::scoring::config::ModelConfig;
use crate::scoring::model::UserModel;
use crate::scoring::threshold::ThresholdSource;
use crate::state::AppState;
use crate::store;
use crate::store::biometric_models::NewModel;
use crate::store::biometric_samples::{LABEL_GENUINE, LABEL_IMPOSTOR, StoredSample};

use super::models::LoadedModel;

/// Enrolment samples a profile needs before it gets a model.
pub fn required_samples(
    profile_key: &str,
    settings: &crate::configuration::BiometricSettings,
) -> u64 {
    if profile_key.starts_with("keystroke/") && !profile_key.ends_with("/*") {
        settings.min_enrollments
    } else {
        settings.min_enrollments_other
    }
}

/// The detector configuration measured best for the profile's kind of data (see
/// `behavioral-auth evaluate`): fixed text and free text have presets; touch and motion
/// features are not timings, so they get no log transform and no recency window.
pub fn model_config(profile_key: &str) -> ModelConfig {
    if profile_key.starts_with("keystroke/") {
        if profile_key.ends_with("/*") {
            ModelConfig::free_text()
        } else {
            ModelConfig::fixed_text()
        }
    } else {
        ModelConfig::strokes()
    }
}

/// Feature rows of stored samples (a touch sample holds several strokes).
pub fn rows_of(samples: &[StoredSample]) -> Vec<Vec<f64>> {
    samples
        .iter()
        .filter_map(|sample| serde_json::from_value::<Vec<Vec<f64>>>(sample.features.clone()).ok())
        .flatten()
        .collect()
}

fn matrix(rows: &[Vec<f64>], columns: usize) -> Result<Array2<f64>, ApiError> {
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    Array2::from_shape_vec((rows.len(), columns), flat).map_err(|error| {
        ApiError::internal(anyhow::anyhow!(
            "feature rows do not form a matrix: {error}"
        ))
    })
}

/// Trains and stores the profile's model now. `None` when it has too few samples.
#[tracing::instrument(skip(state))]
pub async fn train_profile(
    state: &AppState,
    user_id: Uuid,
    profile_key: &str,
) -> Result<Option<Arc<LoadedModel>>, ApiError> {
    let settings = &state.settings.biometrics;
    let genuine_samples =
        store::biometric_samples::for_profile(&state.db, user_id, profile_key, LABEL_GENUINE)
            .await?;
    if (genuine_samples.len() as u64) < required_samples(profile_key, settings) {
        return Ok(None);
    }
    let genuine = rows_of(&genuine_samples);
    let Some(columns) = genuine.first().map(Vec::len) else {
        return Ok(None);
    };
    let impostor_samples =
        store::biometric_samples::for_profile(&state.db, user_id, profile_key, LABEL_IMPOSTOR)
            .await?;
    let background_samples = store::biometric_samples::background(
        &state.db,
        user_id,
        profile_key,
        settings.max_background,
    )
    .await?;
    let negatives: Vec<Vec<f64>> = rows_of(&impostor_samples)
        .into_iter()
        .chain(rows_of(&background_samples))
        .filter(|row| row.len() == columns)
        .collect();
    let genuine: Vec<Vec<f64>> = genuine
        .into_iter()
        .filter(|row| row.len() == columns)
        .collect();
    let genuine_matrix = matrix(&genuine, columns)?;
    let negative_matrix = matrix(&negatives, columns)?;

    let started = std::time::Instant::now();
    let mut config = model_config(profile_key);
    config.default_threshold = settings.default_threshold;
    config.target_false_reject_rate =
        (settings.target_false_reject_rate > 0.0).then_some(settings.target_false_reject_rate);
    let model = tokio::task::spawn_blocking(move || {
        UserModel::train(&genuine_matrix, &negative_matrix, &config)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|error| {
        ApiError::internal(anyhow::anyhow!("training {profile_key} failed: {error}"))
    })?;

    let previous = store::biometric_models::find(&state.db, user_id, profile_key).await?;
    let version = previous.map_or(1, |stored| stored.version + 1);
    let estimated_eer = match model.threshold.source {
        ThresholdSource::EstimatedEer { eer } => Some(eer),
        _ => None,
    };
    let stored_model = serde_json::to_value(&model).map_err(ApiError::internal)?;
    // In this process's write turn, so that on SQLite it goes ahead of the background writers
    // rather than polling for the lock between their batches (store::in_write_turn).
    let upsert = store::biometric_models::upsert(
        &state.db,
        NewModel {
            user_id,
            profile_key: profile_key.to_owned(),
            version,
            model: stored_model,
            genuine_count: i32::try_from(genuine.len()).unwrap_or(i32::MAX),
            negative_count: i32::try_from(negatives.len()).unwrap_or(i32::MAX),
            estimated_eer,
            threshold: model.threshold.value,
            trained_at: Utc::now(),
        },
    );
    store::in_write_turn(&state.db, upsert).await?;
    tracing::info!(
        %user_id, profile_key, version,
        genuine = genuine.len(), negatives = negatives.len(),
        millis = started.elapsed().as_millis() as u64,
        "model trained"
    );
    let loaded = LoadedModel::read_profile(&state.db, user_id, profile_key, model, version).await?;
    Ok(Some(state.models.put(user_id, profile_key, loaded).await))
}

/// Profiles waiting for or in training; `true` means "train again when this run ends".
#[derive(Clone, Default)]
pub struct TrainingQueue {
    in_flight: Arc<Mutex<HashMap<(Uuid, String), bool>>>,
}

impl TrainingQueue {
    /// Schedules training of the profile in the background.
    pub fn request(&self, state: Arc<AppState>, user_id: Uuid, profile_key: String) {
        let key = (user_id, profile_key);
        {
            let Ok(mut in_flight) = self.in_flight.lock() else {
                return;
            };
            if let Some(again) = in_flight.get_mut(&key) {
                *again = true;
                return;
            }
            in_flight.insert(key.clone(), false);
        }
        let queue = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = train_profile(&state, key.0, &key.1).await {
                    tracing::error!(user_id = %key.0, profile_key = %key.1, error = ?error, "background training failed");
                }
                let Ok(mut in_flight) = queue.in_flight.lock() else {
                    return;
                };
                match in_flight.get_mut(&key) {
                    Some(again) if *again => *again = false,
                    _ => {
                        in_flight.remove(&key);
                        return;
                    }
                }
            }
        });
    }

    /// Whether the profile is being trained right now.
    pub fn is_training(&self, user_id: Uuid, profile_key: &str) -> bool {
        self.in_flight
            .lock()
            .map(|in_flight| in_flight.contains_key(&(user_id, profile_key.to_owned())))
            .unwrap_or(false)
    }
}
