//! The session's event path: accepting an `events` frame into the rolling window, asking the
//! [`ModelRegistry`] for a score every `score_every_events` events, and acting on the answer
//! (`score` frame, challenge after a low streak, end on a deny, a sampled score history).
//!
//! [`ModelRegistry`]: crate::actors::model_registry::ModelRegistry

use std::time::Instant;

use actix::prelude::*;
use actix_web_actors::ws::{self, CloseCode};
use chrono::Utc;

use crate::actors::model_registry::{ScoreResult, ScoreWindow};
use crate::biometrics::extraction::{self, Extracted};
use crate::biometrics::verification::Decision;
use crate::error::ApiError;
use crate::events::{Modality, RawEvent, Sample};
use crate::protocol::{CLOSE_POLICY_ENDED, ServerFrame};

use super::LiveSession;
use super::writes::SessionWrite;

impl LiveSession {
    /// Takes the `events` of a frame that arrived at `now`.
    pub(super) fn on_events(
        &mut self,
        events: Vec<RawEvent>,
        now: Instant,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        if let Some(other) = events.iter().find(|e| e.modality() != self.spec.modality) {
            let kind = other.kind_name();
            self.bad_frame(
                format!("{kind} events do not belong to this session's profile"),
                ctx,
            );
            return;
        }
        if !self.budget.take(now, events.len()) {
            let limit = self.settings().max_events_per_sec;
            let message = format!("more than {limit} events per second; these were dropped");
            self.send(&ServerFrame::error("rate_limited", message), ctx);
            return;
        }
        self.last_events_at = now;
        let count = events.len() as u64;
        self.events_seen += count;
        self.events_since_score += count;
        self.window.push(now, events);
        if self.events_since_score >= self.settings().score_every_events {
            self.request_score(now, ctx);
        }
    }

    /// Extracts the window's features at `now` and sends them to the registry; the answer
    /// comes back as a future on this actor. A window that cannot be extracted is answered at
    /// once.
    pub(super) fn request_score(&mut self, now: Instant, ctx: &mut ws::WebsocketContext<Self>) {
        self.events_since_score = 0;
        self.last_score_at = now;
        let Some(extracted) = self.extract_window(now) else {
            return;
        };
        // The answer names the events it covers, not those that arrived while it was computed.
        let events_seen = self.events_seen;
        let extracted = match extracted {
            Ok(extracted) => extracted,
            Err(error) => return self.on_score(Err(error), events_seen, ctx),
        };
        let request = ScoreWindow {
            user_id: self.spec.user_id,
            profile_key: self.spec.profile_key.clone(),
            extracted,
        };
        let scored = self.registry.send(request).into_actor(self);
        ctx.spawn(scored.map(move |result, actor, ctx| match result {
            Ok(result) => actor.on_score(result, events_seen, ctx),
            Err(error) => {
                tracing::warn!(%error, "the model registry did not answer");
                actor.send(
                    &ServerFrame::error("unavailable", "scoring is unavailable"),
                    ctx,
                );
            }
        }));
    }

    /// The window's features at `now`, or `None` when it holds no event to score. Key events
    /// are read in place (a free-text window's codes classed as they arrived); touch and
    /// motion windows are copied into a sample.
    fn extract_window(&mut self, now: Instant) -> Option<Result<Extracted, ApiError>> {
        let (user_id, text_id) = (self.spec.user_id, self.spec.text_id.as_deref());
        let settings = &self.state.settings.biometrics;
        if self.spec.modality == Modality::Keystroke {
            return match text_id {
                Some(_) => {
                    extraction::extract_window(self.window.keys_at(now), text_id, user_id, settings)
                }
                None => extraction::extract_free_text_window(self.window.timed_at(now), settings),
            };
        }
        let events = self.window.snapshot(now);
        if events.is_empty() {
            return None;
        }
        let sample = Sample {
            modality: self.spec.modality,
            device: self.spec.device,
            text_id: self.spec.text_id.clone(),
            typed_chars: None,
            typingdna_pattern: None,
            events,
        };
        Some(extraction::extract(&sample, user_id, settings))
    }

    fn on_score(
        &mut self,
        result: Result<ScoreResult, ApiError>,
        events_seen: u64,
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
        self.sample_score(scored.score, scored.decision);
        let frame = ServerFrame::Score {
            score: scored.score,
            decision: scored.decision,
            events_seen,
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
        if self.low_streak >= self.settings().challenge_after_low_scores && self.challenge.is_none()
        {
            let reason = format!("{} consecutive scores under the threshold", self.low_streak);
            let deadline = self.settings().challenge_deadline();
            let deadline_ms = self.settings().challenge_deadline_ms;
            self.send(
                &ServerFrame::Challenge {
                    reason,
                    deadline_ms,
                },
                ctx,
            );
            self.challenge_began_at = Some(Utc::now());
            self.challenge = Some(ctx.run_later(deadline, |actor, ctx| {
                actor.finish(
                    "challenge_timeout",
                    CloseCode::Other(CLOSE_POLICY_ENDED),
                    ctx,
                );
            }));
        }
    }

    /// Keeps the score in the session's history, at most once per `score_sample_every_ms`.
    fn sample_score(&mut self, score: f64, decision: Decision) {
        let now = Instant::now();
        let due = self
            .last_sampled_at
            .is_none_or(|at| now.duration_since(at) >= self.settings().score_sample_every());
        if !due {
            return;
        }
        self.last_sampled_at = Some(now);
        self.state.session_writes.queue(SessionWrite::Score {
            session_id: self.spec.session_id,
            score,
            decision: decision.as_str(),
            at: Utc::now(),
        });
    }
}
