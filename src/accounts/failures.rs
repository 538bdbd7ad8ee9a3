//! Counting failures under the lockout policy — password failures and behavioural ones
//! (live sessions ended on behaviour) share one set of counters — by compare-and-set on the
//! user row; a lock commits its lockout row, event and alerts in one transaction.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::MAX_CAS_ROUNDS;
use crate::alerts::{self, AlertEvent};
use crate::auth::lockout_policy::FailureOutcome;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::security_events::{EventType, NewSecurityEvent};

/// Why an account was locked, as the lockout row and `lockout` event record it.
pub const LOCK_REASON_PASSWORD: &str = "password_failures";
/// Live sessions ended by behaviour (deny, missed or failed step-up) locked the account.
pub const LOCK_REASON_BEHAVIOUR: &str = "behaviour";
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
        let txn = store::begin_write(&state.db).await?;
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
