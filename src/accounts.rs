//! Account flows: register, password login with lockout, logout, admin unlock. Each flow
//! writes its login attempt and security events; handlers only translate HTTP to these calls.
//!
//! Lockout counters are updated with compare-and-set on the user row (see
//! `store::users::compare_and_set_lock_state`), so concurrent failures on one account, in one
//! process or several, are each counted exactly once, and the lockout row and security event
//! are committed in the same transaction as the state change that caused them — and so are
//! the alerts a lockout sends (`alerts::enqueue_for_event`, the transactional outbox).

use chrono::Utc;
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::alerts::{self, AlertEvent};
use crate::auth::client::ClientInfo;
use crate::auth::lockout_policy::{FailureOutcome, LockState};
use crate::auth::password::check_strength;
use crate::auth::tokens::IssuedToken;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::login_attempts::Outcome;
use crate::store::security_events::{EventType, NewSecurityEvent};
use crate::store::users::{InsertUserError, NewUser, User};

/// Compare-and-set rounds before giving up on a hopelessly contended account.
const MAX_CAS_ROUNDS: usize = 10_000;
const MIN_USERNAME_CHARS: usize = 3;
const MAX_USERNAME_CHARS: usize = 64;
const MAX_EMAIL_CHARS: usize = 254;

pub struct Registration {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
}

/// Usernames are case-insensitive: stored lower-case, letters, digits, `.`, `_`, `-`.
pub fn normalize_username(raw: &str) -> Result<String, ApiError> {
    let username = raw.trim().to_lowercase();
    let length = username.chars().count();
    if !(MIN_USERNAME_CHARS..=MAX_USERNAME_CHARS).contains(&length) {
        return Err(ApiError::Validation(format!(
            "username must have {MIN_USERNAME_CHARS} to {MAX_USERNAME_CHARS} characters"
        )));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(ApiError::Validation(
            "username may only contain letters, digits, '.', '_' and '-'".into(),
        ));
    }
    Ok(username)
}

fn validate_email(raw: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(email) = raw.map(|email| email.trim().to_owned()) else {
        return Ok(None);
    };
    let well_formed = email.len() <= MAX_EMAIL_CHARS
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if well_formed {
        Ok(Some(email))
    } else {
        Err(ApiError::Validation("email is not a valid address".into()))
    }
}

#[tracing::instrument(skip(state, registration, client), fields(username = %registration.username))]
pub async fn register(
    state: &AppState,
    registration: Registration,
    role: &'static str,
    client: &ClientInfo,
) -> Result<User, ApiError> {
    let username = normalize_username(&registration.username)?;
    let email = validate_email(registration.email)?;
    check_strength(
        &registration.password,
        &username,
        state.settings.password.min_length,
    )
    .map_err(|weak| ApiError::Validation(weak.to_string()))?;
    let password_hash = state
        .passwords
        .hash(registration.password)
        .await
        .map_err(ApiError::Internal)?;

    let txn = state.db.begin().await?;
    let user = store::users::insert(
        &txn,
        NewUser {
            username,
            email,
            password_hash,
            role,
        },
    )
    .await
    .map_err(|error| match error {
        InsertUserError::UsernameTaken => ApiError::Conflict("username is already taken".into()),
        InsertUserError::Db(db) => ApiError::from(db),
    })?;
    let event_type = if role == store::users::ROLE_ADMIN {
        EventType::AdminCreated
    } else {
        EventType::Register
    };
    store::security_events::record(
        &txn,
        NewSecurityEvent {
            event_type,
            user_id: Some(user.id),
            actor_id: None,
            client: Some(client),
            details: json!({ "username": user.username, "role": user.role }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

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
    let txn = state.db.begin().await?;
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

/// Why an account was locked, as the lockout row and `lockout` event record it.
pub const LOCK_REASON_PASSWORD: &str = "password_failures";
/// Live sessions ended by behaviour (deny, missed or failed step-up) locked the account.
pub const LOCK_REASON_BEHAVIOUR: &str = "behaviour";
/// The end reason of live sessions whose opening token was logged out.
pub const END_REASON_LOGOUT: &str = "logout";
/// The end reason of live sessions cut off by a lock.
pub const END_REASON_ACCOUNT_LOCKED: &str = "account_locked";

/// Counts one failed password for `user_id` under the lockout policy, exactly once.
pub async fn record_password_failure(
    state: &AppState,
    user_id: Uuid,
) -> Result<FailureOutcome, ApiError> {
    record_failure(state, user_id, LOCK_REASON_PASSWORD).await
}

/// Counts one behavioural failure (a live session ended by a deny or a missed or failed
/// step-up) under the same policy and counters as passwords, exactly once.
pub async fn record_behaviour_failure(
    state: &AppState,
    user_id: Uuid,
) -> Result<FailureOutcome, ApiError> {
    record_failure(state, user_id, LOCK_REASON_BEHAVIOUR).await
}

/// Counts one failure by compare-and-set on the user row; a lock writes the lockout row, the
/// `lockout` event and its alerts in the same transaction, then ends the user's live sessions
/// on this process.
async fn record_failure(
    state: &AppState,
    user_id: Uuid,
    reason: &'static str,
) -> Result<FailureOutcome, ApiError> {
    for _ in 0..MAX_CAS_ROUNDS {
        let user = store::users::find_by_id(&state.db, user_id)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("user vanished during login")))?;
        let now = Utc::now();
        let outcome = store::users::lock_state(&user).on_failure(now, &state.settings.lockout);
        let next = match &outcome {
            FailureOutcome::AlreadyLocked => return Ok(outcome),
            FailureOutcome::Counted(next) | FailureOutcome::Locked(next, _) => next,
        };
        let txn = state.db.begin().await?;
        if !store::users::compare_and_set_lock_state(&txn, user_id, user.lock_version, next).await?
        {
            txn.rollback().await?;
            continue;
        }
        if let FailureOutcome::Locked(_, lock) = &outcome {
            store::lockouts::insert(&txn, user_id, now, lock, reason).await?;
            let details = json!({
                "reason": reason,
                "sequence": lock.sequence,
                "locked_until": lock.until,
                "permanent": lock.until.is_none(),
            });
            alerts::enqueue_for_event(
                &txn,
                &AlertEvent {
                    event_type: EventType::Lockout,
                    user_id: Some(user_id),
                    occurred_at: now,
                    details: &details,
                },
            )
            .await?;
            store::security_events::record(
                &txn,
                NewSecurityEvent {
                    event_type: EventType::Lockout,
                    user_id: Some(user_id),
                    actor_id: None,
                    client: None,
                    details,
                },
            )
            .await?;
        }
        txn.commit().await?;
        if matches!(outcome, FailureOutcome::Locked(..)) {
            state.wake_notifier();
            state.metrics.lockout();
            state.end_user_sessions(user_id, END_REASON_ACCOUNT_LOCKED);
            tracing::warn!(%user_id, reason, "account locked after repeated failures");
        }
        return Ok(outcome);
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "lock state of {user_id} too contended"
    )))
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
        if next == current
            || store::users::compare_and_set_lock_state(
                &state.db,
                user_id,
                user.lock_version,
                &next,
            )
            .await?
        {
            return Ok(true);
        }
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "lock state of {user_id} too contended"
    )))
}

