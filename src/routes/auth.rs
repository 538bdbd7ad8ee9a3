//! Register, log in, log out.

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::{self, Registration};
use crate::auth::client::ClientInfo;
use crate::auth::extractor::AuthenticatedUser;
use crate::error::{ApiError, ErrorBody};
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
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImRldiJ9...", "token_type": "Bearer", "expires_in": 900}))]
pub struct LoginResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
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

/// Logs in with a password. Every failure — unknown user, wrong password, locked account —
/// is the same 401 with the same body.
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
        (status = 422, description = "Body of the wrong shape", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    )
)]
#[post("/login")]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    let body = body.into_inner();
    let (_, token) = accounts::login(&state, &body.username, body.password, &client).await?;
    Ok(web::Json(LoginResponse {
        access_token: token.token,
        token_type: "Bearer",
        expires_in: token.expires_in,
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
