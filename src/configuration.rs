//! Layered configuration: the built-in `config/default.toml`, then an optional file given with
//! `--config`, then `APP__SECTION__KEY` environment variables, then the conventional `PORT` and
//! `DATABASE_URL` shortcuts. The defaults are compiled into the binary so `cargo run` works
//! from any directory.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

/// The defaults, compiled in: the same file a reader finds in `config/default.toml`.
const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Secrets shorter than this are refused in production.
const MIN_PRODUCTION_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub app: AppSettings,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub password: PasswordSettings,
    pub lockout: LockoutSettings,
    pub rate_limit: RateLimitSettings,
    pub biometrics: BiometricSettings,
    pub sessions: SessionSettings,
    pub notifier: NotifierSettings,
    pub smtp: SmtpSettings,
    pub logging: LoggingSettings,
    pub typingdna: crate::typingdna::TypingDnaSettings,
    pub backup: crate::backup::schedule::BackupSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppEnvironment {
    Development,
    Production,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AppSettings {
    pub environment: AppEnvironment,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub max_body_bytes: usize,
    pub trust_forwarded_headers: bool,
    pub shutdown_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
    /// SQLite: the nice value of the background writer's thread (`store::background`).
    pub background_nice: i32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl_secs: u64,
    pub active_kid: String,
    pub jwt_keys: BTreeMap<String, String>,
    pub login_nonce_ttl_secs: u64,
    /// How long a token's revocation state and its account's role are kept in memory.
    pub access_cache_ttl_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PasswordSettings {
    pub min_length: usize,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LockoutSettings {
    pub max_failures: u32,
    pub wait_secs: u64,
    pub max_wait_secs: u64,
    pub max_temporary_lockouts: u32,
    pub failure_reset_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BiometricSettings {
    pub sequence_hash_key: String,
    pub min_enrollments: u64,
    pub min_enrollments_other: u64,
    pub min_enrollment_quality: f64,
    pub max_events: usize,
    pub max_body_bytes: usize,
    pub max_background: u64,
    pub deny_below: f64,
    pub default_threshold: f64,
    pub target_false_reject_rate: f64,
    pub adapt: bool,
    pub adapt_min_score: f64,
    pub max_adapted_samples: u64,
    pub retrain_every_adapted: u64,
    pub model_cache_capacity: u64,
    pub model_cache_ttl_secs: u64,
    pub replay_tolerance_ms: f64,
    pub replay_history: u64,
    /// Milliseconds before the replay check tops up a profile's fingerprints in memory with
    /// those other processes wrote.
    pub replay_refresh_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SessionSettings {
    pub ticket_ttl_secs: u64,
    pub allowed_origins: Vec<String>,
    pub max_frame_bytes: usize,
    pub window_max_events: usize,
    pub window_max_age_ms: u64,
    pub score_every_events: u64,
    pub score_every_ms: u64,
    pub challenge_after_low_scores: u32,
    pub challenge_deadline_ms: u64,
    pub idle_timeout_secs: u64,
    pub inactivity_timeout_secs: u64,
    pub absolute_timeout_secs: u64,
    pub max_events_per_sec: u32,
    pub max_bad_frames: u32,
    pub persist_every_ms: u64,
    pub score_sample_every_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NotifierSettings {
    pub enabled: bool,
    pub poll_interval_ms: u64,
    pub batch_size: u64,
    pub max_attempts: u32,
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    pub lease_secs: u64,
    pub request_timeout_ms: u64,
    pub allow_private_targets: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain SMTP (a local relay, or tests).
    None,
    /// Plain connection upgraded with STARTTLS (required).
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    pub auth_per_minute: u32,
    pub auth_burst: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LoggingSettings {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read the configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads every layer: defaults, `extra_file`, `APP__*` variables, `PORT`, `DATABASE_URL`.
    pub fn load(extra_file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut builder =
            Config::builder().add_source(File::from_str(DEFAULT_TOML, FileFormat::Toml));
        if let Some(path) = extra_file {
            builder = builder.add_source(File::from(path).required(true));
        }
        let settings: Settings = builder
            .add_source(
                Environment::with_prefix("APP")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("sessions.allowed_origins"),
            )
            .set_override_option("server.port", std::env::var("PORT").ok())?
            .set_override_option("database.url", std::env::var("DATABASE_URL").ok())?
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    /// The built-in defaults alone, ignoring files and the environment (used by tests, which
    /// must not pick up a developer's `DATABASE_URL`).
    pub fn defaults() -> Result<Self, ConfigError> {
        let settings: Settings = Config::builder()
            .add_source(File::from_str(DEFAULT_TOML, FileFormat::Toml))
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Refuses settings that would run but not safely or not at all.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.typingdna.validate().map_err(ConfigError::Invalid)?;
        self.backup.validate().map_err(ConfigError::Invalid)?;
        let auth = &self.auth;
        if !auth.jwt_keys.contains_key(&auth.active_kid) {
            return Err(ConfigError::Invalid(format!(
                "auth.active_kid {:?} is not one of auth.jwt_keys",
                auth.active_kid
            )));
        }
        if auth.jwt_keys.values().any(|secret| secret.is_empty()) {
            return Err(ConfigError::Invalid(
                "an auth.jwt_keys entry is empty".into(),
            ));
        }
        if self.lockout.max_failures == 0 {
            return Err(ConfigError::Invalid(
                "lockout.max_failures must be at least 1".into(),
            ));
        }
        if self.biometrics.min_enrollments < 2 || self.biometrics.min_enrollments_other < 2 {
            return Err(ConfigError::Invalid(
                "biometrics.min_enrollments and min_enrollments_other must be at least 2".into(),
            ));
        }
        if self.notifier.max_attempts == 0 || self.notifier.poll_interval_ms == 0 {
            return Err(ConfigError::Invalid(
                "notifier.max_attempts and notifier.poll_interval_ms must be at least 1".into(),
            ));
        }
        if !(0..=19).contains(&self.database.background_nice) {
            return Err(ConfigError::Invalid(
                "database.background_nice must be between 0 and 19".into(),
            ));
        }
        let sessions = &self.sessions;
        if sessions.window_max_events == 0
            || sessions.score_every_events == 0
            || sessions.score_every_ms == 0
            || sessions.persist_every_ms == 0
            || sessions.challenge_after_low_scores == 0
        {
            return Err(ConfigError::Invalid(
                "sessions.window_max_events, score_every_events, score_every_ms, \
                 persist_every_ms and challenge_after_low_scores must be at least 1"
                    .into(),
            ));
        }
        if self.app.environment == AppEnvironment::Production {
            let builtin = builtin_jwt_secrets()?;
            for (kid, secret) in &auth.jwt_keys {
                if builtin.contains(secret) {
                    return Err(ConfigError::Invalid(format!(
                        "refusing to start in production with the built-in JWT key {kid:?}; \
                         set APP__AUTH__JWT_KEYS__<KID> to a secret of your own"
                    )));
                }
                if secret.len() < MIN_PRODUCTION_SECRET_BYTES {
                    return Err(ConfigError::Invalid(format!(
                        "JWT key {kid:?} is shorter than {MIN_PRODUCTION_SECRET_BYTES} bytes"
                    )));
                }
            }
            if self.biometrics.sequence_hash_key == builtin_defaults()?.biometrics.sequence_hash_key
                || self.biometrics.sequence_hash_key.len() < MIN_PRODUCTION_SECRET_BYTES
            {
                return Err(ConfigError::Invalid(
                    "refusing to start in production with the built-in or a short \
                     biometrics.sequence_hash_key; set APP__BIOMETRICS__SEQUENCE_HASH_KEY"
                        .into(),
                ));
            }
        }
        Ok(())
    }
}

fn builtin_defaults() -> Result<Settings, ConfigError> {
    Ok(Config::builder()
        .add_source(File::from_str(DEFAULT_TOML, FileFormat::Toml))
        .build()?
        .try_deserialize()?)
}

fn builtin_jwt_secrets() -> Result<Vec<String>, ConfigError> {
    Ok(builtin_defaults()?.auth.jwt_keys.into_values().collect())
}

impl ServerSettings {
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}

impl NotifierSettings {
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

impl SessionSettings {
    pub fn ticket_ttl(&self) -> Duration {
        Duration::from_secs(self.ticket_ttl_secs)
    }
    pub fn window_max_age(&self) -> Duration {
        Duration::from_millis(self.window_max_age_ms)
    }
    pub fn score_every(&self) -> Duration {
        Duration::from_millis(self.score_every_ms)
    }
    pub fn challenge_deadline(&self) -> Duration {
        Duration::from_millis(self.challenge_deadline_ms)
    }
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }
    pub fn persist_every(&self) -> Duration {
        Duration::from_millis(self.persist_every_ms)
    }
    pub fn score_sample_every(&self) -> Duration {
        Duration::from_millis(self.score_sample_every_ms)
    }
    pub fn inactivity_timeout(&self) -> Duration {
        Duration::from_secs(self.inactivity_timeout_secs)
    }
    pub fn absolute_timeout(&self) -> Duration {
        Duration::from_secs(self.absolute_timeout_secs)
    }
    /// Whether a browser page at `origin` may open a session socket.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.allowed_origins
            .iter()
            .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }
}

impl LockoutSettings {
    pub fn wait(&self) -> Duration {
        Duration::from_secs(self.wait_secs)
    }
    pub fn max_wait(&self) -> Duration {
        Duration::from_secs(self.max_wait_secs)
    }
    pub fn failure_reset(&self) -> Duration {
        Duration::from_secs(self.failure_reset_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_defaults_parse_and_use_port_5000_with_sqlite() {
        let settings = Settings::defaults().expect("defaults parse");
        assert_eq!(settings.server.port, 5000);
        assert!(settings.database.url.starts_with("sqlite://"));
        assert_eq!(settings.lockout.max_failures, 5);
    }

    #[test]
    fn production_refuses_the_built_in_jwt_key() {
        let mut settings = Settings::defaults().expect("defaults parse");
        settings.app.environment = AppEnvironment::Production;
        let error = settings.validate().expect_err("must refuse");
        assert!(error.to_string().contains("built-in JWT key"), "{error}");

        settings.auth.jwt_keys.insert(
            "dev".into(),
            "a-production-secret-of-at-least-32-bytes!".into(),
        );
        let error = settings
            .validate()
            .expect_err("the sequence-hash key is still built in");
        assert!(error.to_string().contains("sequence_hash_key"), "{error}");
        settings.biometrics.sequence_hash_key = "another-production-secret-of-32-bytes!".into();
        settings.validate().expect("own keys are accepted");
    }

    #[test]
    fn session_origins_must_match_an_allowed_one() {
        let sessions = Settings::defaults().expect("defaults parse").sessions;
        assert!(sessions.origin_allowed("http://localhost:5000"));
        assert!(sessions.origin_allowed("http://127.0.0.1:5000"));
        assert!(!sessions.origin_allowed("http://localhost:5001"));
        assert!(!sessions.origin_allowed("http://evil.test"));
        assert!(!sessions.origin_allowed("null"));
    }

    #[test]
    fn active_kid_must_name_a_configured_key() {
        let mut settings = Settings::defaults().expect("defaults parse");
        settings.auth.active_kid = "missing".into();
        assert!(settings.validate().is_err());
    }
}
