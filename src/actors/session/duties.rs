//! The session's periodic duties on one timer: the heartbeat (with the idle and inactivity
//! timeouts), the absolute timeout, the time-based score for slow typists and the progress
//! write.
//!
//! actix polls every future a context holds each time the context wakes, and a typing session
//! wakes twenty times a second: four timers of their own were four timer polls (and waker
//! registrations) per frame, at 10,000 sessions a visible share of the server's core. One
//! timer, set each time for the earliest duty due, is one poll.

use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web_actors::ws::{self, CloseCode};

use crate::configuration::SessionSettings;
use crate::protocol::CLOSE_POLICY_ENDED;

use super::{HEARTBEAT_INTERVAL, LiveSession};

/// When each duty is next due.
#[derive(Debug)]
pub(super) struct Duties {
    /// The absolute timeout: the session ends then, however active.
    ends_at: Instant,
    heartbeat_at: Instant,
    score_check_at: Instant,
    persist_at: Instant,
}

impl Duties {
    pub(super) fn new(now: Instant, settings: &SessionSettings) -> Self {
        Duties {
            ends_at: now + settings.absolute_timeout(),
            heartbeat_at: now + HEARTBEAT_INTERVAL,
            score_check_at: now + settings.score_every(),
            persist_at: now + settings.persist_every(),
        }
    }

    fn next(&self) -> Instant {
        self.ends_at
            .min(self.heartbeat_at)
            .min(self.score_check_at)
            .min(self.persist_at)
    }
}

/// Whether `due` has come at `now`; if so it moves on by `every` (from when it was due, as an
/// interval timer does, or from `now` after a stall of more than one period).
fn take_due(due: &mut Instant, every: Duration, now: Instant) -> bool {
    if now < *due {
        return false;
    }
    *due += every;
    if *due <= now {
        *due = now + every;
    }
    true
}

impl LiveSession {
    /// Sets the timer for the earliest duty due.
    pub(super) fn schedule_duties(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        let due_in = self.duties.next().saturating_duration_since(Instant::now());
        ctx.run_later(due_in, |actor, ctx| actor.run_due_duties(ctx));
    }

    fn run_due_duties(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        if self.end_reason.is_some() {
            return;
        }
        let now = Instant::now();
        if now >= self.duties.ends_at {
            self.finish(
                "absolute_timeout",
                CloseCode::Other(CLOSE_POLICY_ENDED),
                ctx,
            );
            return;
        }
        if take_due(&mut self.duties.heartbeat_at, HEARTBEAT_INTERVAL, now) {
            self.heartbeat(ctx);
            if self.end_reason.is_some() {
                return;
            }
        }
        let score_every = self.settings().score_every();
        if take_due(&mut self.duties.score_check_at, score_every, now) {
            self.score_by_time(ctx);
        }
        let persist_every = self.settings().persist_every();
        if take_due(&mut self.duties.persist_at, persist_every, now) {
            self.persist();
        }
        self.schedule_duties(ctx);
    }

    /// Ends a silent or an inactive session; otherwise pings the client.
    fn heartbeat(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        if self.last_heard.elapsed() > self.settings().idle_timeout() {
            self.finish("idle_timeout", CloseCode::Away, ctx);
        } else if self.last_events_at.elapsed() > self.settings().inactivity_timeout() {
            self.finish(
                "inactivity_timeout",
                CloseCode::Other(CLOSE_POLICY_ENDED),
                ctx,
            );
        } else {
            ctx.ping(b"");
        }
    }

    /// A slow typist is scored by time too, but only on a window as full as the count
    /// trigger's: after a pause the window holds a few fresh events (older ones aged out), too
    /// few keystrokes to score, and the answer would be an error frame.
    fn score_by_time(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        let now = Instant::now();
        let full_enough = self.window.len_at(now)
            >= usize::try_from(self.settings().score_every_events).unwrap_or(usize::MAX);
        if self.events_since_score > 0
            && full_enough
            && now.duration_since(self.last_score_at) >= self.settings().score_every()
        {
            self.request_score(now, ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duty_comes_due_once_per_period_and_catches_up_after_a_stall() {
        let start = Instant::now();
        let every = Duration::from_secs(5);
        let mut due = start + every;
        assert!(!take_due(&mut due, every, start + Duration::from_secs(4)));
        assert!(take_due(&mut due, every, start + Duration::from_secs(5)));
        assert_eq!(due, start + Duration::from_secs(10));
        // Woken a little late: the next stays on the period's beat.
        assert!(take_due(
            &mut due,
            every,
            start + Duration::from_millis(10_200)
        ));
        assert_eq!(due, start + Duration::from_secs(15));
        // A stall of several periods fires once, then one period from now.
        assert!(take_due(&mut due, every, start + Duration::from_secs(40)));
        assert_eq!(due, start + Duration::from_secs(45));
    }
}
