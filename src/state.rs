//! What every handler shares: the database, settings, token service, password hasher and
//! metrics. Built once by `startup` (or a CLI command), handed to actix-web as
//! `web::Data<AppState>`.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::password::PasswordHasher;
use crate::auth::tokens::TokenService;
use crate::biometrics::models::ModelCache;
use crate::biometrics::training::TrainingQueue;
use crate::configuration::Settings;
use crate::metrics::Metrics;
use crate::rate_limit::AuthRateLimiter;

pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub tokens: TokenService,
    pub passwords: PasswordHasher,
    pub metrics: Metrics,
    pub auth_rate_limiter: AuthRateLimiter,
    pub models: ModelCache,
    pub training: TrainingQueue,
}

impl AppState {
    pub fn new(settings: Settings, db: DatabaseConnection) -> anyhow::Result<Self> {
        Ok(AppState {
            tokens: TokenService::new(&settings.auth)?,
            passwords: PasswordHasher::new(&settings.password)?,
            metrics: Metrics::new()?,
            auth_rate_limiter: AuthRateLimiter::new(&settings.rate_limit),
            models: ModelCache::new(&settings.biometrics),
            training: TrainingQueue::default(),
            settings: Arc::new(settings),
            db,
        })
    }
}
