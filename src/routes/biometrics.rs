//! Enrol and verify samples; see, export and erase one's own profile.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::extractor::AuthenticatedUser;
use crate::biometrics::enrollment;
use crate::biometrics::profile::{self, ProfileExport, ProfileSummary};
use crate::biometrics::verification::{self, Context, Decision, DetectorScores, Verified};
use crate::error::{ApiError, ErrorBody};
use crate::events::Sample;
use crate::features::quality::QualityReport;
use crate::routes::sample_body::SampleBody;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct QualityView {
    /// 0..1; 1 means nothing wrong was found.
    pub score: f64,
    /// What lowered the score, in words.
    pub reasons: Vec<String>,
}

impl From<&QualityReport> for QualityView {
    fn from(report: &QualityReport) -> Self {
        QualityView {
            score: report.score,
            reasons: report.issues.iter().map(ToString::to_string).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"sample_id": 17, "profile_key": "keystroke/desktop/password", "quality": {"score": 1.0, "reasons": []}, "enrolled": 3, "required": 5, "ready": false}))]
pub struct EnrollmentResponse {
    pub sample_id: i64,
    pub profile_key: String,
    pub quality: QualityView,
    /// Genuine samples in the profile now.
    pub enrolled: u64,
    pub required: u64,
    /// Enough samples: the model is trained or being trained (see `GET /biometrics/profile`).
    pub ready: bool,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"score": 0.91, "decision": "allow", "threshold": 0.62, "detectors": {"manhattan": 0.4, "knn": null, "svm": 0.7}, "model_version": 2, "quality": {"score": 1.0, "reasons": []}}))]
pub struct VerifyResponse {
    /// Fused score, 0..1, higher = more like the account holder.
    pub score: f64,
    pub decision: Decision,
    /// The user's calibrated threshold: `allow` needs `score >= threshold`.
    pub threshold: f64,
    pub detectors: DetectorScores,
    pub model_version: i32,
    pub quality: QualityView,
}

impl From<Verified> for VerifyResponse {
    fn from(verified: Verified) -> Self {
        VerifyResponse {
            score: verified.score,
            decision: verified.decision,
            threshold: verified.threshold,
            quality: QualityView::from(&verified.quality),
            detectors: verified.detectors,
            model_version: verified.model_version,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"profiles": [{"profile_key": "keystroke/desktop/password", "modality": "keystroke", "device": "desktop", "text_id": "password", "samples": 5, "impostor_samples": 0, "required": 5, "ready": true, "training": false, "model_version": 1, "estimated_eer": 0.08}]}))]
pub struct ProfileResponse {
    pub profiles: Vec<ProfileSummary>,
}

/// Adds a sample of the caller's typing, touch or motion to their profile. The server
/// extracts the features; a fixed-text sample (`text_id` set) must repeat the key sequence of
/// the profile's earlier samples.
#[utoipa::path(
    tag = "biometrics",
    operation_id = "enroll",
    security(("bearer" = [])),
    request_body = Sample,
    responses(
        (status = 201, description = "Sample enrolled", body = EnrollmentResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 413, description = "Sample too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Invalid or poor sample, or a key sequence other than the enrolled one", body = ErrorBody),
    )
)]
#[post("/enrollments")]
pub async fn enroll(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    SampleBody(sample): SampleBody,
) -> Result<HttpResponse, ApiError> {
    let state = state.into_inner();
    let enrolled = enrollment::enroll(&state, user.user_id, &sample).await?;
    Ok(HttpResponse::Created().json(EnrollmentResponse {
        sample_id: enrolled.sample_id,
        profile_key: enrolled.profile_key,
        quality: QualityView::from(&enrolled.quality),
        enrolled: enrolled.enrolled,
        required: enrolled.required,
        ready: enrolled.ready,
    }))
}

/// Scores a sample against the caller's profile.
#[utoipa::path(
    tag = "biometrics",
    operation_id = "verify",
    security(("bearer" = [])),
    request_body = Sample,
    responses(
        (status = 200, description = "Scored", body = VerifyResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 409, description = "The profile has no model yet (code `profile_not_ready`)", body = ErrorBody),
        (status = 413, description = "Sample too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Invalid sample or another key sequence", body = ErrorBody),
    )
)]
#[post("/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    SampleBody(sample): SampleBody,
) -> Result<web::Json<VerifyResponse>, ApiError> {
    let state = state.into_inner();
    let verified = verification::verify(&state, user.user_id, &sample, Context::Verify).await?;
    Ok(web::Json(verified.into()))
}

/// The caller's profiles: samples, readiness, model version, estimated EER.
#[utoipa::path(
    tag = "biometrics",
    operation_id = "get_profile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Profiles", body = ProfileResponse),
        (status = 401, description = "Not authenticated", body = ErrorBody),
    )
)]
#[get("/profile")]
pub async fn get_profile(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<web::Json<ProfileResponse>, ApiError> {
    Ok(web::Json(ProfileResponse {
        profiles: profile::summaries(&state, user.user_id).await?,
    }))
}

/// Erases every sample and model of the caller.
#[utoipa::path(
    tag = "biometrics",
    operation_id = "delete_profile",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Erased"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
    )
)]
#[delete("/profile")]
pub async fn delete_profile(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    profile::erase(&state, user.user_id, None).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Everything stored about the caller's behaviour, as JSON.
#[utoipa::path(
    tag = "biometrics",
    operation_id = "export_profile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Samples and models", body = ProfileExport),
        (status = 401, description = "Not authenticated", body = ErrorBody),
    )
)]
#[get("/profile/export")]
pub async fn export_profile(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<web::Json<ProfileExport>, ApiError> {
    Ok(web::Json(profile::export(&state, user.user_id).await?))
}
