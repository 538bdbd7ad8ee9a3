//! A screen for the nearest-neighbour scan: a lower bound of each stored row's distance from a
//! few numbers per row, so that most rows are ruled out without reading their columns.
//!
//! The stored rows' coordinates on a few orthonormal axes (their principal axes, where the rows
//! spread the most) are kept beside them. The squared distance between two points is at least
//! the squared distance between their coordinates on orthonormal axes (Bessel's inequality), so
//! a row whose coordinates lie farther from the scored row's than the k-th nearest distance
//! found so far cannot be among the k nearest. Free-text rows are dozens of correlated timings
//! (a fast typist is fast on every digraph): a few axes carry most of their spread.
//!
//! What [`Screen::nearest`] finds is exactly what the plain scan finds: every row it does not
//! rule out gets the same sum, and it rules out only rows certainly farther than the bound (a
//! slack far above the projections' rounding is left, see [`RELATIVE_SLACK`]).

use ndarray::{Array1, Array2, ArrayView1, Axis};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{Nearest, squared_euclidean_within};

/// Axes each stored row keeps its coordinates on: a row is screened by this many products
/// instead of a full distance.
const AXES: usize = 8;

/// Fewest stored rows worth a screen; a short scan is as quick without.
const MIN_ROWS: usize = 32;

/// Fewest columns worth a screen (below, the coordinates are nearly the rows themselves).
const MIN_COLUMNS: usize = 2 * AXES;

/// Slack on the bound, relative to the squared norms involved. The coordinates' rounding is
/// below 1e-12 of those (eight sums of at most a few hundred products, on axes orthonormal to
/// 1e-12); a thousand times that rules out no row that matters and no row it should not.
const RELATIVE_SLACK: f64 = 1e-9;

/// Largest departure from orthonormality the axes may show (checked when built).
const ORTHONORMAL_TOLERANCE: f64 = 1e-12;

/// Rounds of the subspace iteration that turns the start axes towards the principal ones.
/// Any orthonormal axes give a true bound; nearer the principal ones, a tighter one.
const AXIS_ROUNDS: usize = 30;

/// Seed of the start axes (fixed: a model's screen is the same each time it is built).
const AXIS_SEED: u64 = 0x5c2e_e7a1;

/// The stored rows' coordinates on their principal axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Screen {
    /// [`AXES`] × columns; orthonormal rows.
    axes: Array2<f64>,
    /// The stored rows' coordinates, axis by axis: [`AXES`] runs of one coordinate per row, so
    /// that screening every row is a few passes of vector instructions.
    coordinates: Vec<f64>,
    /// The largest squared norm of a stored row (sizes the slack).
    largest_squared_norm: f64,
}

impl Screen {
    /// The screen of `rows`, or `None` where one would not pay (few rows or columns) or the
    /// axes cannot be found to the tolerance (the plain scan is then used).
    pub fn of(rows: &Array2<f64>) -> Option<Screen> {
        if rows.nrows() < MIN_ROWS || rows.ncols() < MIN_COLUMNS {
            return None;
        }
        let mean = rows.mean_axis(Axis(0))?;
        let centred = rows - &mean;
        let covariance = centred.t().dot(&centred);
        if !covariance.iter().all(|value| value.is_finite()) {
            return None;
        }
        let axes = principal_axes(&covariance)?;
        let coordinates = axes
            .rows()
            .into_iter()
            .flat_map(|axis| rows.rows().into_iter().map(move |row| axis.dot(&row)))
            .collect();
        let largest_squared_norm = rows
            .rows()
            .into_iter()
            .map(|row| row.dot(&row))
            .fold(0.0, f64::max);
        let screen = Screen {
            axes,
            coordinates,
            largest_squared_norm,
        };
        screen.is_sound().then_some(screen)
    }

    /// Finite everywhere and orthonormal to [`ORTHONORMAL_TOLERANCE`]: what the bound needs.
    fn is_sound(&self) -> bool {
        let gram = self.axes.dot(&self.axes.t());
        let orthonormal = gram.indexed_iter().all(|((i, j), value)| {
            let expected = if i == j { 1.0 } else { 0.0 };
            (value - expected).abs() <= ORTHONORMAL_TOLERANCE
        });
        orthonormal
            && self.coordinates.iter().all(|value| value.is_finite())
            && self.largest_squared_norm.is_finite()
    }

    /// Each stored row's screen: the squared distance of its coordinates from `projected`.
    /// The first axis's squares start the sums (what adding them to zeros gives, without
    /// zeroing the buffer first).
    fn screened(&self, projected: &[f64; AXES]) -> Vec<f64> {
        let rows = self.coordinates.len() / AXES;
        if rows == 0 {
            return Vec::new();
        }
        let (first_axis, other_axes) = self.coordinates.split_at(rows);
        let mut screened: Vec<f64> = first_axis
            .iter()
            .map(|stored| (stored - projected[0]) * (stored - projected[0]))
            .collect();
        for (along_axis, scored) in other_axes.chunks_exact(rows).zip(&projected[1..]) {
            for (screen, stored) in screened.iter_mut().zip(along_axis) {
                let difference = stored - scored;
                *screen += difference * difference;
            }
        }
        screened
    }

