//! The replay check's memory: the timing fingerprints each profile has seen, kept in memory by
//! (user, profile, key count) so checking a sample reads no database, and written to
//! `keystroke_fingerprints` in batches ([`BatchWriter`]).
//!
//! - An entry is loaded from the database on first use (the newest `replay_history`
//!   fingerprints of that length) and, once it is older than `replay_refresh_ms`, topped up
//!   with the fingerprints other processes have written since (ids above the newest it read).
//! - Checking and remembering a sample happen under the entry's lock, so two copies of one
//!   sample sent at once to this process cannot both pass. Across processes sharing the
//!   database, a copy is caught once the other process's entry is refreshed: after at most
//!   `replay_refresh_ms` plus the writer's batch delay.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
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

/// Most fingerprints written by one insert.
const MAX_BATCH_ROWS: usize = 500;
/// Most (user, profile, key count) entries kept in memory.
const CAPACITY: u64 = 100_000;
/// Entries unused this long leave memory (they are read again on the next use).
const IDLE: Duration = Duration::from_secs(600);

/// What one (user, profile, key count) has seen, newest first.
#[derive(Default)]
struct Seen {
    timings: VecDeque<Vec<f64>>,
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
    history: usize,
    tolerance_ms: f64,
    refresh: Duration,
}

impl Fingerprints {
    /// Starts the batch writer on the current Tokio runtime, if there is one.
    pub fn start(db: DatabaseConnection, settings: &BiometricSettings) -> Self {
        let writer_db = db.clone();
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
        let entry = self
            .seen
            .get_with_by_ref(&key, async { Arc::default() })
            .await;
        let mut seen = entry.lock().await;
        if seen
            .read_at
            .is_none_or(|read| read.elapsed() >= self.refresh)
        {
            self.top_up(&mut seen, user_id, profile_key, timings.len())
                .await?;
        }
        if is_replay(&timings, seen.timings.make_contiguous(), self.tolerance_ms) {
            return Ok(true);
        }
        seen.timings.push_front(timings.clone());
        seen.timings.truncate(self.history);
        let row = NewFingerprint {
            user_id,
            profile_key: profile_key.to_owned(),
            timings,
            seen_at: Utc::now(),
        };
        if let Err(row) = self.writer.queue(row) {
            write(&self.db, std::slice::from_ref(&row)).await;
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
        let stored = store::keystroke_fingerprints::with_length_after(
            &self.db,
            user_id,
            profile_key,
            key_count,
            seen.newest_id,
            self.history as u64,
        )
        .await?;
        // Oldest first, so the newest ends at the front; this process's own fingerprints come
        // back from the database too and are already here.
        for (id, timings) in stored.into_iter().rev() {
            seen.newest_id = seen.newest_id.max(id);
            if !seen.timings.contains(&timings) {
                seen.timings.push_front(timings);
            }
        }
        seen.timings.truncate(self.history);
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

async fn write(db: &DatabaseConnection, rows: &[NewFingerprint]) {
    if let Err(error) = store::keystroke_fingerprints::insert_many(db, rows).await {
        tracing::warn!(%error, "cannot keep keystroke fingerprints");
    }
}
