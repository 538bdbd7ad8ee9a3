//! k-nearest-neighbour detector on standardised rows, scored by distances in our own struct.
//!
//! smartcore's `predict_proba` only has k + 1 levels, too coarse for an ROC, so the score is
//! continuous: `ln(mean distance to the k nearest negatives) − ln(mean distance to the k
//! nearest genuine rows)`; with no negatives, minus the genuine distance. Positive means the
//! row sits closer to the user than to the background population. [`NearestNeighbours::vote`]
//! is the classic majority vote, kept to check this struct against smartcore's classifier.
//!
//! The negatives (the background population, most of the stored rows) are scanned through a
//! `screen::Screen` built beside them: the same distances, most rows ruled out unread.

mod screen;

use self::screen::Screen;
use super::transform::StandardScaler;
use ndarray::{Array2, ArrayView1};
use serde::{Deserialize, Serialize};

/// Guards the logs when a row coincides with its neighbours.
const MIN_DISTANCE: f64 = 1e-9;

/// Stored as its rows; the screen is built again when it is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredNeighbours")]
pub struct NearestNeighbours {
    k: usize,
    scaler: StandardScaler,
    /// Genuine rows, already scaled.
    genuine: Array2<f64>,
    /// Negative rows, already scaled (may be empty).
    negatives: Array2<f64>,
    /// The negatives' screen (`None` where one would not pay).
    #[serde(skip_serializing)]
    screen: Option<Screen>,
}

/// What a [`NearestNeighbours`] is stored as.
#[derive(Deserialize)]
struct StoredNeighbours {
    k: usize,
    scaler: StandardScaler,
    genuine: Array2<f64>,
    negatives: Array2<f64>,
}

impl From<StoredNeighbours> for NearestNeighbours {
    fn from(stored: StoredNeighbours) -> Self {
        NearestNeighbours {
            k: stored.k,
            scaler: stored.scaler,
            genuine: stored.genuine,
            screen: Screen::of(&stored.negatives),
            negatives: stored.negatives,
        }
    }
}

/// Independent partial sums in [`squared_euclidean`].
const LANES: usize = 4;

/// Lane chunks summed between two looks at the bound in [`squared_euclidean_within`].
const CHUNKS_PER_LOOK: usize = 2;

/// Squared Euclidean distance. Contiguous rows (all of ours) are summed in [`LANES`] partial
/// sums, which the compiler turns into vector instructions: one running sum is a chain of
/// dependent additions, and scanning every stored row was a tenth of a live session's cost.
fn squared_euclidean(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    squared_euclidean_within(a, b, f64::INFINITY).unwrap_or(f64::INFINITY)
}

