//! Long-lived actors and per-connection ones. `startup` starts each long-lived actor and
//! passes its address to whoever sends it messages (no global registry); the session upgrade
//! handler starts one [`session::LiveSession`] per WebSocket and hands it the registry.

pub mod model_registry;
pub mod notifier;
pub mod session;
