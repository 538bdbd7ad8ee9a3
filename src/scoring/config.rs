//! Settings of [`super::model::UserModel::train`]; the server keeps one per modality.

use super::svm::SvmParams;
use serde::{Deserialize, Serialize};

/// Weight of each detector's z-normalised score in the fused score (0 turns one off).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FusionWeights {
    pub manhattan: f64,
    pub knn: f64,
    pub svm: f64,
    pub weighted_manhattan: f64,
}

/// What each detector's z-normalisation is fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreNormalisation {
    /// The user's own out-of-sample genuine scores: 0 = a typical attempt of the user.
    GenuineOutOfSample,
    /// Held-out negatives (falls back to genuine when too few): 0 = a typical other person.
    /// Steadier when enrolment is short (a handful of free-text sentences).
    HeldOutNegatives,
}

/// Missing fields take their [`Default`] value, so a partial JSON object is a valid config.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelConfig {
    /// `ln(x + offset)` before every detector; 0.3 s suits keystroke timings in seconds.
    pub log_offset: Option<f64>,
    pub knn_k: usize,
    pub svm: SvmParams,
    /// The SVM is trained only with at least this many genuine rows…
    pub min_genuine_for_svm: usize,
    /// …and this many negatives.
    pub min_negatives_for_svm: usize,
    /// Negatives used for training, sampled deterministically when there are more.
    pub max_negatives: usize,
    /// Further negatives kept out of training to calibrate the threshold.
    pub calibration_negatives: usize,
    /// Folds for out-of-sample genuine SVM scores (z-norm and calibration); < 2 = in-sample.
    pub svm_folds: usize,
    pub weights: FusionWeights,
    /// Threshold on the 0..1 score until the user has enough data to calibrate one.
    pub default_threshold: f64,
    /// Genuine rows needed before a per-user threshold replaces the default.
    pub min_genuine_for_calibration: usize,
    /// With no held-out negatives, the threshold rejects this share of genuine attempts.
    pub fallback_false_reject_rate: f64,
    /// The operating point to calibrate to: `None` = the user's estimated equal-error point
    /// (needs held-out negatives), `Some(r)` = reject share `r` of the user's own attempts.
    pub target_false_reject_rate: Option<f64>,
    /// Distance detectors use only the most recent N genuine rows (typing drifts with
    /// practice, so old enrolments mislead); `None` = all.
    pub recent_genuine: Option<usize>,
    /// The same for the SVM; `None` = as `recent_genuine`.
    pub svm_recent_genuine: Option<usize>,
    pub normalisation: ScoreNormalisation,
    /// Seeds negative sampling and smartcore.
    pub seed: u64,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            log_offset: Some(0.3),
            knn_k: 5,
            svm: SvmParams::default(),
            min_genuine_for_svm: 5,
            min_negatives_for_svm: 10,
            max_negatives: 1000,
            calibration_negatives: 200,
            svm_folds: 0,
            weights: FusionWeights::default(),
            default_threshold: 0.5,
            min_genuine_for_calibration: 10,
            fallback_false_reject_rate: 0.05,
            target_false_reject_rate: None,
            recent_genuine: Some(40),
            svm_recent_genuine: Some(60),
            normalisation: ScoreNormalisation::GenuineOutOfSample,
            seed: 42,
        }
    }
}

impl Default for FusionWeights {
    fn default() -> Self {
        FusionWeights {
            manhattan: 1.0,
            knn: 0.0,
            svm: 1.0,
            weighted_manhattan: 0.0,
        }
    }
}

impl ModelConfig {
    /// Passwords and passphrases (the [`Default`]): distance detectors on the 40 most recent
    /// genuine samples, the SVM on the 60 most recent, z-norm on the user's own scores.
    pub fn fixed_text() -> ModelConfig {
        ModelConfig::default()
    }

    /// Touch strokes and motion windows: not timings (values can be negative, so no log
    /// transform) and without typing's practice drift (no recency window).
    pub fn strokes() -> ModelConfig {
        ModelConfig {
            log_offset: None,
            recent_genuine: None,
            svm_recent_genuine: None,
            ..ModelConfig::fixed_text()
        }
    }

    /// Free text, where enrolment is a handful of sentences: five genuine rows cannot
    /// estimate a spread, so every detector is normalised on held-out negatives, and KNN
    /// joins the fusion.
    pub fn free_text() -> ModelConfig {
        ModelConfig {
            svm: SvmParams {
                c: 10.0,
                ..SvmParams::default()
            },
            weights: FusionWeights {
                knn: 1.0,
                ..FusionWeights::default()
            },
            normalisation: ScoreNormalisation::HeldOutNegatives,
            ..ModelConfig::default()
        }
    }
}
