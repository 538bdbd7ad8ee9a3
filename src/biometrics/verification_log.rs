//! The `biometric_verifications` trail, written in batches off the request path: a verify
//! queues its row and answers at once; one writer task inserts whatever has queued up (at
//! most [`MAX_BATCH_ROWS`] rows per statement), so under load a thousand verifications cost
//! a handful of inserts instead of a thousand. An erase [`VerificationLog::flush`]es first,
//! so no queued row of the erased user lands after it.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::store;
use crate::store::biometric_verifications::NewVerification;

/// Most rows written by one insert.
const MAX_BATCH_ROWS: usize = 500;

/// One verification to keep.
#[derive(Debug, Clone)]
pub struct VerificationRow {
    pub user_id: Uuid,
    pub profile_key: String,
    pub sample_id: Option<i64>,
    pub score: f64,
    pub decision: &'static str,
    pub model_version: i32,
    pub context: &'static str,
    pub created_at: DateTime<Utc>,
}

enum Entry {
    Row(VerificationRow),
    /// Answered once every row queued before it is written.
    Flush(oneshot::Sender<()>),
}

/// A handle on the writer (cheap to clone).
#[derive(Clone)]
pub struct VerificationLog {
    db: DatabaseConnection,
    /// `None` outside a Tokio runtime (command-line tools): rows are then written inline.
    sender: Option<mpsc::UnboundedSender<Entry>>,
}

impl VerificationLog {
    /// Starts the writer task on the current Tokio runtime, if there is one.
    pub fn start(db: DatabaseConnection) -> Self {
        let sender = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            let (sender, receiver) = mpsc::unbounded_channel();
            runtime.spawn(write_batches(db.clone(), receiver));
            sender
        });
        VerificationLog { db, sender }
    }

    /// Queues the row (or writes it now when no writer runs).
    pub async fn record(&self, row: VerificationRow) {
        let row = match &self.sender {
            Some(sender) => match sender.send(Entry::Row(row)) {
                Ok(()) => return,
                Err(mpsc::error::SendError(Entry::Row(row))) => row,
                Err(_) => return,
            },
            None => row,
        };
        write(&self.db, std::slice::from_ref(&row)).await;
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

async fn write(db: &DatabaseConnection, rows: &[VerificationRow]) {
    let rows = rows.iter().map(|row| NewVerification {
        user_id: row.user_id,
        profile_key: &row.profile_key,
        sample_id: row.sample_id,
        score: row.score,
        decision: row.decision,
        model_version: row.model_version,
        context: row.context,
        created_at: row.created_at,
    });
    if let Err(error) = store::biometric_verifications::record_many(db, rows).await {
        tracing::warn!(%error, "cannot keep verification results");
    }
}

async fn write_batches(db: DatabaseConnection, mut receiver: mpsc::UnboundedReceiver<Entry>) {
    let mut entries = Vec::with_capacity(MAX_BATCH_ROWS);
    let mut rows = Vec::with_capacity(MAX_BATCH_ROWS);
    while receiver.recv_many(&mut entries, MAX_BATCH_ROWS).await > 0 {
        let mut flushes = Vec::new();
        for entry in entries.drain(..) {
            match entry {
                Entry::Row(row) => rows.push(row),
                Entry::Flush(done) => flushes.push(done),
            }
        }
        if !rows.is_empty() {
            write(&db, &rows).await;
            rows.clear();
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}
