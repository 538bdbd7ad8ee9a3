//! Fixed-text (password / passphrase) features in the CMU benchmark layout.
//!
//! For keys k1..kn ordered by key_down the vector is
//! `H.k1, DD.k1.k2, UD.k1.k2, H.k2, DD.k2.k3, UD.k2.k3, …, H.kn` (3n − 2 values), in seconds:
//! H = hold (up − down), DD = down→next down, UD = up→next down = DD − H (negative on rollover).
//! The codes themselves never leave this module except as a keyed hash, which the server
//! compares with [`check_sequence`] to refuse a sample of a different text.

use super::keystrokes::{Keystroke, PairedKeys, pair_keys};
use super::{FeatureError, MS_PER_S};
use crate::events::{Modality, Sample, key_sequence_hash};

/// Fewest keystrokes a fixed text can have (one DD/UD pair).
pub const MIN_FIXED_TEXT_KEYS: usize = 2;

/// Timing vector plus the keyed hash of the typed codes.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedTextFeatures {
    /// `H, DD, UD, H, …` in seconds, 3·keys − 2 values.
    pub timings_s: Vec<f64>,
    /// [`key_sequence_hash`] of the codes in key_down order.
    pub sequence_hash: String,
}

/// Extracts fixed-text features from a validated keystroke sample. Every key must be released.
pub fn extract(
    sample: &Sample,
    secret: &[u8],
    user_scope: &str,
) -> Result<FixedTextFeatures, FeatureError> {
    if sample.modality != Modality::Keystroke {
        return Err(FeatureError::WrongModality {
            expected: Modality::Keystroke,
            found: sample.modality,
        });
    }
    from_paired(&pair_keys(&sample.events), secret, user_scope)
}

/// [`extract`] from keys already paired (the server pairs a sample's keys once).
pub fn from_paired(
    paired: &PairedKeys,
    secret: &[u8],
    user_scope: &str,
) -> Result<FixedTextFeatures, FeatureError> {
    if let Some((code, down_ms)) = paired.unreleased.first() {
        return Err(FeatureError::UnreleasedKey {
            code: code.to_string(),
            down_ms: *down_ms,
        });
    }
    if paired.keystrokes.len() < MIN_FIXED_TEXT_KEYS {
        return Err(FeatureError::TooFewKeystrokes {
            found: paired.keystrokes.len(),
            needed: MIN_FIXED_TEXT_KEYS,
        });
    }
    let codes = paired.keystrokes.iter().map(|k| k.code.as_str());
    Ok(FixedTextFeatures {
        timings_s: timing_vector(&paired.keystrokes),
        sequence_hash: key_sequence_hash(secret, user_scope, codes),
    })
}

/// The CMU-layout vector for keystrokes already ordered by key_down.
pub fn timing_vector(keystrokes: &[Keystroke]) -> Vec<f64> {
    let mut timings = Vec::with_capacity(keystrokes.len().saturating_mul(3));
    for (i, key) in keystrokes.iter().enumerate() {
        timings.push((key.up_ms - key.down_ms) / MS_PER_S);
        if let Some(next) = keystrokes.get(i + 1) {
            timings.push((next.down_ms - key.down_ms) / MS_PER_S);
            timings.push((next.down_ms - key.up_ms) / MS_PER_S);
        }
    }
    timings
}

/// Number of keys a timing vector of this length describes, `None` if no layout fits.
pub fn key_count(timing_len: usize) -> Option<usize> {
    (timing_len % 3 == 1).then_some(timing_len.div_ceil(3))
}

/// Column names (`H.1`, `DD.1.2`, `UD.1.2`, …) for a text of `keys` keys, by position because
/// the key names are secret.
pub fn column_names(keys: usize) -> Vec<String> {
    let mut names = Vec::new();
    for i in 1..=keys {
        names.push(format!("H.{i}"));
        if i < keys {
            names.push(format!("DD.{i}.{}", i + 1));
            names.push(format!("UD.{i}.{}", i + 1));
        }
    }
    names
}