/// Lifts any lock and clears the counters. `NotFound` for an unknown user.
#[tracing::instrument(skip(state, client))]
pub async fn unlock(
    state: &AppState,
    admin_id: Uuid,
    user_id: Uuid,
    client: &ClientInfo,
) -> Result<User, ApiError> {
    for _ in 0..MAX_CAS_ROUNDS {
        let user = store::users::find_by_id(&state.db, user_id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no user with id {user_id}")))?;
        let previous = store::users::lock_state(&user);
        let now = Utc::now();
        let txn = state.db.begin().await?;
        if !store::users::compare_and_set_lock_state(
            &txn,
            user_id,
            user.lock_version,
            &LockState::default(),
        )
        .await?
        {
            txn.rollback().await?;
            continue;
        }
        let lifted = store::lockouts::lift_active(&txn, user_id, admin_id, now).await?;
        store::security_events::record(
            &txn,
            NewSecurityEvent {
                event_type: EventType::Unlock,
                user_id: Some(user_id),
                actor_id: Some(admin_id),
                client: Some(client),
                details: json!({
                    "was_locked": previous.is_locked(now),
                    "lockouts_lifted": lifted,
                }),
            },
        )
        .await?;
        txn.commit().await?;
        return store::users::find_by_id(&state.db, user_id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no user with id {user_id}")));
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "lock state of {user_id} too contended"
    )))
}

/// The end reason of a live session an admin ended.
pub const END_REASON_ADMIN: &str = "admin_ended";

/// An admin ends a live session: the row is marked ended (its actor, on whichever process,
/// stops at its registry's next sweep) with a `session_ended` event naming the admin.
/// `NotFound` for an unknown session, `Conflict` for one that already ended.
#[tracing::instrument(skip(state, client))]
pub async fn end_session_by_admin(
    state: &AppState,
    admin_id: Uuid,
    session_id: Uuid,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let session = store::live_sessions::find(&state.db, session_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no session with id {session_id}")))?;
    if session.status == store::live_sessions::STATUS_ENDED {
        return Err(ApiError::Conflict("the session has already ended".into()));
    }
    let txn = state.db.begin().await?;
    store::live_sessions::end(
        &txn,
        session_id,
        END_REASON_ADMIN,
        session.last_score,
        Utc::now(),
    )
    .await?;
    store::security_events::record(
        &txn,
        NewSecurityEvent {
            event_type: EventType::SessionEnded,
            user_id: Some(session.user_id),
            actor_id: Some(admin_id),
            client: Some(client),
            details: json!({
                "session_id": session_id,
                "profile_key": session.profile_key,
                "reason": END_REASON_ADMIN,
                "last_score": session.last_score,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Revokes the presented token at once and ends the live sessions it opened.
#[tracing::instrument(skip(state, client))]
pub async fn logout(
    state: &AppState,
    user_id: Uuid,
    jti: &str,
    expires_at: chrono::DateTime<Utc>,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    store::revoked_tokens::revoke(&state.db, jti, user_id, expires_at).await?;
    // Revocations of expired tokens guard nothing (expiry refuses them): keep the table small.
    store::revoked_tokens::purge_expired(&state.db, Utc::now()).await?;
    // The sessions this token opened end with it (their actors notice within a sweep).
    store::live_sessions::end_opened_by(&state.db, jti, END_REASON_LOGOUT, Utc::now()).await?;
    store::security_events::record(
        &state.db,
        NewSecurityEvent {
            event_type: EventType::Logout,
            user_id: Some(user_id),
            actor_id: None,
            client: Some(client),
            details: json!({ "jti": jti }),
        },
    )
    .await?;
    Ok(())
}
