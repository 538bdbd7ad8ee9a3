//! Replay and bot defence for keystroke samples.
//!
//! - **Replay.** Every keystroke sample a profile accepts leaves a fingerprint: its hold and
//!   down-down times in typing order. A new sample whose times differ from a stored one of the
//!   same length by at most `biometrics.replay_tolerance_ms` on average is refused: two
//!   samples typed by a hand differ by tens of milliseconds per key, a recording replayed (even
//!   with a little jitter added) does not.
//! - **Scripted input.** The quality report already lowers the score of machine-regular or
//!   instantaneous timing; such a sample is also written to the audit trail (`scripted_input`)
//!   so an operator sees the bot, not only a low score.
//!
//! Both findings are security events, committed with the alerts they call for (webhook
//! subscriptions to `replay_refused` / `scripted_input`) in one transaction.

use std::sync::Arc;

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use crate::alerts::{self, AlertEvent};
use crate::error::ApiError;
use crate::events::to_microseconds;
use crate::features::keystrokes::Keystroke;
use crate::features::quality::{QualityIssue, QualityReport};
use crate::state::AppState;
use crate::store;
use crate::store::security_events::{EventType, NewSecurityEvent};

/// Fewer timings than this (four keystrokes) say too little to call two samples the same.
const MIN_TIMINGS: usize = 7;

/// Hold and down-down times of paired keystrokes (ordered by key-down) in typing order:
/// `hold₀, dd₁, hold₁, …` — what a replay is recognised by. Each is rounded to the
/// microsecond ([`to_microseconds`]; the tolerance is milliseconds), which keeps each stored
/// fingerprint's JSON about half as long to write, store and parse.
pub fn replay_timings(keystrokes: &[Keystroke]) -> Vec<f64> {
    let mut timings = Vec::with_capacity(keystrokes.len() * 2);
    for (index, key) in keystrokes.iter().enumerate() {
        if index > 0 {
            timings.push(to_microseconds(key.down_ms - keystrokes[index - 1].down_ms));
        }
        timings.push(to_microseconds(key.up_ms - key.down_ms));
    }
    timings
}

/// True when `candidate` is a copy (within `tolerance_ms` on average) of any of `seen`.
pub fn is_replay<'a>(
    candidate: &[f64],
    mut seen: impl Iterator<Item = &'a [f64]>,
    tolerance_ms: f64,
) -> bool {
    let budget = tolerance_ms * candidate.len() as f64;
    candidate.len() >= MIN_TIMINGS
        && seen.any(|earlier| {
            earlier.len() == candidate.len() && within_total(candidate, earlier, budget)
        })
}

/// `Σ|a − b| ≤ budget`, stopping as soon as the sum is past it (most comparisons end after a
/// few timings: two typings differ by tens of milliseconds per key).
fn within_total(a: &[f64], b: &[f64], budget: f64) -> bool {
    let mut total = 0.0;
    for (x, y) in a.iter().zip(b) {
        total += (x - y).abs();
        if total > budget {
            return false;
        }
    }
    true
}

/// Refuses a keystroke sample this profile has already seen (422 `replayed_sample`, and a
/// `replay_refused` security event); otherwise remembers it (in memory at once, in the
/// database with the next batch: [`super::fingerprints`]). `keystrokes` are the sample's keys
/// paired in key-down order (none for other modalities, which are not checked); `context`
/// names the caller (`enroll`, `verify`, `login`, `step_up`) in the event.
pub async fn refuse_replay(
    state: &Arc<AppState>,
    user_id: Uuid,
    profile_key: &str,
    keystrokes: &[Keystroke],
    context: &str,
) -> Result<(), ApiError> {
    let settings = &state.settings.biometrics;
    if settings.replay_tolerance_ms < 0.0 {
        return Ok(());
    }
    let timings = replay_timings(keystrokes);
    if timings.len() < MIN_TIMINGS || timings.iter().any(|t| !t.is_finite()) {
        return Ok(());
    }
    if state
        .fingerprints
        .check_and_remember(user_id, profile_key, timings)
        .await?
    {
        Box::pin(record(
            state,
            EventType::ReplayRefused,
            user_id,
            json!({ "profile_key": profile_key, "context": context }),
        ))
        .await?;
        return Err(ApiError::Unprocessable {
            code: "replayed_sample",
            message: "this typing sample repeats one already seen for this profile: \
                      a replayed recording is refused"
                .to_owned(),
        });
    }
    Ok(())
}

/// Writes a `scripted_input` security event when the quality report found machine-regular or
/// instantaneous timing; the sample itself is judged by its (lowered) quality score.
pub async fn flag_scripted(
    state: &Arc<AppState>,
    user_id: Uuid,
    profile_key: &str,
    quality: &QualityReport,
    context: &str,
) -> Result<(), ApiError> {
    let findings: Vec<String> = quality
        .issues
        .iter()
        .filter(|issue| {
            matches!(
                issue,
                QualityIssue::MachineRegularTiming { .. }
                    | QualityIssue::InstantaneousTiming { .. }
            )
        })
        .map(ToString::to_string)
        .collect();
    if findings.is_empty() {
        return Ok(());
    }
    Box::pin(record(
        state,
        EventType::ScriptedInput,
        user_id,
        json!({
            "profile_key": profile_key,
            "context": context,
            "quality": quality.score,
            "findings": findings,
        }),
    ))
    .await
}

