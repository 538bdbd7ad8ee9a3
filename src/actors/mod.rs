//! Long-lived actors and per-connection ones. `startup` starts each long-lived actor and
//! passes its address to whoever sends it messages (no global registry); the session upgrade
//! handler starts one [`session::LiveSession`] per WebSocket and hands it the model registry
//! and the [`lockout::Lockout`] actor, where it registers itself.

pub mod lockout;
pub mod model_registry;
pub mod notifier;
pub mod session;
