//! A user's biometric profiles: what is enrolled and trained, erasing everything, exporting
//! everything, and the admin's labelling and retraining.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::biometric_samples::{LABEL_GENUINE, LABEL_IMPOSTOR};
use crate::store::security_events::{EventType, NewSecurityEvent};

use super::training::required_samples;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileSummary {
    /// `modality/device/text_id` (`*` for no fixed text).
    pub profile_key: String,
    pub modality: String,
    pub device: String,
    pub text_id: Option<String>,
    /// Genuine samples (enrolled and adapted).
    pub samples: u64,
    /// Samples an admin labelled as an impostor's.
    pub impostor_samples: u64,
    pub required: u64,
    /// A model is trained and verification works.
    pub ready: bool,
    pub training: bool,
    pub model_version: Option<i32>,
    pub estimated_eer: Option<f64>,
    pub threshold: Option<f64>,
    pub trained_at: Option<DateTime<Utc>>,
}

pub async fn summaries(state: &AppState, user_id: Uuid) -> Result<Vec<ProfileSummary>, ApiError> {
    let samples = store::biometric_samples::for_user(&state.db, user_id).await?;
    let models = store::biometric_models::for_user(&state.db, user_id).await?;
    let mut profiles: BTreeMap<String, ProfileSummary> = BTreeMap::new();
    for sample in &samples {
        let entry = profiles
            .entry(sample.profile_key.clone())
            .or_insert_with(|| ProfileSummary {
                profile_key: sample.profile_key.clone(),
                modality: sample.modality.clone(),
                device: sample.device.clone(),
                text_id: sample.text_id.clone(),
                samples: 0,
                impostor_samples: 0,
                required: required_samples(&sample.profile_key, &state.settings.biometrics),
                ready: false,
                training: state.training.is_training(user_id, &sample.profile_key),
                model_version: None,
                estimated_eer: None,
                threshold: None,
                trained_at: None,
            });
        match sample.label.as_str() {
            LABEL_IMPOSTOR => entry.impostor_samples += 1,
            _ => entry.samples += 1,
        }
    }
    for model in models {
        if let Some(entry) = profiles.get_mut(&model.profile_key) {
            entry.ready = true;
            entry.model_version = Some(model.version);
            entry.estimated_eer = model.estimated_eer;
            entry.threshold = Some(model.threshold);
            entry.trained_at = Some(model.trained_at);
        }
    }
    Ok(profiles.into_values().collect())
}

/// Erases every sample, model and verification of the user. `actor_id` is the admin, if any.
pub async fn erase(
    state: &AppState,
    user_id: Uuid,
    actor_id: Option<Uuid>,
) -> Result<u64, ApiError> {
    // A verification queued just before must not land after the erase.
    state.verifications.flush().await;
    state.fingerprints.flush().await;
    let txn = store::begin_write(&state.db).await?;
    let samples = store::biometric_samples::delete_for_user(&txn, user_id).await?;
    let models = store::biometric_models::delete_for_user(&txn, user_id).await?;
    store::biometric_verifications::delete_for_user(&txn, user_id).await?;
    store::keystroke_fingerprints::delete_for_user(&txn, user_id).await?;
    store::security_events::record(
        &txn,
        NewSecurityEvent {
            event_type: EventType::BiometricsErased,
            user_id: Some(user_id),
            actor_id,
            client: None,
            details: json!({ "samples": samples, "models": models }),
        },
    )
    .await?;
    txn.commit().await?;
    state.models.forget_user(user_id);
    state.fingerprints.forget_user(user_id).await;
    Ok(samples)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedSample {
    pub sample_id: i64,
    pub profile_key: String,
    pub label: String,
    pub source: String,
    pub quality: f64,
    /// Server-extracted feature rows (no key codes are ever stored).
    pub features: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// A model's description. The model itself is not exported to its user: its SVM support
/// vectors and KNN rows include other users' (scaled) samples from the background
/// population. It can be rebuilt from the exported samples.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedModel {
    pub profile_key: String,
    pub version: i32,
    pub threshold: f64,
    pub estimated_eer: Option<f64>,
    pub genuine_count: i32,
    pub negative_count: i32,
    pub trained_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"user_id": "0b6f2a9e-8c53-4d5e-9a43-1f0c1e6c2f7a", "exported_at": "2026-11-24T19:00:00Z", "samples": [{"sample_id": 17, "profile_key": "keystroke/desktop/password", "label": "genuine", "source": "enrollment", "quality": 1.0, "features": {"hold": [92.5, 71.0], "down_down": [180.0]}, "created_at": "2026-11-24T19:00:00Z"}], "models": [{"profile_key": "keystroke/desktop/password", "version": 1, "threshold": 0.62, "estimated_eer": 0.08, "genuine_count": 5, "negative_count": 40, "trained_at": "2026-11-24T19:00:00Z"}]}))]
