//! Trained models in memory: a bounded cache (moka) over `biometric_models`, keyed by
//! (user, profile). Retraining here replaces the entry and deletion drops it; a model
//! retrained by another process on the same database is noticed by [`ModelCache::refresh`]
//! ([`ModelCache::refresh_regularly`] calls it every second), and the time-to-live bounds
//! staleness should that ever fail. Each entry lives a random share of that time-to-live
//! ([`JitteredLifetime`]), so models loaded together are not all reloaded together.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use moka::future::Cache;
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::configuration::BiometricSettings;
use crate::error::ApiError;
use crate::scoring::model::UserModel;
use crate::store;
use crate::store::biometric_samples::SOURCE_ADAPTATION;

/// A model ready to score, with the version stored beside it and what verification needs
/// to know of its profile without reading the database.
#[derive(Debug)]
pub struct LoadedModel {
    pub model: UserModel,
    pub version: i32,
    /// The keyed hash of the enrolled key sequence of a fixed-text profile (its first genuine
    /// sample's): a verified sample must type the same keys. It changes only when the profile
    /// is erased, which drops the model too.
    pub sequence_hash: Option<String>,
    /// Adapted samples in the profile: read when the model is loaded, counted up by this
    /// process's adaptations (another process's are seen at the next load or retraining).
    pub adapted: AtomicU64,
}

impl LoadedModel {
    /// The model with its profile's enrolled sequence and adaptation count read now.
    pub async fn read_profile(
        db: &DatabaseConnection,
        user_id: Uuid,
        profile_key: &str,
        model: UserModel,
        version: i32,
    ) -> Result<Self, DbErr> {
        Ok(LoadedModel {
            model,
            version,
            sequence_hash: store::biometric_samples::enrolled_sequence_hash(
                db,
                user_id,
                profile_key,
            )
            .await?,
            adapted: AtomicU64::new(
                store::biometric_samples::count_source(db, user_id, profile_key, SOURCE_ADAPTATION)
                    .await?,
            ),
        })
    }

    /// Takes one of the `max` adaptation places, if one is left; returns how many adapted
    /// samples the profile has with this one.
    pub fn take_adaptation_place(&self, max: u64) -> Option<u64> {
        self.adapted
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |count| {
                (count < max).then_some(count + 1)
            })
            .ok()
            .map(|before| before + 1)
    }
}

/// Why a model could not be loaded (shared by every caller waiting on the same load).
#[derive(Debug)]
enum LoadError {
    NotTrained,
    Database(DbErr),
    Unreadable(String),
}

async fn load(
    db: &DatabaseConnection,
    user_id: Uuid,
    profile_key: &str,
) -> Result<Arc<LoadedModel>, LoadError> {
    let stored = store::biometric_models::find(db, user_id, profile_key)
        .await
        .map_err(LoadError::Database)?
        .ok_or(LoadError::NotTrained)?;
    // A free-text model carries its kNN rows: decoding it takes milliseconds of CPU, and on
    // the thread that scores live sessions every session's score waited for it (each time the
    // cached models expired, p99 rose from 5 to about 100 ms at 1,000 sessions). It is
    // decoded on the blocking pool instead.
    let json = stored.model;
    let decoded = tokio::task::spawn_blocking(move || serde_json::from_value::<UserModel>(json))
        .await
        .map_err(|error| LoadError::Unreadable(format!("model decoding stopped: {error}")))?;
    let model = decoded.map_err(|error| {
        LoadError::Unreadable(format!(
            "stored model of {user_id}/{profile_key} is unreadable: {error}"
        ))
    })?;
    let loaded = LoadedModel::read_profile(db, user_id, profile_key, model, stored.version)
        .await
        .map_err(LoadError::Database)?;
    Ok(Arc::new(loaded))
}

/// How often [`ModelCache::refresh_regularly`] looks for models retrained by other processes.
const REFRESH_INTERVAL: Duration = Duration::from_secs(1);
/// Look back this much further than the last look, for clock skew between processes.
const REFRESH_OVERLAP: chrono::Duration = chrono::Duration::seconds(5);

/// How long a cached model lives: between half and all of the configured time-to-live, at
/// random. Models loaded in the same second (at start-up, or all of a load test's users) would
/// otherwise all expire in the same second, and again every time-to-live after that: every
/// live session of those users then waits for a reload at once, and the reloads (database
/// reads and decoding kNN rows) take the CPU from the sessions. One loadgen run each, 3,000
/// sessions for 70 s: event->score p99 18.4 ms and p99.9 58.8 ms with one fixed time-to-live,
/// 10.8 and 23.3 ms jittered.
struct JitteredLifetime {
    ttl: Duration,
}