    /// The `k` smallest distances from `row` to `rows` (the rows this screen was built from),
    /// ascending: exactly what [`super::sorted_distances`] gives.
    ///
    /// The `k` rows whose coordinates lie nearest are measured first, so the bound is tight
    /// from the start; every other row is measured only if its coordinates do not already put
    /// it beyond the k-th nearest so far.
    pub fn nearest(&self, rows: &Array2<f64>, row: ArrayView1<f64>, k: usize) -> Vec<f64> {
        let mut nearest = Nearest::new(k);
        let projected: [f64; AXES] = std::array::from_fn(|axis| self.axes.row(axis).dot(&row));
        let slack = RELATIVE_SLACK * (1.0 + self.largest_squared_norm + row.dot(&row));
        let screened = self.screened(&projected);
        // The k smallest screens (ascending) with their rows.
        let mut seeds: Vec<(f64, usize)> = Vec::with_capacity(k + 1);
        for (i, &screen) in screened.iter().enumerate() {
            if seeds.len() < k || seeds.last().is_some_and(|&(largest, _)| screen < largest) {
                let at = seeds.partition_point(|(kept, _)| kept.total_cmp(&screen).is_le());
                seeds.insert(at, (screen, i));
                seeds.truncate(k);
            }
        }
        for &(_, i) in &seeds {
            nearest.keep(squared_euclidean_within(rows.row(i), row, f64::INFINITY));
        }
        seeds.sort_unstable_by_key(|&(_, i)| i);
        let mut seeds = seeds.iter().map(|&(_, i)| i).peekable();
        // Most rows end at the comparison: a row's view is made only for those measured.
        for (i, &screen) in screened.iter().enumerate() {
            if seeds.next_if_eq(&i).is_some() {
                continue;
            }
            let bound = nearest.bound();
            // Not `<=`: a NaN screen (from an overflowed row) rules nothing out.
            if screen > bound * (1.0 + RELATIVE_SLACK) + slack {
                continue;
            }
            nearest.keep(squared_euclidean_within(rows.row(i), row, bound));
        }
        nearest.into_distances()
    }
}

/// [`AXES`] orthonormal axes spanning (nearly) the covariance's dominant eigenvectors, by
/// subspace iteration from fixed pseudo-random axes (axes of single columns would not do:
/// free-text rows hold columns that repeat one another, imputed from the same median);
/// `None` when the spread has fewer than [`AXES`] directions. Ours rather than smartcore's
/// eigendecomposition, which panics ("Too many iterations") where its QL iteration does not
/// converge.
fn principal_axes(covariance: &Array2<f64>) -> Option<Array2<f64>> {
    let columns = covariance.nrows();
    let mut rng = StdRng::seed_from_u64(AXIS_SEED);
    let mut axes = orthonormal(
        (0..AXES).map(|_| Array1::from_shape_fn(columns, |_| rng.random_range(-1.0..1.0))),
        columns,
    )?;
    for _ in 0..AXIS_ROUNDS {
        // Rows of `axes · C` are `C · axis` (C is symmetric).
        let grown = axes.dot(covariance);
        axes = orthonormal(grown.rows().into_iter().map(|row| row.to_owned()), columns)?;
    }
    Some(axes)
}

