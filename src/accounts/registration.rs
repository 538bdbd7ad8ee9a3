//! Registration: username and email rules, password strength, the user row and its
//! `register` event.

use serde_json::json;

use crate::auth::client::ClientInfo;
use crate::auth::password::check_strength;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::security_events::{EventType, NewSecurityEvent};
use crate::store::users::{InsertUserError, NewUser, User};

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

    let txn = store::begin_write(&state.db).await?;
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
