//! Error rates of a detector from genuine and impostor scores (higher = more genuine).
//!
//! The EER follows the CMU evaluation script: sweep every distinct score as a threshold,
//! find the two ROC points that straddle miss rate = false-alarm rate and interpolate linearly.
//! Vocabulary here is that of verification: a *false accept* lets an impostor in, a *false
//! reject* turns the genuine user away (the CMU paper's "miss" and "false alarm").

use serde::{Deserialize, Serialize};

/// One operating point: accept when `score >= threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OperatingPoint {
    pub threshold: f64,
    /// Share of impostor scores accepted.
    pub false_accept_rate: f64,
    /// Share of genuine scores rejected.
    pub false_reject_rate: f64,
}

/// Operating points at every distinct score, from the most to the least permissive threshold,
/// plus one above every score. Non-finite scores are ignored. Empty when a side has no score.
pub fn det_points(genuine: &[f64], impostor: &[f64]) -> Vec<OperatingPoint> {
    let sorted = |v: &[f64]| {
        let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        s.sort_by(f64::total_cmp);
        s
    };
    let (genuine, impostor) = (sorted(genuine), sorted(impostor));
    if genuine.is_empty() || impostor.is_empty() {
        return Vec::new();
    }
    let mut thresholds: Vec<f64> = genuine.iter().chain(&impostor).copied().collect();
    thresholds.sort_by(f64::total_cmp);
    thresholds.dedup();
    let above_all = thresholds.last().map_or(0.0, |t| t + 1.0);
    thresholds.push(above_all);
    let (mut rejected_genuine, mut rejected_impostor) = (0usize, 0usize);
    thresholds
        .into_iter()
        .map(|threshold| {
            while rejected_genuine < genuine.len() && genuine[rejected_genuine] < threshold {
                rejected_genuine += 1;
            }
            while rejected_impostor < impostor.len() && impostor[rejected_impostor] < threshold {
                rejected_impostor += 1;
            }
            OperatingPoint {
                threshold,
                false_accept_rate: 1.0 - rejected_impostor as f64 / impostor.len() as f64,
                false_reject_rate: rejected_genuine as f64 / genuine.len() as f64,
            }
        })
        .collect()
}

/// Equal-error rate and the threshold where it is reached (interpolated), `None` when a side
/// has no finite score.
pub fn eer_with_threshold(genuine: &[f64], impostor: &[f64]) -> Option<(f64, f64)> {
    let points = det_points(genuine, impostor);
    let crossing = points
        .iter()
        .position(|p| p.false_reject_rate >= p.false_accept_rate)?;
    let after = points[crossing];
    if crossing == 0 {
        return Some((
            (after.false_accept_rate + after.false_reject_rate) / 2.0,
            after.threshold,
        ));
    }
    let before = points[crossing - 1];
    let gap_before = before.false_accept_rate - before.false_reject_rate;
    let gap_after = after.false_accept_rate - after.false_reject_rate;
    let alpha = gap_before / (gap_before - gap_after);
    let eer =
        before.false_reject_rate + alpha * (after.false_reject_rate - before.false_reject_rate);
    let threshold = before.threshold + alpha * (after.threshold - before.threshold);
    Some((eer, threshold))
}

/// Equal-error rate, `None` when a side has no finite score.
pub fn eer(genuine: &[f64], impostor: &[f64]) -> Option<f64> {
    eer_with_threshold(genuine, impostor).map(|(eer, _)| eer)
}

/// Share of genuine attempts rejected at the most permissive threshold that still rejects
/// every impostor (the CMU paper's zero-miss false-alarm rate).
pub fn zero_miss_false_reject_rate(genuine: &[f64], impostor: &[f64]) -> Option<f64> {
    let best_impostor = impostor
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .reduce(f64::max)?;
    let genuine: Vec<f64> = genuine.iter().copied().filter(|x| x.is_finite()).collect();
    (!genuine.is_empty()).then(|| {
        genuine.iter().filter(|g| **g <= best_impostor).count() as f64 / genuine.len() as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separated_scores_have_zero_error() {
        assert_eq!(eer(&[3.0, 4.0], &[1.0, 2.0]), Some(0.0));
        assert_eq!(
            zero_miss_false_reject_rate(&[3.0, 4.0], &[1.0, 2.0]),
            Some(0.0)
        );
    }

    #[test]
    fn identical_distributions_give_half() {
        let s = [1.0, 2.0, 3.0, 4.0];
        let e = eer(&s, &s).unwrap();
        assert!((e - 0.5).abs() < 0.13, "{e}");
        assert_eq!(zero_miss_false_reject_rate(&s, &s), Some(1.0));
    }

    #[test]
    fn one_overlap_interpolates() {
        // Genuine 2,5,6,7 vs impostor 1,3,4,8... a quarter of each overlaps.
        let e = eer(&[2.0, 5.0, 6.0, 7.0], &[0.0, 1.0, 3.0, 8.0]).unwrap();
        assert!((e - 0.25).abs() < 1e-12, "{e}");
        assert!(eer(&[], &[1.0]).is_none());
        assert_eq!(det_points(&[1.0], &[0.0]).len(), 3);
    }
}
