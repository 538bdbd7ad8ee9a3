//! Small numeric helpers shared by the extractors. All of them accept empty input and return
//! `None` (or 0) instead of NaN, so a short sample never poisons a feature vector.

/// Arithmetic mean, `None` when empty.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Population standard deviation, `None` when empty.
pub fn std_dev(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    Some((values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / values.len() as f64).sqrt())
}

/// Linear-interpolated quantile `q` in 0..=1 (NaNs must already be excluded), `None` when empty.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    quantile_in_place(&mut values.to_vec(), q)
}

/// Median, `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    quantile(values, 0.5)
}

/// [`quantile`] of values the caller no longer needs in their order: they are reordered. The
/// two order statistics around the position are found by selection, not by sorting every value
/// (a live session's window takes some fifty medians per score).
pub fn quantile_in_place(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let (_, &mut low, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    // Everything after the `lo`-th is at least as large: the `hi`-th is the least of them.
    let high = if hi > lo {
        above.iter().copied().min_by(f64::total_cmp).unwrap_or(low)
    } else {
        low
    };
    Some(low + (high - low) * (pos - lo as f64))
}

/// [`median`] of values the caller no longer needs in their order.
pub fn median_in_place(values: &mut [f64]) -> Option<f64> {
    quantile_in_place(values, 0.5)
}

/// Mean, standard deviation, skewness and excess kurtosis; zeros when the spread is zero.
pub fn moments(values: &[f64]) -> [f64; 4] {
    let (Some(m), Some(s)) = (mean(values), std_dev(values)) else {
        return [0.0; 4];
    };
    if s <= f64::EPSILON {
        return [m, 0.0, 0.0, 0.0];
    }
    let n = values.len() as f64;
    let skew = values.iter().map(|v| ((v - m) / s).powi(3)).sum::<f64>() / n;
    let kurt = values.iter().map(|v| ((v - m) / s).powi(4)).sum::<f64>() / n - 3.0;
    [m, s, skew, kurt]
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Selection finds what sorting every value finds, at any quantile.
        #[test]
        fn a_quantile_by_selection_is_the_quantile_of_the_sorted_values(
            values in proptest::collection::vec(-1e6..1e6f64, 1..60),
            q in 0.0..=1.0f64,
        ) {
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let pos = q * (sorted.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            let expected = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64);
            proptest::prop_assert_eq!(quantile(&values, q), Some(expected));
        }
    }

    #[test]
    fn quantiles_interpolate_and_empty_is_none() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(quantile(&[0.0, 10.0], 0.25), Some(2.5));
        assert_eq!(mean(&[]), None);
        assert_eq!(moments(&[2.0, 2.0]), [2.0, 0.0, 0.0, 0.0]);
    }
}
