//! Any bytes as a sample's JSON body: whatever decodes goes through validation, the
//! extractors and quality scoring, as `POST /biometrics/enrollments` and a live session's
//! window do. A value or a refusal, never a panic.
#![no_main]

use std::sync::OnceLock;

use behavioral_auth::biometrics::extraction::extract;
use behavioral_auth::configuration::{BiometricSettings, Settings};
use behavioral_auth::events::Sample;
use libfuzzer_sys::fuzz_target;

fn settings() -> &'static BiometricSettings {
    static SETTINGS: OnceLock<BiometricSettings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        Settings::defaults()
            .expect("built-in settings parse")
            .biometrics
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(sample) = serde_json::from_slice::<Sample>(data) {
        if let Ok(extracted) = extract(&sample, uuid::Uuid::nil(), settings()) {
            assert!(extracted.rows.iter().flatten().all(|v| v.is_finite()));
            assert!((0.0..=1.0).contains(&extracted.quality.score));
        }
    }
});
