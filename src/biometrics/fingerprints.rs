//! The replay check's memory: the timing fingerprints each profile has seen, kept in memory by
//! (user, profile, key count) so checking a sample reads no database, and written to
//! `keystroke_fingerprints` in batches ([`BatchWriter`]).
//!
//! - An entry is loaded from the database on first use (the newest `replay_history`
//!   fingerprints of that length) and, once it is older than `replay_refresh_ms`, topped up
//!   with the fingerprints other processes have written since (ids above the newest it read;
//!   each row names its writer, a random id per [`Fingerprints`], so a process does not read
//!   back the rows it wrote itself).
//! - Checking and remembering a sample happen under the entry's lock, so two copies of one
//!   sample sent at once to this process cannot both pass. Across processes sharing the
//!   database, a copy is caught once the other process's entry is refreshed: after at most
//!   `replay_refresh_ms` plus the writer's batch delay.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::FutureExt;
use moka::future::Cache;
use sea_orm::DatabaseConnection;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::batch_writer::BatchWriter;
use crate::configuration::BiometricSettings;
use crate::error::ApiError;
use crate::store;
use crate::store::keystroke_fingerprints::NewFingerprint;

use super::bot_defence::is_replay;

/// Most fingerprints written in one transaction (a tenth of a second at 20,000/s).
const MAX_BATCH_ROWS: usize = 2000;
/// Most (user, profile, key count) entries kept in memory.
const CAPACITY: u64 = 100_000;
/// Entries unused this long leave memory (they are read again on the next use).
const IDLE: Duration = Duration::from_secs(600);
/// How often stored fingerprints beyond `replay_history` per profile and length are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// Timing vectors of one length, indexed by their total so a replay check compares only the
/// few whose total is close: a mean difference of at most `tolerance` per timing implies
/// totals within `length × tolerance` (|Σa − Σb| ≤ Σ|a − b|). The oldest leave first.
///
/// Flat, because the check runs on every keystroke sample a profile receives: the vectors lie
/// one after another in one buffer (a ring of slots, the oldest overwritten first) and the
/// index is a sorted list of (total, slot), so a check walks two arrays instead of a tree of
/// separately allocated vectors. The totals of a profile's typings crowd together, so each
/// slot also keeps its [`PartSums`]: most vectors whose total is close are ruled out by four
/// sums instead of reading their timings (reading them was nearly 6 % of the server's core in the
/// benchmark's REST verify step).
#[derive(Default)]
pub struct FingerprintSet {
    /// The timings of every slot, `width` values each; slot `i` at `i * width`.
    values: Vec<f64>,
    /// The part sums of every slot's timings, by slot.
    sums: Vec<PartSums>,
    /// Values per vector: the length of the first one inserted.
    width: usize,
    /// (total in microseconds, slot), ascending.
    by_total: Vec<(i64, u32)>,
    /// The slot the next vector goes to once every slot is used: the oldest.
    oldest: usize,
}

impl FingerprintSet {
    fn total_key(timings: &[f64]) -> i64 {
        (timings.iter().sum::<f64>() * 1000.0).round() as i64
    }

    pub fn len(&self) -> usize {
        self.by_total.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_total.is_empty()
    }

    fn slot(&self, slot: u32) -> &[f64] {
        let start = slot as usize * self.width;
        &self.values[start..start + self.width]
    }

