//! `AuthenticatedUser` and `AdminUser`: handler arguments that exist only for a valid,
//! unrevoked bearer token (and, for admins, the admin role). Anything else is a 401/403 before
//! the handler runs.

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use crate::auth::tokens::Claims;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

#[derive(Debug, Clone)]
pub struct AuthenticatedUser {
    pub user_id: Uuid,
    pub role: String,
    pub claims: Claims,
}

#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthenticatedUser);

impl FromRequest for AuthenticatedUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no app state")))?;
            let token = token.ok_or(ApiError::Unauthorized("missing bearer token"))?;
            authenticate(&state, &token).await
        })
    }
}

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthenticatedUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            if user.role == store::users::ROLE_ADMIN {
                Ok(AdminUser(user))
            } else {
                Err(ApiError::Forbidden)
            }
        })
    }
}

/// Verifies the token and that it was not revoked, and takes the role from the account (not the
/// token) so a demoted or deleted user loses access; both answers come from the
/// [`AccessCache`](crate::auth::access_cache::AccessCache), at most
/// `auth.access_cache_ttl_ms` old.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthenticatedUser, ApiError> {
    let claims = state.tokens.verify(token).map_err(|error| {
        tracing::debug!(%error, "bearer token refused");
        ApiError::Unauthorized("invalid or expired token")
    })?;
    let user_id = claims
        .user_id()
        .ok_or(ApiError::Unauthorized("invalid or expired token"))?;
    if state.access.is_revoked(&state.db, &claims.jti).await? {
        return Err(ApiError::Unauthorized("invalid or expired token"));
    }
    let role = state
        .access
        .role(&state.db, user_id)
        .await?
        .ok_or(ApiError::Unauthorized("invalid or expired token"))?;
    Ok(AuthenticatedUser {
        user_id,
        role,
        claims,
    })
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_owned())
}
