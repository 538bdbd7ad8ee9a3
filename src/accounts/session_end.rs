//! Ending live sessions from outside their socket: an admin's end, and logout (which also
//! revokes the token).

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::security_events::{EventType, NewSecurityEvent};

/// The end reason of live sessions whose opening token was logged out.
pub const END_REASON_LOGOUT: &str = "logout";
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
    let txn = store::begin_write(&state.db).await?;
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
    // One transaction: the revocation, the ends of the sessions it opened and the audit land
    // together.
    let txn = store::begin_write(&state.db).await?;
    store::revoked_tokens::revoke(&txn, jti, user_id, expires_at).await?;
    // Revocations of expired tokens guard nothing (expiry refuses them): keep the table small.
    store::revoked_tokens::purge_expired(&txn, Utc::now()).await?;
    // The sessions this token opened end with it (their actors notice within a sweep).
    store::live_sessions::end_opened_by(&txn, jti, END_REASON_LOGOUT, Utc::now()).await?;
    store::security_events::record(
        &txn,
        NewSecurityEvent {
            event_type: EventType::Logout,
            user_id: Some(user_id),
            actor_id: None,
            client: Some(client),
            details: json!({ "jti": jti }),
        },
    )
    .await?;
    txn.commit().await?;
    state.access.mark_revoked(jti).await;
    Ok(())
}
