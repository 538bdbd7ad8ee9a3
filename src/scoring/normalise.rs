//! Per-user score normalisation: each detector's scores are z-normalised on what the user's
//! own genuine attempts score out of sample, so "0" means "a typical attempt of this user" and
//! detectors with different units can be added.

use crate::features::stats::{mean, std_dev};
use serde::{Deserialize, Serialize};

/// Smallest spread accepted, so a user with identical training scores does not divide by 0.
const MIN_SPREAD: f64 = 1e-6;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZNorm {
    pub mean: f64,
    pub std: f64,
}

impl ZNorm {
    /// Fits on out-of-sample genuine scores; the identity when there are none.
    pub fn fit(scores: &[f64]) -> ZNorm {
        let finite: Vec<f64> = scores.iter().copied().filter(|s| s.is_finite()).collect();
        ZNorm {
            mean: mean(&finite).unwrap_or(0.0),
            std: std_dev(&finite).unwrap_or(1.0).max(MIN_SPREAD),
        }
    }

    pub fn apply(&self, score: f64) -> f64 {
        (score - self.mean) / self.std
    }
}
