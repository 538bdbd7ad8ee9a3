//! Per-user learned feature weights for the scaled Manhattan distance.
//!
//! Plain scaled Manhattan weighs every column alike, although for a given user some columns
//! (say, the hold of a key they always press the same way) separate them from other people far
//! better than others. With background negatives at hand, we learn one non-negative weight per
//! column: a class-balanced, L2-regularised logistic regression of "genuine" on the per-column
//! scaled deviations `|x − mean| / mad`, with genuine deviations taken leave-one-out so they
//! look like fresh attempts. The similarity is `−Σ w_j · dev_j`.

use super::manhattan::ScaledManhattan;
use ndarray::{Array1, Array2, ArrayView1, Axis};
use serde::{Deserialize, Serialize};

/// Gradient-descent steps; the problem is convex and small (tens of columns).
const STEPS: usize = 300;
const LEARNING_RATE: f64 = 0.5;
/// L2 penalty pulling weights towards the uniform weighting of plain scaled Manhattan.
const RIDGE: f64 = 1e-3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightedManhattan {
    pub base: ScaledManhattan,
    /// One non-negative weight per column.
    pub weights: Array1<f64>,
}

/// Per-column scaled deviations of `row` from `base`.
fn deviations(base: &ScaledManhattan, row: ArrayView1<f64>) -> Array1<f64> {
    (&row - &base.mean).mapv(f64::abs) / &base.mean_absolute_deviation
}

impl WeightedManhattan {
    /// Learns the weights; `genuine` needs ≥ 2 rows and `negatives` ≥ 1 (checked by the caller).
    pub fn fit(genuine: &Array2<f64>, negatives: &Array2<f64>) -> WeightedManhattan {
        let base = ScaledManhattan::fit(genuine);
        let columns = genuine.ncols();
        let mut rows: Vec<(Array1<f64>, f64, f64)> = Vec::new();
        let genuine_weight = negatives.nrows().max(1) as f64 / genuine.nrows().max(1) as f64;
        for held_out in 0..genuine.nrows() {
            let kept: Vec<usize> = (0..genuine.nrows()).filter(|&i| i != held_out).collect();
            let loo = ScaledManhattan::fit(&genuine.select(Axis(0), &kept));
            rows.push((deviations(&loo, genuine.row(held_out)), 1.0, genuine_weight));
        }
        for row in negatives.rows() {
            rows.push((deviations(&base, row), 0.0, 1.0));
        }
        let total_weight: f64 = rows.iter().map(|(_, _, w)| w).sum();
        // p(genuine) = σ(b − Σ w·dev), w ≥ 0 by projection; start from uniform weights.
        let mut weights = Array1::from_elem(columns, 1.0 / columns.max(1) as f64);
        let mut bias = 1.0;
        for _ in 0..STEPS {
            let mut gradient = Array1::<f64>::zeros(columns);
            let mut bias_gradient = 0.0;
            for (dev, label, w) in &rows {
                let p = 1.0 / (1.0 + (-(bias - weights.dot(dev))).exp());
                let error = (p - label) * w;
                gradient.scaled_add(-error, dev);
                bias_gradient += error;
            }
            gradient = gradient / total_weight + &weights * RIDGE;
            weights = (&weights - &(gradient * LEARNING_RATE)).mapv(|w| w.max(0.0));
            bias -= LEARNING_RATE * bias_gradient / total_weight;
        }
        WeightedManhattan { base, weights }
    }

    /// Higher = more like the user.
    pub fn similarity(&self, row: ArrayView1<f64>) -> f64 {
        -self.weights.dot(&deviations(&self.base, row))
    }

    /// Similarity of each genuine row against a model without it (weights kept).
    pub fn leave_one_out_similarities(&self, genuine: &Array2<f64>) -> Vec<f64> {
        (0..genuine.nrows())
            .map(|held_out| {
                let kept: Vec<usize> = (0..genuine.nrows()).filter(|&i| i != held_out).collect();
                let loo = ScaledManhattan::fit(&genuine.select(Axis(0), &kept));
                -self.weights.dot(&deviations(&loo, genuine.row(held_out)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_column_that_separates_gets_the_weight() {
        // Column 0 is identical for everyone (noise); column 1 separates the user.
        let genuine = array![[0.1, 1.0], [0.3, 1.1], [0.2, 0.9], [0.25, 1.05]];
        let negatives = array![
            [0.12, 2.0],
            [0.28, 2.2],
            [0.22, 1.9],
            [0.18, 2.1],
            [0.2, 2.05]
        ];
        let model = WeightedManhattan::fit(&genuine, &negatives);
        assert!(
            model.weights[1] > 2.0 * model.weights[0],
            "{:?}",
            model.weights
        );
        assert!(
            model.similarity(array![0.2, 1.0].view()) > model.similarity(array![0.2, 2.0].view())
        );
        assert_eq!(model.leave_one_out_similarities(&genuine).len(), 4);
    }
}
