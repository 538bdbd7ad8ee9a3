//! The account-lockout policy, modelled on Keycloak's brute-force detection, as a pure state
//! transition. The store applies a transition with compare-and-set on the user row, so the
//! policy holds across processes and concurrent requests without locks in this module.
//!
//! - `max_failures` consecutive failures lock the account for `wait`, doubling with each
//!   further lockout up to `max_wait`;
//! - after `max_temporary_lockouts` temporary lockouts (if not 0) the next one is permanent;
//! - failures older than `failure_reset` are forgotten, and a success forgets everything;
//! - while locked, failures are not counted.

use chrono::{DateTime, Duration, Utc};

use crate::configuration::LockoutSettings;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockState {
    pub failure_count: u32,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub temporary_lockouts: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub permanently_locked: bool,
}

/// A lock the transition imposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// `None` for a permanent lock.
    pub until: Option<DateTime<Utc>>,
    /// 1 for the first lockout since the counters were last reset, 2 for the next, ...
    pub sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureOutcome {
    /// The account is locked; the failure is not counted and the state is unchanged.
    AlreadyLocked,
    /// Counted, not (yet) locked.
    Counted(LockState),
    /// Counted and this failure locks the account.
    Locked(LockState, Lock),
}

impl LockState {
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.permanently_locked || self.locked_until.is_some_and(|until| until > now)
    }

    /// The state after one more failed attempt at `now`.
    pub fn on_failure(&self, now: DateTime<Utc>, policy: &LockoutSettings) -> FailureOutcome {
        if self.is_locked(now) {
            return FailureOutcome::AlreadyLocked;
        }
        let reset_after = duration_from_secs(policy.failure_reset_secs);
        let stale = self
            .last_failure_at
            .is_none_or(|last| now.signed_duration_since(last) > reset_after);
        let (previous_failures, previous_lockouts) = if stale {
            (0, 0)
        } else {
            (self.failure_count, self.temporary_lockouts)
        };

        let failure_count = previous_failures + 1;
        if failure_count < policy.max_failures {
            return FailureOutcome::Counted(LockState {
                failure_count,
                last_failure_at: Some(now),
                temporary_lockouts: previous_lockouts,
                locked_until: None,
                permanently_locked: false,
            });
        }

        let permanent =
            policy.max_temporary_lockouts > 0 && previous_lockouts >= policy.max_temporary_lockouts;
        let until = (!permanent).then(|| now + lock_duration(previous_lockouts, policy));
        let sequence = previous_lockouts + 1;
        FailureOutcome::Locked(
            LockState {
                failure_count: 0,
                last_failure_at: Some(now),
                temporary_lockouts: sequence,
                locked_until: until,
                permanently_locked: permanent,
            },
            Lock { until, sequence },
        )
    }

    /// The state after a successful login: every counter starts again.
    pub fn on_success(&self) -> LockState {
        LockState::default()
    }

    /// The state after an admin unlock.
    pub fn unlocked(&self) -> LockState {
        LockState::default()
    }
}

/// `wait * 2^previous_lockouts`, capped at `max_wait`.
fn lock_duration(previous_lockouts: u32, policy: &LockoutSettings) -> Duration {
    let factor = 1u64.checked_shl(previous_lockouts).unwrap_or(u64::MAX);
    let secs = policy
        .wait_secs
        .saturating_mul(factor)
        .min(policy.max_wait_secs);
    duration_from_secs(secs)
}

fn duration_from_secs(secs: u64) -> Duration {
    Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> LockoutSettings {
        LockoutSettings {
            max_failures: 3,
            wait_secs: 60,
            max_wait_secs: 200,
            max_temporary_lockouts: 0,
            failure_reset_secs: 3600,
        }
    }

    fn fail_until_locked(
        state: &LockState,
        now: DateTime<Utc>,
        policy: &LockoutSettings,
    ) -> (LockState, Lock) {
        let mut state = state.clone();
        loop {
            match state.on_failure(now, policy) {
                FailureOutcome::Counted(next) => state = next,
                FailureOutcome::Locked(next, lock) => return (next, lock),
                FailureOutcome::AlreadyLocked => panic!("locked before max_failures"),
            }
        }
    }

    #[test]
    fn max_failures_lock_for_wait_then_the_wait_doubles_up_to_max_wait() {
        let policy = policy();
        let mut now = Utc::now();
        let (state, lock) = fail_until_locked(&LockState::default(), now, &policy);
        assert_eq!(lock.until, Some(now + Duration::seconds(60)));
        assert_eq!(lock.sequence, 1);
        assert!(state.is_locked(now));

        now += Duration::seconds(61);
        let (state, lock) = fail_until_locked(&state, now, &policy);
        assert_eq!(lock.until, Some(now + Duration::seconds(120)));

        now += Duration::seconds(121);
        let (_, lock) = fail_until_locked(&state, now, &policy);
        assert_eq!(
            lock.until,
            Some(now + Duration::seconds(200)),
            "capped at max_wait"
        );
    }

    #[test]
    fn failures_while_locked_are_not_counted() {
        let policy = policy();
        let now = Utc::now();
        let (state, _) = fail_until_locked(&LockState::default(), now, &policy);
        assert_eq!(
            state.on_failure(now + Duration::seconds(1), &policy),
            FailureOutcome::AlreadyLocked
        );
    }

    #[test]
    fn old_failures_are_forgotten_after_failure_reset() {
        let policy = policy();
        let now = Utc::now();
        let FailureOutcome::Counted(state) = LockState::default().on_failure(now, &policy) else {
            panic!("first failure must only count");
        };
        let later = now + Duration::seconds(3601);
        let FailureOutcome::Counted(state) = state.on_failure(later, &policy) else {
            panic!("a stale count must restart");
        };
        assert_eq!(state.failure_count, 1);
    }

    #[test]
    fn the_lockout_after_max_temporary_lockouts_is_permanent() {
        let policy = LockoutSettings {
            max_temporary_lockouts: 1,
            ..policy()
        };
        let mut now = Utc::now();
        let (state, first) = fail_until_locked(&LockState::default(), now, &policy);
        assert!(first.until.is_some());
        now += Duration::seconds(61);
        let (state, second) = fail_until_locked(&state, now, &policy);
        assert_eq!(second.until, None);
        assert!(state.is_locked(now + Duration::days(365)));
    }

    #[test]
    fn success_resets_every_counter() {
        let policy = policy();
        let now = Utc::now();
        let FailureOutcome::Counted(state) = LockState::default().on_failure(now, &policy) else {
            panic!();
        };
        assert_eq!(state.on_success(), LockState::default());
    }
}
