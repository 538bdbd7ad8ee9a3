//! Pairs key_down with key_up events into keystrokes, rollover-safe.
//!
//! Fast typists press the next key before releasing the previous one, so ups do not come in
//! the order of downs. Each key_up closes the open key_down *of the same code*; repeated downs
//! of a key already held are browser auto-repeat and are ignored. Keystrokes come out ordered
//! by key_down time, which is the order the text was typed in.

use crate::events::{KeyCode, Modality, RawEvent, SampleError, check_event};
use foldhash::fast::RandomState;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;

/// One complete key press. Times in milliseconds, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Keystroke {
    pub code: KeyCode,
    pub down_ms: f64,
    pub up_ms: f64,
}

/// A complete key press's times (milliseconds), whatever else is kept of it.
pub trait KeyTimes {
    fn down_ms(&self) -> f64;
    fn up_ms(&self) -> f64;
}

impl KeyTimes for Keystroke {
    fn down_ms(&self) -> f64 {
        self.down_ms
    }

    fn up_ms(&self) -> f64 {
        self.up_ms
    }
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
    let mut opened: Vec<Press> = Vec::with_capacity(events.len() / 2);
    for event in events {
        match event {
            RawEvent::KeyDown { code, t } if !open.contains_key(code.as_str()) => {
                open.insert(code.as_str(), opened.len());
                opened.push((code, *t, None));
            }
            RawEvent::KeyUp { code, t } => {
                if let Some(index) = open.remove(code.as_str()) {
                    opened[index].2 = Some(*t);
                }
            }
            _ => {}
        }
    }
    paired_from(opened)
}

/// A press as pairing records it: code, key_down time, key_up time once released.
type Press<'a> = (&'a KeyCode, f64, Option<f64>);

/// The keystrokes and unreleased keys of the presses, in key-down order.
fn paired_from(opened: Vec<Press>) -> PairedKeys {
    let mut paired = PairedKeys {
        keystrokes: Vec::with_capacity(opened.len()),
        unreleased: Vec::new(),
    };
    for (code, down_ms, up) in opened {
        match up {
            Some(up_ms) => paired.keystrokes.push(Keystroke {
                code: code.clone(),
                down_ms,
                up_ms,
            }),
            None => paired.unreleased.push((code.clone(), down_ms)),
        }
    }
    // Pushed in key_down order already; a stable sort keeps it so if times are equal.
    paired
        .keystrokes
        .sort_by(|a, b| a.down_ms.total_cmp(&b.down_ms));
    paired
}

/// A live session's window of key events, checked and paired by [`pair_window`] (its keys as
/// [`PairedKeys`], or classed for the free-text features).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowKeys<Keys = PairedKeys> {
    /// Events left in the window once key-ups whose key-down has left it are dropped.
    pub kept: usize,
    /// Their keys paired, or the first check they fail.
    pub paired: Result<Keys, SampleError>,
}

impl<Keys> WindowKeys<Keys> {
    /// The same window with its keys (if they passed the checks) read another way.
    pub fn map_keys<Other>(self, read: impl FnOnce(Keys) -> Other) -> WindowKeys<Other> {
        WindowKeys {
            kept: self.kept,
            paired: self.paired.map(read),
        }
    }
}

/// Checks and pairs a live session's window in one pass, reading it in place. A window that
/// is trimmed by count and age can cut a keystroke in two, so a key-up with no open key-down
/// (its key-down has left the window) leaves the window too; the events left are checked as
/// [`crate::events::Sample::validate`] checks a keystroke sample (the error's index counts the
/// events left) and paired as [`pair_keys`] pairs them. Scoring a window used to copy those
/// events, then check them and pair them in two more passes with a hash map each; a window
/// holds few keys down at once, so `HeldKeys` looks them up in a short list.
pub fn pair_window<'a>(events: impl IntoIterator<Item = &'a RawEvent>) -> WindowKeys {
    let mut held: HeldKeys<&str, usize> = HeldKeys::Listed(Vec::with_capacity(LISTED_HELD_KEYS));
    let mut opened: Vec<Press<'a>> = Vec::new();
    let mut kept = 0;
    let mut previous = f64::NEG_INFINITY;
    let mut refused = None;
    for event in events {
        let released = match event {
            RawEvent::KeyUp { code, .. } => match held.release(code) {
                Some(index) => Some(index),
                None => continue,
            },
            _ => None,
        };
        // After a refusal the events are still counted (a sample too long is refused for its
        // length first); their pairs are not used.
        if refused.is_none()
            && let Err(error) = check_event(event, kept, Modality::Keystroke, &mut previous)
        {
            refused = Some(error);
        }
        kept += 1;
        match (event, released) {
            (RawEvent::KeyDown { code, t }, _)
                if held.press(code.as_str(), opened.len()).is_ok() =>
            {
                opened.push((code, *t, None));
            }
            (RawEvent::KeyUp { t, .. }, Some(index)) => opened[index].2 = Some(*t),
            _ => {}
        }
    }
    WindowKeys {
        kept,
        paired: match refused {
            Some(error) => Err(error),
            None => Ok(paired_from(opened)),
        },
    }
}

