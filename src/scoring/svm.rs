//! RBF support vector machine: trained with smartcore, scored with our own exported struct.
//!
//! A smartcore `SVC` borrows its training data and parameters and panicked when restored
//! through serde, so after training we keep only what the decision function needs — support
//! vectors, dual coefficients, intercept, gamma and the scaler — in [`SvmModel`], which owns
//! its data, serialises as plain JSON and scores a row in microseconds.
//! Decision: `f(x) = b + Σ_i w_i · exp(−γ‖x − sv_i‖²)`; positive = genuine.

use super::ScoringError;
use super::transform::StandardScaler;
use ndarray::{Array1, Array2, ArrayView1};
use serde::{Deserialize, Serialize};
use smartcore::svm::Kernels;
use smartcore::svm::svc::{SVC, SVCParameters};

/// Label of genuine rows; negatives are −1, so smartcore's positive side is the user.
const GENUINE_LABEL: i32 = 1;
const NEGATIVE_LABEL: i32 = -1;

/// Hyper-parameters of one training run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SvmParams {
    pub c: f64,
    /// RBF width on standardised rows; `None` = 1 / number of columns (scikit-learn's "scale").
    pub gamma: Option<f64>,
    pub tolerance: f64,
    pub epochs: usize,
    /// Seeds smartcore's shuffling so training is reproducible.
    pub seed: u64,
}

impl Default for SvmParams {
    fn default() -> Self {
        SvmParams {
            c: 3.0,
            gamma: None,
            tolerance: 1e-3,
            epochs: 2,
            seed: 42,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvmModel {
    pub scaler: StandardScaler,
    pub support_vectors: Array2<f64>,
    pub dual_coefficients: Array1<f64>,
    pub intercept: f64,
    pub gamma: f64,
}

/// What we read back from smartcore's serialised SVC (its fields are private).
#[derive(Deserialize)]
struct ExportedSvc {
    classes: Option<(i32, i32)>,
    instances: Option<Vec<Vec<f64>>>,
    w: Option<Vec<f64>>,
    b: Option<f64>,
}

/// Scaled training rows and labels in smartcore's layout.
pub(crate) struct TrainingSet {
    pub scaler: StandardScaler,
    pub x: Array2<f64>,
    pub y: Array1<i32>,
}

pub(crate) fn training_set(genuine: &Array2<f64>, negatives: &Array2<f64>) -> TrainingSet {
    let all = ndarray::concatenate![ndarray::Axis(0), genuine.view(), negatives.view()];
    let scaler = StandardScaler::fit(&all);
    let y = Array1::from_iter(
        std::iter::repeat_n(GENUINE_LABEL, genuine.nrows())
            .chain(std::iter::repeat_n(NEGATIVE_LABEL, negatives.nrows())),
    );
    TrainingSet {
        x: scaler.apply(&all),
        y,
        scaler,
    }
}

pub(crate) fn smartcore_params(
    params: &SvmParams,
    columns: usize,
) -> SVCParameters<f64, i32, Array2<f64>, Array1<i32>> {
    let gamma = params.gamma.unwrap_or(1.0 / columns.max(1) as f64);
    SVCParameters::default()
        .with_c(params.c)
        .with_tol(params.tolerance)
        .with_epoch(params.epochs)
        .with_kernel(Kernels::rbf().with_gamma(gamma))
        .with_seed(Some(params.seed))
}

impl SvmModel {
    /// Trains genuine (+1) against negatives (−1). Both sets must be non-empty.
    pub fn train(
        genuine: &Array2<f64>,
        negatives: &Array2<f64>,
        params: &SvmParams,
    ) -> Result<SvmModel, ScoringError> {
        if genuine.nrows() == 0 || negatives.nrows() == 0 {
            return Err(ScoringError::NotEnoughData {
                what: "SVM genuine and negative rows",
                found: genuine.nrows().min(negatives.nrows()),
                needed: 1,
            });
        }
        let set = training_set(genuine, negatives);
        let smartcore = smartcore_params(params, genuine.ncols());
        let svc = SVC::fit(&set.x, &set.y, &smartcore)
            .map_err(|e| ScoringError::Training(e.to_string()))?;
        let json = serde_json::to_value(&svc).map_err(|e| ScoringError::Training(e.to_string()))?;
        let exported: ExportedSvc =
            serde_json::from_value(json).map_err(|e| ScoringError::Training(e.to_string()))?;
        let (Some(classes), Some(instances), Some(w), Some(b)) =
            (exported.classes, exported.instances, exported.w, exported.b)
        else {
            return Err(ScoringError::Training(
                "smartcore returned an unfitted SVC".into(),
            ));
        };
        // smartcore's decision is positive for the larger label; flip if that is not the user.
        let sign = if classes.1 == GENUINE_LABEL {
            1.0
        } else {
            -1.0
        };
        let columns = genuine.ncols();
        let flat: Vec<f64> = instances.iter().flatten().copied().collect();
        let support_vectors = Array2::from_shape_vec((instances.len(), columns), flat)
            .map_err(|e| ScoringError::Training(e.to_string()))?;
        Ok(SvmModel {
            scaler: set.scaler,
            support_vectors,
            dual_coefficients: Array1::from_vec(w).mapv(|c| sign * c),
            intercept: sign * b,
            gamma: params.gamma.unwrap_or(1.0 / columns.max(1) as f64),
        })
    }

    /// Decision value of one unscaled row: positive = genuine side of the margin.
    pub fn decision(&self, row: ArrayView1<f64>) -> f64 {
        let x = self.scaler.apply_row(row);
        let mut f = self.intercept;
        for (sv, w) in self
            .support_vectors
            .rows()
            .into_iter()
            .zip(&self.dual_coefficients)
        {
            let squared: f64 = sv.iter().zip(&x).map(|(a, b)| (a - b).powi(2)).sum();
            f += w * (-self.gamma * squared).exp();
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn cloud(rng: &mut StdRng, n: usize, centre: f64) -> Array2<f64> {
        Array2::from_shape_fn((n, 4), |(_, j)| {
            centre + j as f64 * 0.1 + rng.random_range(-0.5..0.5)
        })
    }

    #[test]
    fn exported_decision_equals_smartcore_decision() {
        let mut rng = StdRng::seed_from_u64(7);
        let (genuine, negatives) = (cloud(&mut rng, 40, 0.0), cloud(&mut rng, 60, 0.6));
        let params = SvmParams::default();
        let model = SvmModel::train(&genuine, &negatives, &params).unwrap();
        let set = training_set(&genuine, &negatives);
        let smartcore = smartcore_params(&params, 4);
        let svc = SVC::fit(&set.x, &set.y, &smartcore).unwrap();
        let test = cloud(&mut rng, 30, 0.3);
        let scaled = set.scaler.apply(&test);
        let reference = svc.decision_function(&scaled).unwrap();
        for (row, expected) in test.rows().into_iter().zip(reference) {
            assert!(
                (model.decision(row) - expected).abs() < 1e-9,
                "{} vs {expected}",
                model.decision(row)
            );
        }
        let restored: SvmModel =
            serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
        assert_eq!(restored.decision(test.row(0)), model.decision(test.row(0)));
    }
}
