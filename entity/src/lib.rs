//! SeaORM entities of behavioral-auth: one module per table, in the sea-orm 2.0 entity format.
//!
//! The schema itself is owned by the `migration` crate; these structs mirror it. Only the
//! server's `store` module uses them.

pub mod alert_attempts;
pub mod alerts;
pub mod biometric_models;
pub mod biometric_samples;
pub mod biometric_verifications;
pub mod keystroke_fingerprints;
pub mod live_sessions;
pub mod lockouts;
pub mod login_attempts;
pub mod login_nonces;
pub mod revoked_tokens;
pub mod security_events;
pub mod session_scores;
pub mod users;
pub mod webhooks;

pub mod prelude {
    pub use super::alert_attempts::Entity as AlertAttempts;
    pub use super::alerts::Entity as Alerts;
    pub use super::biometric_models::Entity as BiometricModels;
    pub use super::biometric_samples::Entity as BiometricSamples;
    pub use super::biometric_verifications::Entity as BiometricVerifications;
    pub use super::keystroke_fingerprints::Entity as KeystrokeFingerprints;
    pub use super::live_sessions::Entity as LiveSessions;
    pub use super::lockouts::Entity as Lockouts;
    pub use super::login_attempts::Entity as LoginAttempts;
    pub use super::login_nonces::Entity as LoginNonces;
    pub use super::revoked_tokens::Entity as RevokedTokens;
    pub use super::security_events::Entity as SecurityEvents;
    pub use super::session_scores::Entity as SessionScores;
    pub use super::users::Entity as Users;
    pub use super::webhooks::Entity as Webhooks;
}