/// Refuses a sample whose code sequence is not the enrolled one (constant-time comparison).
pub fn check_sequence(enrolled_hash: &str, candidate_hash: &str) -> Result<(), FeatureError> {
    let (a, b) = (enrolled_hash.as_bytes(), candidate_hash.as_bytes());
    let differs = a.len() != b.len() || a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) != 0;
    if differs {
        Err(FeatureError::SequenceMismatch)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{DeviceClass, RawEvent, SampleLimits};
    use proptest::prelude::*;

    /// Builds a sample from (hold, gap-to-next-down) pairs in ms, codes Key0, Key1, …
    fn typed(presses: &[(f64, f64)], start_ms: f64) -> Sample {
        let mut events = Vec::new();
        let mut down = start_ms;
        for (i, (hold, gap)) in presses.iter().enumerate() {
            events.push(RawEvent::KeyDown {
                code: format!("Key{i}").into(),
                t: down,
            });
            events.push(RawEvent::KeyUp {
                code: format!("Key{i}").into(),
                t: down + hold,
            });
            down += gap;
        }
        events.sort_by(|a, b| a.time_ms().total_cmp(&b.time_ms()));
        Sample {
            modality: Modality::Keystroke,
            device: DeviceClass::Desktop,
            text_id: Some("pw".into()),
            typed_chars: None,
            typingdna_pattern: None,
            events,
        }
    }

    #[test]
    fn rollover_gives_negative_up_down() {
        let features = extract(&typed(&[(120.0, 80.0), (100.0, 0.0)], 0.0), b"k", "u").unwrap();
        assert_eq!(features.timings_s.len(), 4);
        let [h1, dd, ud, h2] = [0, 1, 2, 3].map(|i| features.timings_s[i]);
        assert!((h1 - 0.12).abs() < 1e-12 && (dd - 0.08).abs() < 1e-12 && (h2 - 0.1).abs() < 1e-12);
        assert!((ud + 0.04).abs() < 1e-12);
    }

    #[test]
    fn different_text_is_refused_by_hash() {
        let enrolled = extract(&typed(&[(100.0, 150.0), (90.0, 0.0)], 0.0), b"k", "u").unwrap();
        let mut other = typed(&[(100.0, 150.0), (90.0, 0.0)], 0.0);
        if let Some(RawEvent::KeyDown { code, .. }) = other.events.first_mut() {
            *code = "KeyZ".into();
        }
        if let Some(RawEvent::KeyUp { code, .. }) = other
            .events
            .iter_mut()
            .find(|e| matches!(e, RawEvent::KeyUp { code, .. } if code == "Key0"))
        {
            *code = "KeyZ".into();
        }
        let candidate = extract(&other, b"k", "u").unwrap();
        assert_eq!(
            check_sequence(&enrolled.sequence_hash, &enrolled.sequence_hash),
            Ok(())
        );
        assert_eq!(
            check_sequence(&enrolled.sequence_hash, &candidate.sequence_hash),
            Err(FeatureError::SequenceMismatch)
        );
        assert_eq!(
            column_names(3),
            vec!["H.1", "DD.1.2", "UD.1.2", "H.2", "DD.2.3", "UD.2.3", "H.3"]
        );
        assert_eq!(key_count(31), Some(11));
    }

    proptest! {
        #[test]
        fn ud_is_dd_minus_h_and_shift_invariant(
            presses in prop::collection::vec((1.0..400.0f64, 1.0..600.0f64), 2..15),
            shift in -1e6..1e6f64,
        ) {
            let sample = typed(&presses, 1000.0);
            prop_assert!(sample.validate(&SampleLimits::default()).is_ok());
            let base = extract(&sample, b"k", "u").unwrap();
            prop_assert_eq!(base.timings_s.len(), 3 * presses.len() - 2);
            for i in 0..presses.len() - 1 {
                let (h, dd, ud) = (base.timings_s[3 * i], base.timings_s[3 * i + 1], base.timings_s[3 * i + 2]);
                prop_assert!((ud - (dd - h)).abs() < 1e-9);
            }
            let shifted = extract(&typed(&presses, 1000.0 + shift), b"k", "u").unwrap();
            for (a, b) in base.timings_s.iter().zip(&shifted.timings_s) {
                prop_assert!((a - b).abs() < 1e-6);
            }
            prop_assert_eq!(base.sequence_hash, shifted.sequence_hash);
        }
    }
}
