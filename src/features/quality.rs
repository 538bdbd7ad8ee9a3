//! Quality of a keystroke sample: a score in 0..1 and the reasons it is below 1.
//!
//! The server refuses to enrol (and should not silently score) samples that are too short,
//! pasted or autofilled (characters arrived without key presses, or key presses with
//! instantaneous timing), or too regular to come from a hand (a script replaying events).
//! Each finding multiplies the score by its penalty, so several findings compound.

use super::keystrokes::{KeyTimes, PairedKeys, pair_keys};
use super::stats::mean_and_std_dev;
use crate::events::Sample;
use serde::{Deserialize, Serialize};

/// Thresholds of the quality checks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QualityPolicy {
    /// Fewer complete keystrokes than this is too little to judge a typist.
    pub min_keys: usize,
    /// Holds or down-down gaps at or below this (ms) are not humanly possible.
    pub instantaneous_ms: f64,
    /// Share of instantaneous timings above which the input looks injected.
    pub max_instantaneous_fraction: f64,
    /// Coefficient of variation of hold and down-down times below this looks scripted.
    pub min_coefficient_of_variation: f64,
    /// Share of typed characters that must be backed by a key press.
    pub min_key_coverage: f64,
}

impl Default for QualityPolicy {
    fn default() -> Self {
        QualityPolicy {
            min_keys: 6,
            instantaneous_ms: 1.0,
            max_instantaneous_fraction: 0.2,
            min_coefficient_of_variation: 0.03,
            min_key_coverage: 0.8,
        }
    }
}

/// One finding, with a message a user or an operator can act on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "issue", rename_all = "snake_case")]
pub enum QualityIssue {
    #[error("only {found} complete keystrokes; at least {needed} are needed")]
    TooFewKeys { found: usize, needed: usize },
    #[error(
        "{typed_chars} characters were entered but only {key_presses} keys were pressed: pasted or autofilled"
    )]
    MissingKeyEvents {
        typed_chars: usize,
        key_presses: usize,
    },
    #[error("{percent:.0}% of the timings are instantaneous (≤ 1 ms): injected input")]
    InstantaneousTiming { percent: f64 },
    #[error(
        "timing variation is {coefficient_of_variation:.3}, too regular for a human: scripted input"
    )]
    MachineRegularTiming { coefficient_of_variation: f64 },
    #[error("{count} keys were pressed and never released")]
    UnreleasedKeys { count: usize },
}

impl QualityIssue {
    /// Factor the score is multiplied by.
    fn penalty(&self) -> f64 {
        match self {
            QualityIssue::TooFewKeys { .. } => 0.3,
            QualityIssue::MissingKeyEvents { .. } => 0.1,
            QualityIssue::InstantaneousTiming { .. } => 0.1,
            QualityIssue::MachineRegularTiming { .. } => 0.1,
            QualityIssue::UnreleasedKeys { .. } => 0.8,
        }
    }
}

/// Score in 0..1 (1 = nothing wrong) and the findings behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    pub score: f64,
    pub issues: Vec<QualityIssue>,
}

/// Judges a keystroke sample. `typed_chars` is the length of the text the field ended with,
/// when the client knows it (used to detect paste and autofill).
pub fn keystroke_quality(
    sample: &Sample,
    typed_chars: Option<usize>,
    policy: &QualityPolicy,
) -> QualityReport {
    paired_quality(&pair_keys(&sample.events), typed_chars, policy)
}

/// [`keystroke_quality`] of keys already paired (extraction pairs a sample's keys once for
/// its features and its quality: pairing was a visible share of scoring a live window).
pub fn paired_quality(
    paired: &PairedKeys,
    typed_chars: Option<usize>,
    policy: &QualityPolicy,
) -> QualityReport {
    keys_quality(
        &paired.keystrokes,
        paired.unreleased.len(),
        typed_chars,
        policy,
    )
}