    /// Those whose total could be within `tolerance_ms` per timing of `timings`.
    fn near<'a>(
        &'a self,
        timings: &[f64],
        tolerance_ms: f64,
    ) -> impl Iterator<Item = &'a [f64]> + 'a {
        let total = Self::total_key(timings);
        // One microsecond more on each side for the rounding of both totals.
        let reach = (timings.len() as f64 * tolerance_ms.max(0.0) * 1000.0).ceil() as i64 + 1;
        let from = self.by_total.partition_point(|&(t, _)| t < total - reach);
        let to = self.by_total.partition_point(|&(t, _)| t <= total + reach);
        // A vector of another length is never near (the set holds one length).
        let span = if timings.len() == self.width {
            &self.by_total[from..to.max(from)]
        } else {
            &[][..]
        };
        let budget = timings.len() as f64 * tolerance_ms.max(0.0);
        let sums = PartSums::of(timings);
        span.iter()
            .filter(move |&&(_, slot)| !sums.rule_out(&self.sums[slot as usize], budget))
            .map(move |&(_, slot)| self.slot(slot))
    }

    /// Whether `timings` is a copy (within `tolerance_ms` on average) of one in the set.
    pub fn is_replay(&self, timings: &[f64], tolerance_ms: f64) -> bool {
        is_replay(timings, self.near(timings, tolerance_ms), tolerance_ms)
    }

    /// Whether exactly these timings are in the set.
    pub fn contains(&self, timings: &[f64]) -> bool {
        self.near(timings, 0.0).any(|seen| seen == timings)
    }

    /// Adds `timings` as the newest, dropping the oldest beyond `capacity`. The set holds
    /// vectors of one length (its entries are keyed by key count); another length is ignored.
    pub fn insert(&mut self, timings: Vec<f64>, capacity: usize) {
        if self.values.is_empty() {
            self.width = timings.len();
        }
        if timings.is_empty() || timings.len() != self.width || capacity == 0 {
            return;
        }
        let total = Self::total_key(&timings);
        let slots = self.values.len() / self.width.max(1);
        let slot = if slots < capacity {
            self.values.extend_from_slice(&timings);
            self.sums.push(PartSums::of(&timings));
            slots
        } else {
            // Every slot is used: the oldest gives way.
            let slot = self.oldest % slots;
            self.oldest = (slot + 1) % slots;
            let start = slot * self.width;
            let old_total = Self::total_key(&self.values[start..start + self.width]);
            let from = self.by_total.partition_point(|&(t, _)| t < old_total);
            if let Some(offset) = self.by_total[from..]
                .iter()
                .position(|&(_, s)| s as usize == slot)
            {
                self.by_total.remove(from + offset);
            }
            self.values[start..start + self.width].copy_from_slice(&timings);
            self.sums[slot] = PartSums::of(&timings);
            slot
        };
        let at = self.by_total.partition_point(|&(t, _)| t <= total);
        self.by_total.insert(at, (total, slot as u32));
    }
}

/// Parts a vector's timings are summed in for [`PartSums`].
const PARTS: usize = 4;

/// Slack on [`PartSums::rule_out`]'s bound, relative to the magnitudes summed: the sums'
/// rounding is below `n × 1.2e-16` of those for `n` timings (a sample holds at most tens of
/// thousands), far below this; a vector it fails to rule out is compared in full.
const PART_SLACK: f64 = 1e-9;

/// A vector's timings summed in [`PARTS`] runs of consecutive timings, and the sum of their
/// magnitudes. A copy within `budget` (Σ|a − b| ≤ budget) has parts whose differences sum to
/// at most `budget` too (|Σ_part a − Σ_part b| ≤ Σ_part |a − b|), so a vector whose parts lie
/// farther apart is no copy; the four parts are a finer screen than the total alone.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PartSums {
    parts: [f64; PARTS],
    magnitude: f64,
}

impl PartSums {
    fn of(timings: &[f64]) -> PartSums {
        let per_part = timings.len().div_ceil(PARTS).max(1);
        let mut sums = PartSums {
            parts: [0.0; PARTS],
            magnitude: 0.0,
        };
        for (index, timing) in timings.iter().enumerate() {
            sums.parts[index / per_part] += timing;
            sums.magnitude += timing.abs();
        }
        sums
    }

    /// Whether the vector summed in `other` (of the same length) is certainly farther than
    /// `budget` from this one. Not where a sum is not finite: the comparison is then false.
    fn rule_out(&self, other: &PartSums, budget: f64) -> bool {
        let apart: f64 = self
            .parts
            .iter()
            .zip(&other.parts)
            .map(|(a, b)| (a - b).abs())
            .sum();
        apart > budget + PART_SLACK * (self.magnitude + other.magnitude)
    }
}

/// What one (user, profile, key count) has seen.
#[derive(Default)]
struct Seen {
    timings: FingerprintSet,
    /// The highest stored id read so far (0: nothing read yet).
    newest_id: i64,
    /// When the entry was last read from or topped up from the database.
    read_at: Option<Instant>,
}

type Key = (Uuid, String, usize);

#[derive(Clone)]
pub struct Fingerprints {
    db: DatabaseConnection,
    seen: Cache<Key, Arc<Mutex<Seen>>>,
    writer: BatchWriter<NewFingerprint>,
    /// Written into this process's rows, so its top-ups skip them (never 0: older rows).
    writer_id: i64,
    history: usize,
    tolerance_ms: f64,
    refresh: Duration,
}