/// The event and the alerts it calls for, in one transaction (the outbox rule). Its callers box
/// its future (a transaction's, kilobytes): it is seldom awaited, and inline it would make the
/// future of every check that large.
async fn record(
    state: &Arc<AppState>,
    event_type: EventType,
    user_id: Uuid,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    let txn = store::begin_write(&state.db).await?;
    let queued = alerts::enqueue_for_event(
        &txn,
        &AlertEvent {
            event_type,
            user_id: Some(user_id),
            occurred_at: Utc::now(),
            details: &details,
        },
    )
    .await?;
    store::security_events::record(
        &txn,
        NewSecurityEvent {
            event_type,
            user_id: Some(user_id),
            actor_id: None,
            client: None,
            details,
        },
    )
    .await?;
    txn.commit().await?;
    if queued > 0 {
        state.wake_notifier();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Modality, Sample};
    use crate::features::keystrokes::pair_keys;

    /// [`replay_timings`] of a whole sample.
    fn timing_vector(sample: &Sample) -> Vec<f64> {
        replay_timings(&pair_keys(&sample.events).keystrokes)
    }

    /// Mean absolute difference of two timing vectors of one length, in milliseconds.
    fn mean_absolute_difference(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len().max(1) as f64
    }
    use crate::events::{DeviceClass, KeyCode, RawEvent};

    /// Keys typed one after another (every hold is shorter than the next gap).
    fn typed(holds: &[f64], gaps: &[f64]) -> Sample {
        let mut events = Vec::new();
        let mut t = 0.0;
        for (index, hold) in holds.iter().enumerate() {
            if index > 0 {
                t += gaps[index - 1];
            }
            let code = KeyCode::from(format!("Key{}", (b'A' + index as u8) as char));
            events.push(RawEvent::KeyDown {
                code: code.clone(),
                t,
            });
            events.push(RawEvent::KeyUp { code, t: t + hold });
        }
        Sample {
            modality: Modality::Keystroke,
            device: DeviceClass::Desktop,
            text_id: Some("password".into()),
            typed_chars: None,
            events,
            typingdna_pattern: None,
        }
    }

    const HOLDS: [f64; 6] = [95.0, 80.0, 110.0, 70.0, 102.0, 88.0];
    const GAPS: [f64; 5] = [180.0, 140.0, 260.0, 120.0, 210.0];

    #[test]
    fn the_timing_vector_interleaves_holds_and_down_down_times() {
        let vector = timing_vector(&typed(&HOLDS[..3], &GAPS[..2]));
        assert_eq!(vector, vec![95.0, 180.0, 80.0, 140.0, 110.0]);
    }

    #[test]
    fn timings_are_whole_microseconds() {
        let vector = timing_vector(&typed(&[95.1234567, 80.0], &[180.000_000_1]));
        assert_eq!(vector, vec![95.123, 180.0, 80.0]);
        assert_eq!(
            serde_json::to_string(&vector).unwrap(),
            "[95.123,180.0,80.0]"
        );
    }

    #[test]
    fn an_exact_or_jittered_copy_is_a_replay() {
        let original = timing_vector(&typed(&HOLDS, &GAPS));
        let jittered: Vec<f64> = original
            .iter()
            .enumerate()
            .map(|(i, t)| t + if i % 2 == 0 { 1.5 } else { -1.5 })
            .collect();
        assert!(is_replay(
            &original,
            std::iter::once(original.as_slice()),
            0.0
        ));
        assert!(is_replay(
            &jittered,
            std::iter::once(original.as_slice()),
            2.0
        ));
        assert!(!is_replay(
            &jittered,
            std::iter::once(original.as_slice()),
            1.0
        ));
    }

    #[test]
    fn the_same_hand_typing_again_is_not_a_replay() {
        let first = timing_vector(&typed(&HOLDS, &GAPS));
        let again = timing_vector(&typed(
            &[101.0, 74.0, 118.0, 66.0, 95.0, 92.0],
            &[166.0, 151.0, 243.0, 131.0, 198.0],
        ));
        assert!(!is_replay(&again, std::iter::once(first.as_slice()), 2.0));
    }

    /// On real data: no two samples one person typed (CMU, 51 subjects × 400 repetitions of
    /// `.tie5Roanl`) come within the default tolerance of each other.
    #[test]
    fn no_two_genuine_cmu_samples_look_like_a_replay() {
        use crate::evaluation::{cmu, data_dir};
        let rows = cmu::load(&data_dir().join("keystroke/DSL-StrongPasswordData.csv"))
            .expect("the CMU benchmark is in ../shared/data");
        let mut closest = f64::INFINITY;
        for subject in cmu::subjects(&rows) {
            let vectors: Vec<Vec<f64>> = rows
                .iter()
                .filter(|row| row.subject == subject)
                .map(|row| timing_vector(&cmu::to_sample(row)))
                .collect();
            for (index, vector) in vectors.iter().enumerate() {
                for earlier in &vectors[..index] {
                    if earlier.len() == vector.len() {
                        closest = closest.min(mean_absolute_difference(vector, earlier));
                    }
                }
            }
        }
        assert!(closest > 2.0, "closest genuine pair: {closest:.2} ms");
    }

    #[test]
    fn short_or_differently_long_samples_are_never_replays() {
        let short = timing_vector(&typed(&HOLDS[..3], &GAPS[..2]));
        assert!(!is_replay(&short, std::iter::once(short.as_slice()), 2.0));
        let long = timing_vector(&typed(&HOLDS, &GAPS));
        let shorter = timing_vector(&typed(&HOLDS[..5], &GAPS[..4]));
        assert!(!is_replay(&shorter, std::iter::once(long.as_slice()), 2.0));
    }
}
