//! From a client's raw sample to feature rows, a quality report and (for fixed text) the keyed
//! hash of the key sequence. Nothing the client computed is trusted.

use uuid::Uuid;

use crate::configuration::BiometricSettings;
use crate::error::ApiError;
use crate::events::{Modality, Sample, SampleError, SampleLimits};
use crate::features::free_text::TimedKeys;
use crate::features::keystrokes::{Keystroke, PairedKeys, WindowKeys, pair_keys};
use crate::features::quality::{QualityPolicy, QualityReport, keys_quality, paired_quality};
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
    sample.validate(&limits).map_err(invalid)?;
    match sample.modality {
        // Keys are paired once, for the features, the quality and the replay check alike.
        Modality::Keystroke => from_paired(
            pair_keys(&sample.events),
            sample.text_id.as_deref(),
            sample.typed_chars,
            user_id,
            settings,
        ),
        Modality::Touch => unpaired(touch::extract_strokes(sample).map_err(invalid)?),
        Modality::Motion => unpaired(vec![motion::extract_window(sample).map_err(invalid)?]),
    }
}

/// [`extract`] of a live keystroke session's window, already checked and paired as
/// [`pair_window`](crate::features::keystrokes::pair_window) pairs its events (the session's
/// `EventWindow::keys_at` pairs keys as they arrive): the same rows, quality and refusals as
/// extracting a copy of the events the window keeps, without the copy. `None` when the
/// window keeps no event (nothing to score).
pub fn extract_window(
    window: WindowKeys,
    text_id: Option<&str>,
    user_id: Uuid,
    settings: &BiometricSettings,
) -> Option<Result<Extracted, ApiError>> {
    checked_window(window, text_id, settings, |paired| {
        from_paired(paired, text_id, None, user_id, settings)
    })
}

/// [`extract_window`] of a free-text window (no text id), its keys classed as they arrived
/// (`EventWindow::timed_at`): the same rows, quality and refusals, without copying a code.
/// The keys are not kept ([`Extracted::keystrokes`] is empty): a live window is not checked
/// for replay.
pub fn extract_free_text_window(
    window: WindowKeys<TimedKeys>,
    settings: &BiometricSettings,
) -> Option<Result<Extracted, ApiError>> {
    checked_window(window, None, settings, |timed| {
        let row = free_text::from_timed(&timed.keys).map_err(invalid)?;
        Ok(Extracted {
            rows: finite(vec![row])?,
            quality: keys_quality(
                &timed.keys,
                timed.unreleased,
                None,
                &QualityPolicy::default(),
            ),
            sequence_hash: None,
            keystrokes: Vec::new(),
        })
    })
}

/// A window's refusals as a sample's (text id, length, its events' checks), then `extract` of
/// its keys; `None` when it keeps no event.
fn checked_window<Keys>(
    window: WindowKeys<Keys>,
    text_id: Option<&str>,
    settings: &BiometricSettings,
    extract: impl FnOnce(Keys) -> Result<Extracted, ApiError>,
) -> Option<Result<Extracted, ApiError>> {
    if window.kept == 0 {
        return None;
    }
    let checked = || {
        check_text_id(text_id).map_err(ApiError::InvalidSample)?;
        if window.kept > settings.max_events {
            return Err(invalid(SampleError::TooManyEvents {
                count: window.kept,
                max: settings.max_events,
            }));
        }
        extract(window.paired.map_err(invalid)?)
    };
    Some(checked())
}

/// A sample refused for what its events hold: a 422 saying why.
fn invalid(error: impl std::fmt::Display) -> ApiError {
    ApiError::InvalidSample(error.to_string())
}

/// Rows, quality and sequence hash of a keystroke sample's paired keys.
fn from_paired(
    paired: PairedKeys,
    text_id: Option<&str>,
    typed_chars: Option<usize>,
    user_id: Uuid,
    settings: &BiometricSettings,
) -> Result<Extracted, ApiError> {
    let (row, sequence_hash) = match text_id {
        Some(_) => {
            let features = fixed_text::from_paired(
                &paired,
                settings.sequence_hash_key.as_bytes(),
                &user_id.to_string(),
            )
            .map_err(invalid)?;
            (features.timings_s, Some(features.sequence_hash))
        }
        None => (
            free_text::from_keystrokes(&paired.keystrokes).map_err(invalid)?,
            None,
        ),
    };
    let rows = finite(vec![row])?;
    Ok(Extracted {
        rows,
        quality: paired_quality(&paired, typed_chars, &QualityPolicy::default()),
        sequence_hash,
        keystrokes: paired.keystrokes,
    })
}

/// Rows of a touch or motion sample (no keys: full quality, no sequence).
fn unpaired(rows: Vec<Vec<f64>>) -> Result<Extracted, ApiError> {
    Ok(Extracted {
        rows: finite(rows)?,
        quality: QualityReport {
            score: 1.0,
            issues: Vec::new(),
        },
        sequence_hash: None,
        keystrokes: Vec::new(),
    })
}

/// The rows, refused if any value is not finite.
fn finite(rows: Vec<Vec<f64>>) -> Result<Vec<Vec<f64>>, ApiError> {
    if rows.iter().flatten().any(|value| !value.is_finite()) {
        return Err(ApiError::InvalidSample(
            "the sample's timings produce non-finite features".into(),
        ));
    }
    Ok(rows)
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
