//! Admin statistics for the dashboard (and any integrator): logins and their outcomes, lockouts
//! and live sessions over time, and genuine vs impostor score distributions.

use actix_web::{get, web};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::accounts::{LOCK_REASON_BEHAVIOUR, LOCK_REASON_PASSWORD};
use crate::auth::extractor::AdminUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::stats::{self, Bucket};
use crate::store;
use crate::store::biometric_samples::{LABEL_GENUINE, LABEL_IMPOSTOR};
use crate::store::login_attempts::Outcome;

/// How far back the statistics reach when no `since` is given.
const DEFAULT_WINDOW: TimeDelta = TimeDelta::hours(24);

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Start of the window (RFC 3339); default 24 hours ago.
    pub since: Option<DateTime<Utc>>,
    /// Bucket width: `minute`, `hour` (default) or `day`; at most 2000 buckets.
    #[param(inline)]
    pub bucket: Option<Bucket>,
}

/// The validated window: bucket width and the start of every bucket, oldest first.
struct Window {
    since: DateTime<Utc>,
    bucket: Bucket,
    starts: Vec<DateTime<Utc>>,
}

impl Window {
    fn from_query(query: &TimelineQuery) -> Result<Self, ApiError> {
        let now = Utc::now();
        let since = query.since.unwrap_or(now - DEFAULT_WINDOW);
        let bucket = query.bucket.unwrap_or_default();
        let starts = stats::bucket_starts(since, now, bucket).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "since must be in the past and span at most {} buckets",
                stats::MAX_BUCKETS
            ))
        })?;
        Ok(Window {
            since,
            bucket,
            starts,
        })
    }

    fn index(&self, at: DateTime<Utc>) -> Option<usize> {
        stats::bucket_index(self.starts[0], self.bucket, at, self.starts.len())
    }
}

#[derive(Serialize, ToSchema)]
pub struct LoginBucket {
    /// Start of the bucket (UTC).
    pub start: DateTime<Utc>,
    pub success: u64,
    pub bad_password: u64,
    pub unknown_user: u64,
    /// Refused because the account was locked.
    pub locked: u64,
    /// Right password, but the typing asked for a step-up.
    pub step_up: u64,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"since": "2026-11-24T00:00:00Z", "bucket": "hour", "buckets": [{"start": "2026-11-24T00:00:00Z", "success": 12, "bad_password": 3, "unknown_user": 1, "locked": 0, "step_up": 2}]}))]
pub struct LoginStats {
    pub since: DateTime<Utc>,
    pub bucket: Bucket,
    /// Every bucket from `since` to now, oldest first (empty ones included).
    pub buckets: Vec<LoginBucket>,
}

/// Password logins per time bucket, by outcome.
#[utoipa::path(
    tag = "admin",
    operation_id = "login_stats",
    security(("bearer" = [])),
    params(TimelineQuery),
    responses(
        (status = 200, description = "Logins per bucket", body = LoginStats),
        (status = 400, description = "Invalid window", body = ErrorBody,
         example = json!({"code": "bad_request", "message": "since must be in the past and span at most 2000 buckets"})),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("/admin/stats/logins")]
