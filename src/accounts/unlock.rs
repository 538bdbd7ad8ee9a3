//! An admin lifts a lock.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::MAX_CAS_ROUNDS;
use crate::auth::client::ClientInfo;
use crate::auth::lockout_policy::LockState;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::security_events::{EventType, NewSecurityEvent};
use crate::store::users::User;

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
        let txn = store::begin_write(&state.db).await?;
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
