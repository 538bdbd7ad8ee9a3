//! The session's side of a step-up: `step_up_done` is accepted only after a pass recorded since
//! the challenge began, and the messages that reach the session from outside ([`EndSession`],
//! [`StepUpPassed`]).

use actix::prelude::*;
use actix_web_actors::ws::{self, CloseCode};
use chrono::Utc;

use crate::protocol::{CLOSE_POLICY_ENDED, ServerFrame};
use crate::store;

use super::{EndSession, LiveSession, StepUpPassed};

impl LiveSession {
    /// Accepts `step_up_done` only after a step-up pass recorded since the challenge began:
    /// one this process heard of, else one in `live_sessions` (made through another process).
    pub(super) fn on_step_up_done(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        let Some(began) = self.challenge_began_at.filter(|_| self.challenge.is_some()) else {
            self.send(
                &ServerFrame::error("no_challenge", "no challenge is pending"),
                ctx,
            );
            return;
        };
        if self.step_up_passed_at.is_some_and(|passed| passed >= began) {
            self.clear_challenge(ctx);
            return;
        }
        let (db, id) = (self.state.db.clone(), self.spec.session_id);
        let lookup = async move { store::live_sessions::find(&db, id).await }.into_actor(self);
        ctx.spawn(lookup.map(move |found, actor, ctx| {
            let passed = match found {
                Ok(row) => row.and_then(|row| row.step_up_passed_at),
                Err(error) => {
                    tracing::warn!(session_id = %actor.spec.session_id, %error, "cannot read the step-up state");
                    None
                }
            };
            if actor.end_reason.is_some() || actor.challenge_began_at != Some(began) {
                return;
            }
            if passed.is_some_and(|passed| passed >= began) {
                actor.step_up_passed_at = passed;
                actor.clear_challenge(ctx);
            } else {
                let message = "pass the step-up (POST /api/v1/sessions/{id}/step-up) first";
                actor.send(&ServerFrame::error("step_up_required", message), ctx);
            }
        }));
    }

    fn clear_challenge(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        if let Some(deadline) = self.challenge.take() {
            ctx.cancel_future(deadline);
        }
        self.challenge_began_at = None;
        self.low_streak = 0;
        self.dirty = true;
    }
}

impl Handler<EndSession> for LiveSession {
    type Result = ();

    fn handle(&mut self, message: EndSession, ctx: &mut Self::Context) {
        self.finish(message.reason, CloseCode::Other(CLOSE_POLICY_ENDED), ctx);
    }
}

impl Handler<StepUpPassed> for LiveSession {
    type Result = ();

    fn handle(&mut self, _: StepUpPassed, _: &mut Self::Context) {
        self.step_up_passed_at = Some(Utc::now());
    }
}