impl JitteredLifetime {
    fn lifetime(&self) -> Duration {
        self.ttl.mul_f64(rand::random_range(0.5..=1.0))
    }
}

impl<K, V> moka::Expiry<K, V> for JitteredLifetime {
    fn expire_after_create(&self, _: &K, _: &V, _: std::time::Instant) -> Option<Duration> {
        Some(self.lifetime())
    }

    /// A retrained model replaces the entry with a lifetime of its own.
    fn expire_after_update(
        &self,
        _: &K,
        _: &V,
        _: std::time::Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(self.lifetime())
    }
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
                .expire_after(JitteredLifetime {
                    ttl: Duration::from_secs(settings.model_cache_ttl_secs),
                })
                .build(),
        }
    }

    /// The profile's current model, from memory or the database; `None` when none is trained.
    /// Concurrent misses on one profile read the database once (thousands of live sessions of
    /// a few users all miss together when their models expire).
    ///
    /// A hit (nearly every call) is answered without building the loading future: moka's
    /// initializer with the load inside it is some 10 KB, and held inline it made every
    /// caller's future that large — copied whole each time a request's future is boxed
    /// (REST verify's `memmove`s). A miss boxes it.
    pub async fn get(
        &self,
        db: &DatabaseConnection,
        user_id: Uuid,
        profile_key: &str,
    ) -> Result<Option<Arc<LoadedModel>>, ApiError> {
        if let Some(loaded) = self.cached(user_id, profile_key) {
            return Ok(Some(loaded));
        }
        let key = (user_id, profile_key.to_owned());
        let loading = Box::pin(self.cache.try_get_with(key, load(db, user_id, profile_key)));
        match loading.await {
            Ok(loaded) => Ok(Some(loaded)),
            Err(error) => match &*error {
                LoadError::NotTrained => Ok(None),
                LoadError::Database(error) => Err(error.clone().into()),
                LoadError::Unreadable(message) => {
                    Err(ApiError::internal(anyhow::anyhow!(message.clone())))
                }
            },
        }
    }

    /// The profile's model when it is in memory now: no database read and no waiting, so the
    /// model registry scores a live window inside its handler (see `actors::model_registry`).
    pub fn cached(&self, user_id: Uuid, profile_key: &str) -> Option<Arc<LoadedModel>> {
        // A hit completes on the first poll; anything else goes the asynchronous way.
        self.cache
            .get(&(user_id, profile_key.to_owned()))
            .now_or_never()
            .flatten()
    }

    pub async fn put(
        &self,
        user_id: Uuid,
        profile_key: &str,
        loaded: LoadedModel,
    ) -> Arc<LoadedModel> {
        let loaded = Arc::new(loaded);
        self.cache
            .insert((user_id, profile_key.to_owned()), loaded.clone())
            .await;
        loaded
    }

    /// Calls [`ModelCache::refresh`] every [`REFRESH_INTERVAL`] on the current Tokio runtime
    /// (if there is one), for as long as the runtime runs.
    pub fn refresh_regularly(&self, db: DatabaseConnection) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let models = self.clone();
        runtime.spawn(async move {
            let mut since = Utc::now() - REFRESH_OVERLAP;
            let mut ticks = tokio::time::interval(REFRESH_INTERVAL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let looked_at = Utc::now();
                match models.refresh(&db, since).await {
                    Ok(_) => since = looked_at - REFRESH_OVERLAP,
                    Err(error) => tracing::warn!(%error, "cannot look for retrained models"),
                }
            }
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_models_live_between_half_and_all_of_the_ttl_and_not_all_alike() {
        let ttl = Duration::from_secs(60);
        let jitter = JitteredLifetime { ttl };
        let lifetimes: Vec<Duration> = (0..200).map(|_| jitter.lifetime()).collect();
        assert!(lifetimes.iter().all(|l| *l >= ttl / 2 && *l <= ttl));
        let shortest = lifetimes.iter().min().unwrap();
        let longest = lifetimes.iter().max().unwrap();
        assert!(*longest - *shortest > ttl / 4, "{shortest:?}..{longest:?}");
    }
}
