//! A queue that one task writes in batches: callers queue rows and go on at once; the writer
//! takes whatever has queued up (at most `max_batch` rows), lets it gather for [`LINGER`]
//! more, and hands it to its write function, so under load a thousand rows cost a handful of
//! statements instead of a thousand. [`gather`] is the same collection step for writers with
//! a loop of their own (the sessions' progress).
//! [`BatchWriter::flush`] waits until everything queued before it is written (an erase calls
//! it first, so no queued row of the erased user lands after the erase).
//!
//! Used by the verification trail and the replay check's fingerprints.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, oneshot};

/// How long a batch that is not full waits for more rows before it is written. Without it the
/// writer woke for every few rows: under 5,000 verifications a second that was thousands of
/// small SQLite transactions, each a round trip to the database thread, and a third of the
/// server's core. At 20 ms a batch still rewrote most of the same index pages as the batch
/// before it (each table's index has a leaf page per active user): 100 ms makes those page
/// writes five times rarer, and SQLite's thread went from 24 to 20 % of the server's samples
/// under REST verify load. A row reaches the database at most this much later.
pub const LINGER: Duration = Duration::from_millis(100);

/// Most rows queued and not yet written; [`BatchWriter::queue`] waits for room beyond it. The
/// writers' database thread runs at a lower priority than the handlers that queue
/// (`store::background`), so under a sustained overload of requests the queue would otherwise
/// grow without bound (by some 100 MB in ten seconds of the benchmark's REST verify at
/// concurrency 64): the handlers then wait for the writer instead. Half a second of rows at
/// 20,000 a second, so a benchmark step of ten seconds leaves little of its writing for after.
pub const MAX_QUEUED_ROWS: usize = 10_000;

/// Waits for at least one entry, then gathers more for [`LINGER`] (up to `max` in all).
/// Returns how many were added; 0 once the channel is closed and drained.
pub async fn gather<T>(
    receiver: &mut mpsc::UnboundedReceiver<T>,
    entries: &mut Vec<T>,
    max: usize,
) -> usize {
    let first = receiver.recv_many(entries, max).await;
    if first == 0 || entries.len() >= max {
        return first;
    }
    tokio::time::sleep(LINGER).await;
    let mut added = first;
    while entries.len() < max {
        match receiver.try_recv() {
            Ok(entry) => {
                entries.push(entry);
                added += 1;
            }
            Err(_) => break,
        }
    }
    added
}

enum Entry<T> {
    Row(T),
    /// Answered once every row queued before it is written.
    Flush(oneshot::Sender<()>),
}

/// A handle on the writer (cheap to clone).
pub struct BatchWriter<T> {
    /// `None` outside a Tokio runtime (command-line tools): callers then write inline.
    sender: Option<mpsc::UnboundedSender<Entry<T>>>,
    /// One permit per row that may still be queued ([`MAX_QUEUED_ROWS`] in all); the writer
    /// gives them back as it writes.
    room: Arc<Semaphore>,
}

impl<T> Clone for BatchWriter<T> {
    fn clone(&self) -> Self {
        BatchWriter {
            sender: self.sender.clone(),
            room: self.room.clone(),
        }
    }
}

