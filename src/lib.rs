//! # behavioral-auth
//!
//! A behavioural-biometrics authentication server: people log in with a password and the
//! rhythm of their typing, and stay authenticated while their browser streams keystroke,
//! touch and motion events that a per-user model keeps scoring.
//!
//! ## Module map (each layer uses only the ones below it)
//!
//! ```text
//! main.rs ─ cli ─ startup            command line; wiring: database, migrations, HTTP app
//!                   │
//!                routes/             thin REST handlers, one file per area
//!                   │                  health (health, ready, metrics), auth (register,
//!                   │                  login, logout), me, admin (users, unlock, events),
//!                   │                  admin_webhooks (subscriptions, deliveries),
//!                   │                  admin_sessions (list, end, score history),
//!                   │                  admin_stats (timelines, score distributions),
//!                   │                  admin_exports (CSV), client_config (what the
//!                   │                  browser records), sessions (ticket;
//!                   │                  WebSocket upgrade; step-up), biometrics (enrol,
//!                   │                  verify, profile; sample bodies read by
//!                   │                  `events::scan` through sample_body)
//!                accounts/, step_up, flows: register, login + lockout (password and
//!                webhooks,             behaviour failures), logout, unlock, admin end of a
//!                login_nonces          session; session step-up; webhook subscriptions;
//!                   │                  one-time nonces for logins that carry typing
//!                alerts              which emails/webhooks an event queues (outbox, in the
//!                   │                  event's own transaction)
//!                actors/notifier ─ delivery   leases due alerts, sends them (SMTP via lettre,
//!                   │                           signed webhooks via awc), retries, logs
//!                actors/lockout      this process's live sessions by user: ends them on a
//!                   │                  lock (also one made by another process: 1 s sweep),
//!                   │                  counts behaviour failures through `accounts`
//!                actors/session      one per WebSocket: rolling window (keys paired as they
//!                   │                  arrive, features extracted for each score), heartbeat,
//!                   │                  limits, challenge deadline,
//!                   │                  timeouts; frames in `protocol` (common events
//!                   │                  frames read by `events::scan`); progress and sampled
//!                   │                  scores batched (session/writes)
//!                actors/model_registry   one per HTTP worker: scores its sessions' extracted
//!                   │                      windows (the shared model cache)
//!                biometrics/, backup/,   enrol · verify · login typing · training · bot
//!                typingdna/              defence; model bundles and scheduled backups; the
//!                   │                    optional TypingDNA detector
//!                scoring/ ◀ features/ ◀ events   pure engine: detectors and fusion, feature
//!                   │                            extraction, the one sample schema
//!   ┌───────────────┼──────────────────────────────┐
//! auth/           store/                     configuration, error, metrics,
//!  password        the only sea-orm user:     openapi, state, telemetry, stats,
//!  tokens          users, login_attempts,     protocol (WebSocket frames),
//!  lockout_policy  lockouts, security_events, batch_writer
//!  extractor       revoked_tokens, alerts,
//!  access_cache    webhooks, live_sessions,
//!  client          session_scores, stats (reads
//!                  for the dashboard)
//!                    (over the `entity` crate; schema in `migration`)
//! ```
//!
//! - [`configuration`]: layered settings (`config/default.toml`, `--config`, `APP__*`, `PORT`,
//!   `DATABASE_URL`).
//! - [`startup`]: `Application::build` / `port` / `run_until_stopped`; the app is served over
//!   HTTP/1 by [`http1_server`] (actix-web's parts, without `HttpServer`'s HTTP/2 cost per
//!   connection; the benchmarks' echo serves through it too).
//! - [`routes`]: HTTP handlers with their OpenAPI text; [`openapi`] assembles the document.
//!   `routes::pages` serves `static/`: the user pages, the admin dashboard and the capture SDK
//!   (`static/js/`, which mirrors [`protocol`]); embedded in release builds, read from disk in
//!   debug builds.
//! - [`accounts`]: what happens on register, login, logout and unlock, including the security
//!   events each writes.
//! - [`auth`]: argon2id passwords, JWT access tokens with key rotation, the pure lockout
//!   policy, and the extractors that authenticate requests (revocations and roles read
//!   through [`auth::access_cache`], at most `auth.access_cache_ttl_ms` old).
//! - [`store`]: plain `async fn(db, ..)` per table; nothing else builds queries.
//! - [`alerts`]: the outbox rows a security event produces; [`actors::notifier`] delivers them
//!   through [`delivery`]; [`webhooks`]: subscriptions, signatures and the SSRF guard.
//! - [`actors::session`] and [`actors::model_registry`]: live sessions over WebSocket
//!   (ticket from `POST /api/v1/sessions`, wire frames in [`protocol`]), scored continuously
//!   against the user's profile; a deny or an unanswered challenge ends the session.
//! - [`biometrics::verification_log`] and [`actors::session::writes`]: the per-request and
//!   per-session database writes (verification trail, session progress, sampled scores) are
//!   queued and written in batches by one task each ([`batch_writer`] for the trail and the
//!   replay fingerprints; a batch gathers for 100 ms), off the request and event paths. On
//!   SQLite they write through a connection of their own whose thread runs at a lower
//!   priority ([`store::background`]), and begin no transaction while a request's own write
//!   waits for SQLite's one write lock ([`store::begin_write`], [`store::in_write_turn`]); the
//!   trail's and the fingerprints' callers wait while 10,000 of their rows are unwritten
//!   ([`batch_writer::MAX_QUEUED_ROWS`]).
//!   Nothing on the verify path reads the database once a profile's model is in memory.
//! - `src/bin/loadgen` (benchmarks, see BENCHMARKS.md) and `src/bin/echo_server` (the bare
//!   WebSocket echo it measures as the physical limit).
//! - [`step_up`]: a challenged session's owner proves it with password and typing; the pass is
//!   recorded on the session before `step_up_done` is believed.
//! - [`actors::lockout`]: the registry of live sessions; behaviour failures count under the
//!   password lockout policy, and a lock ends the user's sessions on every process. It sits
//!   under `accounts` in the picture but calls up into it to count failures (through the
//!   `AppState` it is attached to), so the lockout policy keeps one transactional path.
//! - [`login_nonces`] and [`biometrics::bot_defence`]: a login's typing is bound to a one-time
//!   nonce, a keystroke sample repeating one already seen is refused as a replay (against the
//!   in-memory [`biometrics::fingerprints`], indexed by total time), and machine-regular
//!   timing is audited as scripted input.
//! - [`backup`]: `models export|import` — a versioned, SHA-256-checked bundle of every user,
//!   sample and model (rows read and written by [`store::backup`]), restored into an empty
//!   database in one transaction; [`backup::schedule`] writes one every `interval_secs` to a
//!   directory or Google Drive ([`backup::drive`]).
//! - [`typingdna`]: the optional TypingDNA detector (save/verify over its REST API, score
//!   fusion); off unless an API key and secret are configured.
//! - [`rate_limit`]: per-IP limit on the auth endpoints (429).
//! - [`stats`]: the pure arithmetic of the admin statistics (time buckets, score
//!   histograms); `routes::admin_stats` feeds it rows from `store::stats`.
//! - [`error`]: the one `{code, message}` error body; [`metrics`]: Prometheus;
//!   [`telemetry`]: tracing.

// The modules' texts are written for the people who work on the server and link private
// items; read them with `cargo doc --no-deps --document-private-items` (.ci/run builds them
// so, with warnings as errors).
#![allow(rustdoc::private_intra_doc_links)]

pub mod accounts;
pub mod actors;
pub mod alerts;
pub mod auth;
pub mod backup;
pub mod batch_writer;
pub mod biometrics;
pub mod cli;
pub mod configuration;
pub mod delivery;
pub mod error;
pub mod evaluation;
pub mod events;
pub mod features;
pub mod http1_server;
pub mod login_nonces;
pub mod metrics;
pub mod openapi;
pub mod protocol;
pub mod rate_limit;
pub mod report;
pub mod routes;
pub mod scoring;
pub mod startup;
pub mod state;
pub mod stats;
pub mod step_up;
pub mod store;
pub mod telemetry;
pub mod typingdna;
pub mod webhooks;
