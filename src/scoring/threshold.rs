//! Per-user decision threshold on the fused 0..1 score.
//!
//! With held-out negatives the threshold sits at the user's estimated equal-error point; with
//! genuine data only it rejects a configured share of the user's own out-of-sample attempts;
//! with too little data it is the global default.

use super::config::ModelConfig;
use super::metrics::eer_with_threshold;
use crate::features::stats::quantile;
use serde::{Deserialize, Serialize};

/// Fewest held-out negatives that make an EER estimate worth more than the fallback.
const MIN_CALIBRATION_NEGATIVES: usize = 10;

/// Where a threshold came from, so the server can show and audit it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum ThresholdSource {
    GlobalDefault,
    GenuineQuantile { false_reject_rate: f64 },
    EstimatedEer { eer: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// Accept when `score >= value`.
    pub value: f64,
    pub source: ThresholdSource,
}

/// Outcome of comparing one score with the user's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub accepted: bool,
    pub score: f64,
    pub threshold: f64,
}

impl Threshold {
    pub fn decide(&self, score: f64) -> Decision {
        Decision {
            accepted: score.is_finite() && score >= self.value,
            score,
            threshold: self.value,
        }
    }
}

/// Calibrates from out-of-sample genuine scores and held-out negative scores (both 0..1).
pub fn calibrate(genuine: &[f64], negatives: &[f64], config: &ModelConfig) -> Threshold {
    if genuine.len() < config.min_genuine_for_calibration {
        return Threshold {
            value: config.default_threshold,
            source: ThresholdSource::GlobalDefault,
        };
    }
    if config.target_false_reject_rate.is_none()
        && negatives.len() >= MIN_CALIBRATION_NEGATIVES
        && let Some((eer, value)) = eer_with_threshold(genuine, negatives)
    {
        return Threshold {
            value,
            source: ThresholdSource::EstimatedEer { eer },
        };
    }
    let rate = config
        .target_false_reject_rate
        .unwrap_or(config.fallback_false_reject_rate)
        .clamp(0.0, 1.0);
    match quantile(genuine, rate) {
        Some(value) => Threshold {
            value,
            source: ThresholdSource::GenuineQuantile {
                false_reject_rate: rate,
            },
        },
        None => Threshold {
            value: config.default_threshold,
            source: ThresholdSource::GlobalDefault,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(from: f64, to: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| from + (to - from) * i as f64 / (n - 1) as f64)
            .collect()
    }

    #[test]
    fn the_default_target_is_the_equal_error_point_and_a_set_rate_overrides_it() {
        let genuine = spread(0.4, 1.0, 50);
        let negatives = spread(0.0, 0.6, 50);
        let config = ModelConfig::default();
        let at_eer = calibrate(&genuine, &negatives, &config);
        assert!(
            matches!(at_eer.source, ThresholdSource::EstimatedEer { .. }),
            "{at_eer:?}"
        );
        assert!((at_eer.value - 0.5).abs() < 0.02, "{at_eer:?}");

        let strict = ModelConfig {
            target_false_reject_rate: Some(0.02),
            ..config
        };
        let lenient = calibrate(&genuine, &negatives, &strict);
        assert_eq!(
            lenient.source,
            ThresholdSource::GenuineQuantile {
                false_reject_rate: 0.02
            }
        );
        assert!(
            lenient.value < at_eer.value,
            "fewer rejections of the user: a lower bar"
        );
    }

    #[test]
    fn too_little_data_keeps_the_global_default() {
        let config = ModelConfig {
            default_threshold: 0.42,
            ..ModelConfig::default()
        };
        let threshold = calibrate(&[0.9, 0.8], &[], &config);
        assert_eq!(
            threshold,
            Threshold {
                value: 0.42,
                source: ThresholdSource::GlobalDefault
            }
        );
    }
}