/// [`paired_quality`] of the complete keystrokes' times and how many presses were never
/// released.
pub fn keys_quality(
    keys: &[impl KeyTimes],
    unreleased: usize,
    typed_chars: Option<usize>,
    policy: &QualityPolicy,
) -> QualityReport {
    let mut issues = Vec::new();
    if keys.len() < policy.min_keys {
        issues.push(QualityIssue::TooFewKeys {
            found: keys.len(),
            needed: policy.min_keys,
        });
    }
    if let Some(typed_chars) = typed_chars {
        let presses = keys.len() + unreleased;
        if typed_chars > 0 && (presses as f64) < policy.min_key_coverage * typed_chars as f64 {
            issues.push(QualityIssue::MissingKeyEvents {
                typed_chars,
                key_presses: presses,
            });
        }
    }
    let holds: Vec<f64> = keys.iter().map(|k| k.up_ms() - k.down_ms()).collect();
    let dds: Vec<f64> = keys
        .windows(2)
        .map(|w| w[1].down_ms() - w[0].down_ms())
        .collect();
    let timings = holds.len() + dds.len();
    if timings > 0 {
        let instantaneous = holds
            .iter()
            .chain(&dds)
            .filter(|v| **v <= policy.instantaneous_ms)
            .count();
        let fraction = instantaneous as f64 / timings as f64;
        if fraction > policy.max_instantaneous_fraction {
            issues.push(QualityIssue::InstantaneousTiming {
                percent: 100.0 * fraction,
            });
        }
    }
    if keys.len() >= 3 {
        let cv = |v: &[f64]| match mean_and_std_dev(v) {
            Some((m, s)) if m > 0.0 => s / m,
            _ => 0.0,
        };
        let coefficient_of_variation = cv(&holds).max(cv(&dds));
        if coefficient_of_variation < policy.min_coefficient_of_variation {
            issues.push(QualityIssue::MachineRegularTiming {
                coefficient_of_variation,
            });
        }
    }
    if unreleased > 0 {
        issues.push(QualityIssue::UnreleasedKeys { count: unreleased });
    }
    let score = issues
        .iter()
        .map(QualityIssue::penalty)
        .product::<f64>()
        .clamp(0.0, 1.0);
    QualityReport { score, issues }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{DeviceClass, Modality, RawEvent};

    fn typed(timings: &[(f64, f64)]) -> Sample {
        let mut events = Vec::new();
        let mut t = 0.0;
        for (i, (hold, gap)) in timings.iter().enumerate() {
            events.push(RawEvent::KeyDown {
                code: format!("K{i}").into(),
                t,
            });
            events.push(RawEvent::KeyUp {
                code: format!("K{i}").into(),
                t: t + hold,
            });
            t += gap;
        }
        events.sort_by(|a, b| a.time_ms().total_cmp(&b.time_ms()));
        Sample {
            modality: Modality::Keystroke,
            device: DeviceClass::Desktop,
            text_id: None,
            typed_chars: None,
            typingdna_pattern: None,
            events,
        }
    }

    #[test]
    fn human_typing_scores_one() {
        let human = typed(&[
            (95.0, 180.0),
            (110.0, 140.0),
            (80.0, 260.0),
            (120.0, 150.0),
            (90.0, 210.0),
            (105.0, 0.0),
        ]);
        let report = keystroke_quality(&human, Some(6), &QualityPolicy::default());
        assert_eq!(
            report,
            QualityReport {
                score: 1.0,
                issues: vec![]
            }
        );
    }

    #[test]
    fn scripted_pasted_and_short_input_is_flagged() {
        let policy = QualityPolicy::default();
        let scripted = keystroke_quality(&typed(&[(100.0, 200.0); 8]), None, &policy);
        assert!(matches!(
            scripted.issues[..],
            [QualityIssue::MachineRegularTiming { .. }]
        ));
        assert!(scripted.score < 0.5);
        let pasted = keystroke_quality(&typed(&[(95.0, 180.0), (110.0, 0.0)]), Some(12), &policy);
        assert!(pasted.issues.iter().any(|i| matches!(
            i,
            QualityIssue::MissingKeyEvents {
                typed_chars: 12,
                key_presses: 2
            }
        )));
        assert!(
            pasted
                .issues
                .iter()
                .any(|i| matches!(i, QualityIssue::TooFewKeys { found: 2, .. }))
        );
        let injected = keystroke_quality(&typed(&[(0.0, 0.0); 8]), None, &policy);
        assert!(
            injected
                .issues
                .iter()
                .any(|i| matches!(i, QualityIssue::InstantaneousTiming { .. }))
        );
        assert!(!pasted.issues[0].to_string().is_empty());
    }
}
