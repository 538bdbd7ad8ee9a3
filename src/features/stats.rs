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
///
/// The selection compares integers: each value is first replaced by its [`ordered_bits`] and
/// put back afterwards, so a comparison is one integer compare instead of
/// [`f64::total_cmp`]'s arithmetic on both sides (selection was 7.5 % of the server core at the
/// WebSocket peak). The order, and so the answer, is [`f64::total_cmp`]'s.
pub fn quantile_in_place(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    values
        .iter_mut()
        .for_each(|value| *value = f64::from_bits(ordered_bits(*value) as u64));
    let key = |value: &f64| value.to_bits() as i64;
    let (_, low, above) = values.select_nth_unstable_by_key(lo, key);
    let low = key(low);
    // Everything after the `lo`-th is at least as large: the `hi`-th is the least of them.
    let high = if hi > lo {
        above.iter().map(key).min().unwrap_or(low)
    } else {
        low
    };
    values
        .iter_mut()
        .for_each(|value| *value = from_ordered_bits(value.to_bits() as i64));
    let (low, high) = (from_ordered_bits(low), from_ordered_bits(high));
    Some(low + (high - low) * (pos - lo as f64))
}

/// The value's bits as an integer ordered as [`f64::total_cmp`] orders the values (its own
/// words: negative values' bits other than the sign are flipped).
fn ordered_bits(value: f64) -> i64 {
    let bits = value.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// The value whose [`ordered_bits`] these are (the flip undoes itself: the sign is kept).
fn from_ordered_bits(ordered: i64) -> f64 {
    f64::from_bits((ordered ^ ((((ordered >> 63) as u64) >> 1) as i64)) as u64)
}

/// [`mean`] and [`std_dev`] together, each to the bit what they give, the mean summed once
/// instead of twice (each sum is a chain of dependent additions; a live session's window
/// takes a dozen per score).
pub fn mean_and_std_dev(values: &[f64]) -> Option<(f64, f64)> {
    let m = mean(values)?;
    let squares = values.iter().map(|v| (v - m).powi(2)).sum::<f64>();
    Some((m, (squares / values.len() as f64).sqrt()))
}

/// [`median`] of values the caller no longer needs in their order.
pub fn median_in_place(values: &mut [f64]) -> Option<f64> {
    quantile_in_place(values, 0.5)
}

/// Mean, standard deviation, skewness and excess kurtosis; zeros when the spread is zero.
pub fn moments(values: &[f64]) -> [f64; 4] {
    let Some((m, s)) = mean_and_std_dev(values) else {
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

    proptest::proptest! {
        /// Any bits, NaNs and signed zeros included, come back from the ordered integers, in
        /// `total_cmp`'s order; the selection leaves the values as they were, reordered.
        #[test]
        fn ordered_bits_order_as_total_cmp_and_come_back(
            a in proptest::num::f64::ANY,
            b in proptest::num::f64::ANY,
            values in proptest::collection::vec(proptest::num::f64::ANY, 0..40),
        ) {
            proptest::prop_assert_eq!(from_ordered_bits(ordered_bits(a)).to_bits(), a.to_bits());
            proptest::prop_assert_eq!(ordered_bits(a).cmp(&ordered_bits(b)), a.total_cmp(&b));
            let mut selected = values.clone();
            let _ = quantile_in_place(&mut selected, 0.5);
            let bits = |values: &[f64]| {
                let mut bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
                bits.sort_unstable();
                bits
            };
            proptest::prop_assert_eq!(bits(&selected), bits(&values));
        }

        /// The pair is, to the bit, what the two functions give.
        #[test]
        fn mean_and_std_dev_are_those_of_their_functions(
            values in proptest::collection::vec(-1e6..1e6f64, 0..60),
        ) {
            let both = mean_and_std_dev(&values).map(|(m, s)| (m.to_bits(), s.to_bits()));
            let apart = mean(&values).zip(std_dev(&values)).map(|(m, s)| (m.to_bits(), s.to_bits()));
            proptest::prop_assert_eq!(both, apart);
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
