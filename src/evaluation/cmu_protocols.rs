//! CMU protocols.
//!
//! - [`genuine_only`] (Killourhy–Maxion): train on a subject's first 200 entries (sessions 1–4),
//!   genuine test on the last 200, impostors = the first 5 entries of each other subject.
//! - [`with_background`]: the other 50 subjects are split in two halves (alternating in file
//!   order); one half's sessions 1–4 are training negatives, the other half's first 5 entries
//!   the impostors; then the halves swap and the two runs are averaged per subject.
//! - [`cmu_small`] the genuine-only protocol on the first few subjects, for end-to-end tests.

use super::cmu::{CmuRow, feature_matrix, load, subjects};
use super::report::{
    ProtocolResult, SubjectResult, average_runs, score_rows, subject_result, summarise,
};
use super::{EvaluationError, data_dir, parallel_map};
use crate::scoring::config::ModelConfig;
use crate::scoring::model::UserModel;
use ndarray::{Array2, Axis};
use std::collections::HashMap;

/// Sessions 1–4 are training, 5–8 testing.
const LAST_TRAINING_SESSION: u32 = 4;
/// Impostor attempts per other subject: the first five entries of session 1.
const IMPOSTOR_REPS: u32 = 5;

/// Feature rows of every subject, split the protocol's way (CMU, or any fixed-text dataset
/// such as Hold & Tap).
pub struct SubjectSplits {
    /// Dataset name used in the protocol titles.
    pub dataset: String,
    pub subjects: Vec<String>,
    /// Enrolment rows per subject (CMU: sessions 1–4, 200 rows).
    pub training: HashMap<String, Array2<f64>>,
    /// Later genuine rows per subject (CMU: sessions 5–8).
    pub testing: HashMap<String, Array2<f64>>,
    /// Rows used when the subject acts as an impostor (CMU: session 1, reps 1–5).
    pub impostor: HashMap<String, Array2<f64>>,
}

/// Loads the CSV from the data folder and extracts features for `max_subjects` subjects
/// (all when `None`).
pub fn load_features(max_subjects: Option<usize>) -> Result<SubjectSplits, EvaluationError> {
    let rows = load(
        &data_dir()
            .join("keystroke")
            .join("DSL-StrongPasswordData.csv"),
    )?;
    let mut ids = subjects(&rows);
    ids.truncate(max_subjects.unwrap_or(ids.len()));
    let mut features = SubjectSplits {
        dataset: "CMU".into(),
        subjects: ids.clone(),
        training: HashMap::new(),
        testing: HashMap::new(),
        impostor: HashMap::new(),
    };
    for id in ids {
        let own: Vec<&CmuRow> = rows.iter().filter(|r| r.subject == id).collect();
        let pick = |keep: &dyn Fn(&CmuRow) -> bool| {
            feature_matrix(&own.iter().copied().filter(|r| keep(r)).collect::<Vec<_>>())
        };
        features
            .training
            .insert(id.clone(), pick(&|r| r.session <= LAST_TRAINING_SESSION)?);
        features
            .testing
            .insert(id.clone(), pick(&|r| r.session > LAST_TRAINING_SESSION)?);
        features.impostor.insert(
            id.clone(),
            pick(&|r| r.session == 1 && r.rep <= IMPOSTOR_REPS)?,
        );
    }
    Ok(features)
}

fn stack(parts: &[&Array2<f64>], columns: usize) -> Result<Array2<f64>, EvaluationError> {
    if parts.is_empty() {
        return Ok(Array2::zeros((0, columns)));
    }
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    ndarray::concatenate(Axis(0), &views).map_err(|e| EvaluationError::Protocol(e.to_string()))
}

fn get<'a>(
    map: &'a HashMap<String, Array2<f64>>,
    id: &str,
) -> Result<&'a Array2<f64>, EvaluationError> {
    map.get(id)
        .ok_or_else(|| EvaluationError::Protocol(format!("no rows for subject {id}")))
}

