//! Detectors, per-user models and error metrics. Pure: rows of features in, scores out.
//!
//! - [`transform`] log of timings and standard scaling; [`normalise`] per-user z-norm.
//! - [`manhattan`] scaled Manhattan (genuine only), [`weighted_manhattan`] the same with
//!   learned per-user column weights, [`knn`] nearest neighbours (the negatives scanned through
//!   a screen of their principal-axis coordinates, `knn::screen`: the same distances, most
//!   rows ruled out unread), [`svm`] smartcore-trained RBF SVM exported to our own struct.
//! - [`config`] training settings, [`model`] the [`model::UserModel`] that fuses the detectors
//!   into one 0..1 score, [`threshold`] per-user decision threshold, [`metrics`] EER and DET.
//!
//! Every model struct is serde-serialisable so the server can persist it as JSON.

pub mod config;
pub mod knn;
pub mod manhattan;
pub mod metrics;
pub mod model;
pub mod normalise;
pub mod svm;
pub mod threshold;
pub mod transform;
pub mod weighted_manhattan;

/// Why a model could not be trained or a row scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoringError {
    #[error("{what}: {found} given, at least {needed} needed")]
    NotEnoughData {
        what: &'static str,
        found: usize,
        needed: usize,
    },
    #[error("expected rows of {expected} features, got {found}")]
    WrongWidth { expected: usize, found: usize },
    #[error("the {what} contain a non-finite value")]
    NonFinite { what: &'static str },
    #[error("training failed: {0}")]
    Training(String),
}