impl<T: Send + 'static> BatchWriter<T> {
    /// Starts the writer task on the current Tokio runtime, if there is one. `write` gets each
    /// batch in queue order and reports its own errors (a batch is never retried).
    pub fn start<F, Fut>(max_batch: usize, mut write: F) -> Self
    where
        F: FnMut(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let room = Arc::new(Semaphore::new(MAX_QUEUED_ROWS));
        let freed = room.clone();
        let sender = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            let (sender, mut receiver) = mpsc::unbounded_channel::<Entry<T>>();
            runtime.spawn(async move {
                let mut entries = Vec::with_capacity(max_batch);
                while gather(&mut receiver, &mut entries, max_batch).await > 0 {
                    let mut rows = Vec::with_capacity(entries.len());
                    let mut flushes = Vec::new();
                    for entry in entries.drain(..) {
                        match entry {
                            Entry::Row(row) => rows.push(row),
                            Entry::Flush(done) => flushes.push(done),
                        }
                    }
                    if !rows.is_empty() {
                        let written = rows.len();
                        write(rows).await;
                        freed.add_permits(written);
                    }
                    for done in flushes {
                        let _ = done.send(());
                    }
                }
            });
            sender
        });
        BatchWriter { sender, room }
    }

    /// Queues the row, first waiting while [`MAX_QUEUED_ROWS`] are queued; gives it back when
    /// no writer runs, for the caller to write itself.
    pub async fn queue(&self, row: T) -> Result<(), T> {
        let Some(sender) = &self.sender else {
            return Err(row);
        };
        match self.room.acquire().await {
            // The writer gives the permit back once the row is written.
            Ok(permit) => permit.forget(),
            Err(_) => return Err(row), // never closed
        }
        sender.send(Entry::Row(row)).map_err(|error| match error.0 {
            Entry::Row(row) => row,
            Entry::Flush(_) => unreachable!("a row was sent"),
        })
    }

    /// Waits until every row queued so far is written.
    pub async fn flush(&self) {
        let Some(sender) = &self.sender else { return };
        let (done, written) = oneshot::channel();
        if sender.send(Entry::Flush(done)).is_ok() {
            let _ = written.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    type Batches = Arc<Mutex<Vec<Vec<u32>>>>;

    /// A writer that records each batch it is handed.
    fn recording_writer(max_batch: usize) -> (BatchWriter<u32>, Batches) {
        let written: Batches = Arc::default();
        let sink = written.clone();
        let writer = BatchWriter::start(max_batch, move |rows: Vec<u32>| {
            let sink = sink.clone();
            async move { sink.lock().unwrap().push(rows) }
        });
        (writer, written)
    }

    #[tokio::test]
    async fn rows_arrive_in_order_and_flush_waits_for_them() {
        let (writer, written) = recording_writer(3);
        for row in 0..10 {
            writer.queue(row).await.unwrap();
        }
        writer.flush().await;
        let batches = written.lock().unwrap().clone();
        assert!(batches.iter().all(|batch| batch.len() <= 3));
        assert_eq!(batches.concat(), (0..10).collect::<Vec<_>>());
    }

    // Paused time: the runtime's clock moves only when every task waits, so the order is exact.
    #[tokio::test(start_paused = true)]
    async fn rows_queued_within_the_linger_share_one_batch() {
        let (writer, written) = recording_writer(100);
        writer.queue(1).await.unwrap();
        tokio::time::sleep(LINGER / 4).await;
        writer.queue(2).await.unwrap();
        writer.flush().await;
        tokio::time::sleep(LINGER * 2).await;
        writer.queue(3).await.unwrap();
        writer.flush().await;
        assert_eq!(written.lock().unwrap().clone(), vec![vec![1, 2], vec![3]]);
    }

    #[test]
    fn without_a_runtime_the_row_comes_back() {
        let writer = BatchWriter::start(3, |_: Vec<u32>| async {});
        let mut queued = std::pin::pin!(writer.queue(7));
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        assert_eq!(
            queued.as_mut().poll(&mut context),
            std::task::Poll::Ready(Err(7))
        );
    }

    #[tokio::test]
    async fn a_full_queue_waits_until_the_writer_has_written() {
        let (release, released) = tokio::sync::watch::channel(false);
        let writer = BatchWriter::start(MAX_QUEUED_ROWS, move |_: Vec<u32>| {
            let mut released = released.clone();
            async move {
                released.wait_for(|go| *go).await.ok();
            }
        });
        for row in 0..MAX_QUEUED_ROWS as u32 {
            writer.queue(row).await.unwrap();
        }
        let mut one_more = std::pin::pin!(writer.queue(u32::MAX));
        let waited = tokio::time::timeout(LINGER * 3, one_more.as_mut()).await;
        assert!(waited.is_err(), "no room until the writer has written");
        release.send(true).unwrap();
        assert_eq!(one_more.await, Ok(()));
        writer.flush().await;
    }
}
