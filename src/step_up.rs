//! Step-up of a live session: the owner proves it is them again with the password and the
//! typing of the password field, as at login. A pass is recorded on the session
//! (`live_sessions.step_up_passed_at`), which is what lets the socket's `step_up_done` clear a
//! challenge; a failure ends the session (`step_up_failed`) on whichever process holds it.
//! Password failures count under the lockout policy like any login's.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::accounts;
use crate::auth::client::ClientInfo;
use crate::biometrics::login::{self, LoginCheck};
use crate::biometrics::verification::Context;
use crate::error::ApiError;
use crate::events::Sample;
use crate::state::AppState;
use crate::store;
use crate::store::live_sessions::STATUS_ENDED;
use crate::store::security_events::{EventType, NewSecurityEvent};

/// The end reason of a session whose step-up failed.
pub const END_REASON_STEP_UP_FAILED: &str = "step_up_failed";
/// The password was wrong: counted once, as a password failure, not again as a behavioural one.
pub const END_REASON_STEP_UP_WRONG_PASSWORD: &str = "step_up_wrong_password";

/// Checks `password` and `typing` for the owner of `session_id`; returns when the pass was
/// recorded. `NotFound` unless `user_id` owns the session; `session_ended` once it is over.
#[tracing::instrument(skip(state, password, typing, client), fields(%user_id, %session_id))]
pub async fn step_up(
    state: &Arc<AppState>,
    user_id: Uuid,
    session_id: Uuid,
    password: String,
    typing: Option<Sample>,
    client: &ClientInfo,
) -> Result<DateTime<Utc>, ApiError> {
    let typing = typing
        .map(|typing| login::prepare_typing(typing, state.settings.biometrics.max_events))
        .transpose()?;
    let session = store::live_sessions::find(&state.db, session_id)
        .await?
        .filter(|session| session.user_id == user_id)
        .ok_or_else(|| ApiError::NotFound(format!("no session with id {session_id}")))?;
    if session.status == STATUS_ENDED {
        return Err(ApiError::Refused {
            code: "session_ended",
            message: "the session has ended",
        });
    }
    let user = store::users::find_by_id(&state.db, user_id)
        .await?
        .ok_or(ApiError::Unauthorized("invalid or expired token"))?;

    let checked =
        match accounts::authenticate_password(state, &user.username, password, client).await {
            Ok(_) => login::check(state, user_id, typing.as_ref(), Context::StepUp).await,
            Err(error) => Err(error),
        };
    let failure = match checked {
        Ok(LoginCheck::NotEnrolled | LoginCheck::Passed(_)) => None,
        Ok(LoginCheck::StepUp(..)) => Some((
            END_REASON_STEP_UP_FAILED,
            ApiError::Refused {
                code: "step_up_failed",
                message: "the typing did not match the profile",
            },
        )),
        Err(error @ ApiError::InvalidCredentials) => {
            Some((END_REASON_STEP_UP_WRONG_PASSWORD, error))
        }
        Err(other) => return Err(other),
    };
    if let Some((reason, error)) = failure {
        // Recorded first, so a session held by another process ends at its next sweep.
        let txn = store::begin_write(&state.db).await?;
        store::live_sessions::end(&txn, session_id, reason, session.last_score, Utc::now()).await?;
        if reason == END_REASON_STEP_UP_WRONG_PASSWORD {
            // Not a behavioural end (the session actor neither counts nor audits it): the
            // password failure is already counted; the session's end is audited here.
            store::security_events::record(
                &txn,
                NewSecurityEvent {
                    event_type: EventType::SessionEnded,
                    user_id: Some(user_id),
                    actor_id: None,
                    client: Some(client),
                    details: json!({
                        "session_id": session_id,
                        "profile_key": session.profile_key,
                        "reason": reason,
                        "last_score": session.last_score,
                    }),
                },
            )
            .await?;
        }
        txn.commit().await?;
        state.step_up_outcome(session_id, Some(reason));
        return Err(error);
    }
    let now = Utc::now();
    let record = store::live_sessions::record_step_up_passed(&state.db, session_id, now);
    let recorded = store::in_write_turn(&state.db, record).await?;
    if !recorded {
        return Err(ApiError::Refused {
            code: "session_ended",
            message: "the session has ended",
        });
    }
    state.step_up_outcome(session_id, None);
    Ok(now)
}
