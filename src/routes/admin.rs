//! Admin endpoints: users with their lock status, unlocking, and the security-event trail.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::accounts;
use crate::auth::client::ClientInfo;
use crate::auth::extractor::AdminUser;
use crate::biometrics::training::required_samples;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::store;
use crate::store::security_events::{EventFilter, EventType, SecurityEvent};
use crate::store::users::User;

const DEFAULT_PAGE_SIZE: u64 = 50;
const MAX_PAGE_SIZE: u64 = 500;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"user_id": "0b6f2a9e-8c53-4d5e-9a43-1f0c1e6c2f7a", "username": "alice", "email": "alice@example.com", "role": "user", "created_at": "2026-11-24T19:00:00Z", "locked": false, "locked_until": null, "permanently_locked": false, "failure_count": 0, "temporary_lockouts": 0}))]
pub struct UserSummary {
    pub user_id: Uuid,
    pub username: String,
    pub email: Option<String>,
    pub role: String,
    pub created_at: DateTime<Utc>,
    /// Whether a login would be refused right now because of a lock.
    pub locked: bool,
    /// End of the current temporary lock, if any.
    pub locked_until: Option<DateTime<Utc>>,
    pub permanently_locked: bool,
    /// Consecutive password failures counted towards the next lock.
    pub failure_count: i32,
    /// Temporary lockouts since the counters were last reset.
    pub temporary_lockouts: i32,
    /// The user's biometric profiles: enrolment progress, readiness, estimated EER.
    pub profiles: Vec<ProfileStatus>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"profile_key": "keystroke/desktop/passphrase", "samples": 5, "required": 5, "ready": true, "estimated_eer": 0.07}))]
pub struct ProfileStatus {
    pub profile_key: String,
    /// Genuine samples kept (enrolled and adapted).
    pub samples: u64,
    /// Enrolment samples needed before a model is trained.
    pub required: u64,
    /// Whether a trained model scores this profile.
    pub ready: bool,
    /// The model's equal error rate estimated at training, if it could be.
    pub estimated_eer: Option<f64>,
}

/// Every user of `users` with their profiles (two queries for the whole page).
pub(crate) async fn user_summaries(
    state: &AppState,
    users: Vec<User>,
) -> Result<Vec<UserSummary>, ApiError> {
    let ids: Vec<Uuid> = users.iter().map(|user| user.id).collect();
    let mut profiles: BTreeMap<(Uuid, String), ProfileStatus> = BTreeMap::new();
    for (user_id, key, samples) in
        store::stats::genuine_sample_counts(&state.db, ids.clone()).await?
    {
        profiles.insert(
            (user_id, key.clone()),
            ProfileStatus {
                required: required_samples(&key, &state.settings.biometrics),
                profile_key: key,
                samples: u64::try_from(samples).unwrap_or(0),
                ready: false,
                estimated_eer: None,
            },
        );
    }
    for (user_id, key, estimated_eer) in store::stats::model_summaries(&state.db, ids).await? {
        if let Some(profile) = profiles.get_mut(&(user_id, key)) {
            profile.ready = true;
            profile.estimated_eer = estimated_eer;
        }
    }
    let mut by_user: HashMap<Uuid, Vec<ProfileStatus>> = HashMap::new();
    for ((user_id, _), profile) in profiles {
        by_user.entry(user_id).or_default().push(profile);
    }
    let now = Utc::now();
    Ok(users
        .into_iter()
        .map(|user| {
            let profiles = by_user.remove(&user.id).unwrap_or_default();
            UserSummary::from_user(user, profiles, now)
        })
        .collect())
}

impl UserSummary {
    fn from_user(user: User, profiles: Vec<ProfileStatus>, now: DateTime<Utc>) -> Self {
        UserSummary {
            profiles,
            locked: store::users::is_locked(&user, now),
            locked_until: user.locked_until.filter(|until| *until > now),
            user_id: user.id,
            username: user.username,
            email: user.email,
            role: user.role,
            created_at: user.created_at,
            permanently_locked: user.permanently_locked,
            failure_count: user.failure_count,
            temporary_lockouts: user.temporary_lockouts,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{"user_id": "0b6f2a9e-8c53-4d5e-9a43-1f0c1e6c2f7a", "username": "alice", "email": "alice@example.com", "role": "user", "created_at": "2026-11-24T19:00:00Z", "locked": false, "locked_until": null, "permanently_locked": false, "failure_count": 0, "temporary_lockouts": 0}], "next_cursor": null}))]