/// Trains on `id`'s training rows plus `negatives`, scores its test rows and the impostors.
fn run_subject(
    data: &SubjectSplits,
    id: &str,
    negatives: &Array2<f64>,
    impostor_ids: &[&String],
    config: &ModelConfig,
) -> Result<SubjectResult, EvaluationError> {
    let training = get(&data.training, id)?;
    let model = UserModel::train(training, negatives, config).map_err(|source| {
        EvaluationError::Scoring {
            subject: id.to_string(),
            source,
        }
    })?;
    let genuine = score_rows(&model, get(&data.testing, id)?, id)?;
    let impostor_rows = impostor_ids
        .iter()
        .map(|o| get(&data.impostor, o))
        .collect::<Result<Vec<_>, _>>()?;
    let impostor = score_rows(&model, &stack(&impostor_rows, training.ncols())?, id)?;
    Ok(subject_result(id, &genuine, &impostor))
}

/// Killourhy–Maxion protocol: no negatives in training.
pub fn genuine_only(
    data: &SubjectSplits,
    config: &ModelConfig,
    threads: usize,
) -> Result<ProtocolResult, EvaluationError> {
    let results = parallel_map(&data.subjects, threads, |id| {
        let others: Vec<&String> = data.subjects.iter().filter(|o| *o != id).collect();
        let columns = get(&data.training, id)?.ncols();
        run_subject(data, id, &Array2::zeros((0, columns)), &others, config)
    });
    Ok(summarise(
        &format!("{} genuine-only (Killourhy-Maxion)", data.dataset),
        results.into_iter().collect::<Result<Vec<_>, _>>()?,
    ))
}

/// Background-population protocol, halves swapped and averaged.
pub fn with_background(
    data: &SubjectSplits,
    config: &ModelConfig,
    threads: usize,
) -> Result<ProtocolResult, EvaluationError> {
    let results = parallel_map(&data.subjects, threads, |id| {
        let others: Vec<&String> = data.subjects.iter().filter(|o| *o != id).collect();
        let halves: [Vec<&String>; 2] = [0, 1].map(|parity| {
            others
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 2 == parity)
                .map(|(_, o)| *o)
                .collect()
        });
        let mut runs = Vec::new();
        for (negative_half, impostor_half) in [(&halves[0], &halves[1]), (&halves[1], &halves[0])] {
            let parts = negative_half
                .iter()
                .map(|o| get(&data.training, o))
                .collect::<Result<Vec<_>, _>>()?;
            let negatives = stack(&parts, get(&data.training, id)?.ncols())?;
            runs.push(run_subject(data, id, &negatives, impostor_half, config)?);
        }
        Ok::<_, EvaluationError>(average_runs(id, &runs))
    });
    Ok(summarise(
        &format!("{} with background users (halves swapped)", data.dataset),
        results.into_iter().collect::<Result<Vec<_>, _>>()?,
    ))
}

/// Genuine-only protocol on the first `subjects` subjects (impostors among them only).
pub fn cmu_small(subjects: usize, config: &ModelConfig) -> Result<ProtocolResult, EvaluationError> {
    genuine_only(&load_features(Some(subjects))?, config, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cmu_run_end_to_end() {
        let result = cmu_small(6, &ModelConfig::default()).unwrap();
        assert_eq!(result.per_subject.len(), 6);
        let manhattan = result
            .summaries
            .iter()
            .find(|s| s.detector == "manhattan")
            .unwrap();
        assert!(manhattan.mean_eer < 0.2, "{}", manhattan.mean_eer);
        let fused = result
            .summaries
            .iter()
            .find(|s| s.detector == "fused")
            .unwrap();
        assert!(
            (fused.mean_eer - manhattan.mean_eer).abs() < 1e-12,
            "genuine-only fuses Manhattan alone"
        );
    }
}
