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

/// Verifies the token and that it was not revoked, and reads the role from the database so a
/// demoted or deleted user loses access at once.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthenticatedUser, ApiError> {
    let claims = state.tokens.verify(token).map_err(|error| {
        tracing::debug!(%error, "bearer token refused");
        ApiError::Unauthorized("invalid or expired token")
    })?;
    let user_id = claims
        .user_id()
        .ok_or(ApiError::Unauthorized("invalid or expired token"))?;
    if store::revoked_tokens::is_revoked(&state.db, &claims.jti).await? {
        return Err(ApiError::Unauthorized("invalid or expired token"));
    }
    let user = store::users::find_by_id(&state.db, user_id)
        .await?
        .ok_or(ApiError::Unauthorized("invalid or expired token"))?;
    Ok(AuthenticatedUser {
        user_id,
        role: user.role,
        claims,
    })
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_owned())
}
