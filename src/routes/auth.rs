//! Register, log in, log out.

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use serde_json::json;

use crate::accounts::{self, Registration};
use crate::auth::client::ClientInfo;
use crate::auth::extractor::AuthenticatedUser;
use crate::biometrics::login::{self as login_check, LoginCheck};
use crate::biometrics::verification::Context;
use crate::biometrics::verification::{Decision, Verified};
use crate::error::{ApiError, ErrorBody};
use crate::events::Sample;
use crate::login_nonces;
use crate::state::AppState;
use crate::store::users::ROLE_USER;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "alice", "password": "correct horse battery", "email": "alice@example.com"}))]
pub struct RegisterRequest {
    /// 3–64 characters: letters, digits, `.`, `_`, `-`; case-insensitive.
    pub username: String,
    /// At least 10 characters and not a commonly used password.
    pub password: String,
    pub email: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"user_id": "0b6f2a9e-8c53-4d5e-9a43-1f0c1e6c2f7a", "username": "alice"}))]
pub struct RegisterResponse {
    pub user_id: Uuid,
    pub username: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "alice", "password": "correct horse battery"}))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// How the password field was typed (a keystroke sample; its `text_id` is taken as
    /// `password`). Required once the user has a trained password profile.
    pub typing: Option<Sample>,
    /// A one-time nonce from `POST /api/v1/auth/nonce`; required when `typing` is present.
    pub nonce: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"nonce": "q6V0m3c3Qy1kUe2cT8b1mYdQ3l9x2dJ8zQy4c1S0ZxE", "expires_in": 120}))]
pub struct NonceResponse {
    /// Send it as `nonce` with the next login that carries typing; it works once.
    pub nonce: String,
    /// Seconds until the nonce expires.
    pub expires_in: u64,
}

/// The typing verdict of a login.
#[derive(Serialize, ToSchema)]
pub struct LoginBiometric {
    pub score: f64,
    pub decision: Decision,
    pub threshold: f64,
    pub model_version: i32,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImRldiJ9...", "token_type": "Bearer", "expires_in": 900, "step_up_required": false}))]
pub struct LoginResponse {
    /// Absent when a step-up is required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// `Bearer`, with the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Seconds until the token expires, with the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// The password was right but the typing did not pass: no token is issued.
    pub step_up_required: bool,
    /// Why a step-up is required: `typing_required`, `low_typing_score` or `sequence_mismatch`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_up_reason: Option<&'static str>,
    /// The typing score, when the login carried typing and the profile is trained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biometric: Option<LoginBiometric>,
}

impl From<&Verified> for LoginBiometric {
    fn from(verified: &Verified) -> Self {
        LoginBiometric {
            score: verified.score,
            decision: verified.decision,
            threshold: verified.threshold,
            model_version: verified.model_version,
        }
    }
}

/// Creates an account.
#[utoipa::path(
    tag = "auth",
    operation_id = "register",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created", body = RegisterResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "Username taken", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Invalid username or email, or weak password", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    )
)]
#[post("/register")]
pub async fn register(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user = accounts::register(
        &state,
        Registration {
            username: body.username,
            password: body.password,
            email: body.email,
        },
        ROLE_USER,
        &client,
    )
    .await?;
    Ok(HttpResponse::Created().json(RegisterResponse {
        user_id: user.id,
        username: user.username,
    }))
}

/// Issues a one-time nonce for a login that carries a typing sample, so a captured login
/// request cannot be sent again.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_login_nonce",
    responses(
        (status = 201, description = "A fresh nonce", body = NonceResponse),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    )
)]
#[post("/nonce")]
pub async fn create_nonce(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let issued = login_nonces::issue(&state).await?;
    Ok(HttpResponse::Created().json(NonceResponse {
        nonce: issued.nonce,
        expires_in: issued.expires_in,
    }))
}

/// Logs in with a password and, once the user has a trained password profile, the typing of
/// the password field. Every password failure — unknown user, wrong password, locked account —
/// is the same 401 with the same body. A right password with typing that does not pass gets
/// 200 with `step_up_required: true` and no token.
#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Invalid credentials (or a locked account)", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Body of the wrong shape, an invalid typing sample, or typing without a valid nonce (`nonce_required`, `invalid_nonce`)", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    )
)]
#[post("/login")]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    let state = state.into_inner();
    let body = body.into_inner();
    let typing = body
        .typing
        .map(|typing| login_check::prepare_typing(typing, state.settings.biometrics.max_events))
        .transpose()?;
    if typing.is_some() {
        login_nonces::consume(&state, body.nonce.as_deref()).await?;
    }
    let user =
        accounts::authenticate_password(&state, &body.username, body.password, &client).await?;
    let (verified, step_up) =
        match login_check::check(&state, user.id, typing.as_ref(), Context::Login).await? {
            LoginCheck::NotEnrolled => (None, None),
            LoginCheck::Passed(verified) => (Some(verified), None),
            LoginCheck::StepUp(reason, verified) => (verified, Some(reason)),
        };
    let biometric = verified.as_ref().map(LoginBiometric::from);
    if let Some(reason) = step_up {
        let details = json!({
            "reason": reason.as_str(),
            "score": biometric.as_ref().map(|b| b.score),
        });
        accounts::record_step_up(&state, &user, &client, details).await?;
        return Ok(web::Json(LoginResponse {
            access_token: None,
            token_type: None,
            expires_in: None,
            step_up_required: true,
            step_up_reason: Some(reason.as_str()),
            biometric,
        }));
    }
    let details = json!({ "typing_score": biometric.as_ref().map(|b| b.score) });
    let token = accounts::complete_login(&state, &user, &client, details).await?;
    Ok(web::Json(LoginResponse {
        access_token: Some(token.token),
        token_type: Some("Bearer"),
        expires_in: Some(token.expires_in),
        step_up_required: false,
        step_up_reason: None,
        biometric,
    }))
}

/// Ends the presented access token at once.
#[utoipa::path(
    tag = "auth",
    operation_id = "logout",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Token revoked"),
        (status = 401, description = "Missing, invalid, expired or revoked token", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    )
)]
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    client: ClientInfo,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    accounts::logout(
        &state,
        user.user_id,
        &user.claims.jti,
        user.claims.expires_at(),
        &client,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
