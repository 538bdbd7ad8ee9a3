//! Typing from the CMU keystroke data set (`../shared/data/keystroke`), as the three things the
//! benchmark sends: fixed-text samples (one entry of `.tie5Roanl`, profile
//! `keystroke/desktop/cmu`) for enrolment and REST verify, free-text samples (several entries
//! in a row, profile `keystroke/desktop/*`, the profile a live session scores against by
//! default) for enrolment, and an endless stream of the same typing cut into WebSocket frames.

use std::fmt::Write;

use behavioral_auth::evaluation::cmu::{CmuRow, to_sample};
use behavioral_auth::events::{KeyCode, RawEvent, Sample, to_microseconds};

/// The fixed text's id in the benchmark's profiles.
pub const FIXED_TEXT_ID: &str = "cmu";
/// Pause between two entries laid out in a row (ms).
const PAUSE_BETWEEN_ENTRIES_MS: f64 = 400.0;

/// One entry of the fixed text as a REST sample.
pub fn fixed_text_sample(row: &CmuRow) -> Sample {
    let mut sample = to_sample(row);
    sample.text_id = Some(FIXED_TEXT_ID.into());
    sample
}

/// Entries typed one after another as one free-text sample.
pub fn free_text_sample(rows: &[&CmuRow]) -> Sample {
    let mut events = Vec::new();
    let mut base_ms = 0.0;
    for row in rows {
        let entry = to_sample(row).events;
        let first = entry.first().map_or(0.0, RawEvent::time_ms);
        let last = entry.last().map_or(first, RawEvent::time_ms);
        events.extend(
            entry
                .into_iter()
                .map(|event| shifted(event, base_ms - first)),
        );
        base_ms += last - first + PAUSE_BETWEEN_ENTRIES_MS;
    }
    let mut sample = to_sample(rows[0]);
    sample.text_id = None;
    sample.events = events;
    sample
}

/// Most a retyped key press or release moves (ms).
const RETYPE_JITTER_MS: f64 = 15.0;
/// Shortest hold a retyped key keeps, and the least gap between two presses (ms).
const MIN_HOLD_MS: f64 = 5.0;

/// The same entry typed again: every press and release moved by up to ±15 ms at random
/// (a standard deviation of 8.7 ms, well inside a typist's own variation of 20–50 ms per key
/// in the CMU data), so two retypings differ by about 10 ms per timing — far above the
/// server's replay tolerance (2 ms), as two entries typed by a hand do. Presses keep their
/// order (the fixed text's key sequence must not change); times are whole microseconds, as
/// the SDK sends them.
pub fn retyped(sample: &Sample, rng: &mut impl rand::Rng) -> Sample {
    let mut pressed_at = std::collections::HashMap::new();
    let mut last_press = f64::NEG_INFINITY;
    let mut events: Vec<RawEvent> = sample
        .events
        .iter()
        .map(|event| {
            let jitter = rng.random_range(-RETYPE_JITTER_MS..=RETYPE_JITTER_MS);
            match event {
                RawEvent::KeyDown { code, t } => {
                    let t = (t + jitter).max(last_press + MIN_HOLD_MS).max(0.0);
                    last_press = t;
                    pressed_at.insert(code.clone(), t);
                    RawEvent::KeyDown {
                        code: code.clone(),
                        t,
                    }
                }
                RawEvent::KeyUp { code, t } => {
                    let pressed = pressed_at.get(code).copied().unwrap_or(0.0);
                    RawEvent::KeyUp {
                        code: code.clone(),
                        t: (t + jitter).max(pressed + MIN_HOLD_MS),
                    }
                }
                other => other.clone(),
            }
        })
        .collect();
    events.sort_by(|a, b| a.time_ms().total_cmp(&b.time_ms()));
    for event in &mut events {
        if let RawEvent::KeyDown { t, .. } | RawEvent::KeyUp { t, .. } = event {
            *t = to_microseconds(*t);
        }
    }
    Sample {
        events,
        ..sample.clone()
    }
}

