//! The caller's own account.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::extractor::AuthenticatedUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::store;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"user_id": "0b6f2a9e-8c53-4d5e-9a43-1f0c1e6c2f7a", "username": "alice", "email": "alice@example.com", "role": "user", "created_at": "2026-11-24T19:00:00Z"}))]
pub struct MeResponse {
    pub user_id: Uuid,
    pub username: String,
    pub email: Option<String>,
    /// `user` or `admin`.
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// Who am I?
#[utoipa::path(
    tag = "account",
    operation_id = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The authenticated account", body = MeResponse),
        (status = 401, description = "Missing, invalid, expired or revoked token", body = ErrorBody),
    )
)]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<web::Json<MeResponse>, ApiError> {
    let account = store::users::find_by_id(&state.db, user.user_id)
        .await?
        .ok_or(ApiError::Unauthorized("invalid or expired token"))?;
    Ok(web::Json(MeResponse {
        user_id: account.id,
        username: account.username,
        email: account.email,
        role: account.role,
        created_at: account.created_at,
    }))
}
