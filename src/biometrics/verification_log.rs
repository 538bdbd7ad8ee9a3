//! The `biometric_verifications` trail, written in batches off the request path
//! ([`BatchWriter`]): a verify queues its row and answers at once; at most [`MAX_BATCH_ROWS`]
//! rows go in one insert. An erase [`VerificationLog::flush`]es first, so no queued row of
//! the erased user lands after it.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::batch_writer::BatchWriter;
use crate::store;
use crate::store::biometric_verifications::NewVerification;

/// Most rows written in one transaction (a tenth of a second of verifications at 20,000/s).
const MAX_BATCH_ROWS: usize = 2000;

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

/// A handle on the writer (cheap to clone).
#[derive(Clone)]
pub struct VerificationLog {
    db: DatabaseConnection,
    writer: BatchWriter<VerificationRow>,
}

impl VerificationLog {
    /// Starts the writer task on the current Tokio runtime, if there is one.
    pub fn start(db: DatabaseConnection) -> Self {
        let writer_db = db.clone();
        let writer = BatchWriter::start(MAX_BATCH_ROWS, move |rows: Vec<VerificationRow>| {
            let db = writer_db.clone();
            async move { write(&db, &rows).await }
        });
        VerificationLog { db, writer }
    }

    /// Queues the row (or writes it now when no writer runs: boxed, as that transaction's
    /// future is kilobytes and this one is part of every verify's).
    pub async fn record(&self, row: VerificationRow) {
        if let Err(row) = self.writer.queue(row).await {
            Box::pin(write(&self.db, std::slice::from_ref(&row))).await;
        }
    }

    /// Waits until every row queued so far is written.
    pub async fn flush(&self) {
        self.writer.flush().await;
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
    // One transaction: a batch is several statements, and lands whole.
    let written = async {
        let txn = store::begin_background_write(db).await?;
        store::biometric_verifications::record_many(&txn, rows).await?;
        txn.commit().await
    };
    if let Err(error) = written.await {
        tracing::warn!(%error, "cannot keep verification results");
    }
}
