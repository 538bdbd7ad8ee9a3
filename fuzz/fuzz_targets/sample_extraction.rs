//! Any bytes as a sample's JSON body: whatever decodes goes through validation, the
//! extractors and quality scoring, as `POST /biometrics/enrollments` and a live session's
//! window do. A value or a refusal, never a panic. The sample endpoints read a body by the
//! events' fast path where it can: it must read exactly what serde_json reads.
#![no_main]

use std::sync::OnceLock;

use behavioral_auth::biometrics::extraction::extract;
use behavioral_auth::configuration::{BiometricSettings, Settings};
use behavioral_auth::events::{Sample, scan};
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
    let general = serde_json::from_slice::<Sample>(data);
    if let Some(fast) = std::str::from_utf8(data).ok().and_then(scan::sample) {
        // `Debug` tells every number apart to the bit.
        let general = general.as_ref().expect("serde_json reads what the fast path read");
        assert_eq!(format!("{fast:?}"), format!("{general:?}"));
    }
    if let Ok(sample) = general {
        if let Ok(extracted) = extract(&sample, uuid::Uuid::nil(), settings()) {
            assert!(extracted.rows.iter().flatten().all(|v| v.is_finite()));
            assert!((0.0..=1.0).contains(&extracted.quality.score));
        }
    }
});