pub async fn login_stats(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<TimelineQuery>,
) -> Result<web::Json<LoginStats>, ApiError> {
    let window = Window::from_query(&query)?;
    let mut buckets: Vec<LoginBucket> = window
        .starts
        .iter()
        .map(|&start| LoginBucket {
            start,
            success: 0,
            bad_password: 0,
            unknown_user: 0,
            locked: 0,
            step_up: 0,
        })
        .collect();
    for (at, outcome) in store::stats::login_outcomes(&state.db, window.since).await? {
        let Some(bucket) = window.index(at).map(|i| &mut buckets[i]) else {
            continue;
        };
        match outcome.as_str() {
            o if o == Outcome::Success.as_str() => bucket.success += 1,
            o if o == Outcome::BadPassword.as_str() => bucket.bad_password += 1,
            o if o == Outcome::UnknownUser.as_str() => bucket.unknown_user += 1,
            o if o == Outcome::Locked.as_str() => bucket.locked += 1,
            o if o == Outcome::StepUp.as_str() => bucket.step_up += 1,
            _ => {}
        }
    }
    Ok(web::Json(LoginStats {
        since: window.since,
        bucket: window.bucket,
        buckets,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct LockoutBucket {
    pub start: DateTime<Utc>,
    /// Locks after repeated wrong passwords.
    pub password_failures: u64,
    /// Locks after live sessions ended on behaviour.
    pub behaviour: u64,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"since": "2026-11-24T00:00:00Z", "bucket": "hour", "buckets": [{"start": "2026-11-24T00:00:00Z", "password_failures": 1, "behaviour": 0}]}))]
pub struct LockoutStats {
    pub since: DateTime<Utc>,
    pub bucket: Bucket,
    pub buckets: Vec<LockoutBucket>,
}

/// Account lockouts per time bucket, by cause.
#[utoipa::path(
    tag = "admin",
    operation_id = "lockout_stats",
    security(("bearer" = [])),
    params(TimelineQuery),
    responses(
        (status = 200, description = "Lockouts per bucket", body = LockoutStats),
        (status = 400, description = "Invalid window", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("/admin/stats/lockouts")]
pub async fn lockout_stats(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<TimelineQuery>,
) -> Result<web::Json<LockoutStats>, ApiError> {
    let window = Window::from_query(&query)?;
    let mut buckets: Vec<LockoutBucket> = window
        .starts
        .iter()
        .map(|&start| LockoutBucket {
            start,
            password_failures: 0,
            behaviour: 0,
        })
        .collect();
    for (at, reason) in store::stats::lockouts(&state.db, window.since).await? {
        let Some(bucket) = window.index(at).map(|i| &mut buckets[i]) else {
            continue;
        };
        match reason.as_str() {
            LOCK_REASON_PASSWORD => bucket.password_failures += 1,
            LOCK_REASON_BEHAVIOUR => bucket.behaviour += 1,
            _ => {}
        }
    }
    Ok(web::Json(LockoutStats {
        since: window.since,
        bucket: window.bucket,
        buckets,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SessionBucket {
    pub start: DateTime<Utc>,
    /// Sessions opened in the bucket.
    pub started: u64,
    /// Sessions that ended in the bucket.
    pub ended: u64,
    /// Sessions live at the end of the bucket (or now, for the current one).
    pub live: u64,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"active": 3, "challenged": 1, "since": "2026-11-24T00:00:00Z", "bucket": "hour", "buckets": [{"start": "2026-11-24T00:00:00Z", "started": 5, "ended": 2, "live": 3}]}))]
pub struct SessionStats {
    /// Sessions live right now and scoring normally.
    pub active: u64,
    /// Sessions live right now and waiting for a step-up.
    pub challenged: u64,
    pub since: DateTime<Utc>,
    pub bucket: Bucket,
    pub buckets: Vec<SessionBucket>,
}

/// Live sessions now, and sessions started, ended and live per time bucket.
#[utoipa::path(
    tag = "admin",
    operation_id = "session_stats",
    security(("bearer" = [])),
    params(TimelineQuery),
    responses(
        (status = 200, description = "Session counts", body = SessionStats),
        (status = 400, description = "Invalid window", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("/admin/stats/sessions")]
pub async fn session_stats(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<TimelineQuery>,
) -> Result<web::Json<SessionStats>, ApiError> {
    let window = Window::from_query(&query)?;
    let spans = store::stats::session_spans(&state.db, window.since).await?;
    // Sorted times and binary search: O(buckets · log sessions), not buckets × sessions.
    let mut opened: Vec<DateTime<Utc>> = spans.iter().map(|(opened, _)| *opened).collect();
    let mut ended: Vec<DateTime<Utc>> = spans.iter().filter_map(|(_, ended)| *ended).collect();
    opened.sort_unstable();
    ended.sort_unstable();
    let before = |times: &[DateTime<Utc>], at: DateTime<Utc>| {
        times.partition_point(|time| *time < at) as u64
    };
    let up_to = |times: &[DateTime<Utc>], at: DateTime<Utc>| {
        times.partition_point(|time| *time <= at) as u64
    };
    let now = Utc::now();
    let buckets = window
        .starts
        .iter()
        .map(|&start| {
            let next = start + window.bucket.width();
            let end = next.min(now);
            SessionBucket {
                start,
                started: before(&opened, next) - before(&opened, start),
                ended: before(&ended, next) - before(&ended, start),
                // A session ends after it opens, so those ended by `end` opened by then too.
                live: up_to(&opened, end) - up_to(&ended, end),
            }
        })
        .collect();
    let (active, challenged) = store::stats::live_session_counts(&state.db).await?;
    Ok(web::Json(SessionStats {
        active,
        challenged,
        since: window.since,
        bucket: window.bucket,
        buckets,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScoreStatsQuery {
    /// Only verifications at or after this time (RFC 3339); default 24 hours ago.
    pub since: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"since": "2026-11-24T00:00:00Z", "bin_width": 0.05, "bin_edges": [0.0, 0.05, 0.1], "genuine": [0, 0, 4], "impostor": [2, 1, 0], "unlabelled": [1, 0, 3]}))]
pub struct ScoreStats {
    pub since: DateTime<Utc>,
    pub bin_width: f64,
    /// Lower edge of each of the 20 bins over 0–1.
    pub bin_edges: Vec<f64>,
    /// Scores of verifications whose sample is labelled genuine: samples the model accepted
    /// and kept for adaptation, or that an admin labelled genuine.
    pub genuine: Vec<u64>,
    /// Scores of verifications whose sample an admin labelled impostor.
    pub impostor: Vec<u64>,
    /// Every other verification score (the sample was not kept: challenged or denied ones,
    /// and accepted ones past the adaptation limit).
    pub unlabelled: Vec<u64>,
}

/// Distributions of verification scores (login typing checks, `verify` calls, step-ups),
/// genuine vs impostor as labelled on the verified sample.
#[utoipa::path(
    tag = "admin",
    operation_id = "score_stats",
    security(("bearer" = [])),
    params(ScoreStatsQuery),
    responses(
        (status = 200, description = "Score histograms", body = ScoreStats),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("/admin/stats/scores")]
pub async fn score_stats(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<ScoreStatsQuery>,
) -> Result<web::Json<ScoreStats>, ApiError> {
    let since = query.since.unwrap_or(Utc::now() - DEFAULT_WINDOW);
    // The trail is written in batches: what this process has queued counts too.
    state.verifications.flush().await;
    let scores = store::stats::labelled_verification_scores(&state.db, since).await?;
    let with_label = |wanted: Option<&str>| {
        stats::score_histogram(
            scores
                .iter()
                .filter(|(_, label)| label.as_deref() == wanted)
                .map(|(score, _)| *score),
        )
    };
    Ok(web::Json(ScoreStats {
        since,
        bin_width: stats::SCORE_BIN_WIDTH,
        bin_edges: stats::score_bin_edges(),
        genuine: with_label(Some(LABEL_GENUINE)),
        impostor: with_label(Some(LABEL_IMPOSTOR)),
        unlabelled: with_label(None),
    }))
}
