//! Offline evaluation on public datasets, through the *same* code the server runs: dataset
//! rows become raw [`crate::events`] samples, are validated, go through [`crate::features`]
//! and are scored by [`crate::scoring::model::UserModel`].
//!
//! - [`cmu`] loads the CMU DSL-StrongPasswordData and replays each row as key events;
//!   [`cmu_protocols`] runs the Killourhy–Maxion genuine-only protocol and the
//!   background-population protocol.
//! - [`holdtap`] replays Hold & Tap phone typing rows as key events and reuses the CMU runners.
//! - [`antal`] swipe-stroke feature rows (no raw events were published) through the same runners.
//! - [`aalto`] loads the Aalto 136M free-text subset and runs enrol-5-sentences protocols.
//! - [`report`] the plain result structs (serde) and per-subject error computation.
//!
//! Datasets are read from `$BEHAVIORAL_AUTH_DATA` or `CARGO_MANIFEST_DIR/../shared/data`.

pub mod aalto;
pub mod antal;
pub mod cmu;
pub mod cmu_protocols;
pub mod holdtap;
pub mod report;

use std::path::PathBuf;

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("malformed dataset {path}, record {record}: {message}")]
    Malformed {
        path: String,
        record: usize,
        message: String,
    },
    #[error("sample of {subject} refused: {source}")]
    Sample {
        subject: String,
        source: crate::events::SampleError,
    },
    #[error("features of {subject}: {source}")]
    Features {
        subject: String,
        source: crate::features::FeatureError,
    },
    #[error("model of {subject}: {source}")]
    Scoring {
        subject: String,
        source: crate::scoring::ScoringError,
    },
    #[error("{0}")]
    Protocol(String),
}

/// The shared data folder: `$BEHAVIORAL_AUTH_DATA`, else `CARGO_MANIFEST_DIR/../shared/data`.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("BEHAVIORAL_AUTH_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared")
            .join("data"),
    }
}

/// Runs `work` on every item with up to `threads` scoped threads, keeping the input order.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&work).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}
