//! The notifier: delivers the alerts of the outbox (`store::alerts`).
//!
//! It owns the SMTP transport and the webhook HTTP client. Every `notifier.poll_interval_ms`,
//! and whenever someone sends it [`Wake`] (the account flows do after committing a lockout),
//! it claims the due alerts (a lease per row, so several notifiers never deliver one alert at
//! the same time), delivers each, logs the attempt, and marks it delivered, reschedules it
//! with exponential backoff and jitter, or, after `notifier.max_attempts`, marks it dead.
//! One batch runs at a time; a wake during a batch runs another right after it.

use std::time::Duration;

use actix::prelude::*;
use chrono::Utc;
use rand::Rng;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::configuration::{NotifierSettings, SmtpSettings};
use crate::delivery::{self, Failure, Mailer};
use crate::store;
use crate::store::alerts::{Alert, AttemptResult, KIND_EMAIL, KIND_WEBHOOK, Settlement};

/// Longest error text kept per attempt.
const MAX_ERROR_CHARS: usize = 500;

/// Look at the outbox now (sent after committing new alerts).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Wake;

/// Stop, closing the SMTP pool while the runtime still runs (sent by `startup` once the
/// server has stopped). A batch in flight is dropped; its alerts' leases expire and another
/// notifier delivers them.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;

pub struct Notifier {
    /// Where the outbox lives.
    db: DatabaseConnection,
    /// Polling, retry and SSRF settings.
    settings: NotifierSettings,
    /// Sends alert emails; `None` once shut down.
    mailer: Option<Mailer>,
    /// Sends webhooks; built on this actor's arbiter (it is not `Send`).
    http: Option<awc::Client>,
    /// This notifier's lease owner id, unique per process start.
    owner: String,
    /// A batch is running.
    busy: bool,
    /// A wake arrived during the running batch.
    wake_again: bool,
}

impl Notifier {
    pub fn new(
        db: DatabaseConnection,
        settings: NotifierSettings,
        smtp: &SmtpSettings,
    ) -> anyhow::Result<Self> {
        Ok(Notifier {
            db,
            settings,
            mailer: Some(Mailer::new(smtp)?),
            http: None,
            owner: format!("notifier-{}", Uuid::new_v4().simple()),
            busy: false,
            wake_again: false,
        })
    }

    /// Starts a batch unless one is running.
    fn poll(&mut self, ctx: &mut Context<Self>) {
        if self.busy {
            self.wake_again = true;
            return;
        }
        let (Some(http), Some(mailer)) = (self.http.clone(), self.mailer.clone()) else {
            return;
        };
        self.busy = true;
        let batch = Batch {
            db: self.db.clone(),
            settings: self.settings.clone(),
            mailer,
            http,
            owner: self.owner.clone(),
        };
        ctx.spawn(batch.run().into_actor(self).map(|full, actor, ctx| {
            actor.busy = false;
            if full || std::mem::take(&mut actor.wake_again) {
                actor.poll(ctx);
            }
        }));
    }
}

impl Actor for Notifier {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.http = Some(
            awc::Client::builder()
                .timeout(self.settings.request_timeout())
                .disable_redirects()
                .finish(),
        );
        ctx.run_interval(self.settings.poll_interval(), |actor, ctx| actor.poll(ctx));
        self.poll(ctx);
    }
}

impl Handler<Wake> for Notifier {
    type Result = ();

    fn handle(&mut self, _: Wake, ctx: &mut Self::Context) {
        self.poll(ctx);
    }
}

impl Handler<Shutdown> for Notifier {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        // lettre's pool spawns its closing task on drop, which needs a running runtime.
        self.mailer = None;
        ctx.stop();
    }
}

/// What one batch needs, detached from the actor so it can run as a future.
struct Batch {
    db: DatabaseConnection,
    settings: NotifierSettings,
    mailer: Mailer,
    http: awc::Client,
    owner: String,
}

impl Batch {
    /// Delivers the due alerts; returns whether the batch was full (more may be due).
    async fn run(self) -> bool {
        let now = Utc::now();
        let ids = match store::alerts::due_ids(&self.db, now, self.settings.batch_size).await {
            Ok(ids) => ids,
            Err(error) => {
                tracing::warn!(%error, "cannot read the alert outbox");
                return false;
            }
        };
        let full = ids.len() as u64 == self.settings.batch_size;
        for id in ids {
            if let Err(error) = self.deliver_one(id).await {
                tracing::warn!(alert_id = id, %error, "alert delivery bookkeeping failed");
            }
        }
        full
    }

