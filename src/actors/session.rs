//! One live session: the actor behind one WebSocket (`GET /api/v1/sessions/live`).
//!
//! It owns the session's rolling window of events (bounded by count and age), its scoring
//! cadence, its challenge state and its limits. The client sends it [`ClientFrame`]s; every
//! `score_every_events` events (or `score_every_ms` after the last score) it sends
//! [`ScoreWindow`] to the [`ModelRegistry`] without waiting on it, and answers the client with
//! a `score` frame. `challenge_after_low_scores` consecutive scores under the user's threshold
//! send a `challenge`; a `deny`, or a challenge not answered with `step_up_done` in time, ends
//! the session (`ended` frame, close code
//! [`CLOSE_POLICY_ENDED`](crate::protocol::CLOSE_POLICY_ENDED), `session_ended` security
//! event). Status and last score reach `live_sessions` every `persist_every_ms` and at the end;
//! these periodic duties share one timer ([`duties`]).
//!
//! `step_up_done` is believed only when the server recorded a passed step-up
//! (`POST /api/v1/sessions/{id}/step-up`) after the challenge began: the [`Lockout`] actor, where
//! the session registers itself, forwards [`StepUpPassed`] from that handler on this process,
//! and `live_sessions.step_up_passed_at` answers for a pass made through another process.
//! [`EndSession`] (a failed step-up, a locked account) ends the session from outside.
//!
//! [`ClientFrame`]: crate::protocol::ClientFrame
//! [`ScoreWindow`]: crate::actors::model_registry::ScoreWindow
//! [`Lockout`]: crate::actors::lockout::Lockout

mod duties;
mod scoring;
mod step_up;
mod stream;
mod window;
pub mod writes;

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web_actors::ws::{self, CloseCode, CloseReason};
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::actors::lockout::{BehaviourFailure, RegisterSession, UnregisterSession};
use crate::actors::model_registry::ModelRegistry;
use crate::configuration::SessionSettings;
use crate::events::{DeviceClass, Modality};
use crate::protocol::ServerFrame;
use crate::state::AppState;
use crate::store;
use crate::store::live_sessions::{STATUS_ACTIVE, STATUS_CHALLENGED};
use crate::store::security_events::{EventType, NewSecurityEvent};

use self::duties::Duties;
use self::window::{EventBudget, EventWindow};
use self::writes::SessionWrite;

/// How often the server pings the client (a pong counts as activity).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);

/// End reasons that are about the user's behaviour (they become `session_ended` events).
const BEHAVIOURAL_REASONS: [&str; 3] = ["deny", "challenge_timeout", "step_up_failed"];

/// Who is streaming and which profile the stream is scored against.
#[derive(Debug, Clone)]
pub struct SessionSpec {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub profile_key: String,
    pub modality: Modality,
    pub device: DeviceClass,
    pub text_id: Option<String>,
}

/// Ends the session from outside with `reason` (`ended` frame, close code 4001).
#[derive(Message)]
#[rtype(result = "()")]
pub struct EndSession {
    pub reason: &'static str,
}

/// The session's owner has just passed a step-up through the REST endpoint.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StepUpPassed;

pub struct LiveSession {
    /// Session id, user and profile.
    spec: SessionSpec,
    /// Scores windows for every session.
    registry: Addr<ModelRegistry>,
    /// Shared with every session of the process (one pointer instead of copies of each part,
    /// which idle sessions paid for in memory): the database where the end is recorded and a
    /// step-up pass looked up, the batched writes of progress and sampled scores, the lockout
    /// actor where the session registers itself, and the settings (window bounds, cadence,
    /// deadlines and limits).
    state: Arc<AppState>,
    /// The newest events, bounded by count and age.
    window: EventWindow,
    /// Events received in this session.
    events_seen: u64,
    /// Events received since the last score request.
    events_since_score: u64,
    /// When the last score was requested.
    last_score_at: Instant,
    /// Consecutive scores under the user's threshold.
    low_streak: u32,
    /// The deadline timer of a pending challenge.
    challenge: Option<SpawnHandle>,
    /// When the pending challenge was sent.
    challenge_began_at: Option<DateTime<Utc>>,
    /// The last step-up pass this process heard of.
    step_up_passed_at: Option<DateTime<Utc>>,
    /// Malformed frames received.
    bad_frames: u32,
    /// This second's event allowance.
    budget: EventBudget,
    /// Last frame of any kind from the client.
    last_heard: Instant,
    /// Last `events` frame from the client (the user's own activity).
    last_events_at: Instant,
    /// The latest fused score.
    last_score: Option<f64>,
    /// When a score was last kept in `session_scores`.
    last_sampled_at: Option<Instant>,
    /// Something changed since the last write to `live_sessions`.
    dirty: bool,
    /// Why the session ended, once it has.
    end_reason: Option<&'static str>,
    /// When the heartbeat, the timeouts, the time-based score and the progress write are due.
    duties: Duties,
}

