//! Admin endpoints on biometric data: label a sample, retrain a user, erase a user's data.

use actix_web::{HttpResponse, delete, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::extractor::AdminUser;
use crate::biometrics::profile;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::store;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SampleLabel {
    Genuine,
    Impostor,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"label": "impostor"}))]
pub struct LabelRequest {
    pub label: SampleLabel,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"profiles": ["keystroke/desktop/password"]}))]
pub struct RetrainResponse {
    /// Profiles queued for training.
    pub profiles: Vec<String>,
}

/// Labels a stored sample as the account holder's or an impostor's; the profile retrains.
#[utoipa::path(
    tag = "admin",
    operation_id = "label_sample",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sample id")),
    request_body = LabelRequest,
    responses(
        (status = 204, description = "Labelled; retraining queued"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such sample", body = ErrorBody),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Unknown label", body = ErrorBody),
    )
)]
#[post("/admin/samples/{id}/label")]
pub async fn label_sample(
    state: web::Data<AppState>,
    admin: AdminUser,
    path: web::Path<i64>,
    body: web::Json<LabelRequest>,
) -> Result<HttpResponse, ApiError> {
    let impostor = matches!(body.label, SampleLabel::Impostor);
    profile::label_sample(
        &state.into_inner(),
        admin.0.user_id,
        path.into_inner(),
        impostor,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Retrains every ready profile of the user in the background.
#[utoipa::path(
    tag = "admin",
    operation_id = "retrain_user",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 202, description = "Retraining queued", body = RetrainResponse),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    )
)]
#[post("/admin/users/{id}/retrain")]
pub async fn retrain_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let profiles =
        profile::retrain_all(&state.into_inner(), admin.0.user_id, path.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(RetrainResponse { profiles }))
}

/// Erases every sample and model of the user.
#[utoipa::path(
    tag = "admin",
    operation_id = "delete_user_biometrics",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 204, description = "Erased"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    )
)]
#[delete("/admin/users/{id}/biometrics")]
pub async fn delete_user_biometrics(
    state: web::Data<AppState>,
    admin: AdminUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    store::users::find_by_id(&state.db, user_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no user with id {user_id}")))?;
    profile::erase(&state, user_id, Some(admin.0.user_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
