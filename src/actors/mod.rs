//! Long-lived actors. `startup` starts each one and passes its address to whoever sends it
//! messages (no global registry).

pub mod notifier;