impl LiveSession {
    pub fn new(spec: SessionSpec, registry: Addr<ModelRegistry>, state: Arc<AppState>) -> Self {
        let now = Instant::now();
        let settings = &state.settings.sessions;
        let mut window = EventWindow::new(settings.window_max_events, settings.window_max_age());
        if spec.modality == Modality::Keystroke {
            window = window.pairing_keys();
        }
        let budget = EventBudget::new(settings.max_events_per_sec, now);
        let duties = Duties::new(now, settings);
        LiveSession {
            spec,
            registry,
            state,
            window,
            events_seen: 0,
            events_since_score: 0,
            last_score_at: now,
            low_streak: 0,
            challenge: None,
            challenge_began_at: None,
            step_up_passed_at: None,
            bad_frames: 0,
            budget,
            last_heard: now,
            last_events_at: now,
            last_score: None,
            last_sampled_at: None,
            dirty: false,
            end_reason: None,
            duties,
        }
    }

    /// Window bounds, cadence, deadlines and limits.
    fn settings(&self) -> &SessionSettings {
        &self.state.settings.sessions
    }

    fn send(&self, frame: &ServerFrame, ctx: &mut ws::WebsocketContext<Self>) {
        ctx.text(frame.to_text());
    }

    /// Sends `ended`, closes the socket with `code` and stops.
    fn finish(
        &mut self,
        reason: &'static str,
        code: CloseCode,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        if self.end_reason.is_some() {
            return;
        }
        self.end_reason = Some(reason);
        self.send(
            &ServerFrame::Ended {
                reason: reason.to_owned(),
            },
            ctx,
        );
        ctx.close(Some(CloseReason {
            code,
            description: Some(reason.to_owned()),
        }));
        ctx.stop();
    }

    fn bad_frame(&mut self, message: String, ctx: &mut ws::WebsocketContext<Self>) {
        self.bad_frames += 1;
        self.send(&ServerFrame::error("bad_frame", message), ctx);
        if self.bad_frames > self.settings().max_bad_frames {
            self.finish("bad_frames", CloseCode::Policy, ctx);
        }
    }

    fn status(&self) -> &'static str {
        if self.challenge.is_some() {
            STATUS_CHALLENGED
        } else {
            STATUS_ACTIVE
        }
    }

    fn persist(&mut self) {
        if !std::mem::take(&mut self.dirty) {
            return;
        }
        self.state.session_writes.queue(SessionWrite::Progress {
            session_id: self.spec.session_id,
            status: self.status(),
            last_score: self.last_score,
            at: Utc::now(),
        });
    }
}

impl Actor for LiveSession {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        tracing::info!(session_id = %self.spec.session_id, user_id = %self.spec.user_id, "live session opened");
        if let Some(lockout) = &self.state.lockout {
            lockout.do_send(RegisterSession {
                session_id: self.spec.session_id,
                user_id: self.spec.user_id,
                end: ctx.address().recipient(),
                step_up: ctx.address().recipient(),
            });
        }
        self.schedule_duties(ctx);
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        if let Some(lockout) = &self.state.lockout {
            lockout.do_send(UnregisterSession {
                session_id: self.spec.session_id,
            });
        }
        Running::Stop
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        let reason = self.end_reason.unwrap_or("client_closed");
        let (db, spec, last_score) = (self.state.db.clone(), self.spec.clone(), self.last_score);
        tracing::info!(session_id = %spec.session_id, reason, "live session ended");
        if let Some(lockout) = &self.state.lockout
            && BEHAVIOURAL_REASONS.contains(&reason)
        {
            lockout.do_send(BehaviourFailure {
                user_id: spec.user_id,
                session_id: spec.session_id,
                reason,
            });
        }
        actix::spawn(async move {
            // Thousands of sessions can end at once (a restart of the load balancer, say): each
            // write waits for its turn rather than polling for SQLite's lock.
            let now = Utc::now();
            let end = store::live_sessions::end(&db, spec.session_id, reason, last_score, now);
            if let Err(error) = store::in_write_turn(&db, end).await {
                tracing::warn!(session_id = %spec.session_id, %error, "cannot record the session's end");
            }
            if BEHAVIOURAL_REASONS.contains(&reason) {
                let event = NewSecurityEvent {
                    event_type: EventType::SessionEnded,
                    user_id: Some(spec.user_id),
                    actor_id: None,
                    client: None,
                    details: json!({
                        "session_id": spec.session_id,
                        "profile_key": spec.profile_key,
                        "reason": reason,
                        "last_score": last_score,
                    }),
                };
                let record = store::security_events::record(&db, event);
                if let Err(error) = store::in_write_turn(&db, record).await {
                    tracing::warn!(%error, "cannot record the session_ended event");
                }
            }
        });
    }
}
