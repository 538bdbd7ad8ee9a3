//! Aalto "136M Keystrokes" free-text subset: 75 participants × 15 transcribed sentences.
//!
//! Each sentence is replayed as raw key events (codes from the JavaScript key codes), validated
//! and run through [`crate::features::free_text`]. Protocols: enrol on a participant's first 5
//! sentences, genuine test on the other 10; impostors are other participants' sentences.
//! Errors are reported per single sentence and for scores averaged over 5 sentences.
//! [`enrol_five`] uses genuine data only; [`enrol_five_with_background`] splits the other
//! participants in halves (negatives / impostors) and swaps them, as for CMU.

use super::report::{
    ProtocolResult, SubjectResult, average_runs, score_rows, subject_result, summarise,
};
use super::{EvaluationError, data_dir, parallel_map};
use crate::events::{DeviceClass, KeyCode, Modality, RawEvent, Sample, SampleLimits};
use crate::features::free_text;
use crate::scoring::config::ModelConfig;
use crate::scoring::model::{ScoreBreakdown, UserModel};
use ndarray::{Array2, Axis};
use std::collections::BTreeMap;
use std::path::Path;

/// Sentences used for enrolment.
pub const ENROL_SENTENCES: usize = 5;
/// Sentences whose scores are averaged in the multi-sentence figure.
pub const AVERAGED_SENTENCES: usize = 5;

/// One participant's feature rows, one per usable sentence, in typing order.
#[derive(Debug, Clone)]
pub struct Participant {
    pub id: String,
    pub sentences: Array2<f64>,
}

/// `KeyboardEvent.code` for a legacy JavaScript key code.
fn code_for(keycode: u32) -> String {
    match keycode {
        65..=90 => format!("Key{}", char::from(keycode as u8)),
        48..=57 => format!("Digit{}", keycode - 48),
        32 => "Space".into(),
        8 => "Backspace".into(),
        16 => "ShiftLeft".into(),
        20 => "CapsLock".into(),
        13 => "Enter".into(),
        other => format!("Legacy{other}"),
    }
}

/// Sentence samples of one participant file, in order of first key press. Key presses that
/// overlap an unreleased press of the same key (logging glitches) are dropped.
pub fn load_samples(path: &Path) -> Result<Vec<Sample>, EvaluationError> {
    let name = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| EvaluationError::Io {
            path: name.clone(),
            source: std::io::Error::other(e),
        })?;
    let mut sections: BTreeMap<String, Vec<(String, f64, f64)>> = BTreeMap::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| EvaluationError::Malformed {
            path: name.clone(),
            record: index + 1,
            message: e.to_string(),
        })?;
        let field = |i: usize| record.get(record.len().saturating_sub(9) + i).unwrap_or("");
        // Sentences may contain tabs, so read the numeric columns from the right.
        let (Ok(press), Ok(release), Ok(keycode)) = (
            field(5).parse::<f64>(),
            field(6).parse::<f64>(),
            field(8).parse::<u32>(),
        ) else {
            continue;
        };
        if release >= press {
            sections.entry(field(1).to_string()).or_default().push((
                code_for(keycode),
                press,
                release,
            ));
        }
    }
    let mut sentences: Vec<(f64, Sample)> = sections
        .into_values()
        .filter_map(|mut keys| {
            keys.sort_by(|a, b| a.1.total_cmp(&b.1));
            let start = keys.first()?.1;
            let mut released_at: BTreeMap<String, f64> = BTreeMap::new();
            let mut events = Vec::new();
            for (code, press, release) in keys {
                if released_at.get(&code).is_some_and(|r| *r >= press) {
                    continue;
                }
                released_at.insert(code.clone(), release);
                let code = KeyCode::from(code);
                events.push(RawEvent::KeyDown {
                    code: code.clone(),
                    t: press - start,
                });
                events.push(RawEvent::KeyUp {
                    code,
                    t: release - start,
                });
            }
            events.sort_by(|a, b| a.time_ms().total_cmp(&b.time_ms()));
            Some((
                start,
                Sample {
                    modality: Modality::Keystroke,
                    device: DeviceClass::Desktop,
                    text_id: None,
                    typed_chars: None,
                    typingdna_pattern: None,
                    events,
                },
            ))
        })
        .collect();
    sentences.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(sentences.into_iter().map(|(_, s)| s).collect())
}

