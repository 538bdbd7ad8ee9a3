//! One live session: the actor behind one WebSocket (`GET /api/v1/sessions/live`).
//!
//! It owns the session's rolling window of events (bounded by count and age), its scoring
//! cadence, its challenge state and its limits. The client sends it [`ClientFrame`]s; every
//! `score_every_events` events (or `score_every_ms` after the last score) it sends
//! [`ScoreWindow`] to the [`ModelRegistry`] without waiting on it, and answers the client with
//! a `score` frame. `challenge_after_low_scores` consecutive scores under the user's threshold
//! send a `challenge`; a `deny`, or a challenge not answered with `step_up_done` in time, ends
//! the session (`ended` frame, close code [`CLOSE_POLICY_ENDED`], `session_ended` security
//! event). Status and last score reach `live_sessions` every `persist_every_ms` and at the end.

mod window;

use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web_actors::ws::{self, CloseCode, CloseReason};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde_json::json;
use uuid::Uuid;

use crate::actors::model_registry::{ModelRegistry, ScoreResult, ScoreWindow};
use crate::biometrics::verification::Decision;
use crate::configuration::SessionSettings;
use crate::error::ApiError;
use crate::events::{DeviceClass, Modality, RawEvent, Sample};
use crate::protocol::{CLOSE_POLICY_ENDED, ClientFrame, ServerFrame};
use crate::store;
use crate::store::live_sessions::{STATUS_ACTIVE, STATUS_CHALLENGED};
use crate::store::security_events::{EventType, NewSecurityEvent};

use self::window::{EventBudget, EventWindow};

/// How often the server pings the client (a pong counts as activity).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);

/// End reasons that are about the user's behaviour (they become `session_ended` events).
const BEHAVIOURAL_REASONS: [&str; 2] = ["deny", "challenge_timeout"];

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

pub struct LiveSession {
    /// Session id, user and profile.
    spec: SessionSpec,
    /// Scores windows for every session.
    registry: Addr<ModelRegistry>,
    /// Where progress and the end are recorded.
    db: DatabaseConnection,
    /// Window bounds, cadence, deadlines and limits.
    settings: SessionSettings,
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
    /// Malformed frames received.
    bad_frames: u32,
    /// This second's event allowance.
    budget: EventBudget,
    /// Last frame of any kind from the client.
    last_heard: Instant,
    /// The latest fused score.
    last_score: Option<f64>,
    /// Something changed since the last write to `live_sessions`.
    dirty: bool,
    /// Why the session ended, once it has.
    end_reason: Option<&'static str>,
}

impl LiveSession {
    pub fn new(
        spec: SessionSpec,
        registry: Addr<ModelRegistry>,
        db: DatabaseConnection,
        settings: SessionSettings,
    ) -> Self {
        let now = Instant::now();
        let window = EventWindow::new(settings.window_max_events, settings.window_max_age());
        let budget = EventBudget::new(settings.max_events_per_sec, now);
        LiveSession {
            spec,
            registry,
            db,
            settings,
            window,
            events_seen: 0,
            events_since_score: 0,
            last_score_at: now,
            low_streak: 0,
            challenge: None,
            bad_frames: 0,
            budget,
            last_heard: now,
            last_score: None,
            dirty: false,
            end_reason: None,
        }
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
        if self.bad_frames > self.settings.max_bad_frames {
            self.finish("bad_frames", CloseCode::Policy, ctx);
        }
    }

    fn on_events(&mut self, events: Vec<RawEvent>, ctx: &mut ws::WebsocketContext<Self>) {
        if let Some(other) = events.iter().find(|e| e.modality() != self.spec.modality) {
            let kind = other.kind_name();
            self.bad_frame(
                format!("{kind} events do not belong to this session's profile"),
                ctx,
            );
            return;
        }
        let now = Instant::now();
        if !self.budget.take(now, events.len()) {
            let limit = self.settings.max_events_per_sec;
            let message = format!("more than {limit} events per second; these were dropped");
            self.send(&ServerFrame::error("rate_limited", message), ctx);
            return;
        }
        let count = events.len() as u64;
        self.events_seen += count;
        self.events_since_score += count;
        self.window.push(now, events);
        if self.events_since_score >= self.settings.score_every_events {
            self.request_score(ctx);
        }
    }

    /// Sends the window to the registry; the answer comes back as a future on this actor.
    fn request_score(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        let now = Instant::now();
        self.events_since_score = 0;
        self.last_score_at = now;
        let events = self.window.snapshot(now);
        if events.is_empty() {
            return;
        }
        let request = ScoreWindow {
            user_id: self.spec.user_id,
            profile_key: self.spec.profile_key.clone(),
            sample: Sample {
                modality: self.spec.modality,
                device: self.spec.device,
                text_id: self.spec.text_id.clone(),
                typed_chars: None,
                events,
            },
        };
        let scored = self.registry.send(request).into_actor(self);
        ctx.spawn(scored.map(|result, actor, ctx| match result {
            Ok(result) => actor.on_score(result, ctx),
            Err(error) => {
                tracing::warn!(%error, "the model registry did not answer");
                actor.send(
                    &ServerFrame::error("unavailable", "scoring is unavailable"),
                    ctx,
                );
            }
        }));
    }