/// Keys held at once up to which [`HeldKeys`] keeps a list; a client holding more down (none
/// that types does) moves it to a hash map, so no window costs a quadratic scan.
const LISTED_HELD_KEYS: usize = 16;

/// `a == b`, telling most different codes apart by their last byte first: codes share their
/// length and prefix (`KeyA`, `KeyB`). Compared byte by byte from the end: `==` on strings is
/// a call to `memcmp`, dear for a few bytes on every key event of every scored window.
fn same_code(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().rev().zip(b.bytes().rev()).all(|(x, y)| x == y)
}

/// The keys held down while keys are paired, each with where its press is (its place in a
/// list being paired, or its key-down's sequence number in [`super::rolling_pairs`]).
#[derive(Debug)]
pub(super) enum HeldKeys<K, V> {
    Listed(Vec<(K, V)>),
    Hashed(HashMap<K, V, RandomState>),
}

impl<K, V> Default for HeldKeys<K, V> {
    fn default() -> Self {
        HeldKeys::Listed(Vec::new())
    }
}

impl<K: Borrow<str> + Eq + Hash, V: Copy> HeldKeys<K, V> {
    /// Holds `code` down with its press at `at`; if it was held already (a repeat), nothing
    /// changes and the answer is where its press is.
    pub(super) fn press(&mut self, code: K, at: V) -> Result<(), V> {
        match self {
            HeldKeys::Listed(list) => {
                if let Some((_, held)) = list
                    .iter()
                    .find(|(held, _)| same_code(held.borrow(), code.borrow()))
                {
                    return Err(*held);
                }
                if list.len() < LISTED_HELD_KEYS {
                    list.push((code, at));
                    return Ok(());
                }
                let mut map: HashMap<K, V, RandomState> = list.drain(..).collect();
                map.insert(code, at);
                *self = HeldKeys::Hashed(map);
                Ok(())
            }
            HeldKeys::Hashed(map) => match map.entry(code) {
                Entry::Occupied(held) => Err(*held.get()),
                Entry::Vacant(vacant) => {
                    vacant.insert(at);
                    Ok(())
                }
            },
        }
    }

    /// Moves the press of a held `code` to `at`.
    pub(super) fn move_press(&mut self, code: &str, at: V) {
        match self {
            HeldKeys::Listed(list) => {
                if let Some(held) = list
                    .iter_mut()
                    .find(|(held, _)| same_code(held.borrow(), code))
                {
                    held.1 = at;
                }
            }
            HeldKeys::Hashed(map) => {
                if let Some(held) = map.get_mut(code) {
                    *held = at;
                }
            }
        }
    }

    /// Lets `code` go: where its press is, if it was held.
    pub(super) fn release(&mut self, code: &str) -> Option<V> {
        match self {
            HeldKeys::Listed(list) => {
                let at = list
                    .iter()
                    .position(|(held, _)| same_code(held.borrow(), code))?;
                Some(list.swap_remove(at).1)
            }
            HeldKeys::Hashed(map) => map.remove(code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_same_only_when_every_byte_is() {
        assert!(same_code("KeyA", "KeyA"));
        assert!(same_code("", ""));
        for (a, b) in [
            ("KeyA", "KeyB"),
            ("KeyA", "keyA"),
            ("KeyA", "KeyAA"),
            ("A", ""),
        ] {
            assert!(!same_code(a, b), "{a} {b}");
            assert!(!same_code(b, a), "{b} {a}");
        }
    }

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

    #[test]
    fn a_window_with_many_keys_held_at_once_pairs_as_a_sample_does() {
        let codes: Vec<String> = (0..40).map(|i| format!("Key{i}")).collect();
        let mut events: Vec<RawEvent> = codes
            .iter()
            .enumerate()
            .map(|(i, code)| RawEvent::KeyDown {
                code: code.into(),
                t: i as f64,
            })
            .collect();
        // Released in reverse, one twice (the second up has no open down and leaves), one never.
        for (i, code) in codes.iter().enumerate().rev().skip(1) {
            events.push(RawEvent::KeyUp {
                code: code.into(),
                t: 100.0 + (40 - i) as f64,
            });
        }
        events.push(RawEvent::KeyUp {
            code: "Key3".into(),
            t: 200.0,
        });

        let window = pair_window(&events);

        assert_eq!(window.kept, events.len() - 1);
        let paired = window.paired.expect("a valid window");
        assert_eq!(paired, pair_keys(&events[..events.len() - 1]));
        assert_eq!(paired.keystrokes.len(), 39);
        assert_eq!(paired.unreleased, vec![(KeyCode::from("Key39"), 39.0)]);
    }
}
