//! Pure arithmetic behind the admin statistics: time buckets and score histograms. No database
//! and no HTTP here; `routes::admin_stats` feeds it rows from `store::stats`.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Most buckets one answer may hold: a week by minute would be ~10 000 and is refused.
pub const MAX_BUCKETS: i64 = 2_000;
/// Width of a score-histogram bin; scores lie in 0–1, so 20 bins.
pub const SCORE_BIN_WIDTH: f64 = 0.05;
const SCORE_BINS: usize = 20;

/// Width of one time bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Minute,
    #[default]
    Hour,
    Day,
}

impl Bucket {
    pub fn width(self) -> TimeDelta {
        match self {
            Bucket::Minute => TimeDelta::minutes(1),
            Bucket::Hour => TimeDelta::hours(1),
            Bucket::Day => TimeDelta::days(1),
        }
    }

    /// The start of the bucket holding `at` (buckets are aligned to UTC).
    pub fn start_of(self, at: DateTime<Utc>) -> DateTime<Utc> {
        at.duration_trunc(self.width()).unwrap_or(at)
    }
}

/// The bucket starts from the one holding `since` to the one holding `now`, oldest first, or
/// `None` when that would be more than [`MAX_BUCKETS`] or `since` is after `now`.
pub fn bucket_starts(
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    bucket: Bucket,
) -> Option<Vec<DateTime<Utc>>> {
    let (first, last) = (bucket.start_of(since), bucket.start_of(now));
    if first > last {
        return None;
    }
    let count = (last - first).num_seconds() / bucket.width().num_seconds() + 1;
    if count > MAX_BUCKETS {
        return None;
    }
    Some(
        (0..count as i32)
            .map(|i| first + bucket.width() * i)
            .collect(),
    )
}

/// Index of the bucket holding `at` among buckets starting at `first`, if within `len`.
pub fn bucket_index(
    first: DateTime<Utc>,
    bucket: Bucket,
    at: DateTime<Utc>,
    len: usize,
) -> Option<usize> {
    if at < first {
        return None;
    }
    let index = ((at - first).num_seconds() / bucket.width().num_seconds()) as usize;
    (index < len).then_some(index)
}

/// Lower edges of the score bins: 0, 0.05, … 0.95.
pub fn score_bin_edges() -> Vec<f64> {
    (0..SCORE_BINS)
        .map(|i| (i as f64 * SCORE_BIN_WIDTH * 100.0).round() / 100.0)
        .collect()
}

/// Counts of `scores` per bin of [`score_bin_edges`]; a score of exactly 1 falls in the last
/// bin, and anything outside 0–1 (or not finite) is clamped into the nearest end.
pub fn score_histogram(scores: impl IntoIterator<Item = f64>) -> Vec<u64> {
    let mut counts = vec![0; SCORE_BINS];
    for score in scores {
        let score = if score.is_finite() { score } else { 0.0 };
        let bin = ((score / SCORE_BIN_WIDTH).floor().max(0.0) as usize).min(SCORE_BINS - 1);
        counts[bin] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, m, s).unwrap()
    }

    #[test]
    fn buckets_are_aligned_and_cover_both_ends() {
        let starts = bucket_starts(at(10, 59, 30), at(13, 0, 1), Bucket::Hour).unwrap();
        assert_eq!(
            starts,
            vec![at(10, 0, 0), at(11, 0, 0), at(12, 0, 0), at(13, 0, 0)]
        );
        assert_eq!(
            bucket_index(starts[0], Bucket::Hour, at(12, 30, 0), 4),
            Some(2)
        );
        assert_eq!(bucket_index(starts[0], Bucket::Hour, at(9, 59, 0), 4), None);
        assert_eq!(bucket_index(starts[0], Bucket::Hour, at(14, 0, 0), 4), None);
    }

    #[test]
    fn too_many_buckets_or_a_future_start_are_refused() {
        let week_ago = at(0, 0, 0) - TimeDelta::days(7);
        assert!(bucket_starts(week_ago, at(0, 0, 0), Bucket::Minute).is_none());
        assert!(bucket_starts(week_ago, at(0, 0, 0), Bucket::Hour).is_some());
        assert!(bucket_starts(at(2, 0, 0), at(1, 0, 0), Bucket::Hour).is_none());
    }

    #[test]
    fn scores_fall_into_twenty_bins_with_the_ends_clamped() {
        let counts = score_histogram([0.0, 0.049, 0.05, 0.5, 0.99, 1.0, 1.7, -0.2, f64::NAN]);
        assert_eq!(counts.len(), 20);
        assert_eq!(counts[0], 4); // 0.0, 0.049, -0.2, NaN
        assert_eq!(counts[1], 1);
        assert_eq!(counts[10], 1);
        assert_eq!(counts[19], 3); // 0.99, 1.0, 1.7
        assert_eq!(score_bin_edges()[19], 0.95);
    }
}
