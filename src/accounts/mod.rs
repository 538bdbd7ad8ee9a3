//! Account flows: register, password login with lockout, logout, admin unlock. Each flow
//! writes its login attempt and security events; handlers only translate HTTP to these calls.
//!
//! Lockout counters are updated with compare-and-set on the user row (see
//! `store::users::compare_and_set_lock_state`), so concurrent failures on one account, in one
//! process or several, are each counted exactly once, and the lockout row and security event
//! are committed in the same transaction as the state change that caused them — and so are
//! the alerts a lockout sends (`alerts::enqueue_for_event`, the transactional outbox).
//!
//! - [`registration`]: `register` and the username rules;
//! - [`login`]: `authenticate_password`, then `complete_login` or `record_step_up`;
//! - [`failures`]: password and behavioural failures under one lockout policy;
//! - [`unlock`](mod@unlock): an admin lifts a lock;
//! - [`session_end`]: an admin ends a live session; logout.

mod failures;
mod login;
mod registration;
mod session_end;
mod unlock;

pub use failures::{
    END_REASON_ACCOUNT_LOCKED, LOCK_REASON_BEHAVIOUR, LOCK_REASON_PASSWORD,
    record_behaviour_failure, record_password_failure,
};
pub use login::{authenticate_password, complete_login, record_step_up};
pub use registration::{Registration, normalize_username, register};
pub use session_end::{END_REASON_ADMIN, END_REASON_LOGOUT, end_session_by_admin, logout};
pub use unlock::unlock;

/// Compare-and-set rounds before giving up on a hopelessly contended account.
const MAX_CAS_ROUNDS: usize = 10_000;
