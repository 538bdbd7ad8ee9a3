//! The per-user, per-device-class model: detectors, their normalisation, fusion and threshold.
//!
//! Training: log-transform the rows; fit scaled Manhattan on the most recent genuine rows
//! (always, from the second enrolment on), and — when negatives (background population,
//! impostor-labelled samples) are given — KNN and the RBF SVM when their fusion weight is
//! positive (plus the optional learned-weight Manhattan). Each detector's similarity is
//! z-normalised, either on the user's *out-of-sample* genuine scores (leave-one-out; the SVM's
//! are in-sample or k-fold) or on held-out negatives ([`ScoreNormalisation`]). The z-scores are
//! averaged with [`FusionWeights`] and squashed to 0..1 (0.85 = typical genuine attempt under
//! genuine normalisation). The threshold is calibrated on the out-of-sample genuine scores and
//! on negatives held out of training ([`super::threshold`]).

use super::ScoringError;
use super::config::{FusionWeights, ModelConfig, ScoreNormalisation};
use super::knn::NearestNeighbours;
use super::manhattan::ScaledManhattan;
use super::normalise::ZNorm;
use super::svm::SvmModel;
use super::threshold::{Decision, Threshold, ThresholdSource, calibrate};
use super::transform::LogTransform;
use super::weighted_manhattan::WeightedManhattan;
use ndarray::{Array2, ArrayView1, Axis};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// Bumped whenever scores of a stored model would change meaning; the server retrains older ones.
pub const MODEL_VERSION: u32 = 1;
/// Shift of the fused z-score before squashing: a typical genuine attempt maps to 0.85.
const FUSION_SHIFT: f64 = 2.0;
/// Held-out negatives needed before they may replace genuine scores as the z-norm reference.
const MIN_NEGATIVES_FOR_NORM: usize = 20;

/// One detector with the normalisation of its similarity (higher = more genuine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalised<D> {
    pub detector: D,
    pub norm: ZNorm,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserModel {
    pub version: u32,
    pub columns: usize,
    pub config: ModelConfig,
    pub transform: LogTransform,
    pub manhattan: Normalised<ScaledManhattan>,
    pub knn: Option<Normalised<NearestNeighbours>>,
    pub weighted_manhattan: Option<Normalised<WeightedManhattan>>,
    pub svm: Option<Normalised<SvmModel>>,
    pub threshold: Threshold,
    pub genuine_rows: usize,
    pub negative_rows: usize,
}

/// The fused score and each detector's z-normalised similarity (0 = typical of the user).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreBreakdown {
    /// 0..1, higher = more genuine.
    pub score: f64,
    pub manhattan: f64,
    pub knn: Option<f64>,
    /// Scaled Manhattan with per-user learned column weights (needs negatives).
    pub weighted_manhattan: Option<f64>,
    pub svm: Option<f64>,
}

fn check_rows(rows: &Array2<f64>, columns: usize, what: &'static str) -> Result<(), ScoringError> {
    if rows.nrows() > 0 && rows.ncols() != columns {
        return Err(ScoringError::WrongWidth {
            expected: columns,
            found: rows.ncols(),
        });
    }
    if rows.iter().any(|v| !v.is_finite()) {
        return Err(ScoringError::NonFinite { what });
    }
    Ok(())
}

/// Deterministic split of the negatives into (training, calibration): a seeded shuffle, then
/// up to a quarter (at most `calibration_negatives`) held out, the rest capped for training.
fn split_negatives(negatives: &Array2<f64>, config: &ModelConfig) -> (Array2<f64>, Array2<f64>) {
    let mut order: Vec<usize> = (0..negatives.nrows()).collect();
    order.shuffle(&mut StdRng::seed_from_u64(config.seed));
    let held_out = config.calibration_negatives.min(order.len() / 4);
    let train_end = order.len().min(held_out + config.max_negatives);
    (
        negatives.select(Axis(0), &order[held_out..train_end]),
        negatives.select(Axis(0), &order[..held_out]),
    )
}

/// Normalisation of one detector: on the user's out-of-sample genuine scores, or on held-out
/// negatives when configured and there are enough of them.
fn fit_norm(genuine: &[f64], negatives: &[f64], config: &ModelConfig) -> ZNorm {
    match config.normalisation {
        ScoreNormalisation::HeldOutNegatives if negatives.len() >= MIN_NEGATIVES_FOR_NORM => {
            ZNorm::fit(negatives)
        }
        _ => ZNorm::fit(genuine),
    }
}