/// [`squared_euclidean`], or `None` as soon as the partial sum exceeds `bound`: a row farther
/// than the k-th nearest so far cannot be among the nearest, and most stored rows are (the
/// background population). The sums only grow, so a row given up would have ended above the
/// bound too, and a row not given up gets exactly the sum [`squared_euclidean`] gives.
fn squared_euclidean_within(a: ArrayView1<f64>, b: ArrayView1<f64>, bound: f64) -> Option<f64> {
    let (Some(a), Some(b)) = (a.as_slice(), b.as_slice()) else {
        return Some(a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum());
    };
    let mut sums = [0.0; LANES];
    let (a_lanes, b_lanes) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = a_lanes
        .remainder()
        .iter()
        .zip(b_lanes.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    for (chunk, (x, y)) in a_lanes.zip(b_lanes).enumerate() {
        for lane in 0..LANES {
            let d = x[lane] - y[lane];
            sums[lane] += d * d;
        }
        if chunk % CHUNKS_PER_LOOK == CHUNKS_PER_LOOK - 1
            && (sums[0] + sums[1]) + (sums[2] + sums[3]) > bound
        {
            return None;
        }
    }
    Some((sums[0] + sums[1]) + (sums[2] + sums[3]) + tail)
}

fn euclidean(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    squared_euclidean(a, b).sqrt()
}

/// The `k` smallest distances from `row` to the rows of `rows` except `skip`, ascending. The
/// k nearest so far are kept in order (k is small) and bound the others' sums; only they take
/// a square root.
fn sorted_distances(
    rows: &Array2<f64>,
    row: ArrayView1<f64>,
    skip: Option<usize>,
    k: usize,
) -> Vec<f64> {
    let mut nearest = Nearest::new(k);
    for (i, stored) in rows.rows().into_iter().enumerate() {
        if Some(i) == skip {
            continue;
        }
        nearest.keep(squared_euclidean_within(stored, row, nearest.bound()));
    }
    nearest.into_distances()
}

/// The `k` smallest squared distances measured so far, ascending (k is small).
struct Nearest {
    k: usize,
    squared: Vec<f64>,
}

impl Nearest {
    fn new(k: usize) -> Nearest {
        Nearest {
            k,
            squared: Vec::with_capacity(k + 1),
        }
    }

    /// The k-th nearest so far: a row farther than this cannot be among the nearest (with
    /// k = 0, every row is).
    fn bound(&self) -> f64 {
        match self.k {
            0 => f64::NEG_INFINITY,
            k if self.squared.len() == k => self.squared[k - 1],
            _ => f64::INFINITY,
        }
    }

    /// Keeps a measured squared distance if it is among the `k` nearest (`None`: a row given
    /// up beyond the bound).
    fn keep(&mut self, squared: Option<f64>) {
        let Some(squared) = squared else {
            return;
        };
        let at = self
            .squared
            .partition_point(|kept| kept.total_cmp(&squared).is_le());
        if at < self.k {
            self.squared.insert(at, squared);
            self.squared.truncate(self.k);
        }
    }

    /// The distances kept, ascending.
    fn into_distances(mut self) -> Vec<f64> {
        self.squared
            .iter_mut()
            .for_each(|squared| *squared = squared.sqrt());
        self.squared
    }
}

fn mean_of_first(distances: &[f64], k: usize) -> f64 {
    let n = k.min(distances.len()).max(1);
    (distances.iter().take(n).sum::<f64>() / n as f64).max(MIN_DISTANCE)
}

impl NearestNeighbours {
    /// Stores scaled copies of the rows; the scaler is fitted on both sets.
    pub fn fit(genuine: &Array2<f64>, negatives: &Array2<f64>, k: usize) -> NearestNeighbours {
        let all = ndarray::concatenate![ndarray::Axis(0), genuine.view(), negatives.view()];
        let scaler = StandardScaler::fit(&all);
        StoredNeighbours {
            k: k.max(1),
            genuine: scaler.apply(genuine),
            negatives: scaler.apply(negatives),
            scaler,
        }
        .into()
    }

    fn similarity_scaled(&self, row: ArrayView1<f64>, skip_genuine: Option<usize>) -> f64 {
        let genuine = mean_of_first(
            &sorted_distances(&self.genuine, row, skip_genuine, self.k),
            self.k,
        );
        if self.negatives.nrows() == 0 {
            return -genuine;
        }
        let negative = match &self.screen {
            Some(screen) => screen.nearest(&self.negatives, row, self.k),
            None => sorted_distances(&self.negatives, row, None, self.k),
        };
        let negative = mean_of_first(&negative, self.k);
        negative.ln() - genuine.ln()
    }

    /// Higher = more like the user.
    pub fn similarity(&self, row: ArrayView1<f64>) -> f64 {
        self.similarity_scaled(self.scaler.apply_row(row).view(), None)
    }

    /// Similarity of each genuine training row with itself left out.
    pub fn leave_one_out_similarities(&self) -> Vec<f64> {
        (0..self.genuine.nrows())
            .map(|i| self.similarity_scaled(self.genuine.row(i), Some(i)))
            .collect()
    }

    /// Majority vote of the k nearest stored rows: true = genuine.
    pub fn vote(&self, row: ArrayView1<f64>) -> bool {
        let scaled = self.scaler.apply_row(row);
        let mut labelled: Vec<(f64, bool)> = self
            .genuine
            .rows()
            .into_iter()
            .map(|r| (euclidean(r, scaled.view()), true))
            .chain(
                self.negatives
                    .rows()
                    .into_iter()
                    .map(|r| (euclidean(r, scaled.view()), false)),
            )
            .collect();
        labelled.sort_by(|a, b| a.0.total_cmp(&b.0));
        let nearest = &labelled[..self.k.min(labelled.len())];
        2 * nearest.iter().filter(|(_, genuine)| *genuine).count() > nearest.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Axis};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use smartcore::neighbors::knn_classifier::{KNNClassifier, KNNClassifierParameters};

    fn cloud(rng: &mut StdRng, n: usize, centre: f64) -> Array2<f64> {
        Array2::from_shape_fn((n, 3), |_| centre + rng.random_range(-1.0..1.0))
    }

    #[test]
    fn lane_sums_equal_a_plain_sum_for_every_tail_length() {
        let mut rng = StdRng::seed_from_u64(3);
        for columns in 0..11 {
            let a: Array1<f64> = Array1::from_shape_fn(columns, |_| rng.random_range(-3.0..3.0));
            let b: Array1<f64> = Array1::from_shape_fn(columns, |_| rng.random_range(-3.0..3.0));
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum();
            let lanes = squared_euclidean(a.view(), b.view());
            assert!(
                (lanes - plain).abs() <= 1e-12 * plain.max(1.0),
                "{columns}: {lanes} vs {plain}"
            );
            // A strided view takes the plain path and agrees too.
            let both = ndarray::stack![Axis(1), a, b];
            let strided = squared_euclidean(both.column(0), both.column(1));
            assert!((strided - plain).abs() <= 1e-12 * plain.max(1.0));
        }
    }

    #[test]
    fn the_bounded_scan_finds_exactly_the_distances_of_a_full_sort() {
        let mut rng = StdRng::seed_from_u64(5);
        for columns in [1, 3, 8, 59] {
            let rows = Array2::from_shape_fn((300, columns), |_| rng.random_range(-2.0..2.0));
            let row: Array1<f64> = Array1::from_shape_fn(columns, |_| rng.random_range(-2.0..2.0));
            for (k, skip) in [
                (0, None),
                (1, None),
                (5, Some(7)),
                (300, None),
                (400, Some(0)),
            ] {
                let mut all: Vec<f64> = rows
                    .rows()
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| Some(*i) != skip)
                    .map(|(_, r)| squared_euclidean(r, row.view()).sqrt())
                    .collect();
                all.sort_by(f64::total_cmp);
                all.truncate(k);
                assert_eq!(
                    sorted_distances(&rows, row.view(), skip, k),
                    all,
                    "{columns} {k}"
                );
            }
        }
    }

    #[test]
    fn majority_vote_matches_smartcore_and_similarity_ranks_the_user_first() {
        let mut rng = StdRng::seed_from_u64(11);
        let (genuine, negatives) = (cloud(&mut rng, 40, 0.0), cloud(&mut rng, 50, 1.0));
        let ours = NearestNeighbours::fit(&genuine, &negatives, 5);
        let x = ndarray::concatenate![Axis(0), ours.genuine.view(), ours.negatives.view()];
        let y = Array1::from_iter((0..90).map(|i| i32::from(i < 40)));
        let theirs =
            KNNClassifier::fit(&x, &y, KNNClassifierParameters::default().with_k(5)).unwrap();
        let test = cloud(&mut rng, 40, 0.5);
        let predicted = theirs.predict(&ours.scaler.apply(&test)).unwrap();
        for (row, label) in test.rows().into_iter().zip(predicted) {
            assert_eq!(ours.vote(row), label == 1);
        }
        let near_user = ours.similarity(ndarray::array![0.0, 0.0, 0.0].view());
        let near_background = ours.similarity(ndarray::array![1.0, 1.0, 1.0].view());
        assert!(
            near_user > 0.0 && near_background < 0.0,
            "{near_user} {near_background}"
        );
        assert_eq!(ours.leave_one_out_similarities().len(), 40);
    }

    #[test]
    fn a_stored_model_reads_back_with_its_screen_and_scores_the_same() {
        let mut rng = StdRng::seed_from_u64(13);
        let genuine = Array2::from_shape_fn((20, 30), |_| rng.random_range(-1.0..1.0));
        let negatives = Array2::from_shape_fn((200, 30), |_| 1.0 + rng.random_range(-1.0..1.0));
        let fitted = NearestNeighbours::fit(&genuine, &negatives, 5);
        assert!(
            fitted.screen.is_some(),
            "200 negatives of 30 columns are screened"
        );
        let json = serde_json::to_value(&fitted).expect("serialisable");
        // Stored as before the screen: its rows, not the screen.
        let mut keys: Vec<&str> = json
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["genuine", "k", "negatives", "scaler"]);
        let read: NearestNeighbours = serde_json::from_value(json).expect("readable");
        assert_eq!(read, fitted);
        let row = Array1::from_shape_fn(30, |_| rng.random_range(-1.0..2.0));
        assert_eq!(read.similarity(row.view()), fitted.similarity(row.view()));
        // And the screen changes no score: the same model scanned plainly agrees.
        let plain = NearestNeighbours {
            screen: None,
            ..fitted.clone()
        };
        for _ in 0..50 {
            let row = Array1::from_shape_fn(30, |_| rng.random_range(-1.0..2.0));
            assert_eq!(plain.similarity(row.view()), fitted.similarity(row.view()));
        }
        assert_eq!(
            plain.leave_one_out_similarities(),
            fitted.leave_one_out_similarities()
        );
    }
}
