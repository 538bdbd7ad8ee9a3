//! Feature transforms applied before the detectors: a log for timings and a standard scaler.
//!
//! Keystroke timings are right-skewed (a hesitation doubles a gap, never halves it), so
//! `ln(x + offset)` makes their spread symmetric; the offset (0.3 s) keeps negative up-down
//! times (rollover) inside the log's domain. The scaler gives every column unit variance so a
//! Euclidean or RBF distance does not favour the slowest columns.

use ndarray::{Array1, Array2, ArrayView1, Axis};
use serde::{Deserialize, Serialize};

/// Smallest argument the log is given: values under `-offset` are clamped, not NaN.
const LOG_FLOOR: f64 = 1e-3;
/// Smallest standard deviation a column may have; constant columns scale to zero, not inf.
const MIN_SCALE: f64 = 1e-9;

/// `ln(max(x + offset, 1e-3))` on every column, or the identity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogTransform {
    pub offset: Option<f64>,
}

impl LogTransform {
    pub fn apply_row(&self, row: ArrayView1<f64>) -> Array1<f64> {
        match self.offset {
            Some(offset) => row.mapv(|x| (x + offset).max(LOG_FLOOR).ln()),
            None => row.to_owned(),
        }
    }

    pub fn apply(&self, rows: &Array2<f64>) -> Array2<f64> {
        match self.offset {
            Some(offset) => rows.mapv(|x| (x + offset).max(LOG_FLOOR).ln()),
            None => rows.clone(),
        }
    }
}

/// Column-wise `(x − mean) / std`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    pub mean: Array1<f64>,
    pub scale: Array1<f64>,
}

impl StandardScaler {
    /// Fits on the rows (at least one, checked by the caller).
    pub fn fit(rows: &Array2<f64>) -> StandardScaler {
        let columns = rows.ncols();
        let mean = rows
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(columns));
        let scale = rows
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s > MIN_SCALE { s } else { 1.0 });
        StandardScaler { mean, scale }
    }

    pub fn apply_row(&self, row: ArrayView1<f64>) -> Array1<f64> {
        (&row - &self.mean) / &self.scale
    }

    pub fn apply(&self, rows: &Array2<f64>) -> Array2<f64> {
        (rows - &self.mean) / &self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn negative_up_down_stays_finite_and_constant_columns_do_not_blow_up() {
        let log = LogTransform { offset: Some(0.3) };
        let out = log.apply(&array![[-0.5, 0.0, 0.7]]);
        assert!(out.iter().all(|v| v.is_finite()));
        assert!((out[[0, 2]] - 0.0).abs() < 1e-12);
        let scaler = StandardScaler::fit(&array![[1.0, 5.0], [3.0, 5.0]]);
        assert_eq!(scaler.apply_row(array![2.0, 5.0].view()), array![0.0, 0.0]);
    }
}