/// Out-of-sample SVM decisions of the genuine rows: k-fold when configured, else in-sample.
fn svm_genuine_decisions(
    genuine: &Array2<f64>,
    negatives: &Array2<f64>,
    model: &SvmModel,
    config: &ModelConfig,
) -> Result<Vec<f64>, ScoringError> {
    let folds = config.svm_folds;
    if folds < 2 || genuine.nrows() < 2 * folds {
        return Ok(genuine
            .rows()
            .into_iter()
            .map(|r| model.decision(r))
            .collect());
    }
    let mut decisions = vec![0.0; genuine.nrows()];
    for fold in 0..folds {
        let (held, kept): (Vec<usize>, Vec<usize>) =
            (0..genuine.nrows()).partition(|i| i % folds == fold);
        let fold_model = SvmModel::train(&genuine.select(Axis(0), &kept), negatives, &config.svm)?;
        for i in held {
            decisions[i] = fold_model.decision(genuine.row(i));
        }
    }
    Ok(decisions)
}

impl UserModel {
    /// Trains on genuine rows (needs ≥ 2) and optional negatives (background population and
    /// impostor-labelled samples), all in the same feature layout.
    pub fn train(
        genuine: &Array2<f64>,
        negatives: &Array2<f64>,
        config: &ModelConfig,
    ) -> Result<UserModel, ScoringError> {
        if genuine.nrows() < 2 {
            return Err(ScoringError::NotEnoughData {
                what: "genuine samples",
                found: genuine.nrows(),
                needed: 2,
            });
        }
        let columns = genuine.ncols();
        check_rows(genuine, columns, "genuine samples")?;
        check_rows(negatives, columns, "negative samples")?;
        let transform = LogTransform {
            offset: config.log_offset,
        };
        let all_genuine = transform.apply(genuine);
        let most_recent = |keep: Option<usize>| {
            let first = keep.map_or(0, |n| all_genuine.nrows().saturating_sub(n.max(2)));
            all_genuine.slice(ndarray::s![first.., ..]).to_owned()
        };
        let genuine = most_recent(config.recent_genuine);
        let svm_genuine = most_recent(config.svm_recent_genuine.or(config.recent_genuine));
        let (train_negatives, calibration_negatives) =
            split_negatives(&transform.apply(negatives), config);

        // Each detector: its out-of-sample genuine similarities, then its normalisation.
        let manhattan_detector = ScaledManhattan::fit(&genuine);
        let manhattan_genuine: Vec<f64> = ScaledManhattan::leave_one_out_distances(&genuine)
            .iter()
            .map(|d| -d)
            .collect();
        let manhattan_negative: Vec<f64> = calibration_negatives
            .rows()
            .into_iter()
            .map(|r| -manhattan_detector.distance(r))
            .collect();
        let manhattan_norm = fit_norm(&manhattan_genuine, &manhattan_negative, config);
        let mut genuine_z: Vec<Vec<(f64, f64)>> = manhattan_genuine
            .iter()
            .map(|s| vec![(config.weights.manhattan, manhattan_norm.apply(*s))])
            .collect();
        let manhattan = Normalised {
            detector: manhattan_detector,
            norm: manhattan_norm,
        };

        let knn = if config.weights.knn > 0.0 && train_negatives.nrows() > 0 {
            let detector = NearestNeighbours::fit(&genuine, &train_negatives, config.knn_k);
            let loo = detector.leave_one_out_similarities();
            let negative: Vec<f64> = calibration_negatives
                .rows()
                .into_iter()
                .map(|r| detector.similarity(r))
                .collect();
            let norm = fit_norm(&loo, &negative, config);
            for (z, s) in genuine_z.iter_mut().zip(&loo) {
                z.push((config.weights.knn, norm.apply(*s)));
            }
            Some(Normalised { detector, norm })
        } else {
            None
        };

        let weighted_manhattan =
            if config.weights.weighted_manhattan > 0.0 && train_negatives.nrows() > 0 {
                let detector = WeightedManhattan::fit(&genuine, &train_negatives);
                let loo = detector.leave_one_out_similarities(&genuine);
                let negative: Vec<f64> = calibration_negatives
                    .rows()
                    .into_iter()
                    .map(|r| detector.similarity(r))
                    .collect();
                let norm = fit_norm(&loo, &negative, config);
                for (z, s) in genuine_z.iter_mut().zip(&loo) {
                    z.push((config.weights.weighted_manhattan, norm.apply(*s)));
                }
                Some(Normalised { detector, norm })
            } else {
                None
            };

        let svm_possible = svm_genuine.nrows() >= config.min_genuine_for_svm
            && train_negatives.nrows() >= config.min_negatives_for_svm;
        // The SVM is one detector of several: when smartcore cannot fit it (seen on a fresh
        // server, with a handful of negatives: "ShapeError/OutOfBounds"), the model is trained
        // without it rather than not at all.
        let fitted_svm = if config.weights.svm > 0.0 && svm_possible {
            let fitted =
                SvmModel::train(&svm_genuine, &train_negatives, &config.svm).and_then(|detector| {
                    // Out-of-sample folds only make sense when the SVM saw exactly the fused
                    // rows.
                    let decisions = if svm_genuine == genuine {
                        svm_genuine_decisions(&genuine, &train_negatives, &detector, config)?
                    } else {
                        genuine
                            .rows()
                            .into_iter()
                            .map(|r| detector.decision(r))
                            .collect()
                    };
                    Ok((detector, decisions))
                });
            match fitted {
                Ok(fitted) => Some(fitted),
                Err(ScoringError::Training(cause)) => {
                    tracing::warn!(%cause, "the SVM could not be fitted; trained without it");
                    None
                }
                Err(other) => return Err(other),
            }
        } else {
            None
        };
        let svm = if let Some((detector, decisions)) = fitted_svm {
            let negative: Vec<f64> = calibration_negatives
                .rows()
                .into_iter()
                .map(|r| detector.decision(r))
                .collect();
            let norm = fit_norm(&decisions, &negative, config);
            for (z, s) in genuine_z.iter_mut().zip(&decisions) {
                z.push((config.weights.svm, norm.apply(*s)));
            }
            Some(Normalised { detector, norm })
        } else {
            None
        };

        let mut model = UserModel {
            version: MODEL_VERSION,
            columns,
            config: *config,
            transform,
            manhattan,
            knn,
            weighted_manhattan,
            svm,
            threshold: Threshold {
                value: config.default_threshold,
                source: ThresholdSource::GlobalDefault,
            },
            genuine_rows: genuine.nrows(),
            negative_rows: negatives.nrows(),
        };
        let genuine_scores: Vec<f64> = genuine_z.iter().map(|z| fuse(z)).collect();
        let negative_scores: Vec<f64> = calibration_negatives
            .rows()
            .into_iter()
            .map(|r| model.score_transformed(r).score)
            .collect();
        model.threshold = calibrate(&genuine_scores, &negative_scores, config);
        Ok(model)
    }

