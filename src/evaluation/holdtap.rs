//! Hold & Tap (Buriro et al.): 95 users × 30 entries of an 8-digit text on a phone, in three
//! postures (sitting, standing, walking). Only the touch-typing timings are used here.
//!
//! A Touch row is 8 holds, then per consecutive pair (press − previous release, release −
//! release, press − press), then the total time, in milliseconds. Each row is replayed as raw
//! key events (synthetic codes `Digit0`…`Digit7`), validated and run through
//! [`crate::features::fixed_text`], then split like CMU: the first [`ENROL_ROWS`] entries train,
//! the rest test, and the first [`IMPOSTOR_ROWS`] entries of each other user are impostor
//! attempts. Rows that fail validation (a few have negative times) are skipped, as the server
//! would refuse them. The CMU protocol runners in [`super::cmu_protocols`] do the rest.

use super::EvaluationError;
use super::cmu_protocols::SubjectSplits;
use crate::events::{DeviceClass, KeyCode, Modality, RawEvent, Sample, SampleLimits};
use crate::features::fixed_text;
use ndarray::Array2;
use std::collections::HashMap;
use std::path::Path;

/// Digits per entry.
const KEYS: usize = 8;
/// Feature columns per Touch row, label excluded (8 + 7 × 3 + 1).
const TOUCH_COLUMNS: usize = 30;
/// Entries used for enrolment; the remaining ones are genuine test attempts.
pub const ENROL_ROWS: usize = 20;
/// Entries of each other user used as impostor attempts.
pub const IMPOSTOR_ROWS: usize = 5;
/// Postures, as in the file names.
pub const POSTURES: [&str; 3] = ["Sitting", "Standing", "Walking"];

/// Replays one Touch row (ms) as key events.
pub fn to_sample(row: &[f64]) -> Sample {
    let mut events = Vec::with_capacity(2 * KEYS);
    let mut down_ms = 0.0;
    for i in 0..KEYS {
        let code = KeyCode::from(format!("Digit{i}"));
        let hold = row.get(i).copied().unwrap_or(0.0);
        events.push(RawEvent::KeyDown {
            code: code.clone(),
            t: down_ms,
        });
        events.push(RawEvent::KeyUp {
            code,
            t: down_ms + hold,
        });
        // Press-to-press time of pair i is the third value of its triplet.
        down_ms += row.get(KEYS + 3 * i + 2).copied().unwrap_or(0.0);
    }
    events.sort_by(|a, b| a.time_ms().total_cmp(&b.time_ms()));
    Sample {
        modality: Modality::Keystroke,
        device: DeviceClass::Mobile,
        text_id: Some("holdtap".into()),
        typed_chars: None,
        typingdna_pattern: None,
        events,
    }
}

/// Loads one posture's Touch file and splits it per user.
pub fn load_posture(posture: &str) -> Result<SubjectSplits, EvaluationError> {
    let path = super::data_dir()
        .join("holdtap")
        .join(format!("{posture}_Touch_with_label.csv"));
    let rows = read_rows(&path)?;
    let mut by_user: Vec<(String, Vec<Vec<f64>>)> = Vec::new();
    for (label, features) in rows {
        match by_user.iter_mut().find(|(id, _)| *id == label) {
            Some((_, list)) => list.push(features),
            None => by_user.push((label, vec![features])),
        }
    }
    let mut splits = SubjectSplits {
        dataset: format!("Hold&Tap {posture}"),
        subjects: Vec::new(),
        training: HashMap::new(),
        testing: HashMap::new(),
        impostor: HashMap::new(),
    };
    for (id, entries) in by_user {
        // A few logged rows have negative times; the server would refuse them, so skip them.
        let features: Vec<Vec<f64>> = entries
            .iter()
            .map(|row| to_sample(row))
            .filter(|sample| sample.validate(&SampleLimits::default()).is_ok())
            .filter_map(|sample| fixed_text::extract(&sample, b"evaluation-only", "holdtap").ok())
            .map(|f| f.timings_s)
            .collect();
        if features.len() <= ENROL_ROWS {
            continue;
        }
        let matrix = |part: &[Vec<f64>]| {
            let width = part.first().map_or(0, Vec::len);
            Array2::from_shape_vec((part.len(), width), part.concat())
                .map_err(|e| EvaluationError::Protocol(e.to_string()))
        };
        splits
            .training
            .insert(id.clone(), matrix(&features[..ENROL_ROWS])?);
        splits
            .testing
            .insert(id.clone(), matrix(&features[ENROL_ROWS..])?);
        splits
            .impostor
            .insert(id.clone(), matrix(&features[..IMPOSTOR_ROWS])?);
        splits.subjects.push(id);
    }
    Ok(splits)
}

/// (label, 30 features) per row.
fn read_rows(path: &Path) -> Result<Vec<(String, Vec<f64>)>, EvaluationError> {
    let name = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .map_err(|e| EvaluationError::Io {
            path: name.clone(),
            source: std::io::Error::other(e),
        })?;
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let malformed = |message: String| EvaluationError::Malformed {
            path: name.clone(),
            record: index + 1,
            message,
        };
        let record = record.map_err(|e| malformed(e.to_string()))?;
        if record.len() != TOUCH_COLUMNS + 1 {
            return Err(malformed(format!(
                "{} fields instead of {}",
                record.len(),
                TOUCH_COLUMNS + 1
            )));
        }
        let values = (0..TOUCH_COLUMNS)
            .map(|i| {
                record[i]
                    .trim()
                    .parse::<f64>()
                    .map_err(|e| malformed(format!("field {i}: {e}")))
            })
            .collect::<Result<Vec<f64>, _>>()?;
        rows.push((record[TOUCH_COLUMNS].trim().to_string(), values));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replayed_rows_reproduce_hold_and_press_to_press_columns() {
        let path = crate::evaluation::data_dir().join("holdtap/Sitting_Touch_with_label.csv");
        let rows = read_rows(&path).unwrap();
        assert_eq!(rows.len(), 2850);
        for (_, row) in rows.iter().step_by(53) {
            let features = fixed_text::extract(&to_sample(row), b"k", "u")
                .unwrap()
                .timings_s;
            assert_eq!(features.len(), 3 * KEYS - 2);
            for i in 0..KEYS - 1 {
                assert!((features[3 * i] * 1000.0 - row[i]).abs() < 1e-6, "hold {i}");
                assert!(
                    (features[3 * i + 1] * 1000.0 - row[KEYS + 3 * i + 2]).abs() < 1e-6,
                    "DD {i}"
                );
                assert!(
                    (features[3 * i + 2] * 1000.0 - row[KEYS + 3 * i]).abs() < 1e-6,
                    "UD {i}"
                );
            }
        }
        let splits = load_posture("Sitting").unwrap();
        assert_eq!(splits.subjects.len(), 95);
    }
}
