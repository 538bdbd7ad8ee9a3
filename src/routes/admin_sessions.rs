//! Admin view of live sessions: list the live and recent ones with their last score, and end
//! one (its socket closes within about a second, on whichever server holds it).

use actix_web::{HttpResponse, delete, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::accounts;
use crate::auth::client::ClientInfo;
use crate::auth::extractor::AdminUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::store;
use crate::store::live_sessions::LiveSession;

const DEFAULT_PAGE_SIZE: u64 = 50;
const MAX_PAGE_SIZE: u64 = 500;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"session_id": "6a1f0f0e-3f7c-4f0e-9a43-1f0c1e6c2f7a", "user_id": "0b6f2a9e-8c53-4d5e-9a43-1f0c1e6c2f7a", "profile_key": "keystroke/desktop/*", "status": "active", "created_at": "2026-11-24T19:00:00Z", "last_seen_at": "2026-11-24T19:05:00Z", "last_score": 0.83, "step_up_passed_at": null, "ended_at": null, "end_reason": null}))]
pub struct SessionSummary {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub profile_key: String,
    /// `active`, `challenged` or `ended`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// The latest fused score (0–1), if any window was scored.
    pub last_score: Option<f64>,
    pub step_up_passed_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
}

impl From<LiveSession> for SessionSummary {
    fn from(row: LiveSession) -> Self {
        SessionSummary {
            session_id: row.id,
            user_id: row.user_id,
            profile_key: row.profile_key,
            status: row.status,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            last_score: row.last_score,
            step_up_passed_at: row.step_up_passed_at,
            ended_at: row.ended_at,
            end_reason: row.end_reason,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SessionListQuery {
    /// Only sessions in this status (`active`, `challenged`, `ended`).
    pub status: Option<String>,
    /// Most sessions returned, 1–500 (default 50), newest first.
    pub limit: Option<u64>,
}

/// Live and recent sessions, newest first, with their last score.
#[utoipa::path(
    tag = "admin",
    operation_id = "list_sessions",
    security(("bearer" = [])),
    params(SessionListQuery),
    responses(
        (status = 200, description = "Sessions, newest first", body = Vec<SessionSummary>),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("/admin/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<SessionListQuery>,
) -> Result<web::Json<Vec<SessionSummary>>, ApiError> {
    let limit = match query.limit.unwrap_or(DEFAULT_PAGE_SIZE) {
        size @ 1..=MAX_PAGE_SIZE => size,
        _ => {
            return Err(ApiError::BadRequest(format!(
                "limit must be between 1 and {MAX_PAGE_SIZE}"
            )));
        }
    };
    let rows = store::live_sessions::recent(&state.db, query.status.as_deref(), limit).await?;
    Ok(web::Json(
        rows.into_iter().map(SessionSummary::from).collect(),
    ))
}

/// Ends a live session (`session_ended` security event naming the admin); its socket gets an
/// `ended` frame with `admin_ended` and closes within about a second.
#[utoipa::path(
    tag = "admin",
    operation_id = "end_session",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 409, description = "Already ended", body = ErrorBody),
    )
)]
#[delete("/admin/sessions/{id}")]
pub async fn end_session(
    state: web::Data<AppState>,
    admin: AdminUser,
    client: ClientInfo,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    accounts::end_session_by_admin(&state, admin.0.user_id, path.into_inner(), &client).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct ScorePoint {
    pub scored_at: DateTime<Utc>,
    /// The fused score (0–1).
    pub score: f64,
    /// `allow`, `challenge` or `deny`.
    pub decision: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"session_id": "5d0c7a52-94f4-4bd3-b8f7-0c8e4a8f3a61", "scores": [{"scored_at": "2026-11-24T19:00:02Z", "score": 0.81, "decision": "allow"}, {"scored_at": "2026-11-24T19:00:07Z", "score": 0.34, "decision": "challenge"}]}))]
pub struct SessionScores {
    pub session_id: Uuid,
    /// Sampled scores (at most one per `score_sample_every_ms`), oldest first.
    pub scores: Vec<ScorePoint>,
}

/// A session's sampled score history, oldest first.
#[utoipa::path(
    tag = "admin",
    operation_id = "session_scores",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The kept scores", body = SessionScores),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody,
         example = json!({"code": "not_found", "message": "no such session"})),
    )
)]
#[get("/admin/sessions/{id}/scores")]
pub async fn session_scores(
    state: web::Data<AppState>,
    _admin: AdminUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<SessionScores>, ApiError> {
    let session_id = path.into_inner();
    if store::live_sessions::find(&state.db, session_id)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound("no such session".into()));
    }
    let scores = store::session_scores::for_session(&state.db, session_id)
        .await?
        .into_iter()
        .map(|row| ScorePoint {
            scored_at: row.scored_at,
            score: row.score,
            decision: row.decision,
        })
        .collect();
    Ok(web::Json(SessionScores { session_id, scores }))
}