    /// Scores one raw feature row (same layout as training).
    pub fn score(&self, row: ArrayView1<f64>) -> Result<ScoreBreakdown, ScoringError> {
        if row.len() != self.columns {
            return Err(ScoringError::WrongWidth {
                expected: self.columns,
                found: row.len(),
            });
        }
        if row.iter().any(|v| !v.is_finite()) {
            return Err(ScoringError::NonFinite { what: "scored row" });
        }
        Ok(self.score_transformed(self.transform.apply_row(row).view()))
    }

    /// Score and accept/reject decision against the user's threshold.
    pub fn decide(&self, row: ArrayView1<f64>) -> Result<(ScoreBreakdown, Decision), ScoringError> {
        let breakdown = self.score(row)?;
        Ok((breakdown, self.threshold.decide(breakdown.score)))
    }

    fn score_transformed(&self, row: ArrayView1<f64>) -> ScoreBreakdown {
        let FusionWeights {
            manhattan: wm,
            knn: wk,
            svm: ws,
            weighted_manhattan: ww,
        } = self.config.weights;
        let manhattan = self
            .manhattan
            .norm
            .apply(-self.manhattan.detector.distance(row));
        let knn = self
            .knn
            .as_ref()
            .map(|k| k.norm.apply(k.detector.similarity(row)));
        let svm = self
            .svm
            .as_ref()
            .map(|s| s.norm.apply(s.detector.decision(row)));
        let weighted_manhattan = self
            .weighted_manhattan
            .as_ref()
            .map(|w| w.norm.apply(w.detector.similarity(row)));
        let mut parts = vec![(wm, manhattan)];
        parts.extend(knn.map(|z| (wk, z)));
        parts.extend(weighted_manhattan.map(|z| (ww, z)));
        parts.extend(svm.map(|z| (ws, z)));
        ScoreBreakdown {
            score: fuse(&parts),
            manhattan,
            knn,
            weighted_manhattan,
            svm,
        }
    }
}

/// Weighted mean of z-scores squashed to 0..1; with no positive weight, the Manhattan z alone.
fn fuse(parts: &[(f64, f64)]) -> f64 {
    let total: f64 = parts.iter().map(|(w, _)| w.max(0.0)).sum();
    let z = if total > 0.0 {
        parts.iter().map(|(w, z)| w.max(0.0) * z).sum::<f64>() / total
    } else {
        parts.first().map_or(0.0, |(_, z)| *z)
    };
    // atan, not a logistic: it never saturates to exactly 0 or 1, so far-off impostors keep
    // their order (a logistic ties everything below z ≈ −745).
    0.5 + (z + FUSION_SHIFT).atan() / std::f64::consts::PI
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
