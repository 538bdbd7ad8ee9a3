//! RBF support vector machine: trained with smartcore, scored with our own exported struct.
//!
//! A smartcore `SVC` borrows its training data and parameters and panicked when restored
//! through serde, so after training we keep only what the decision function needs — support
//! vectors, dual coefficients, intercept, gamma and the scaler — in [`SvmModel`], which owns
//! its data, serialises as plain JSON and scores a row in microseconds.
//! Decision: `f(x) = b + Σ_i w_i · exp(−γ‖x − sv_i‖²)`; positive = genuine.
//!
//! Training hands smartcore a *precomputed* kernel (as libsvm's `-t 4` does): its solver
//! evaluates the kernel afresh on every visit of a pair, on row vectors it copies each time,
//! which made the fit most of a user's training time. We compute the RBF Gram matrix once,
//! give smartcore rows that are just an index, and a kernel that looks the value up
//! ([`PrecomputedRbf`]). The values are the same bit for bit as smartcore's own RBF kernel
//! (same summation order), so the solver takes the same path to the same solution — a test
//! checks that against smartcore fitted on the rows themselves.

use super::ScoringError;
use super::transform::StandardScaler;
use ndarray::{Array1, Array2, ArrayView1};
use serde::{Deserialize, Serialize};
use smartcore::error::{Failed, FailedError};
use smartcore::svm::svc::{SVC, SVCParameters};
use smartcore::svm::{Kernel, Kernels};
use std::sync::Arc;

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

/// Stored as its support vectors; their column-major copy is made again when it is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredSvm")]
pub struct SvmModel {
    scaler: StandardScaler,
    support_vectors: Array2<f64>,
    dual_coefficients: Array1<f64>,
    intercept: f64,
    gamma: f64,
    /// The support vectors column after column, for [`SvmModel::decision`].
    #[serde(skip_serializing)]
    by_column: Vec<f64>,
}

/// What an [`SvmModel`] is stored as.
#[derive(Deserialize)]
struct StoredSvm {
    scaler: StandardScaler,
    support_vectors: Array2<f64>,
    dual_coefficients: Array1<f64>,
    intercept: f64,
    gamma: f64,
}

impl From<StoredSvm> for SvmModel {
    fn from(stored: StoredSvm) -> Self {
        SvmModel {
            by_column: column_major(&stored.support_vectors),
            scaler: stored.scaler,
            support_vectors: stored.support_vectors,
            dual_coefficients: stored.dual_coefficients,
            intercept: stored.intercept,
            gamma: stored.gamma,
        }
    }
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

/// The RBF width: explicit, or 1 / number of columns.
fn gamma_of(params: &SvmParams, columns: usize) -> f64 {
    params.gamma.unwrap_or(1.0 / columns.max(1) as f64)
}

/// smartcore's parameters with any kernel (the precomputed one to train, its own RBF in the
/// test that checks the two agree).
pub(crate) fn smartcore_params<K: Kernel + 'static>(
    params: &SvmParams,
    kernel: K,
) -> SVCParameters<f64, i32, Array2<f64>, Array1<i32>> {
    SVCParameters::default()
        .with_c(params.c)
        .with_tol(params.tolerance)
        .with_epoch(params.epochs)
        .with_kernel(kernel)
        .with_seed(Some(params.seed))
}

/// An RBF kernel over rows given by their index: `K(i, j)` looked up in a Gram matrix
/// computed once. smartcore sees each training row as the one-column row `[i]`.
///
/// smartcore's `Kernel` is serialisable (through typetag) for its own kernels; the matrix is
/// never serialised (smartcore skips its parameters when an SVC is), so it is skipped here.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PrecomputedRbf {
    #[serde(skip)]
    gram: Arc<Vec<f64>>,
    #[serde(skip)]
    rows: usize,
}

impl PrecomputedRbf {
    /// The full Gram matrix of `x`, each pair summed in smartcore's order.
    ///
    /// Row `i`'s squared distances to the rows before it are summed side by side, column by
    /// column, from a copy of `x` stored column after column: each pair's sum still adds its
    /// columns one after another from the first (so the values are smartcore's bit for bit),
    /// but the sums of different pairs are independent, so they take vector instructions
    /// instead of each waiting on its own chain of additions (that chain was a fifth of a
    /// user's training).
    fn new(x: &Array2<f64>, gamma: f64) -> PrecomputedRbf {
        let rows = x.nrows();
        let by_column = column_major(x);
        let mut gram = vec![0.0; rows * rows];
        let mut squared = vec![0.0; rows];
        for i in 0..rows {
            gram[i * rows + i] = 1.0;
            let before = &mut squared[..i];
            before.fill(0.0);
            for (&value, column) in x.row(i).iter().zip(by_column.chunks_exact(rows)) {
                add_squared_differences(before, &column[..i], value);
            }
            for (j, &sum) in before.iter().enumerate() {
                let k = (-gamma * sum).exp();
                gram[i * rows + j] = k;
                gram[j * rows + i] = k;
            }
        }
        PrecomputedRbf {
            gram: Arc::new(gram),
            rows,
        }
    }