/// The vectors made orthonormal (Gram–Schmidt, each projection taken twice: once is not
/// enough in floating point), or `None` if one is (nearly) a combination of the others.
fn orthonormal(vectors: impl Iterator<Item = Array1<f64>>, columns: usize) -> Option<Array2<f64>> {
    /// What is left of a unit vector once the earlier axes are taken out, below which it is
    /// taken for a combination of them.
    const LEAST_NEW: f64 = 1e-9;
    let mut axes: Vec<Array1<f64>> = Vec::new();
    for mut vector in vectors {
        let norm = vector.dot(&vector).sqrt();
        if !norm.is_finite() || norm <= 0.0 {
            return None;
        }
        vector /= norm;
        for _ in 0..2 {
            for axis in &axes {
                let along = vector.dot(axis);
                vector.scaled_add(-along, axis);
            }
        }
        let left = vector.dot(&vector).sqrt();
        // NaN too: what is not a number gives no axis.
        if left.is_nan() || left <= LEAST_NEW {
            return None;
        }
        vector /= left;
        axes.push(vector);
    }
    let flat: Vec<f64> = axes.iter().flatten().copied().collect();
    Array2::from_shape_vec((axes.len(), columns), flat).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::knn::sorted_distances;

    /// Rows of `columns` timings driven by a few shared factors (speed, rhythm), as typing is,
    /// plus noise; a few far outliers.
    fn typing_like(rng: &mut StdRng, rows: usize, columns: usize) -> Array2<f64> {
        let mut data = Array2::zeros((rows, columns));
        for mut row in data.rows_mut() {
            let factors: [f64; 3] = std::array::from_fn(|_| rng.random_range(-2.0..2.0));
            for (column, value) in row.iter_mut().enumerate() {
                let loading = (column % 3) as f64 * 0.5 + 0.5;
                *value = factors[column % 3] * loading + rng.random_range(-0.5..0.5);
            }
            if rng.random_range(0..40) == 0 {
                row *= 50.0;
            }
        }
        data
    }

    #[test]
    fn the_screened_scan_finds_exactly_the_distances_of_the_plain_scan() {
        let mut rng = StdRng::seed_from_u64(17);
        for (rows, columns) in [(32, 16), (184, 59), (1000, 31), (300, 59)] {
            let stored = typing_like(&mut rng, rows, columns);
            let screen = Screen::of(&stored).expect("enough rows and columns for a screen");
            let mut queries = typing_like(&mut rng, 50, columns);
            // Stored rows themselves (distance 0, ties), a far row and a huge one.
            queries.row_mut(0).assign(&stored.row(3));
            queries.row_mut(1).fill(1e3);
            queries.row_mut(2).fill(1e150);
            for query in queries.rows() {
                for k in [1, 2, 5, rows - 1, rows, rows + 3] {
                    assert_eq!(
                        screen.nearest(&stored, query, k),
                        sorted_distances(&stored, query, None, k),
                        "{rows}×{columns} k={k}"
                    );
                }
                assert!(screen.nearest(&stored, query, 0).is_empty());
            }
        }
    }

    #[test]
    fn a_screen_is_built_only_where_it_pays_and_its_axes_are_orthonormal() {
        let mut rng = StdRng::seed_from_u64(19);
        assert!(Screen::of(&typing_like(&mut rng, MIN_ROWS - 1, 59)).is_none());
        assert!(Screen::of(&typing_like(&mut rng, 200, MIN_COLUMNS - 1)).is_none());
        let screen = Screen::of(&typing_like(&mut rng, 200, 59)).expect("a screen");
        assert_eq!(screen.axes.dim(), (AXES, 59));
        assert_eq!(screen.coordinates.len(), 200 * AXES);
        assert!(screen.is_sound());
        // Columns that repeat one another (free text imputes missing digraphs and keys from
        // one median) still leave axes to find.
        let mut repeating = typing_like(&mut rng, 200, 59);
        for column in 8..20 {
            let first = repeating.column(7).to_owned();
            repeating.column_mut(column).assign(&first);
        }
        assert!(Screen::of(&repeating).is_some_and(|screen| screen.is_sound()));
        // Rows that all repeat one row have no spread to find axes in: no screen.
        let flat = Array2::from_shape_fn((100, 20), |(_, column)| column as f64);
        assert!(Screen::of(&flat).is_none());
    }

    #[test]
    fn the_screen_rules_out_most_rows_of_correlated_timings() {
        let mut rng = StdRng::seed_from_u64(23);
        let stored = typing_like(&mut rng, 184, 59);
        let screen = Screen::of(&stored).expect("a screen");
        let queries = typing_like(&mut rng, 100, 59);
        let (mut measured, mut total) = (0, 0);
        for query in queries.rows() {
            let projected: [f64; AXES] =
                std::array::from_fn(|axis| screen.axes.row(axis).dot(&query));
            let kth = *screen.nearest(&stored, query, 5).last().expect("five rows");
            let bound = kth * kth;
            measured += screen
                .screened(&projected)
                .iter()
                .filter(|&&screened| screened <= bound)
                .count();
            total += stored.nrows();
        }
        assert!(
            measured * 2 < total,
            "{measured} of {total} rows still measured"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// One value of a stored or scored row: mostly ordinary, sometimes far out, tiny,
        /// or repeated exactly (ties between rows).
        fn value() -> impl Strategy<Value = f64> {
            prop_oneof![
                8 => -3.0..3.0f64,
                1 => -1e6..1e6f64,
                1 => -1e-9..1e-9f64,
                1 => Just(0.5),
            ]
        }

        fn rows(count: usize, columns: usize) -> impl Strategy<Value = Array2<f64>> {
            proptest::collection::vec(value(), count * columns).prop_map(move |values| {
                Array2::from_shape_vec((count, columns), values).expect("count × columns")
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Whatever the rows, where a screen is built it finds what the plain scan finds.
            #[test]
            fn the_screen_never_changes_the_nearest_distances(
                (stored, queries, k) in (MIN_ROWS..80usize, MIN_COLUMNS..24usize)
                    .prop_flat_map(|(count, columns)| {
                        (rows(count, columns), rows(4, columns), 0..count + 3)
                    })
            ) {
                if let Some(screen) = Screen::of(&stored) {
                    prop_assert!(screen.is_sound());
                    for query in queries.rows() {
                        prop_assert_eq!(
                            screen.nearest(&stored, query, k),
                            sorted_distances(&stored, query, None, k)
                        );
                    }
                }
            }
        }
    }
}
