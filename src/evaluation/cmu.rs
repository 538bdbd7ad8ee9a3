//! CMU keystroke benchmark (Killourhy & Maxion 2009): 51 subjects × 400 entries of
//! `.tie5Roanl` + Return, as hold / down-down / up-down seconds.
//!
//! Each CSV row is replayed as raw key events (key_down times from the DD columns, key_up =
//! key_down + H) with synthetic codes, validated, and run through
//! [`crate::features::fixed_text`], so the evaluation exercises the production path.

use super::EvaluationError;
use crate::events::{DeviceClass, Modality, RawEvent, Sample, SampleLimits};
use crate::features::fixed_text;
use ndarray::Array2;
use std::path::Path;

/// Codes standing for `.tie5Roanl` + Return (the capital R is one key in the CMU columns).
pub const CMU_CODES: [&str; 11] = [
    "Period", "KeyT", "KeyI", "KeyE", "Digit5", "KeyR", "KeyO", "KeyA", "KeyN", "KeyL", "Enter",
];
/// Timing columns per row (11 H + 10 DD + 10 UD).
pub const CMU_TIMINGS: usize = 31;
/// Where the replayed entry starts, in ms (any value works; times are relative).
const REPLAY_START_MS: f64 = 1000.0;
/// Key used only to hash the synthetic codes during evaluation.
const EVALUATION_SECRET: &[u8] = b"evaluation-only";

/// One CSV row.
#[derive(Debug, Clone, PartialEq)]
pub struct CmuRow {
    pub subject: String,
    pub session: u32,
    pub rep: u32,
    /// The 31 timing columns in file order, seconds.
    pub timings_s: Vec<f64>,
}

/// Reads DSL-StrongPasswordData.csv.
pub fn load(path: &Path) -> Result<Vec<CmuRow>, EvaluationError> {
    let name = path.display().to_string();
    let mut reader = csv::Reader::from_path(path).map_err(|e| EvaluationError::Io {
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
        if record.len() != 3 + CMU_TIMINGS {
            return Err(malformed(format!(
                "{} fields instead of {}",
                record.len(),
                3 + CMU_TIMINGS
            )));
        }
        let number = |i: usize| {
            record[i]
                .trim()
                .parse::<f64>()
                .map_err(|e| malformed(format!("field {i}: {e}")))
        };
        let timings_s = (3..3 + CMU_TIMINGS)
            .map(number)
            .collect::<Result<Vec<f64>, _>>()?;
        rows.push(CmuRow {
            subject: record[0].to_string(),
            session: number(1)? as u32,
            rep: number(2)? as u32,
            timings_s,
        });
    }
    Ok(rows)
}

/// Replays a row as key events (ms) in time order.
pub fn to_sample(row: &CmuRow) -> Sample {
    let mut events = Vec::with_capacity(2 * CMU_CODES.len());
    let mut down_ms = REPLAY_START_MS;
    for (i, code) in CMU_CODES.iter().enumerate() {
        let hold_s = row.timings_s.get(3 * i).copied().unwrap_or(0.0);
        events.push(RawEvent::KeyDown {
            code: (*code).into(),
            t: down_ms,
        });
        events.push(RawEvent::KeyUp {
            code: (*code).into(),
            t: down_ms + hold_s * 1000.0,
        });
        down_ms += row.timings_s.get(3 * i + 1).copied().unwrap_or(0.0) * 1000.0;
    }
    // Stable: a down stays before its own up when the hold is zero.
    events.sort_by(|a, b| a.time_ms().total_cmp(&b.time_ms()));
    Sample {
        modality: Modality::Keystroke,
        device: DeviceClass::Desktop,
        text_id: Some("cmu".into()),
        typed_chars: None,
        typingdna_pattern: None,
        events,
    }
}

/// Feature rows of the given CSV rows through validation and fixed-text extraction.
pub fn feature_matrix(rows: &[&CmuRow]) -> Result<Array2<f64>, EvaluationError> {
    let mut flat = Vec::with_capacity(rows.len() * CMU_TIMINGS);
    for row in rows {
        let sample = to_sample(row);
        sample
            .validate(&SampleLimits::default())
            .map_err(|source| EvaluationError::Sample {
                subject: row.subject.clone(),
                source,
            })?;
        let features =
            fixed_text::extract(&sample, EVALUATION_SECRET, "cmu").map_err(|source| {
                EvaluationError::Features {
                    subject: row.subject.clone(),
                    source,
                }
            })?;
        flat.extend(features.timings_s);
    }
    Array2::from_shape_vec((rows.len(), CMU_TIMINGS), flat)
        .map_err(|e| EvaluationError::Protocol(e.to_string()))
}

/// Subject ids in file order, without repeats.
pub fn subjects(rows: &[CmuRow]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for row in rows {
        if ids.last() != Some(&row.subject) && !ids.contains(&row.subject) {
            ids.push(row.subject.clone());
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::data_dir;

    #[test]
    fn replayed_events_reproduce_the_csv_columns() {
        let path = data_dir().join("keystroke/DSL-StrongPasswordData.csv");
        let rows = load(&path).unwrap();
        assert_eq!(rows.len(), 20_400);
        assert_eq!(subjects(&rows).len(), 51);
        let some: Vec<&CmuRow> = rows.iter().step_by(97).collect();
        let features = feature_matrix(&some).unwrap();
        for (row, extracted) in some.iter().zip(features.rows()) {
            for (a, b) in row.timings_s.iter().zip(extracted) {
                assert!((a - b).abs() < 2e-6, "{a} vs {b}");
            }
        }
    }
}
