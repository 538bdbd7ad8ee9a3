//! One integration-test binary: every test starts a real server on port 0 with its own
//! database, and most run twice — on SQLite and on PostgreSQL (see `helpers`).

mod helpers;

mod accounts;
mod admin;
mod admin_stats;
mod backup;
mod biometrics;
mod bot_defence;
mod cli;
mod errors;
mod loadgen;
mod lockout;
mod migrations;
mod notifier;
mod openapi;
mod operations;
mod pages;
mod scale_out;
mod scheduled_backup;
mod sessions;
mod tokens;
mod typingdna;