fn shifted(event: RawEvent, by_ms: f64) -> RawEvent {
    match event {
        RawEvent::KeyDown { code, t } => RawEvent::KeyDown { code, t: t + by_ms },
        RawEvent::KeyUp { code, t } => RawEvent::KeyUp { code, t: t + by_ms },
        other => other,
    }
}

/// A user's typing repeated forever, cut into `events` frames of the wire protocol.
#[derive(Debug, Clone)]
pub struct TypingStream {
    /// (`key_down`?, code, time in ms from the start of the cycle).
    events: Vec<(bool, KeyCode, f64)>,
    /// Length of one cycle in ms (the next cycle starts after it).
    cycle_ms: f64,
}

impl TypingStream {
    pub fn new(rows: &[&CmuRow]) -> TypingStream {
        let sample = free_text_sample(rows);
        let events: Vec<(bool, KeyCode, f64)> = sample
            .events
            .iter()
            .filter_map(|event| match event {
                RawEvent::KeyDown { code, t } => Some((true, code.clone(), *t)),
                RawEvent::KeyUp { code, t } => Some((false, code.clone(), *t)),
                _ => None,
            })
            .collect();
        let cycle_ms = events.last().map_or(0.0, |e| e.2) + PAUSE_BETWEEN_ENTRIES_MS;
        TypingStream { events, cycle_ms }
    }

    /// Frame `n` (0-based) of `per_frame` events, as the JSON text the SDK sends; times keep
    /// rising across frames and cycles.
    pub fn frame(&self, n: u64, per_frame: usize) -> String {
        let mut text = String::with_capacity(40 + per_frame * 48);
        text.push_str(r#"{"type":"events","events":["#);
        let len = self.events.len().max(1) as u64;
        for j in 0..per_frame as u64 {
            let i = n * per_frame as u64 + j;
            let (down, code, t) = &self.events[(i % len) as usize];
            let t = 1000.0 + (i / len) as f64 * self.cycle_ms + t;
            let kind = if *down { "key_down" } else { "key_up" };
            if j > 0 {
                text.push(',');
            }
            let _ = write!(text, r#"{{"kind":"{kind}","code":"{code}","t":{t:.1}}}"#);
        }
        text.push_str("]}");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use behavioral_auth::protocol::ClientFrame;

    fn row(rep: u32) -> CmuRow {
        CmuRow {
            subject: "s002".into(),
            session: 1,
            rep,
            // 11 holds of 80 ms, 10 down-down of 200 ms, 10 up-down of 120 ms, interleaved.
            timings_s: (0..31)
                .map(|i| match i % 3 {
                    0 => 0.08,
                    1 => 0.2,
                    _ => 0.12,
                })
                .collect(),
        }
    }

    #[test]
    fn frames_parse_as_the_protocol_s_events_frames_with_rising_times() {
        let rows = [row(1), row(2)];
        let stream = TypingStream::new(&rows.iter().collect::<Vec<_>>());
        let mut last_t = f64::MIN;
        // 44 events per cycle: 30 frames of 5 cross three cycles.
        for n in 0..30 {
            let frame: ClientFrame = serde_json::from_str(&stream.frame(n, 5)).unwrap();
            let ClientFrame::Events { events } = frame else {
                panic!("not an events frame");
            };
            assert_eq!(events.len(), 5);
            for event in events {
                assert!(event.time_ms() >= last_t, "times went back at frame {n}");
                last_t = event.time_ms();
            }
        }
    }

    #[test]
    fn a_free_text_sample_lays_entries_out_one_after_another() {
        let rows = [row(1), row(2), row(3)];
        let sample = free_text_sample(&rows.iter().collect::<Vec<_>>());
        assert_eq!(sample.text_id, None);
        assert_eq!(sample.events.len(), 66);
        let times: Vec<f64> = sample.events.iter().map(RawEvent::time_ms).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(fixed_text_sample(&rows[0]).text_id.as_deref(), Some("cmu"));
    }
}