impl Fingerprints {
    /// Starts the batch writer and the purge of fingerprints no check reads any more (every
    /// minute) on the current Tokio runtime, if there is one. Both go through `background`
    /// ([`store::background`]); the checks read through `db`.
    pub fn start(
        db: DatabaseConnection,
        background: DatabaseConnection,
        settings: &BiometricSettings,
    ) -> Self {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(purge_regularly(background.clone(), settings.replay_history));
        }
        let writer_db = background;
        let writer = BatchWriter::start(MAX_BATCH_ROWS, move |rows: Vec<NewFingerprint>| {
            let db = writer_db.clone();
            async move { write(&db, &rows).await }
        });
        Fingerprints {
            db,
            seen: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_idle(IDLE)
                .build(),
            writer,
            writer_id: rand::random_range(1..i64::MAX),
            history: usize::try_from(settings.replay_history).unwrap_or(usize::MAX),
            tolerance_ms: settings.replay_tolerance_ms,
            refresh: Duration::from_millis(settings.replay_refresh_ms),
        }
    }

    /// `true` when `timings` repeats a fingerprint this profile has seen (within the
    /// tolerance); otherwise remembers it and answers `false`.
    pub async fn check_and_remember(
        &self,
        user_id: Uuid,
        profile_key: &str,
        timings: Vec<f64>,
    ) -> Result<bool, ApiError> {
        let key = (user_id, profile_key.to_owned(), timings.len());
        // The futures of a miss and of a database read are kilobytes; boxed, they stay out of
        // the future of every verify, which is copied whole each time it is boxed.
        let entry = match self.seen.get(&key).now_or_never().flatten() {
            Some(entry) => entry,
            None => Box::pin(self.seen.get_with_by_ref(&key, async { Arc::default() })).await,
        };
        let mut seen = entry.lock().await;
        if seen
            .read_at
            .is_none_or(|read| read.elapsed() >= self.refresh)
        {
            Box::pin(self.top_up(&mut seen, user_id, profile_key, timings.len())).await?;
        }
        if seen.timings.is_replay(&timings, self.tolerance_ms) {
            return Ok(true);
        }
        seen.timings.insert(timings.clone(), self.history);
        let row = NewFingerprint {
            user_id,
            profile_key: profile_key.to_owned(),
            timings,
            seen_at: Utc::now(),
            writer: self.writer_id,
        };
        if let Err(row) = self.writer.queue(row).await {
            Box::pin(write(&self.db, std::slice::from_ref(&row))).await;
        }
        Ok(false)
    }

    /// Reads what was stored since the entry's last read (everything, the first time).
    async fn top_up(
        &self,
        seen: &mut Seen,
        user_id: Uuid,
        profile_key: &str,
        key_count: usize,
    ) -> Result<(), ApiError> {
        let stored = store::keystroke_fingerprints::others_after(
            &self.db,
            user_id,
            profile_key,
            key_count,
            seen.newest_id,
            self.writer_id,
            self.history as u64,
        )
        .await?;
        seen.newest_id = seen.newest_id.max(stored.newest_id);
        // Oldest first, so the newest are kept.
        for timings in stored.others.into_iter().rev() {
            seen.timings.insert(timings, self.history);
        }
        seen.read_at = Some(Instant::now());
        Ok(())
    }

    /// Waits until every queued fingerprint is written (before an erase).
    pub async fn flush(&self) {
        self.writer.flush().await;
    }

    /// Drops the user's entries here (after an erase).
    pub async fn forget_user(&self, user_id: Uuid) {
        for (key, _) in self.seen.iter() {
            if key.0 == user_id {
                self.seen.invalidate(&*key).await;
            }
        }
    }
}

async fn purge_regularly(db: DatabaseConnection, keep: u64) {
    let mut ticks = tokio::time::interval(PURGE_EVERY);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        match store::keystroke_fingerprints::purge_beyond(&db, keep).await {
            Ok(0) => {}
            Ok(purged) => tracing::debug!(purged, "old keystroke fingerprints deleted"),
            Err(error) => tracing::warn!(%error, "cannot delete old keystroke fingerprints"),
        }
    }
}

