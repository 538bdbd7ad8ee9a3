//! The sessions' database writes, batched: every live session reports its progress every
//! `persist_every_ms` and keeps a sampled score every `score_sample_every_ms`; with thousands
//! of sessions that was thousands of single-row writes (each its own commit) per second. The
//! sessions now queue them here and one writer task applies whatever has queued (gathered for
//! [`crate::batch_writer::LINGER`]) in one transaction: progress coalesced per session (the
//! newest wins), scores in one insert.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::store;
use crate::store::live_sessions::Progress;

/// Most queued writes applied in one transaction.
const MAX_BATCH_WRITES: usize = 2000;

/// One write a session asks for.
#[derive(Debug, Clone, Copy)]
pub enum SessionWrite {
    /// `live_sessions`: status, last score and last seen (skipped once the session ended).
    Progress {
        session_id: Uuid,
        status: &'static str,
        last_score: Option<f64>,
        at: DateTime<Utc>,
    },
    /// `session_scores`: one sampled score.
    Score {
        session_id: Uuid,
        score: f64,
        decision: &'static str,
        at: DateTime<Utc>,
    },
}

/// A handle on the writer (cheap to clone; one per process, shared by every session).
#[derive(Clone)]
pub struct SessionWrites {
    /// `None` outside a Tokio runtime (command-line tools never run sessions).
    sender: Option<mpsc::UnboundedSender<SessionWrite>>,
}

impl SessionWrites {
    /// Starts the writer task on the current Tokio runtime, if there is one.
    pub fn start(db: DatabaseConnection) -> Self {
        let sender = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            let (sender, receiver) = mpsc::unbounded_channel();
            runtime.spawn(write_batches(db, receiver));
            sender
        });
        SessionWrites { sender }
    }

    /// Queues the write; it reaches the database with the next batch.
    pub fn queue(&self, write: SessionWrite) {
        let queued = self
            .sender
            .as_ref()
            .is_some_and(|sender| sender.send(write).is_ok());
        if !queued {
            tracing::warn!(?write, "no session writer runs; the write is dropped");
        }
    }
}

async fn apply(db: &DatabaseConnection, writes: &[SessionWrite]) -> Result<(), DbErr> {
    let mut progress = HashMap::new();
    let mut scores = Vec::new();
    for write in writes {
        match *write {
            SessionWrite::Progress {
                session_id,
                status,
                last_score,
                at,
            } => {
                progress.insert(session_id, (status, last_score, at));
            }
            SessionWrite::Score {
                session_id,
                score,
                decision,
                at,
            } => scores.push((session_id, score, decision, at)),
        }
    }
    let progress: Vec<Progress> = progress
        .into_iter()
        .map(|(id, (status, last_score, at))| Progress {
            id,
            status,
            last_score,
            at,
        })
        .collect();
    let txn = crate::store::begin_background_write(db).await?;
    store::live_sessions::record_progress(&txn, &progress).await?;
    store::session_scores::insert_many(&txn, scores).await?;
    txn.commit().await
}

async fn write_batches(
    db: DatabaseConnection,
    mut receiver: mpsc::UnboundedReceiver<SessionWrite>,
) {
    let mut writes = Vec::with_capacity(MAX_BATCH_WRITES);
    while crate::batch_writer::gather(&mut receiver, &mut writes, MAX_BATCH_WRITES).await > 0 {
        if let Err(error) = apply(&db, &writes).await {
            tracing::warn!(%error, writes = writes.len(), "cannot record the sessions' progress");
        }
        writes.clear();
    }
}