    #[tracing::instrument(name = "deliver_alert", skip(self))]
    async fn deliver_one(&self, id: i64) -> Result<(), sea_orm::DbErr> {
        let now = Utc::now();
        let lease =
            chrono::Duration::seconds(i64::try_from(self.settings.lease_secs).unwrap_or(60));
        // The lease is a single statement: it waits with the requests' writes instead of polling
        // for SQLite's lock on its own.
        let claim = store::alerts::claim(&self.db, id, &self.owner, now, now + lease);
        let claimed = store::in_write_turn(&self.db, claim).await?;
        let Some(alert) = claimed else {
            return Ok(());
        };
        let outcome = self.attempt(&alert).await;
        let attempts = u32::try_from(alert.attempts).unwrap_or(0) + 1;
        let (result, settlement) = match outcome {
            Ok(status) => (
                AttemptResult {
                    success: true,
                    status,
                    error: None,
                },
                Settlement::Delivered,
            ),
            Err(failure) => {
                let settlement = if attempts >= self.settings.max_attempts {
                    tracing::warn!(alert_id = id, error = %failure.error, "alert given up");
                    Settlement::Dead
                } else {
                    let delay = backoff(&self.settings, attempts);
                    Settlement::RetryAt(
                        Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default(),
                    )
                };
                let error = failure.error.chars().take(MAX_ERROR_CHARS).collect();
                (
                    AttemptResult {
                        success: false,
                        status: failure.status,
                        error: Some(error),
                    },
                    settlement,
                )
            }
        };
        store::alerts::settle(&self.db, &alert, &self.owner, result, settlement).await
    }

    /// One delivery attempt; the HTTP status for webhooks.
    async fn attempt(&self, alert: &Alert) -> Result<Option<u16>, Failure> {
        let text = |key: &str| {
            alert.payload[key]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_default()
        };
        match alert.kind.as_str() {
            KIND_EMAIL => self
                .mailer
                .send(
                    &alert.target,
                    &alert.message_id,
                    &text("subject"),
                    &text("text"),
                )
                .await
                .map(|()| None),
            KIND_WEBHOOK => {
                let id: Uuid = alert.target.parse().map_err(|_| Failure {
                    status: None,
                    error: "the target is not a webhook id".into(),
                })?;
                let webhook = store::webhooks::find(&self.db, id)
                    .await
                    .map_err(|error| Failure {
                        status: None,
                        error: error.to_string(),
                    })?
                    .ok_or_else(|| Failure {
                        status: None,
                        error: "the webhook subscription was deleted".into(),
                    })?;
                let body = alert.payload.to_string();
                let request = delivery::Webhook {
                    url: &webhook.url,
                    secret: &webhook.secret,
                    message_id: &alert.message_id,
                    body: &body,
                };
                delivery::send_webhook(&self.http, request, self.settings.allow_private_targets)
                    .await
                    .map(Some)
            }
            other => Err(Failure {
                status: None,
                error: format!("unknown alert kind {other:?}"),
            }),
        }
    }
}

/// Delay before the attempt after `attempts` failed ones: `base · 2^(attempts-1)`, capped at
/// `backoff_max_ms`, of which a random half is taken off ("equal jitter") so that alerts that
/// failed together do not all retry together.
pub fn backoff(settings: &NotifierSettings, attempts: u32) -> Duration {
    let exponent = attempts.saturating_sub(1).min(32);
    let full = settings
        .backoff_base_ms
        .saturating_mul(1u64 << exponent)
        .min(settings.backoff_max_ms);
    let half = full / 2;
    Duration::from_millis(half + rand::rng().random_range(0..=full - half))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::Settings;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_within_bounds() {
        let mut settings = Settings::defaults().unwrap().notifier;
        settings.backoff_base_ms = 1000;
        settings.backoff_max_ms = 10_000;
        for (attempts, full) in [
            (1, 1000),
            (2, 2000),
            (3, 4000),
            (4, 8000),
            (5, 10_000),
            (40, 10_000),
        ] {
            for _ in 0..50 {
                let delay = backoff(&settings, attempts).as_millis() as u64;
                assert!((full / 2..=full).contains(&delay), "{attempts}: {delay}");
            }
        }
    }
}
