//! Feature extraction: validated [`crate::events::Sample`]s in, fixed-length `Vec<f64>` out.
//!
//! - [`keystrokes`] pairs key_down with key_up (rollover-safe); the keystroke extractors build on it.
//!   [`rolling_pairs`] pairs a live session's keys as they arrive, as [`keystrokes`] pairs its window,
//!   and classes each code once for the free-text features (`free_text::KeyClass`).
//! - [`fixed_text`] passwords/passphrases: CMU-style hold, down-down and up-down times.
//! - [`free_text`] any text: aggregate rhythm statistics plus digraph and per-key medians.
//! - [`touch`] Touchalytics-style per-stroke features; [`motion`] per-window sensor moments.
//! - [`quality`] a 0..1 quality score with reasons (too short, pasted, scripted).
//! - [`stats`] the small numeric helpers they share.
//!
//! Keystroke timings are in **seconds** everywhere (the CMU benchmark's unit), event times
//! arrive in milliseconds.

pub mod fixed_text;
pub mod free_text;
pub mod keystrokes;
pub mod motion;
#[cfg(test)]
pub(crate) mod properties;
pub mod quality;
pub mod rolling_pairs;
pub mod stats;
pub mod touch;

use crate::events::Modality;

/// Why features could not be extracted from a (validated) sample.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FeatureError {
    #[error("a {expected:?} extractor was given a {found:?} sample")]
    WrongModality { expected: Modality, found: Modality },
    #[error("the sample has {found} complete keystrokes; at least {needed} are needed")]
    TooFewKeystrokes { found: usize, needed: usize },
    #[error("key `{code}` pressed at t={down_ms} ms is never released")]
    UnreleasedKey { code: String, down_ms: f64 },
    #[error("the typed key sequence does not match the enrolled one")]
    SequenceMismatch,
    #[error("the fixed text has {found} keys but the model expects {expected}")]
    LengthMismatch { found: usize, expected: usize },
    #[error("the sample has no complete touch stroke")]
    NoStroke,
    #[error("the motion window has {found} readings; at least {needed} are needed")]
    TooFewReadings { found: usize, needed: usize },
}

/// Milliseconds to seconds.
pub(crate) const MS_PER_S: f64 = 1000.0;

#[cfg(test)]
mod tests {
    use crate::events::{DeviceClass, Modality, RawEvent, Sample, SampleError, SampleLimits};
    use crate::features::{fixed_text, free_text, motion, quality, touch};
    use proptest::prelude::*;

    fn arbitrary_event() -> impl Strategy<Value = RawEvent> {
        let code = prop::sample::select(vec!["KeyA", "KeyB", "Space", "KeyE"]);
        let num = prop_oneof![any::<f64>(), -1e4..1e4f64, 0.0..500.0f64];
        prop_oneof![
            (code.clone(), num.clone()).prop_map(|(c, t)| RawEvent::KeyDown { code: c.into(), t }),
            (code, num.clone()).prop_map(|(c, t)| RawEvent::KeyUp { code: c.into(), t }),
            (0..3u32, num.clone(), num.clone(), num.clone()).prop_map(|(id, x, y, t)| {
                RawEvent::TouchStart {
                    id,
                    x,
                    y,
                    pressure: 0.5,
                    size: 0.1,
                    t,
                }
            }),
            (0..3u32, num.clone(), num.clone(), num.clone()).prop_map(|(id, x, y, t)| {
                RawEvent::TouchMove {
                    id,
                    x,
                    y,
                    pressure: 0.5,
                    size: 0.1,
                    t,
                }
            }),
            (0..3u32, num.clone(), num.clone(), num.clone()).prop_map(|(id, x, y, t)| {
                RawEvent::TouchEnd {
                    id,
                    x,
                    y,
                    pressure: 0.5,
                    size: 0.1,
                    t,
                }
            }),
            (num.clone(), num).prop_map(|(ax, t)| RawEvent::Motion {
                ax,
                ay: 0.0,
                az: 9.8,
                gx: 0.1,
                gy: 0.0,
                gz: 0.0,
                t
            }),
        ]
    }

    fn modality() -> impl Strategy<Value = Modality> {
        prop::sample::select(vec![Modality::Keystroke, Modality::Touch, Modality::Motion])
    }

    proptest! {
        /// Arbitrary (even invalid) event sequences never panic validation or any extractor,
        /// and accepted samples are ordered, single-modality and give finite features.
        #[test]
        fn arbitrary_events_never_panic(
            events in prop::collection::vec(arbitrary_event(), 0..60),
            modality in modality(),
        ) {
            let sample = Sample { modality, device: DeviceClass::Mobile, text_id: None, typed_chars: None, events, typingdna_pattern: None };
            let valid = sample.validate(&SampleLimits::default()).is_ok();
            let fixed = fixed_text::extract(&sample, b"k", "u");
            let free = free_text::extract(&sample);
            let strokes = touch::extract_strokes(&sample);
            let window = motion::extract_window(&sample);
            let report = quality::keystroke_quality(&sample, Some(5), &quality::QualityPolicy::default());
            prop_assert!((0.0..=1.0).contains(&report.score));
            if valid {
                prop_assert!(sample.events.windows(2).all(|w| w[0].time_ms() <= w[1].time_ms()));
                prop_assert!(sample.events.iter().all(|e| e.modality() == modality));
                let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
                if let Ok(f) = fixed { prop_assert!(finite(&f.timings_s)); }
                if let Ok(f) = free { prop_assert!(finite(&f)); }
                if let Ok(s) = strokes { prop_assert!(s.iter().all(|f| finite(f))); }
                if let Ok(f) = window { prop_assert!(finite(&f)); }
            }
        }

        /// Corrupting a valid typed sequence — a release of a key never pressed, or a time
        /// earlier than the one before it — is always refused, at the corrupted event.
        #[test]
        fn corrupted_sequences_are_refused(
            gaps in prop::collection::vec(1.0..300.0f64, 2..20),
            position in any::<prop::sample::Index>(),
            orphan in any::<bool>(),
        ) {
            let mut events = Vec::new();
            let mut t = 0.0;
            for (i, gap) in gaps.iter().enumerate() {
                events.push(RawEvent::KeyDown { code: format!("Key{i}").into(), t });
                events.push(RawEvent::KeyUp { code: format!("Key{i}").into(), t: t + gap / 2.0 });
                t += gap;
            }
            let sample = |events: Vec<RawEvent>| Sample { modality: Modality::Keystroke, device: DeviceClass::Desktop, text_id: None, typed_chars: None, events, typingdna_pattern: None };
            prop_assert!(sample(events.clone()).validate(&SampleLimits::default()).is_ok());
            let at = position.index(events.len());
            if orphan {
                let time = events[at].time_ms();
                events.insert(at, RawEvent::KeyUp { code: "KeyZ".into(), t: time });
                let refused = sample(events).validate(&SampleLimits::default());
                let refused_here = matches!(refused, Err(SampleError::KeyUpWithoutKeyDown { index, .. }) if index == at);
                prop_assert!(refused_here, "{:?}", refused);
            } else {
                let at = at.max(1);
                let earlier = events[at - 1].time_ms() - 1.0;
                match &mut events[at] {
                    RawEvent::KeyDown { t, .. } | RawEvent::KeyUp { t, .. } => *t = earlier,
                    _ => {}
                }
                let refused = sample(events).validate(&SampleLimits::default());
                let refused_here = matches!(refused, Err(SampleError::TimeWentBackwards { index, .. }) if index == at);
                prop_assert!(refused_here, "{:?}", refused);
            }
        }
    }
}