async fn write(db: &DatabaseConnection, rows: &[NewFingerprint]) {
    // One transaction: a batch is several statements, and lands whole.
    let written = async {
        let txn = store::begin_background_write(db).await?;
        store::keystroke_fingerprints::insert_many(&txn, rows).await?;
        txn.commit().await
    };
    if let Err(error) = written.await {
        tracing::warn!(%error, "cannot keep keystroke fingerprints");
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng, rngs::StdRng};

    use super::*;

    /// The index finds exactly what comparing with every kept vector finds, also after the
    /// oldest have given way to newer ones.
    #[test]
    fn the_total_index_agrees_with_a_full_scan() {
        const CAPACITY: usize = 120;
        let mut rng = StdRng::seed_from_u64(7);
        let typed = |rng: &mut StdRng| -> Vec<f64> {
            (0..9).map(|_| rng.random_range(60.0..260.0)).collect()
        };
        let mut set = FingerprintSet::default();
        let mut all: Vec<Vec<f64>> = Vec::new();
        for _ in 0..300 {
            let timings = typed(&mut rng);
            set.insert(timings.clone(), CAPACITY);
            all.push(timings);
        }
        assert_eq!(set.len(), CAPACITY);
        let kept = &all[all.len() - CAPACITY..];
        for round in 0..4000 {
            let candidate = if round % 2 == 0 {
                // A near copy of one inserted (kept or gone): within, at or past the tolerance.
                let original = &all[rng.random_range(0..all.len())];
                let step = rng.random_range(0.0..3.0);
                original
                    .iter()
                    .enumerate()
                    .map(|(i, t)| if i % 2 == 0 { t + step } else { t - step })
                    .collect()
            } else {
                typed(&mut rng)
            };
            let brute = is_replay(&candidate, kept.iter().map(Vec::as_slice), 2.0);
            assert_eq!(set.is_replay(&candidate, 2.0), brute, "{candidate:?}");
        }
        for (index, timings) in all.iter().enumerate() {
            assert_eq!(set.contains(timings), index >= all.len() - CAPACITY);
        }
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// A timing: typed, far out, tiny, or negative (the set takes whatever it is given).
        fn timing() -> impl Strategy<Value = f64> {
            prop_oneof![
                8 => 20.0..400.0f64,
                1 => -1e12..1e12f64,
                1 => -1e-6..1e-6f64,
                1 => -50.0..0.0f64,
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Whatever the timings, the set answers what comparing with every kept vector
            /// answers: for kept vectors, and for copies of them with each timing moved its
            /// own way, by up to twice the tolerance or by up to 4 ms.
            #[test]
            fn the_screened_set_answers_what_a_full_scan_answers(
                (kept, moves, tolerance) in (1..40usize).prop_flat_map(|width| (
                    proptest::collection::vec(proptest::collection::vec(timing(), width), 1..60),
                    proptest::collection::vec(
                        (
                            any::<prop::sample::Index>(),
                            proptest::collection::vec(-4.0..4.0f64, width),
                        ),
                        1..40,
                    ),
                    prop_oneof![Just(0.0), 0.0..5.0f64],
                ))
            ) {
                let mut set = FingerprintSet::default();
                for timings in &kept {
                    set.insert(timings.clone(), kept.len());
                }
                for (original, moved) in &moves {
                    let original = original.get(&kept);
                    let near: Vec<f64> = original.iter().zip(moved).map(|(t, m)| t + m).collect();
                    let scale = tolerance / 2.0;
                    let close: Vec<f64> =
                        original.iter().zip(moved).map(|(t, m)| t + m * scale).collect();
                    for candidate in [original.clone(), near, close] {
                        let brute =
                            is_replay(&candidate, kept.iter().map(Vec::as_slice), tolerance);
                        prop_assert_eq!(set.is_replay(&candidate, tolerance), brute);
                    }
                    prop_assert!(set.contains(original));
                }
            }
        }
    }

    #[test]
    fn the_oldest_leave_first_and_exact_copies_are_found() {
        let mut set = FingerprintSet::default();
        for i in 0..5 {
            set.insert(vec![100.0 + f64::from(i); 8], 3);
        }
        assert_eq!(set.len(), 3);
        assert!(!set.contains(&[101.0; 8]));
        assert!(set.contains(&[104.0; 8]));
        assert!(set.is_replay(&[102.5; 8], 2.0));
        assert!(!set.is_replay(&[101.0; 8], 0.5));
    }
}