    fn on_score(
        &mut self,
        result: Result<ScoreResult, ApiError>,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        if self.end_reason.is_some() {
            return;
        }
        let scored = match result {
            Ok(scored) => scored,
            Err(error) => {
                self.send(&ServerFrame::error(error.code(), error.to_string()), ctx);
                return;
            }
        };
        self.last_score = Some(scored.score);
        self.dirty = true;
        let frame = ServerFrame::Score {
            score: scored.score,
            decision: scored.decision,
            events_seen: self.events_seen,
        };
        self.send(&frame, ctx);
        if scored.decision == Decision::Deny {
            self.finish("deny", CloseCode::Other(CLOSE_POLICY_ENDED), ctx);
            return;
        }
        if scored.score >= scored.threshold {
            self.low_streak = 0;
            return;
        }
        self.low_streak += 1;
        if self.low_streak >= self.settings.challenge_after_low_scores && self.challenge.is_none() {
            let reason = format!("{} consecutive scores under the threshold", self.low_streak);
            let deadline = self.settings.challenge_deadline();
            let deadline_ms = self.settings.challenge_deadline_ms;
            self.send(
                &ServerFrame::Challenge {
                    reason,
                    deadline_ms,
                },
                ctx,
            );
            self.challenge = Some(ctx.run_later(deadline, |actor, ctx| {
                actor.finish(
                    "challenge_timeout",
                    CloseCode::Other(CLOSE_POLICY_ENDED),
                    ctx,
                );
            }));
        }
    }

    fn on_step_up_done(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        // TODO: verify the step-up through a REST step-up endpoint instead of trusting the
        // client's word; until then this only resets the challenge.
        match self.challenge.take() {
            Some(deadline) => {
                ctx.cancel_future(deadline);
                self.low_streak = 0;
                self.dirty = true;
            }
            None => self.send(
                &ServerFrame::error("no_challenge", "no challenge is pending"),
                ctx,
            ),
        }
    }

    fn status(&self) -> &'static str {
        if self.challenge.is_some() {
            STATUS_CHALLENGED
        } else {
            STATUS_ACTIVE
        }
    }

    fn persist(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        if !std::mem::take(&mut self.dirty) {
            return;
        }
        let (db, id) = (self.db.clone(), self.spec.session_id);
        let (status, last_score) = (self.status(), self.last_score);
        let write = async move {
            let now = Utc::now();
            if let Err(error) =
                store::live_sessions::record_progress(&db, id, status, last_score, now).await
            {
                tracing::warn!(session_id = %id, %error, "cannot record the session's progress");
            }
        };
        ctx.spawn(write.into_actor(self));
    }
}

impl Actor for LiveSession {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        tracing::info!(session_id = %self.spec.session_id, user_id = %self.spec.user_id, "live session opened");
        ctx.run_interval(HEARTBEAT_INTERVAL, |actor, ctx| {
            if actor.last_heard.elapsed() > actor.settings.idle_timeout() {
                actor.finish("idle_timeout", CloseCode::Away, ctx);
            } else {
                ctx.ping(b"");
            }
        });
        ctx.run_interval(self.settings.score_every(), |actor, ctx| {
            if actor.events_since_score > 0
                && actor.last_score_at.elapsed() >= actor.settings.score_every()
            {
                actor.request_score(ctx);
            }
        });
        ctx.run_interval(self.settings.persist_every(), |actor, ctx| {
            actor.persist(ctx)
        });
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        let reason = self.end_reason.unwrap_or("client_closed");
        let (db, spec, last_score) = (self.db.clone(), self.spec.clone(), self.last_score);
        tracing::info!(session_id = %spec.session_id, reason, "live session ended");
        actix::spawn(async move {
            let now = Utc::now();
            if let Err(error) =
                store::live_sessions::end(&db, spec.session_id, reason, last_score, now).await
            {
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
                if let Err(error) = store::security_events::record(&db, event).await {
                    tracing::warn!(%error, "cannot record the session_ended event");
                }
            }
        });
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for LiveSession {
    fn handle(&mut self, item: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        if self.end_reason.is_some() {
            return;
        }
        let message = match item {
            Ok(message) => message,
            Err(ws::ProtocolError::Overflow) => {
                self.finish("frame_too_large", CloseCode::Size, ctx);
                return;
            }
            Err(ws::ProtocolError::Io(error)) => {
                tracing::debug!(%error, "the client's connection failed");
                self.end_reason = Some("disconnected");
                ctx.stop();
                return;
            }
            Err(error) => {
                tracing::debug!(%error, "WebSocket protocol error");
                self.finish("protocol_error", CloseCode::Protocol, ctx);
                return;
            }
        };
        self.last_heard = Instant::now();
        match message {
            ws::Message::Text(text) => match serde_json::from_str::<ClientFrame>(&text) {
                Ok(ClientFrame::Events { events }) => self.on_events(events, ctx),
                Ok(ClientFrame::StepUpDone) => self.on_step_up_done(ctx),
                Err(error) => self.bad_frame(format!("malformed frame: {error}"), ctx),
            },
            ws::Message::Binary(_) => self.bad_frame(
                "binary frames are not supported; send JSON text".into(),
                ctx,
            ),
            ws::Message::Continuation(_) => {
                self.bad_frame("fragmented frames are not supported".into(), ctx)
            }
            ws::Message::Ping(payload) => ctx.pong(&payload),
            ws::Message::Pong(_) | ws::Message::Nop => {}
            ws::Message::Close(reason) => {
                self.end_reason = Some("client_closed");
                ctx.close(reason);
                ctx.stop();
            }
        }
    }
}
