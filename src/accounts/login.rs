//! Password login: the check under the lockout policy (every failure the same
//! `InvalidCredentials`), then either the token or a step-up requirement; each outcome is
//! recorded as a login attempt and a security event.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::MAX_CAS_ROUNDS;
use super::failures::record_password_failure;
use crate::auth::client::ClientInfo;
use crate::auth::lockout_policy::FailureOutcome;
use crate::auth::tokens::IssuedToken;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::login_attempts::Outcome;
use crate::store::security_events::{EventType, NewSecurityEvent};
use crate::store::users::User;

/// Checks username and password under the lockout policy. Every failure is the same
/// `InvalidCredentials`, whatever its cause. Success records nothing yet: the caller finishes
/// with [`complete_login`] or [`record_step_up`].
#[tracing::instrument(skip(state, password, client))]
pub async fn authenticate_password(
    state: &AppState,
    username: &str,
    password: String,
    client: &ClientInfo,
) -> Result<User, ApiError> {
    let normalized = username.trim().to_lowercase();
    let user = store::users::find_by_username(&state.db, &normalized).await?;
    let verified = state
        .passwords
        .verify(
            password,
            user.as_ref().map(|user| user.password_hash.clone()),
        )
        .await
        .map_err(ApiError::Internal)?;

    let Some(user) = user else {
        finish_failed_login(
            state,
            None,
            &normalized,
            Outcome::UnknownUser,
            client,
            json!({}),
        )
        .await?;
        return Err(ApiError::InvalidCredentials);
    };
    if !verified {
        let outcome = record_password_failure(state, user.id).await?;
        let (attempt_outcome, details) = match outcome {
            FailureOutcome::AlreadyLocked => (Outcome::Locked, json!({ "reason": "locked" })),
            FailureOutcome::Counted(next) => (
                Outcome::BadPassword,
                json!({ "reason": "bad_password", "failure_count": next.failure_count }),
            ),
            FailureOutcome::Locked(..) => (
                Outcome::BadPassword,
                json!({ "reason": "bad_password", "locked": true }),
            ),
        };
        finish_failed_login(
            state,
            Some(user.id),
            &normalized,
            attempt_outcome,
            client,
            details,
        )
        .await?;
        return Err(ApiError::InvalidCredentials);
    }
    if !record_password_success(state, user.id).await? {
        finish_failed_login(
            state,
            Some(user.id),
            &normalized,
            Outcome::Locked,
            client,
            json!({ "reason": "locked" }),
        )
        .await?;
        return Err(ApiError::InvalidCredentials);
    }

    Ok(user)
}

/// Issues the access token of a login that passed every check, and records it.
pub async fn complete_login(
    state: &AppState,
    user: &User,
    client: &ClientInfo,
    mut details: serde_json::Value,
) -> Result<IssuedToken, ApiError> {
    let token = state
        .tokens
        .issue(user.id, &user.role)
        .map_err(ApiError::Internal)?;
    details["jti"] = json!(token.claims.jti);
    record_login_outcome(
        state,
        Some(user.id),
        &user.username,
        Outcome::Success,
        EventType::LoginSuccess,
        client,
        details,
    )
    .await?;
    Ok(token)
}

/// Records a login whose password was right but whose behaviour asks for a step-up.
pub async fn record_step_up(
    state: &AppState,
    user: &User,
    client: &ClientInfo,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    record_login_outcome(
        state,
        Some(user.id),
        &user.username,
        Outcome::StepUp,
        EventType::BiometricChallenge,
        client,
        details,
    )
    .await
}

async fn finish_failed_login(
    state: &AppState,
    user_id: Option<Uuid>,
    username: &str,
    outcome: Outcome,
    client: &ClientInfo,
    mut details: serde_json::Value,
) -> Result<(), ApiError> {
    if user_id.is_none() {
        details["username"] = json!(username);
        details["reason"] = json!("unknown_user");
    }
    let event_type = EventType::LoginFailure;
    record_login_outcome(
        state, user_id, username, outcome, event_type, client, details,
    )
    .await
}

/// Writes a login's attempt row and security event in one transaction, and counts it.
async fn record_login_outcome(
    state: &AppState,
    user_id: Option<Uuid>,
    username: &str,
    outcome: Outcome,
    event_type: EventType,
    client: &ClientInfo,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    let txn = store::begin_write(&state.db).await?;
    store::login_attempts::record(&txn, user_id, username, outcome, client).await?;
    store::security_events::record(
        &txn,
        NewSecurityEvent {
            event_type,
            user_id,
            actor_id: None,
            client: Some(client),
            details,
        },
    )
    .await?;
    txn.commit().await?;
    state.metrics.login_outcome(outcome);
    Ok(())
}

/// Clears the failure counters after a correct password. Returns `false` when the account is
/// locked (a correct password does not open a locked account).
async fn record_password_success(state: &AppState, user_id: Uuid) -> Result<bool, ApiError> {
    for _ in 0..MAX_CAS_ROUNDS {
        let user = store::users::find_by_id(&state.db, user_id)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("user vanished during login")))?;
        let current = store::users::lock_state(&user);
        if current.is_locked(Utc::now()) {
            return Ok(false);
        }
        let next = current.on_success();
        if next == current {
            return Ok(true);
        }
        // A single statement: it takes the write turn, as a transaction would, instead of
        // polling for SQLite's lock behind the batch writers.
        let update =
            store::users::compare_and_set_lock_state(&state.db, user_id, user.lock_version, &next);
        let set = store::in_write_turn(&state.db, update).await?;
        if set {
            return Ok(true);
        }
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "lock state of {user_id} too contended"
    )))
}
