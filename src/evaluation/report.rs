//! Result structs of the protocols (serde, for tables, JSON and plots) and the per-subject
//! error computation they share.

use super::EvaluationError;
use crate::scoring::metrics::{OperatingPoint, det_points, eer, zero_miss_false_reject_rate};
use crate::scoring::model::{ScoreBreakdown, UserModel};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Detector names in the order of [`SubjectResult::eer`].
pub const DETECTORS: [&str; 5] = ["fused", "manhattan", "knn", "svm", "weighted_manhattan"];

/// Error rates of one genuine user; `None` where a detector was not trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectResult {
    pub subject: String,
    pub eer: [Option<f64>; 5],
    pub zero_miss_false_reject_rate: [Option<f64>; 5],
    /// Fused scores of the genuine attempts (for the pooled DET curve; not serialised).
    #[serde(skip)]
    pub fused_genuine: Vec<f64>,
    /// Fused scores of the impostor attempts.
    #[serde(skip)]
    pub fused_impostor: Vec<f64>,
}

/// Mean and sample SD over subjects for one detector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorSummary {
    pub detector: String,
    pub subjects: usize,
    pub mean_eer: f64,
    pub sd_eer: f64,
    pub mean_zero_miss_false_reject_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtocolResult {
    pub protocol: String,
    pub summaries: Vec<DetectorSummary>,
    pub per_subject: Vec<SubjectResult>,
    /// DET curve of the fused score, every subject's attempts pooled (thinned).
    #[serde(default)]
    pub det: Vec<OperatingPoint>,
}

/// Most points kept on a DET curve.
const MAX_DET_POINTS: usize = 400;

/// The pooled DET curve of the fused scores, thinned evenly to [`MAX_DET_POINTS`].
fn pooled_det(per_subject: &[SubjectResult]) -> Vec<OperatingPoint> {
    let genuine: Vec<f64> = per_subject
        .iter()
        .flat_map(|s| s.fused_genuine.iter().copied())
        .collect();
    let impostor: Vec<f64> = per_subject
        .iter()
        .flat_map(|s| s.fused_impostor.iter().copied())
        .collect();
    let points = det_points(&genuine, &impostor);
    let step = points.len().div_ceil(MAX_DET_POINTS).max(1);
    points.into_iter().step_by(step).collect()
}

/// The four scores of a breakdown, `None` for untrained detectors.
pub fn detector_scores(b: &ScoreBreakdown) -> [Option<f64>; 5] {
    [
        Some(b.score),
        Some(b.manhattan),
        b.knn,
        b.svm,
        b.weighted_manhattan,
    ]
}

/// Scores every row of `rows` with `model`.
pub fn score_rows(
    model: &UserModel,
    rows: &Array2<f64>,
    subject: &str,
) -> Result<Vec<ScoreBreakdown>, EvaluationError> {
    rows.rows()
        .into_iter()
        .map(|r| {
            model.score(r).map_err(|source| EvaluationError::Scoring {
                subject: subject.to_string(),
                source,
            })
        })
        .collect()
}

/// Per-detector EER and zero-miss rate from breakdowns of genuine and impostor attempts.
pub fn subject_result(
    subject: &str,
    genuine: &[ScoreBreakdown],
    impostor: &[ScoreBreakdown],
) -> SubjectResult {
    let column = |scores: &[ScoreBreakdown], d: usize| -> Vec<f64> {
        scores
            .iter()
            .filter_map(|b| detector_scores(b)[d])
            .collect()
    };
    let mut result = SubjectResult {
        subject: subject.to_string(),
        eer: [None; 5],
        zero_miss_false_reject_rate: [None; 5],
        fused_genuine: column(genuine, 0),
        fused_impostor: column(impostor, 0),
    };
    for d in 0..DETECTORS.len() {
        let (g, i) = (column(genuine, d), column(impostor, d));
        result.eer[d] = eer(&g, &i);
        result.zero_miss_false_reject_rate[d] = zero_miss_false_reject_rate(&g, &i);
    }
    result
}

/// Averages one result per subject (several runs of a subject are averaged first by the caller).
pub fn summarise(protocol: &str, per_subject: Vec<SubjectResult>) -> ProtocolResult {
    let summaries = DETECTORS
        .iter()
        .enumerate()
        .filter_map(|(d, name)| {
            let eers: Vec<f64> = per_subject.iter().filter_map(|s| s.eer[d]).collect();
            let zero: Vec<f64> = per_subject
                .iter()
                .filter_map(|s| s.zero_miss_false_reject_rate[d])
                .collect();
            if eers.is_empty() {
                return None;
            }
            let n = eers.len() as f64;
            let mean = eers.iter().sum::<f64>() / n;
            let sd = if eers.len() > 1 {
                (eers.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            } else {
                0.0
            };
            Some(DetectorSummary {
                detector: name.to_string(),
                subjects: eers.len(),
                mean_eer: mean,
                sd_eer: sd,
                mean_zero_miss_false_reject_rate: zero.iter().sum::<f64>()
                    / zero.len().max(1) as f64,
            })
        })
        .collect();
    ProtocolResult {
        protocol: protocol.to_string(),
        summaries,
        det: pooled_det(&per_subject),
        per_subject,
    }
}

/// Element-wise mean of several results of the same subject (e.g. the two background halves).
pub fn average_runs(subject: &str, runs: &[SubjectResult]) -> SubjectResult {
    let mean = |pick: &dyn Fn(&SubjectResult) -> Option<f64>| {
        let v: Vec<f64> = runs.iter().filter_map(pick).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let mut out = SubjectResult {
        subject: subject.to_string(),
        eer: [None; 5],
        zero_miss_false_reject_rate: [None; 5],
        fused_genuine: runs
            .iter()
            .flat_map(|r| r.fused_genuine.iter().copied())
            .collect(),
        fused_impostor: runs
            .iter()
            .flat_map(|r| r.fused_impostor.iter().copied())
            .collect(),
    };
    for d in 0..DETECTORS.len() {
        out.eer[d] = mean(&|r: &SubjectResult| r.eer[d]);
        out.zero_miss_false_reject_rate[d] =
            mean(&|r: &SubjectResult| r.zero_miss_false_reject_rate[d]);
    }
    out
}

/// Renders summaries as a fixed-width table.
pub fn table(result: &ProtocolResult) -> String {
    let mut out = format!(
        "{}\n{:<19} {:>8} {:>10} {:>8} {:>14}\n",
        result.protocol, "detector", "subjects", "mean EER", "SD", "zero-miss FRR"
    );
    for s in &result.summaries {
        out.push_str(&format!(
            "{:<19} {:>8} {:>10.4} {:>8.4} {:>14.4}\n",
            s.detector, s.subjects, s.mean_eer, s.sd_eer, s.mean_zero_miss_false_reject_rate
        ));
    }
    out
}