    /// The rows smartcore trains on: row `i` is `[i]`.
    fn index_rows(&self) -> Array2<f64> {
        Array2::from_shape_fn((self.rows, 1), |(i, _)| i as f64)
    }

    fn index(&self, row: &[f64]) -> Option<usize> {
        let i = *row.first()? as usize;
        (i < self.rows).then_some(i)
    }
}

#[typetag::serde]
impl Kernel for PrecomputedRbf {
    fn apply(&self, x_i: &Vec<f64>, x_j: &Vec<f64>) -> Result<f64, Failed> {
        match (self.index(x_i), self.index(x_j)) {
            (Some(i), Some(j)) => Ok(self.gram[i * self.rows + j]),
            _ => Err(Failed::because(
                FailedError::ParametersError,
                "a row outside the precomputed kernel",
            )),
        }
    }
}

/// `x`'s values column after column (the logical order of its transpose).
fn column_major(x: &Array2<f64>) -> Vec<f64> {
    x.t().iter().copied().collect()
}

/// Adds to each row's running sum the squared difference of its value in one column from
/// `value`: one column's step of many squared distances summed side by side (each sum still
/// adds its columns in order; the sums are independent, so they take vector instructions).
fn add_squared_differences(sums: &mut [f64], column: &[f64], value: f64) {
    for (sum, &other) in sums.iter_mut().zip(column) {
        let difference = other - value;
        *sum += difference * difference;
    }
}

/// Most training rows whose Gram matrix is precomputed (3,000 rows: 72 MB).
const MAX_PRECOMPUTED_ROWS: usize = 3000;

/// Fits smartcore's SVC and reads back what the decision function needs (its fields are
/// private; it serialises them).
fn fit_and_export(
    x: &Array2<f64>,
    y: &Array1<i32>,
    params: SVCParameters<f64, i32, Array2<f64>, Array1<i32>>,
) -> Result<ExportedSvc, ScoringError> {
    let svc = SVC::fit(x, y, &params).map_err(|e| ScoringError::Training(e.to_string()))?;
    let json = serde_json::to_value(&svc).map_err(|e| ScoringError::Training(e.to_string()))?;
    serde_json::from_value(json).map_err(|e| ScoringError::Training(e.to_string()))
}

impl SvmModel {
    /// Trains genuine (+1) against negatives (−1). Both sets must be non-empty.
    pub fn train(
        genuine: &Array2<f64>,
        negatives: &Array2<f64>,
        params: &SvmParams,
    ) -> Result<SvmModel, ScoringError> {
        Self::train_precomputing_up_to(genuine, negatives, params, MAX_PRECOMPUTED_ROWS)
    }

    fn train_precomputing_up_to(
        genuine: &Array2<f64>,
        negatives: &Array2<f64>,
        params: &SvmParams,
        max_precomputed_rows: usize,
    ) -> Result<SvmModel, ScoringError> {
        if genuine.nrows() == 0 || negatives.nrows() == 0 {
            return Err(ScoringError::NotEnoughData {
                what: "SVM genuine and negative rows",
                found: genuine.nrows().min(negatives.nrows()),
                needed: 1,
            });
        }
        let set = training_set(genuine, negatives);
        let columns = genuine.ncols();
        let gamma = gamma_of(params, columns);
        // The Gram matrix holds rows² values: above MAX_PRECOMPUTED_ROWS smartcore computes
        // the kernel itself (slower, same model) rather than the matrix taking gigabytes.
        let precomputed = set.x.nrows() <= max_precomputed_rows;
        let exported = if precomputed {
            let kernel = PrecomputedRbf::new(&set.x, gamma);
            fit_and_export(
                &kernel.index_rows(),
                &set.y,
                smartcore_params(params, kernel),
            )?
        } else {
            let kernel = Kernels::rbf().with_gamma(gamma);
            fit_and_export(&set.x, &set.y, smartcore_params(params, kernel))?
        };
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
        // With the precomputed kernel each support vector comes back as its index row: the
        // scaled row it stands for. Otherwise it is that row.
        let mut support_vectors = Array2::zeros((instances.len(), columns));
        for (mut target, instance) in support_vectors.rows_mut().into_iter().zip(&instances) {
            if !precomputed {
                if instance.len() != columns {
                    return Err(ScoringError::Training(
                        "smartcore returned a support vector of another width".into(),
                    ));
                }
                target.assign(&ArrayView1::from(instance.as_slice()));
                continue;
            }
            let i = instance
                .first()
                .map(|&i| i as usize)
                .filter(|&i| i < set.x.nrows())
                .ok_or_else(|| {
                    ScoringError::Training("smartcore returned an unknown support vector".into())
                })?;
            target.assign(&set.x.row(i));
        }
        Ok(StoredSvm {
            scaler: set.scaler,
            support_vectors,
            dual_coefficients: Array1::from_vec(w).mapv(|c| sign * c),
            intercept: sign * b,
            gamma,
        }
        .into())
    }

