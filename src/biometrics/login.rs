//! The typing check of a password login. Until the user has a trained password profile the
//! password alone is enough; after that the typing of the password field must score `allow`,
//! or the login turns into a step-up requirement instead of a token.

use std::sync::Arc;

use uuid::Uuid;

use crate::error::ApiError;
use crate::events::{Modality, Sample, SampleLimits};
use crate::state::AppState;
use crate::store;

use super::PASSWORD_TEXT_ID;
use super::verification::{Context, Decision, Verified, verify};

/// Why a correct password was not enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepUpReason {
    /// The profile is ready but the login carried no typing sample.
    TypingRequired,
    /// The typing scored `challenge` or `deny`.
    LowTypingScore,
    /// The password was typed with another key sequence (e.g. corrections, another layout).
    SequenceMismatch,
    /// The typing repeats a sample already seen for this profile: a replayed recording.
    ReplayedSample,
}

impl StepUpReason {
    pub fn as_str(self) -> &'static str {
        match self {
            StepUpReason::TypingRequired => "typing_required",
            StepUpReason::LowTypingScore => "low_typing_score",
            StepUpReason::SequenceMismatch => "sequence_mismatch",
            StepUpReason::ReplayedSample => "replayed_sample",
        }
    }
}

#[derive(Debug)]
pub enum LoginCheck {
    /// No trained password profile: the password is enough.
    NotEnrolled,
    Passed(Verified),
    StepUp(StepUpReason, Option<Verified>),
}

/// Refuses a malformed typing sample before the password is even looked at, so a 422 never
/// tells whether the password was right. The sample is always the password field's.
pub fn prepare_typing(mut typing: Sample, max_events: usize) -> Result<Sample, ApiError> {
    if typing.modality != Modality::Keystroke {
        return Err(ApiError::InvalidSample(
            "the login typing sample must be a keystroke sample".into(),
        ));
    }
    typing.text_id = Some(PASSWORD_TEXT_ID.to_owned());
    typing
        .validate(&SampleLimits { max_events })
        .map_err(|error| ApiError::InvalidSample(error.to_string()))?;
    Ok(typing)
}

async fn has_password_profile(state: &AppState, user_id: Uuid) -> Result<bool, ApiError> {
    let suffix = format!("/{PASSWORD_TEXT_ID}");
    Ok(store::biometric_models::for_user(&state.db, user_id)
        .await?
        .iter()
        .any(|model| {
            model.profile_key.starts_with("keystroke/") && model.profile_key.ends_with(&suffix)
        }))
}

/// Checks the typing of the password field; `context` is `Login` or `StepUp` (a step-up sample
/// is never adapted into the profile).
pub async fn check(
    state: &Arc<AppState>,
    user_id: Uuid,
    typing: Option<&Sample>,
    context: Context,
) -> Result<LoginCheck, ApiError> {
    let Some(typing) = typing else {
        return Ok(if has_password_profile(state, user_id).await? {
            LoginCheck::StepUp(StepUpReason::TypingRequired, None)
        } else {
            LoginCheck::NotEnrolled
        });
    };
    match verify(state, user_id, typing, context).await {
        Ok(verified) if verified.decision == Decision::Allow => Ok(LoginCheck::Passed(verified)),
        Ok(verified) => Ok(LoginCheck::StepUp(
            StepUpReason::LowTypingScore,
            Some(verified),
        )),
        Err(ApiError::ProfileNotReady(_)) => Ok(if has_password_profile(state, user_id).await? {
            // Ready on another device class than this sample's: that class is not enrolled.
            LoginCheck::StepUp(StepUpReason::LowTypingScore, None)
        } else {
            LoginCheck::NotEnrolled
        }),
        Err(ApiError::SequenceMismatch(_)) => {
            Ok(LoginCheck::StepUp(StepUpReason::SequenceMismatch, None))
        }
        Err(ApiError::Unprocessable {
            code: "replayed_sample",
            ..
        }) => Ok(LoginCheck::StepUp(StepUpReason::ReplayedSample, None)),
        Err(ApiError::InvalidSample(_)) => {
            Ok(LoginCheck::StepUp(StepUpReason::LowTypingScore, None))
        }
        Err(other) => Err(other),
    }
}
