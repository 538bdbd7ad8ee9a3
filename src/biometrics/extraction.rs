//! From a client's raw sample to feature rows, a quality report and (for fixed text) the keyed
//! hash of the key sequence. Nothing the client computed is trusted.

use uuid::Uuid;

use crate::configuration::BiometricSettings;
use crate::error::ApiError;
use crate::events::{Modality, Sample, SampleLimits};
use crate::features::keystrokes::{Keystroke, pair_keys};
use crate::features::quality::{QualityPolicy, QualityReport, paired_quality};
use crate::features::{fixed_text, free_text, motion, touch};

use super::check_text_id;

/// What the server extracted from one sample.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// One row per unit scored: one for keystroke and motion samples, one per stroke for touch.
    pub rows: Vec<Vec<f64>>,
    pub quality: QualityReport,
    /// Keyed hash of the fixed text's key codes (never the codes themselves).
    pub sequence_hash: Option<String>,
    /// The sample's keys paired, in key-down order (none for other modalities): what the
    /// replay check reads, so the keys are not paired again.
    pub keystrokes: Vec<Keystroke>,
}

/// Validates the sample and extracts its features; every refusal is a 422 saying why.
pub fn extract(
    sample: &Sample,
    user_id: Uuid,
    settings: &BiometricSettings,
) -> Result<Extracted, ApiError> {
    check_text_id(sample.text_id.as_deref()).map_err(ApiError::InvalidSample)?;
    let limits = SampleLimits {
        max_events: settings.max_events,
    };
    sample
        .validate(&limits)
        .map_err(|error| ApiError::InvalidSample(error.to_string()))?;
    let invalid = |error: crate::features::FeatureError| ApiError::InvalidSample(error.to_string());

    // Keys are paired once, for the features, the quality and the replay check alike.
    let paired = (sample.modality == Modality::Keystroke).then(|| pair_keys(&sample.events));
    let (rows, sequence_hash) = match (&paired, sample.text_id.as_deref()) {
        (Some(paired), Some(_)) => {
            let features = fixed_text::from_paired(
                paired,
                settings.sequence_hash_key.as_bytes(),
                &user_id.to_string(),
            )
            .map_err(invalid)?;
            (vec![features.timings_s], Some(features.sequence_hash))
        }
        (Some(paired), None) => {
            let features = free_text::from_keystrokes(&paired.keystrokes).map_err(invalid)?;
            (vec![features], None)
        }
        (None, _) if sample.modality == Modality::Touch => {
            (touch::extract_strokes(sample).map_err(invalid)?, None)
        }
        (None, _) => (vec![motion::extract_window(sample).map_err(invalid)?], None),
    };
    if rows.iter().flatten().any(|value| !value.is_finite()) {
        return Err(ApiError::InvalidSample(
            "the sample's timings produce non-finite features".into(),
        ));
    }
    let quality = match &paired {
        Some(paired) => paired_quality(paired, sample.typed_chars, &QualityPolicy::default()),
        None => QualityReport {
            score: 1.0,
            issues: Vec::new(),
        },
    };
    Ok(Extracted {
        rows,
        quality,
        sequence_hash,
        keystrokes: paired.map(|paired| paired.keystrokes).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::configuration::Settings;
    use crate::features::properties::any_sample;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The whole pipeline a REST sample and a live-session window go through: any
        /// sample is extracted or refused with a reason; what is accepted is finite.
        #[test]
        fn any_sample_is_extracted_or_refused_never_a_panic(sample in any_sample()) {
            let settings = Settings::defaults().expect("built-in settings").biometrics;
            match extract(&sample, Uuid::nil(), &settings) {
                Ok(extracted) => {
                    prop_assert!(extracted.rows.iter().flatten().all(|v| v.is_finite()));
                    prop_assert!((0.0..=1.0).contains(&extracted.quality.score));
                    // The replay check gets the keys it would pair from the sample itself.
                    let expected = if sample.modality == Modality::Keystroke {
                        pair_keys(&sample.events).keystrokes
                    } else {
                        Vec::new()
                    };
                    prop_assert_eq!(extracted.keystrokes, expected);
                }
                Err(error) => prop_assert!(matches!(error, ApiError::InvalidSample(_)), "{error:?}"),
            }
        }
    }
}