/// Loads up to `max_participants` participants (all when `None`), keeping the sentences that
/// validate and have enough keystrokes.
pub fn load_participants(
    max_participants: Option<usize>,
) -> Result<Vec<Participant>, EvaluationError> {
    let dir = data_dir().join("aalto136m-subset").join("keystrokes");
    let listing = std::fs::read_dir(&dir).map_err(|source| EvaluationError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut files: Vec<(u64, std::path::PathBuf)> = listing
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter_map(|p| Some((p.file_name()?.to_str()?.split('_').next()?.parse().ok()?, p)))
        .collect();
    files.sort();
    files.truncate(max_participants.unwrap_or(files.len()));
    let mut participants = Vec::new();
    for (id, path) in files {
        let mut rows = Vec::new();
        for sample in load_samples(&path)? {
            if sample.validate(&SampleLimits::default()).is_ok()
                && let Ok(features) = free_text::extract(&sample)
            {
                rows.extend(features);
            }
        }
        let n = rows.len() / free_text::FREE_TEXT_LEN;
        let sentences = Array2::from_shape_vec((n, free_text::FREE_TEXT_LEN), rows)
            .map_err(|e| EvaluationError::Protocol(e.to_string()))?;
        participants.push(Participant {
            id: id.to_string(),
            sentences,
        });
    }
    Ok(participants)
}

/// Element-wise mean of consecutive windows of `size` breakdowns (sliding by one).
fn averaged_windows(scores: &[ScoreBreakdown], size: usize) -> Vec<ScoreBreakdown> {
    let mean =
        |w: &[ScoreBreakdown], pick: &dyn Fn(&ScoreBreakdown) -> Option<f64>| -> Option<f64> {
            let v: Option<Vec<f64>> = w.iter().map(pick).collect();
            v.map(|v| v.iter().sum::<f64>() / v.len() as f64)
        };
    scores
        .windows(size)
        .map(|w| ScoreBreakdown {
            score: mean(w, &|b| Some(b.score)).unwrap_or(0.0),
            manhattan: mean(w, &|b| Some(b.manhattan)).unwrap_or(0.0),
            knn: mean(w, &|b| b.knn),
            weighted_manhattan: mean(w, &|b| b.weighted_manhattan),
            svm: mean(w, &|b| b.svm),
        })
        .collect()
}

/// Per-sentence and 5-sentence-averaged results of one participant.
fn run_participant(
    target: &Participant,
    negatives: &Array2<f64>,
    impostors: &[&Participant],
    config: &ModelConfig,
) -> Result<Option<(SubjectResult, SubjectResult)>, EvaluationError> {
    if target.sentences.nrows() < ENROL_SENTENCES + AVERAGED_SENTENCES {
        return Ok(None);
    }
    let enrol = target
        .sentences
        .slice(ndarray::s![..ENROL_SENTENCES, ..])
        .to_owned();
    let test = target
        .sentences
        .slice(ndarray::s![ENROL_SENTENCES.., ..])
        .to_owned();
    let model =
        UserModel::train(&enrol, negatives, config).map_err(|source| EvaluationError::Scoring {
            subject: target.id.clone(),
            source,
        })?;
    let genuine = score_rows(&model, &test, &target.id)?;
    let mut impostor = Vec::new();
    let mut impostor_averaged = Vec::new();
    for other in impostors {
        let scores = score_rows(&model, &other.sentences, &target.id)?;
        // Non-overlapping groups of five for impostors: each group is one attempted session.
        impostor_averaged.extend(
            averaged_windows(&scores, AVERAGED_SENTENCES)
                .into_iter()
                .step_by(AVERAGED_SENTENCES),
        );
        impostor.extend(scores);
    }
    let single = subject_result(&target.id, &genuine, &impostor);
    let averaged = subject_result(
        &target.id,
        &averaged_windows(&genuine, AVERAGED_SENTENCES),
        &impostor_averaged,
    );
    Ok(Some((single, averaged)))
}

fn collect(
    results: Vec<Result<Option<(SubjectResult, SubjectResult)>, EvaluationError>>,
    name: &str,
) -> Result<[ProtocolResult; 2], EvaluationError> {
    let (single, averaged): (Vec<_>, Vec<_>) = results
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .unzip();
    Ok([
        summarise(&format!("{name}, one sentence"), single),
        summarise(
            &format!("{name}, mean of {AVERAGED_SENTENCES} sentences"),
            averaged,
        ),
    ])
}

/// Genuine-only enrolment on 5 sentences; impostors = every sentence of every other participant.
pub fn enrol_five(
    participants: &[Participant],
    config: &ModelConfig,
    threads: usize,
) -> Result<[ProtocolResult; 2], EvaluationError> {
    let results = parallel_map(participants, threads, |target| {
        let others: Vec<&Participant> = participants.iter().filter(|p| p.id != target.id).collect();
        run_participant(
            target,
            &Array2::zeros((0, free_text::FREE_TEXT_LEN)),
            &others,
            config,
        )
    });
    collect(results, "Aalto free text, enrol 5 sentences, genuine-only")
}

/// As [`enrol_five`], with one half of the other participants as training negatives and the
/// other half as impostors, swapped and averaged.
pub fn enrol_five_with_background(
    participants: &[Participant],
    config: &ModelConfig,
    threads: usize,
) -> Result<[ProtocolResult; 2], EvaluationError> {
    let results = parallel_map(participants, threads, |target| {
        let others: Vec<&Participant> = participants.iter().filter(|p| p.id != target.id).collect();
        let halves: [Vec<&Participant>; 2] = [0, 1].map(|parity| {
            others
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 2 == parity)
                .map(|(_, p)| *p)
                .collect()
        });
        let mut runs = (Vec::new(), Vec::new());
        for (negative_half, impostor_half) in [(&halves[0], &halves[1]), (&halves[1], &halves[0])] {
            let views: Vec<_> = negative_half.iter().map(|p| p.sentences.view()).collect();
            let negatives = ndarray::concatenate(Axis(0), &views)
                .map_err(|e| EvaluationError::Protocol(e.to_string()))?;
            if let Some((single, averaged)) =
                run_participant(target, &negatives, impostor_half, config)?
            {
                runs.0.push(single);
                runs.1.push(averaged);
            }
        }
        Ok((!runs.0.is_empty()).then(|| {
            (
                average_runs(&target.id, &runs.0),
                average_runs(&target.id, &runs.1),
            )
        }))
    });
    collect(
        results,
        "Aalto free text, enrol 5 sentences, background halves",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_become_valid_samples_with_features() {
        let participants = load_participants(Some(3)).unwrap();
        assert_eq!(participants.len(), 3);
        for p in &participants {
            assert!(
                p.sentences.nrows() >= 12,
                "{} has {} usable sentences",
                p.id,
                p.sentences.nrows()
            );
            assert!(p.sentences.iter().all(|v| v.is_finite()));
        }
    }
}
