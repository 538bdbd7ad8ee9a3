//! Trained models in memory: a bounded cache (moka) over `biometric_models`, keyed by
//! (user, profile). Retraining here replaces the entry and deletion drops it; a model
//! retrained by another process on the same database is noticed by [`ModelCache::refresh`]
//! (the model-registry actor calls it every second), and the time-to-live bounds staleness
//! should that ever fail.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use moka::future::Cache;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::configuration::BiometricSettings;
use crate::error::ApiError;
use crate::scoring::model::UserModel;
use crate::store;

/// A model ready to score, with the version stored beside it.
#[derive(Debug)]
pub struct LoadedModel {
    pub model: UserModel,
    pub version: i32,
}

#[derive(Clone)]
pub struct ModelCache {
    cache: Cache<(Uuid, String), Arc<LoadedModel>>,
}

impl ModelCache {
    pub fn new(settings: &BiometricSettings) -> Self {
        ModelCache {
            cache: Cache::builder()
                .max_capacity(settings.model_cache_capacity)
                .time_to_live(Duration::from_secs(settings.model_cache_ttl_secs))
                .build(),
        }
    }

    /// The profile's current model, from memory or the database; `None` when none is trained.
    pub async fn get(
        &self,
        db: &DatabaseConnection,
        user_id: Uuid,
        profile_key: &str,
    ) -> Result<Option<Arc<LoadedModel>>, ApiError> {
        let key = (user_id, profile_key.to_owned());
        if let Some(loaded) = self.cache.get(&key).await {
            return Ok(Some(loaded));
        }
        let Some(stored) = store::biometric_models::find(db, user_id, profile_key).await? else {
            return Ok(None);
        };
        let model: UserModel = serde_json::from_value(stored.model).map_err(|error| {
            ApiError::internal(anyhow::anyhow!(
                "stored model of {user_id}/{profile_key} is unreadable: {error}"
            ))
        })?;
        let loaded = Arc::new(LoadedModel {
            model,
            version: stored.version,
        });
        self.cache.insert(key, loaded.clone()).await;
        Ok(Some(loaded))
    }

    pub async fn put(&self, user_id: Uuid, profile_key: &str, loaded: LoadedModel) {
        self.cache
            .insert((user_id, profile_key.to_owned()), Arc::new(loaded))
            .await;
    }

    /// Drops cached models that a newer stored version (trained at or after `since`, e.g. by
    /// another process) replaces; returns how many. Reads only ids and versions, not models.
    pub async fn refresh(
        &self,
        db: &DatabaseConnection,
        since: DateTime<Utc>,
    ) -> Result<usize, sea_orm::DbErr> {
        let mut dropped = 0;
        for (user_id, profile_key, version) in
            store::biometric_models::trained_since(db, since).await?
        {
            let key = (user_id, profile_key);
            if let Some(cached) = self.cache.get(&key).await
                && cached.version != version
            {
                self.cache.invalidate(&key).await;
                dropped += 1;
            }
        }
        Ok(dropped)
    }

    /// Drops every cached model of the user (after erasing their profile).
    pub fn forget_user(&self, user_id: Uuid) {
        // Invalidation by predicate needs support enabled at build time; iterating is cheap
        // enough for an admin or self-service erase.
        for (key, _) in self.cache.iter() {
            if key.0 == user_id {
                let cache = self.cache.clone();
                let key = (*key).clone();
                tokio::spawn(async move { cache.invalidate(&key).await });
            }
        }
    }
}
