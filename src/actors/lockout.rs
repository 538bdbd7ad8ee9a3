//! The lockout actor: this process's registry of live sessions, keyed by user, so that what
//! happens to an account reaches its open sockets.
//!
//! Every [`LiveSession`](crate::actors::session::LiveSession) sends [`RegisterSession`] from
//! `started` and [`UnregisterSession`] from `stopping`. The accounts flow sends
//! [`EndUserSessions`] when a password lockout locks a user (each of the user's sessions ends
//! with `account_locked`); the step-up handler sends [`StepUpOutcome`] so the session hears
//! at once whether its owner passed (a failure ends it). Only this process's sessions are
//! reached; the database (`live_sessions.step_up_passed_at`) is the authority either way.
//!
//! A session that ends on behaviour (deny, missed or failed step-up) sends
//! [`BehaviourFailure`]; the actor counts it with `accounts::record_behaviour_failure`, under
//! the same database-backed policy and counters as password failures, so enough of them lock
//! the account (lockout row with reason `behaviour`, `lockout` event, alerts) and end the
//! user's other sessions. `startup` hands it the [`AppState`] with [`Attach`] once built.
//!
//! Other processes share the database, not this registry, so every [`SWEEP_INTERVAL`] the
//! actor reads the rows behind its sessions: a user locked elsewhere (`users.locked_until`,
//! `permanently_locked`) ends that user's sessions with `account_locked`, and a session whose
//! `live_sessions` row was ended elsewhere (logout of its token, an admin) ends with that
//! reason. Portable to SQLite, and a lock reaches every process within about a second. The
//! reads are spread over the interval, a tenth of the sessions every [`SWEEP_TICK`]: one read
//! of every session at once was, at 10,000 sessions, a burst on the sessions' core each second
//! that set the p99 of the load test (and bound more values than SQLite allows past 32,766).

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use chrono::Utc;

use actix::prelude::*;
use uuid::Uuid;

use crate::accounts;
use crate::actors::session::{EndSession, StepUpPassed};
use crate::state::AppState;
use crate::store;

/// How often the sessions' rows are read for ends and locks made by other processes.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// How often a slice of a sweep is read.
const SWEEP_TICK: Duration = Duration::from_millis(100);
/// Slices in one sweep.
const TICKS_PER_SWEEP: usize = 10;
/// Most ids one statement binds (a power of two: the store pads shorter lists to one).
const IDS_PER_READ: usize = 1024;

/// End reasons a sweep passes on as they are; any other becomes `ended_elsewhere`.
const KNOWN_END_REASONS: [&str; 5] = [
    "account_locked",
    "logout",
    "admin_ended",
    "step_up_failed",
    "step_up_wrong_password",
];

/// How one live session is reached.
struct SessionHandle {
    user_id: Uuid,
    end: Recipient<EndSession>,
    step_up: Recipient<StepUpPassed>,
}

/// A session opened its socket.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RegisterSession {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub end: Recipient<EndSession>,
    pub step_up: Recipient<StepUpPassed>,
}

/// A session is stopping.
#[derive(Message)]
#[rtype(result = "()")]
pub struct UnregisterSession {
    pub session_id: Uuid,
}

/// Ends every live session of `user_id` on this process with `reason`; answers how many.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct EndUserSessions {
    pub user_id: Uuid,
    pub reason: &'static str,
}

/// The owner of `session_id` passed a step-up (`failure: None`) or failed it; a failure ends
/// the session with that reason (`step_up_failed`, `step_up_wrong_password`).
#[derive(Message)]
#[rtype(result = "()")]
pub struct StepUpOutcome {
    pub session_id: Uuid,
    pub failure: Option<&'static str>,
}

/// The shared state behavioural failures are counted with (sent once by `startup`).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Attach(pub Arc<AppState>);

/// A session of `user_id` ended on behaviour (`reason`: deny, missed or failed step-up).
#[derive(Message)]
#[rtype(result = "()")]
pub struct BehaviourFailure {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub reason: &'static str,
}

#[derive(Default)]
pub struct Lockout {
    /// Live sessions on this process, by session id.
    sessions: HashMap<Uuid, SessionHandle>,
    /// Where failures are counted; weak, since the state holds this actor's address.
    state: Weak<AppState>,
    /// A slice is being read (reads never overlap).
    sweeping: bool,
    /// Sessions the current sweep has still to read.
    due: Vec<Uuid>,
    /// Sessions read per tick in the current sweep.
    per_tick: usize,
    /// When the current sweep began.
    sweep_began: Option<Instant>,
}