    /// Decision value of one unscaled row: positive = genuine side of the margin.
    ///
    /// The squared distances to the support vectors are summed side by side, column by
    /// column, as the Gram matrix is in training: each still adds its columns in order.
    pub fn decision(&self, row: ArrayView1<f64>) -> f64 {
        let x = self.scaler.apply_row(row);
        let vectors = self.support_vectors.nrows();
        let mut squared = vec![0.0; vectors];
        if vectors > 0 {
            for (&value, column) in x.iter().zip(self.by_column.chunks_exact(vectors)) {
                add_squared_differences(&mut squared, column, value);
            }
        }
        let mut f = self.intercept;
        for (squared, w) in squared.iter().zip(&self.dual_coefficients) {
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
    fn the_gram_matrix_holds_smartcores_rbf_values_bit_for_bit() {
        let mut rng = StdRng::seed_from_u64(5);
        for (rows, columns) in [(1, 3), (2, 1), (37, 59), (64, 31)] {
            let x = Array2::from_shape_fn((rows, columns), |_| rng.random_range(-3.0..3.0));
            let gamma = 1.0 / columns as f64;
            let kernel = PrecomputedRbf::new(&x, gamma);
            let theirs = Kernels::rbf().with_gamma(gamma);
            for i in 0..rows {
                for j in 0..rows {
                    let expected = theirs
                        .apply(&x.row(i).to_vec(), &x.row(j).to_vec())
                        .unwrap();
                    let ours = kernel.apply(&vec![i as f64], &vec![j as f64]).unwrap();
                    assert_eq!(
                        ours.to_bits(),
                        expected.to_bits(),
                        "{rows}×{columns} ({i}, {j})"
                    );
                }
            }
        }
    }

    #[test]
    fn exported_decision_equals_smartcore_decision() {
        let mut rng = StdRng::seed_from_u64(7);
        let (genuine, negatives) = (cloud(&mut rng, 40, 0.0), cloud(&mut rng, 60, 0.6));
        let params = SvmParams::default();
        let model = SvmModel::train(&genuine, &negatives, &params).unwrap();
        let set = training_set(&genuine, &negatives);
        let smartcore = smartcore_params(&params, Kernels::rbf().with_gamma(0.25));
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
        // Too many rows for the Gram matrix: smartcore's own kernel gives the same model.
        let unprecomputed =
            SvmModel::train_precomputing_up_to(&genuine, &negatives, &params, 0).unwrap();
        assert_eq!(unprecomputed, model);
        let restored: SvmModel =
            serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
        assert_eq!(restored, model);
        assert_eq!(restored.decision(test.row(0)), model.decision(test.row(0)));
    }

    /// The decision function's definition, one support vector after another.
    fn decision_by_definition(model: &SvmModel, row: ArrayView1<f64>) -> f64 {
        let x = model.scaler.apply_row(row);
        let mut f = model.intercept;
        for (sv, w) in model
            .support_vectors
            .rows()
            .into_iter()
            .zip(&model.dual_coefficients)
        {
            let squared: f64 = sv.iter().zip(&x).map(|(a, b)| (a - b) * (a - b)).sum();
            f += w * (-model.gamma * squared).exp();
        }
        f
    }

    #[test]
    fn the_decision_is_its_definition_bit_for_bit() {
        let mut rng = StdRng::seed_from_u64(9);
        for columns in [1, 4, 59] {
            let genuine = Array2::from_shape_fn((30, columns), |_| rng.random_range(-1.0..1.0));
            let negatives = Array2::from_shape_fn((70, columns), |_| rng.random_range(-0.5..1.5));
            let model = SvmModel::train(&genuine, &negatives, &SvmParams::default()).unwrap();
            assert!(model.support_vectors.nrows() > 1);
            for _ in 0..50 {
                let row = Array1::from_shape_fn(columns, |_| rng.random_range(-2.0..2.0));
                assert_eq!(
                    model.decision(row.view()).to_bits(),
                    decision_by_definition(&model, row.view()).to_bits()
                );
            }
        }
    }
}
