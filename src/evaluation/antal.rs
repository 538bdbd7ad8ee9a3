//! Antal et al. touch swipe strokes: 71 users, 15 Touchalytics-style stroke features each.
//!
//! Only the processed features were published (min-max normalised to 0..1, raw units lost),
//! so this runner starts from feature rows, not raw touch events: it exercises the scoring
//! code, not [`crate::features::touch`]. Per user, strokes in file order: the first
//! [`ENROL_STROKES`] train, the rest are genuine tests, and the first [`IMPOSTOR_STROKES`] of
//! each other user are impostor attempts. The CMU protocol runners in
//! [`super::cmu_protocols`] do the rest (single-stroke decisions).

use super::EvaluationError;
use super::cmu_protocols::SubjectSplits;
use ndarray::Array2;
use std::collections::HashMap;

/// Feature columns after the user id.
const FEATURES: usize = 15;
/// Column of the categorical up/down/left/right flag, dropped (not a magnitude).
const DIRECTION_FLAG_COLUMN: usize = 7;
/// Strokes used for enrolment (the smallest user has 30).
pub const ENROL_STROKES: usize = 20;
/// Strokes of each other user used as impostor attempts.
pub const IMPOSTOR_STROKES: usize = 5;

/// Loads `antal_dataset1.csv` and splits it per user.
pub fn load() -> Result<SubjectSplits, EvaluationError> {
    let path = super::data_dir()
        .join("touch-swipe-antal")
        .join("antal_dataset1.csv");
    let name = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(&path)
        .map_err(|e| EvaluationError::Io {
            path: name.clone(),
            source: std::io::Error::other(e),
        })?;
    let mut by_user: Vec<(String, Vec<f64>)> = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let malformed = |message: String| EvaluationError::Malformed {
            path: name.clone(),
            record: index + 1,
            message,
        };
        let record = record.map_err(|e| malformed(e.to_string()))?;
        if record.len() != FEATURES + 1 {
            return Err(malformed(format!(
                "{} fields instead of {}",
                record.len(),
                FEATURES + 1
            )));
        }
        let mut values = Vec::with_capacity(FEATURES - 1);
        for i in (1..=FEATURES).filter(|i| i - 1 != DIRECTION_FLAG_COLUMN) {
            values.push(
                record[i]
                    .trim()
                    .parse::<f64>()
                    .map_err(|e| malformed(format!("field {i}: {e}")))?,
            );
        }
        let id = record[0].trim().to_string();
        match by_user.iter_mut().find(|(user, _)| *user == id) {
            Some((_, rows)) => rows.extend(values),
            None => by_user.push((id, values)),
        }
    }
    let width = FEATURES - 1;
    let mut splits = SubjectSplits {
        dataset: "Antal swipes".into(),
        subjects: Vec::new(),
        training: HashMap::new(),
        testing: HashMap::new(),
        impostor: HashMap::new(),
    };
    for (id, flat) in by_user {
        let strokes = flat.len() / width;
        if strokes <= ENROL_STROKES {
            continue;
        }
        let all = Array2::from_shape_vec((strokes, width), flat)
            .map_err(|e| EvaluationError::Protocol(e.to_string()))?;
        splits.training.insert(
            id.clone(),
            all.slice(ndarray::s![..ENROL_STROKES, ..]).to_owned(),
        );
        splits.testing.insert(
            id.clone(),
            all.slice(ndarray::s![ENROL_STROKES.., ..]).to_owned(),
        );
        splits.impostor.insert(
            id.clone(),
            all.slice(ndarray::s![..IMPOSTOR_STROKES, ..]).to_owned(),
        );
        splits.subjects.push(id);
    }
    Ok(splits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_user_is_split() {
        let splits = load().unwrap();
        assert_eq!(splits.subjects.len(), 71);
        let first = &splits.training[&splits.subjects[0]];
        assert_eq!(first.dim(), (ENROL_STROKES, FEATURES - 1));
        assert!(first.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
