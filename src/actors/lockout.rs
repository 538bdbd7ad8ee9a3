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
//! reason. Portable to SQLite, and a lock reaches every process within about a second.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::Utc;

use actix::prelude::*;
use uuid::Uuid;

use crate::accounts;
use crate::actors::session::{EndSession, StepUpPassed};
use crate::state::AppState;
use crate::store;

/// How often the sessions' rows are read for ends and locks made by other processes.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

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
    /// A sweep is running (they never overlap).
    sweeping: bool,
}

impl Lockout {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Lockout {
    /// Reads the rows behind this process's sessions and ends those locked or ended elsewhere.
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        if self.sweeping || self.sessions.is_empty() {
            return;
        }
        let Some(state) = self.state.upgrade() else {
            return;
        };
        self.sweeping = true;
        let session_ids: Vec<Uuid> = self.sessions.keys().copied().collect();
        let mut user_ids: Vec<Uuid> = self.sessions.values().map(|h| h.user_id).collect();
        user_ids.sort_unstable();
        user_ids.dedup();
        let read = async move {
            let users = store::users::find_many(&state.db, user_ids).await?;
            let now = Utc::now();
            let locked: Vec<Uuid> = users
                .iter()
                .filter(|user| store::users::lock_state(user).is_locked(now))
                .map(|user| user.id)
                .collect();
            let ended = store::live_sessions::ended_among(&state.db, session_ids).await?;
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
        ctx.run_interval(SWEEP_INTERVAL, |actor, ctx| actor.sweep(ctx));
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