pub struct ProfileExport {
    pub user_id: Uuid,
    pub exported_at: DateTime<Utc>,
    pub samples: Vec<ExportedSample>,
    pub models: Vec<ExportedModel>,
}

pub async fn export(state: &AppState, user_id: Uuid) -> Result<ProfileExport, ApiError> {
    let samples = store::biometric_samples::for_user(&state.db, user_id).await?;
    let models = store::biometric_models::for_user(&state.db, user_id).await?;
    Ok(ProfileExport {
        user_id,
        exported_at: Utc::now(),
        samples: samples
            .into_iter()
            .map(|sample| ExportedSample {
                sample_id: sample.id,
                profile_key: sample.profile_key,
                label: sample.label,
                source: sample.source,
                quality: sample.quality,
                features: sample.features,
                created_at: sample.created_at,
            })
            .collect(),
        models: models
            .into_iter()
            .map(|model| ExportedModel {
                profile_key: model.profile_key,
                version: model.version,
                threshold: model.threshold,
                estimated_eer: model.estimated_eer,
                genuine_count: model.genuine_count,
                negative_count: model.negative_count,
                trained_at: model.trained_at,
            })
            .collect(),
    })
}

/// Labels a stored sample genuine or impostor and retrains its profile.
pub async fn label_sample(
    state: &Arc<AppState>,
    admin_id: Uuid,
    sample_id: i64,
    impostor: bool,
) -> Result<(), ApiError> {
    let sample = store::biometric_samples::find(&state.db, sample_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no sample with id {sample_id}")))?;
    let label = if impostor {
        LABEL_IMPOSTOR
    } else {
        LABEL_GENUINE
    };
    let txn = store::begin_write(&state.db).await?;
    store::biometric_samples::set_label(&txn, sample_id, label).await?;
    store::security_events::record(
        &txn,
        NewSecurityEvent {
            event_type: EventType::SampleLabelled,
            user_id: Some(sample.user_id),
            actor_id: Some(admin_id),
            client: None,
            details: json!({ "sample_id": sample_id, "label": label, "profile_key": sample.profile_key }),
        },
    )
    .await?;
    txn.commit().await?;
    state
        .training
        .request(state.clone(), sample.user_id, sample.profile_key);
    Ok(())
}

/// Queues retraining of every profile of the user; returns the profile keys queued.
pub async fn retrain_all(
    state: &Arc<AppState>,
    admin_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<String>, ApiError> {
    store::users::find_by_id(&state.db, user_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no user with id {user_id}")))?;
    let keys: Vec<String> = summaries(state, user_id)
        .await?
        .into_iter()
        .filter(|profile| profile.samples >= profile.required)
        .map(|profile| profile.profile_key)
        .collect();
    let audit = store::security_events::record(
        &state.db,
        NewSecurityEvent {
            event_type: EventType::ModelRetrain,
            user_id: Some(user_id),
            actor_id: Some(admin_id),
            client: None,
            details: json!({ "profiles": keys }),
        },
    );
    store::in_write_turn(&state.db, audit).await?;
    for key in &keys {
        state.training.request(state.clone(), user_id, key.clone());
    }
    Ok(keys)
}