pub struct UserPage {
    pub items: Vec<UserSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserPageQuery {
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn page_size(limit: Option<u64>) -> Result<u64, ApiError> {
    match limit.unwrap_or(DEFAULT_PAGE_SIZE) {
        size @ 1..=MAX_PAGE_SIZE => Ok(size),
        _ => Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE_SIZE}"
        ))),
    }
}

/// Lists users with their lock status, by username.
#[utoipa::path(
    tag = "admin",
    operation_id = "list_users",
    security(("bearer" = [])),
    params(UserPageQuery),
    responses(
        (status = 200, description = "One page of users", body = UserPage),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("/admin/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<UserPageQuery>,
) -> Result<web::Json<UserPage>, ApiError> {
    let limit = page_size(query.limit)?;
    let users = store::users::list(&state.db, query.cursor.as_deref(), limit).await?;
    let next_cursor = (users.len() as u64 == limit)
        .then(|| users.last().map(|user| user.username.clone()))
        .flatten();
    Ok(web::Json(UserPage {
        items: user_summaries(&state, users).await?,
        next_cursor,
    }))
}

/// Lifts any lock on the account and clears its failure counters.
#[utoipa::path(
    tag = "admin",
    operation_id = "unlock_user",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "Unlocked; the account as it is now", body = UserSummary),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    )
)]
#[post("/admin/users/{id}/unlock")]
pub async fn unlock_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    client: ClientInfo,
    path: web::Path<Uuid>,
) -> Result<web::Json<UserSummary>, ApiError> {
    let user = accounts::unlock(&state, admin.0.user_id, path.into_inner(), &client).await?;
    let mut summary = user_summaries(&state, vec![user]).await?;
    Ok(web::Json(summary.remove(0)))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 42, "created_at": "2026-11-24T19:00:00Z", "user_id": "0b6f2a9e-8c53-4d5e-9a43-1f0c1e6c2f7a", "actor_id": null, "type": "lockout", "severity": "high", "ip": "127.0.0.1", "user_agent": "curl/8.0", "details": {"reason": "password_failures", "sequence": 1}}))]
pub struct SecurityEventView {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub user_id: Option<Uuid>,
    /// The admin who acted, for admin actions.
    pub actor_id: Option<Uuid>,
    #[serde(rename = "type")]
    pub event_type: String,
    /// `info`, `warning` or `high`.
    pub severity: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: serde_json::Value,
}

impl From<SecurityEvent> for SecurityEventView {
    fn from(event: SecurityEvent) -> Self {
        SecurityEventView {
            id: event.id,
            created_at: event.created_at,
            user_id: event.user_id,
            actor_id: event.actor_id,
            event_type: event.event_type,
            severity: event.severity,
            ip: event.ip,
            user_agent: event.user_agent,
            details: event.details,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": 42, "created_at": "2026-11-24T19:00:00Z", "user_id": "0b6f2a9e-8c53-4d5e-9a43-1f0c1e6c2f7a", "actor_id": null, "type": "lockout", "severity": "high", "ip": "127.0.0.1", "user_agent": "curl/8.0", "details": {"reason": "password_failures", "sequence": 1}}], "next_cursor": "41"}))]
pub struct SecurityEventPage {
    pub items: Vec<SecurityEventView>,
    /// Pass as `cursor` to get the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SecurityEventQuery {
    /// Only events about this user.
    pub user_id: Option<Uuid>,
    /// Only events of this type.
    #[serde(rename = "type")]
    #[param(rename = "type", inline)]
    pub event_type: Option<EventType>,
    /// Only events at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Pages through security events, newest first.
#[utoipa::path(
    tag = "admin",
    operation_id = "list_security_events",
    security(("bearer" = [])),
    params(SecurityEventQuery),
    responses(
        (status = 200, description = "One page of events", body = SecurityEventPage),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("/admin/security-events")]
pub async fn list_security_events(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<SecurityEventQuery>,
) -> Result<web::Json<SecurityEventPage>, ApiError> {
    let query = query.into_inner();
    let limit = page_size(query.limit)?;
    let before_id = query
        .cursor
        .map(|cursor| {
            cursor
                .parse::<i64>()
                .map_err(|_| ApiError::BadRequest("cursor is not one this server issued".into()))
        })
        .transpose()?;
    let filter = EventFilter {
        user_id: query.user_id,
        event_type: query.event_type,
        since: query.since,
        before_id,
        limit,
    };
    let events = store::security_events::page(&state.db, &filter).await?;
    let next_cursor = (events.len() as u64 == limit)
        .then(|| events.last().map(|event| event.id.to_string()))
        .flatten();
    Ok(web::Json(SecurityEventPage {
        items: events.into_iter().map(SecurityEventView::from).collect(),
        next_cursor,
    }))
}