impl Lockout {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Lockout {
    /// Reads the rows behind the next slice of this process's sessions and ends those locked
    /// or ended elsewhere (every session of a user found locked, not only the slice's). A new
    /// sweep takes every session once the last one is read and [`SWEEP_INTERVAL`] has passed.
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        if self.sweeping {
            return;
        }
        if self.due.is_empty() {
            let rested = self
                .sweep_began
                .is_none_or(|began| began.elapsed() >= SWEEP_INTERVAL);
            if !rested || self.sessions.is_empty() {
                return;
            }
            self.sweep_began = Some(Instant::now());
            self.due = self.sessions.keys().copied().collect();
            self.per_tick = self.due.len().div_ceil(TICKS_PER_SWEEP);
        }
        let session_ids = self
            .due
            .split_off(self.due.len().saturating_sub(self.per_tick));
        let mut user_ids: Vec<Uuid> = session_ids
            .iter()
            .filter_map(|id| self.sessions.get(id))
            .map(|handle| handle.user_id)
            .collect();
        if user_ids.is_empty() {
            return;
        }
        user_ids.sort_unstable();
        user_ids.dedup();
        let Some(state) = self.state.upgrade() else {
            return;
        };
        self.sweeping = true;
        let read = async move {
            let now = Utc::now();
            let mut locked = Vec::new();
            for chunk in user_ids.chunks(IDS_PER_READ) {
                let users = store::users::find_many(&state.db, chunk.to_vec()).await?;
                locked.extend(
                    users
                        .iter()
                        .filter(|user| store::users::lock_state(user).is_locked(now))
                        .map(|user| user.id),
                );
            }
            let mut ended = Vec::new();
            for chunk in session_ids.chunks(IDS_PER_READ) {
                ended.extend(store::live_sessions::ended_among(&state.db, chunk.to_vec()).await?);
            }
            Ok::<_, sea_orm::DbErr>((locked, ended))
        };
        ctx.spawn(read.into_actor(self).map(|read, actor, _| {
            actor.sweeping = false;
            let (locked, ended) = match read {
                Ok(read) => read,
                Err(error) => {
                    tracing::warn!(%error, "cannot sweep the live sessions");
                    return;
                }
            };
            for (session_id, reason) in ended {
                let reason = KNOWN_END_REASONS
                    .into_iter()
                    .find(|known| reason.as_deref() == Some(*known))
                    .unwrap_or("ended_elsewhere");
                if let Some(handle) = actor.sessions.get(&session_id) {
                    handle.end.do_send(EndSession { reason });
                }
            }
            if locked.is_empty() {
                return;
            }
            for handle in actor
                .sessions
                .values()
                .filter(|handle| locked.contains(&handle.user_id))
            {
                handle.end.do_send(EndSession {
                    reason: accounts::END_REASON_ACCOUNT_LOCKED,
                });
            }
        }));
    }
}

impl Actor for Lockout {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(SWEEP_TICK, |actor, ctx| actor.sweep(ctx));
    }
}

impl Handler<RegisterSession> for Lockout {
    type Result = ();

    fn handle(&mut self, message: RegisterSession, _: &mut Context<Self>) {
        self.sessions.insert(
            message.session_id,
            SessionHandle {
                user_id: message.user_id,
                end: message.end,
                step_up: message.step_up,
            },
        );
    }
}

impl Handler<UnregisterSession> for Lockout {
    type Result = ();

    fn handle(&mut self, message: UnregisterSession, _: &mut Context<Self>) {
        self.sessions.remove(&message.session_id);
    }
}

impl Handler<EndUserSessions> for Lockout {
    type Result = usize;

    #[tracing::instrument(skip_all, fields(user_id = %message.user_id, reason = message.reason))]
    fn handle(&mut self, message: EndUserSessions, _ctx: &mut Context<Self>) -> usize {
        let mut ended = 0;
        for handle in self
            .sessions
            .values()
            .filter(|handle| handle.user_id == message.user_id)
        {
            handle.end.do_send(EndSession {
                reason: message.reason,
            });
            ended += 1;
        }
        ended
    }
}

impl Handler<StepUpOutcome> for Lockout {
    type Result = ();

    fn handle(&mut self, message: StepUpOutcome, _: &mut Context<Self>) {
        let Some(handle) = self.sessions.get(&message.session_id) else {
            return;
        };
        match message.failure {
            None => handle.step_up.do_send(StepUpPassed),
            Some(reason) => handle.end.do_send(EndSession { reason }),
        }
    }
}

impl Handler<Attach> for Lockout {
    type Result = ();

    fn handle(&mut self, Attach(state): Attach, _: &mut Context<Self>) {
        self.state = Arc::downgrade(&state);
    }
}

impl Handler<BehaviourFailure> for Lockout {
    type Result = ();

    #[tracing::instrument(skip_all, fields(user_id = %message.user_id, session_id = %message.session_id, reason = message.reason))]
    fn handle(&mut self, message: BehaviourFailure, ctx: &mut Context<Self>) {
        let Some(state) = self.state.upgrade() else {
            tracing::warn!("no state attached; the behavioural failure is not counted");
            return;
        };
        let count = async move {
            if let Err(error) = accounts::record_behaviour_failure(&state, message.user_id).await {
                tracing::warn!(%error, "cannot count the behavioural failure");
            }
        };
        ctx.spawn(count.into_actor(self));
    }
}
