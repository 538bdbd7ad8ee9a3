//! Pairs key_down with key_up events into keystrokes, rollover-safe.
//!
//! Fast typists press the next key before releasing the previous one, so ups do not come in
//! the order of downs. Each key_up closes the open key_down *of the same code*; repeated downs
//! of a key already held are browser auto-repeat and are ignored. Keystrokes come out ordered
//! by key_down time, which is the order the text was typed in.

use crate::events::{KeyCode, RawEvent};
use foldhash::fast::RandomState;
use std::collections::HashMap;

/// One complete key press. Times in milliseconds, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Keystroke {
    pub code: KeyCode,
    pub down_ms: f64,
    pub up_ms: f64,
}

/// Keystrokes paired from the events, plus the presses never released (e.g. the sample ended
/// while a key was still held).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PairedKeys {
    pub keystrokes: Vec<Keystroke>,
    pub unreleased: Vec<(KeyCode, f64)>,
}

/// Pairs the key events of a sample; non-key events are ignored and an up with no open down
/// is dropped (validation refuses such samples before this point).
pub fn pair_keys(events: &[RawEvent]) -> PairedKeys {
    // Open presses by code: index into `opened` of the press waiting for its release. Hashed
    // with foldhash (seeded per process): SipHash was a visible share of scoring a window, and
    // a sample may hold thousands of distinct codes, so a linear list is no option.
    // Both sized for the sample up front (a press is two events).
    let mut open: HashMap<&str, usize, RandomState> =
        HashMap::with_capacity_and_hasher(events.len() / 2, RandomState::default());
    let mut opened: Vec<(KeyCode, f64, Option<f64>)> = Vec::with_capacity(events.len() / 2);
    for event in events {
        match event {
            RawEvent::KeyDown { code, t } if !open.contains_key(code.as_str()) => {
                open.insert(code.as_str(), opened.len());
                opened.push((code.clone(), *t, None));
            }
            RawEvent::KeyUp { code, t } => {
                if let Some(index) = open.remove(code.as_str()) {
                    opened[index].2 = Some(*t);
                }
            }
            _ => {}
        }
    }
    let mut paired = PairedKeys {
        keystrokes: Vec::with_capacity(opened.len()),
        unreleased: Vec::new(),
    };
    for (code, down_ms, up) in opened {
        match up {
            Some(up_ms) => paired.keystrokes.push(Keystroke {
                code,
                down_ms,
                up_ms,
            }),
            None => paired.unreleased.push((code, down_ms)),
        }
    }
    // Pushed in key_down order already; a stable sort keeps it so if times are equal.
    paired
        .keystrokes
        .sort_by(|a, b| a.down_ms.total_cmp(&b.down_ms));
    paired
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_keys_pair_by_code_not_by_order() {
        let events = vec![
            RawEvent::KeyDown {
                code: "KeyA".into(),
                t: 0.0,
            },
            RawEvent::KeyDown {
                code: "KeyB".into(),
                t: 50.0,
            },
            RawEvent::KeyUp {
                code: "KeyA".into(),
                t: 80.0,
            },
            RawEvent::KeyDown {
                code: "KeyB".into(),
                t: 90.0,
            },
            RawEvent::KeyUp {
                code: "KeyB".into(),
                t: 120.0,
            },
            RawEvent::KeyDown {
                code: "KeyC".into(),
                t: 130.0,
            },
        ];
        let paired = pair_keys(&events);
        let summary: Vec<_> = paired
            .keystrokes
            .iter()
            .map(|k| (k.code.as_str(), k.down_ms, k.up_ms))
            .collect();
        assert_eq!(summary, vec![("KeyA", 0.0, 80.0), ("KeyB", 50.0, 120.0)]);
        assert_eq!(paired.unreleased, vec![(KeyCode::from("KeyC"), 130.0)]);
    }
}
