//! Model backup and restore: a versioned, checksummed bundle of every user, biometric sample
//! and model ([`bundle`]), written with owner-only permissions ([`file`](mod@file)), made and
//! restored by `behavioral-auth models export|import` ([`commands`]), and on a schedule to a
//! directory or Google Drive ([`schedule`], [`drive`]).
//!
//! Import restores into an **empty** database only (no users, samples or models): merging
//! would have to choose between two accounts of one username or two models of one profile, and
//! a silent choice is worse than a refusal. Everything is written in one transaction.
//!
//! Fixed-text samples carry a keyed hash of their key sequence; the server that imports must
//! run with the same `biometrics.sequence_hash_key` as the one that exported, or fixed-text
//! verification refuses every sample as a sequence mismatch.

pub mod bundle;
pub mod commands;
pub mod drive;
pub mod file;
pub mod schedule;
