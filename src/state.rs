//! What every handler shares: the database, settings, token service, password hasher and
//! metrics. Built once by `startup` (or a CLI command), handed to actix-web as
//! `web::Data<AppState>`.

use std::sync::Arc;

use actix::{Addr, Recipient};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::actors::lockout::{EndUserSessions, Lockout, StepUpOutcome};
use crate::actors::notifier::Wake;
use crate::actors::session::writes::SessionWrites;
use crate::auth::access_cache::AccessCache;
use crate::auth::password::PasswordHasher;
use crate::auth::tokens::TokenService;
use crate::biometrics::fingerprints::Fingerprints;
use crate::biometrics::models::ModelCache;
use crate::biometrics::training::TrainingQueue;
use crate::biometrics::verification_log::VerificationLog;
use crate::configuration::Settings;
use crate::metrics::Metrics;
use crate::rate_limit::AuthRateLimiter;

pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub tokens: TokenService,
    /// Revocations and account roles, so authentication needs no database read per request.
    pub access: AccessCache,
    pub passwords: PasswordHasher,
    pub metrics: Metrics,
    pub auth_rate_limiter: AuthRateLimiter,
    pub models: ModelCache,
    pub training: TrainingQueue,
    /// Verification results, written in batches off the request path.
    pub verifications: VerificationLog,
    /// The replay check's fingerprints, in memory and written in batches.
    pub fingerprints: Fingerprints,
    /// Live sessions' progress and sampled scores, written in batches.
    pub session_writes: SessionWrites,
    /// Wakes the notifier after new alerts are committed; `None` where none runs (CLI).
    pub notifier: Option<Recipient<Wake>>,
    /// This process's live sessions by user; `None` where no server runs (CLI).
    pub lockout: Option<Addr<Lockout>>,
}

impl AppState {
    /// `background` is the connection the batch writers write through
    /// ([`crate::store::background`]; `db` itself where no other is needed).
    pub fn new(
        settings: Settings,
        db: DatabaseConnection,
        background: DatabaseConnection,
    ) -> anyhow::Result<Self> {
        Ok(AppState {
            tokens: TokenService::new(&settings.auth)?,
            access: AccessCache::new(&settings.auth),
            passwords: PasswordHasher::new(&settings.password)?,
            metrics: Metrics::new()?,
            auth_rate_limiter: AuthRateLimiter::new(&settings.rate_limit),
            models: ModelCache::new(&settings.biometrics),
            training: TrainingQueue::default(),
            verifications: VerificationLog::start(background.clone()),
            fingerprints: Fingerprints::start(db.clone(), background.clone(), &settings.biometrics),
            session_writes: SessionWrites::start(background),
            notifier: None,
            lockout: None,
            settings: Arc::new(settings),
            db,
        })
    }

    /// Sets the notifier that [`AppState::wake_notifier`] nudges.
    pub fn with_notifier(mut self, notifier: Option<Recipient<Wake>>) -> Self {
        self.notifier = notifier;
        self
    }

    /// Sets the lockout actor that live sessions register with.
    pub fn with_lockout(mut self, lockout: Option<Addr<Lockout>>) -> Self {
        self.lockout = lockout;
        self
    }

    /// Ends every live session of `user_id` on this process (e.g. its account was locked).
    pub fn end_user_sessions(&self, user_id: Uuid, reason: &'static str) {
        if let Some(lockout) = &self.lockout {
            lockout.do_send(EndUserSessions { user_id, reason });
        }
    }

    /// Tells a live session on this process how its owner's step-up went.
    /// Tells the session the step-up passed (`failure: None`) or ends it with `failure`.
    pub fn step_up_outcome(&self, session_id: Uuid, failure: Option<&'static str>) {
        if let Some(lockout) = &self.lockout {
            lockout.do_send(StepUpOutcome {
                session_id,
                failure,
            });
        }
    }

    /// Asks the notifier to look at the outbox now (it also polls on its own).
    pub fn wake_notifier(&self) {
        if let Some(notifier) = &self.notifier {
            notifier.do_send(Wake);
        }
    }
}
