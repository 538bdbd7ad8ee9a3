//! What `authenticate` would otherwise read from the database on every request — is this
//! token revoked, does the account still exist and with which role — kept in memory for
//! `auth.access_cache_ttl_ms` (default one second).
//!
//! A logout on this process is seen at once (it marks the token here as it writes the
//! revocation). A logout or an account change made by another process sharing the database
//! is seen once the cached answer expires: at most the time-to-live later. Concurrent misses
//! on one key read the database once.
//!
//! A hit is answered without building the reading future (moka's initializer, kilobytes, would
//! otherwise sit inline in every authenticated request's future, which is copied whole each
//! time it is boxed); a miss boxes it.

use std::time::Duration;

use futures_util::FutureExt;
use moka::future::Cache;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::configuration::AuthSettings;
use crate::error::ApiError;
use crate::store;

/// Entries kept at most per cache (a few hundred bytes each).
const CAPACITY: u64 = 100_000;

#[derive(Clone)]
pub struct AccessCache {
    /// Token id → revoked.
    revoked: Cache<String, bool>,
    /// User id → the account's role, `None` when no such account exists.
    roles: Cache<Uuid, Option<String>>,
}

impl AccessCache {
    pub fn new(settings: &AuthSettings) -> Self {
        let ttl = Duration::from_millis(settings.access_cache_ttl_ms);
        AccessCache {
            revoked: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ttl)
                .build(),
            roles: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ttl)
                .build(),
        }
    }

    pub async fn is_revoked(&self, db: &DatabaseConnection, jti: &str) -> Result<bool, ApiError> {
        if let Some(revoked) = self.revoked.get(jti).now_or_never().flatten() {
            return Ok(revoked);
        }
        Box::pin(
            self.revoked
                .try_get_with_by_ref(jti, store::revoked_tokens::is_revoked(db, jti)),
        )
        .await
        .map_err(|error| ApiError::from((*error).clone()))
    }

    /// The role of the account, or `None` when it does not exist.
    pub async fn role(
        &self,
        db: &DatabaseConnection,
        user_id: Uuid,
    ) -> Result<Option<String>, ApiError> {
        // Ready, and cached: the role, or `None` for an account that does not exist.
        if let Some(Some(role)) = self.roles.get(&user_id).now_or_never() {
            return Ok(role);
        }
        let reading = self.roles.try_get_with(user_id, async move {
            store::users::find_by_id(db, user_id)
                .await
                .map(|user| user.map(|user| user.role))
        });
        Box::pin(reading)
            .await
            .map_err(|error| ApiError::from((*error).clone()))
    }

    /// Called after the revocation is written: this process refuses the token from now on.
    pub async fn mark_revoked(&self, jti: &str) {
        self.revoked.insert(jti.to_owned(), true).await;
    }
}
