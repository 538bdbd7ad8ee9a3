//! A live session's keys paired as they arrive, so a score reads its window's keystrokes
//! instead of pairing every event of the window again: at the default settings each event is
//! in four scored windows, and pairing them was the largest part of extraction at the
//! WebSocket peak.
//!
//! The answer is exactly [`pair_window`]'s for the events the window holds. [`pair_window`]
//! pairs from the window's first event, so a key held when the window starts is not held for
//! it. Each code is paired by its own events alone, so when events leave the window only the
//! presses that began before the new start and were still held at it change: each is
//! *rebased* onto the first repeated key-down of its code at or after the start (the press
//! [`pair_window`] finds), or, with none, leaves — and its key-up, which [`pair_window`] finds
//! no press for, leaves the window's count.
//!
//! [`pair_window`] also checks each event it keeps against the one kept before it. Where every
//! event of the window is a key event with a finite time no earlier than the event that
//! arrived before it, every check passes whichever events are kept, and time order is arrival
//! order; otherwise [`RollingPairs::paired`] has no answer and the window is paired in full.
//!
//! [`pair_window`]: super::keystrokes::pair_window

use std::collections::VecDeque;

use super::free_text::{KeyClass, TimedKey, TimedKeys};
use super::keystrokes::{HeldKeys, Keystroke, PairedKeys, WindowKeys};
use crate::events::{KeyCode, RawEvent};

/// How many of the newest presses [`RollingPairs::press_mut`] looks at one by one.
const RECENT_PRESSES: usize = 8;

/// One press, in the sequence numbers of the events that arrived.
#[derive(Debug)]
struct Press {
    code: KeyCode,
    /// Its code's class for the free-text features, found once.
    class: KeyClass,
    down: u64,
    down_ms: f64,
    /// Its key-up, once released: sequence number and time.
    up: Option<(u64, f64)>,
    /// Key-downs of its code while it was held (auto-repeat), in order: sequence and time.
    repeats: Vec<(u64, f64)>,
}

/// The presses of the events pushed since the window's first event.
#[derive(Debug, Default)]
pub struct RollingPairs {
    /// Sequence number of the next event pushed.
    next: u64,
    /// Sequence number of the window's first event.
    start: u64,
    /// The window's presses in key-down order.
    presses: VecDeque<Press>,
    /// Codes held, each with its press's key-down.
    held: HeldKeys<KeyCode, u64>,
    /// Key-ups in the window with no press to close, in order.
    dropped_ups: VecDeque<u64>,
    /// Events in the window [`RollingPairs::paired`] cannot answer for, in order: not key
    /// events, or with a time that is not finite.
    unfit: VecDeque<u64>,
    /// Events in the window with a time earlier than the one before it, in order (the
    /// window's first event is checked against none).
    out_of_order: VecDeque<u64>,
    /// The time of the event pushed last.
    previous_ms: Option<f64>,
    /// Set if a held key's press was not found, which the pairing never leaves so: from then
    /// on every window is paired in full rather than answered from a broken state.
    lost: bool,
}

impl RollingPairs {
    /// Makes room for `presses` presses at once rather than by doubling as they come.
    pub fn reserve(&mut self, presses: usize) {
        self.presses.reserve_exact(presses);
    }

    /// Presses there is room for.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.presses.capacity()
    }

    /// Pairs an event that arrived after all the others.
    pub fn push(&mut self, event: &RawEvent) {
        let at = self.next;
        self.next += 1;
        let t = event.time_ms();
        if !t.is_finite() {
            self.unfit.push_back(at);
        } else if self
            .previous_ms
            .is_some_and(|previous| previous.is_finite() && previous.total_cmp(&t).is_gt())
        {
            self.out_of_order.push_back(at);
        }
        self.previous_ms = Some(t);
        match event {
            RawEvent::KeyDown { code, t } => match self.held.press(code.clone(), at) {
                Err(down) => {
                    if let Some(press) = self.press_mut(down) {
                        press.repeats.push((at, *t));
                    }
                }
                Ok(()) => {
                    self.presses.push_back(Press {
                        code: code.clone(),
                        class: KeyClass::of(code),
                        down: at,
                        down_ms: *t,
                        up: None,
                        repeats: Vec::new(),
                    });
                }
            },
            RawEvent::KeyUp { code, t } => match self.held.release(code) {
                Some(down) => {
                    if let Some(press) = self.press_mut(down) {
                        press.up = Some((at, *t));
                    }
                }
                None => self.dropped_ups.push_back(at),
            },
            _ => {
                if self.unfit.back() != Some(&at) {
                    self.unfit.push_back(at);
                }
            }
        }
    }

    /// The press whose key-down is `down` (a held key's press is always in the window).
    /// Keys are held briefly, so it is nearly always among the last few presses: those are
    /// looked at first (a binary search on every key event was 4 % of the WebSocket peak),
    /// then the rest by binary search.
    fn press_mut(&mut self, down: u64) -> Option<&mut Press> {
        let presses = self.presses.len();
        let recent = presses.saturating_sub(RECENT_PRESSES);
        let found = (recent..presses)
            .rev()
            .find(|&at| self.presses[at].down == down)
            .ok_or(())
            .or_else(|()| {
                self.presses
                    .binary_search_by_key(&down, |press| press.down)
                    .map_err(|_| ())
            });
        debug_assert!(found.is_ok(), "a held key's press left the window");
        self.lost |= found.is_err();
        self.presses.get_mut(found.ok()?)
    }

    /// The window now starts `held` events before the next one: the presses of events that
    /// left are dropped or rebased (see the module's text).
    pub fn keep_last(&mut self, held: usize) {
        let start = self.next - held as u64;
        if start <= self.start {
            return;
        }
        self.start = start;
        while self.dropped_ups.front().is_some_and(|&at| at < start) {
            self.dropped_ups.pop_front();
        }
        while self.unfit.front().is_some_and(|&at| at < start) {
            self.unfit.pop_front();
        }
        while self.out_of_order.front().is_some_and(|&at| at <= start) {
            self.out_of_order.pop_front();
        }
        let mut rebased = Vec::new();
        while self.presses.front().is_some_and(|press| press.down < start) {
            let Some(mut press) = self.presses.pop_front() else {
                break;
            };
            if press.up.is_some_and(|(up, _)| up < start) {
                continue;
            }
            let first = press.repeats.partition_point(|&(at, _)| at < start);
            if let Some(&(down, down_ms)) = press.repeats.get(first) {
                if press.up.is_none() {
                    self.held.move_press(&press.code, down);
                }
                press.repeats.drain(..=first);
                rebased.push(Press {
                    down,
                    down_ms,
                    ..press
                });
            } else if let Some((up, _)) = press.up {
                let place = self.dropped_ups.partition_point(|&at| at < up);
                self.dropped_ups.insert(place, up);
            } else {
                self.held.release(&press.code);
            }
        }
        for press in rebased {
            let place = self
                .presses
                .partition_point(|other| other.down < press.down);
            self.presses.insert(place, press);
        }
    }

    /// [`pair_window`] of the window's events, or `None` where it cannot be read from the
    /// presses (see the module's text).
    ///
    /// [`pair_window`]: super::keystrokes::pair_window
    pub fn paired(&self) -> Option<WindowKeys> {
        let kept = self.kept()?;
        let mut paired = PairedKeys {
            keystrokes: Vec::with_capacity(self.presses.len()),
            unreleased: Vec::new(),
        };
        for press in &self.presses {
            match press.up {
                Some((_, up_ms)) => paired.keystrokes.push(Keystroke {
                    code: press.code.clone(),
                    down_ms: press.down_ms,
                    up_ms,
                }),
                None => paired.unreleased.push((press.code.clone(), press.down_ms)),
            }
        }
        Some(WindowKeys {
            kept,
            paired: Ok(paired),
        })
    }

    /// [`RollingPairs::paired`] classed for the free-text features ([`TimedKeys`]), without
    /// copying the codes.
    pub fn timed(&self) -> Option<WindowKeys<TimedKeys>> {
        let kept = self.kept()?;
        let mut timed = TimedKeys {
            keys: Vec::with_capacity(self.presses.len()),
            unreleased: 0,
        };
        for press in &self.presses {
            match press.up {
                Some((_, up_ms)) => timed.keys.push(TimedKey {
                    class: press.class,
                    down_ms: press.down_ms,
                    up_ms,
                }),
                None => timed.unreleased += 1,
            }
        }
        Some(WindowKeys {
            kept,
            paired: Ok(timed),
        })
    }

    /// How many events the window keeps, or `None` where its keys cannot be read from the
    /// presses (see the module's text).
    fn kept(&self) -> Option<usize> {
        if self.lost || !self.unfit.is_empty() || !self.out_of_order.is_empty() {
            return None;
        }
        let events = usize::try_from(self.next - self.start).ok()?;
        Some(events - self.dropped_ups.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::keystrokes::pair_window;

    fn down(code: &str, t: f64) -> RawEvent {
        RawEvent::KeyDown {
            code: code.into(),
            t,
        }
    }

    fn up(code: &str, t: f64) -> RawEvent {
        RawEvent::KeyUp {
            code: code.into(),
            t,
        }
    }

    /// Keys held across many starts: a press repeated, then released, then pressed again and
    /// repeated; a key-up with no press; a key stuck down and repeated; rollover.
    fn typing() -> Vec<RawEvent> {
        vec![
            down("KeyA", 0.0),
            down("KeyB", 10.0),
            down("KeyA", 15.0),
            up("KeyA", 20.0),
            down("KeyA", 25.0),
            down("KeyA", 30.0),
            down("KeyC", 35.0),
            up("KeyB", 40.0),
            down("KeyA", 42.0),
            up("KeyA", 45.0),
            up("KeyX", 50.0),
            down("KeyD", 55.0),
            up("KeyC", 60.0),
            down("KeyD", 65.0),
            down("KeyE", 70.0),
            down("KeyD", 75.0),
            up("KeyE", 80.0),
            up("KeyE", 85.0),
        ]
    }

    #[test]
    fn every_start_of_the_window_pairs_as_its_events_do() {
        let events = typing();
        let n = events.len();
        for start in 0..=n {
            let mut jumped = RollingPairs::default();
            events.iter().for_each(|event| jumped.push(event));
            jumped.keep_last(n - start);
            let expected = pair_window(&events[start..]);
            assert_eq!(jumped.paired(), Some(expected.clone()), "start {start}");
            assert_eq!(
                jumped.timed(),
                Some(expected.clone().map_keys(|paired| TimedKeys::from(&paired))),
                "start {start}"
            );

            let mut stepped = RollingPairs::default();
            for (at, event) in events.iter().enumerate() {
                stepped.push(event);
                stepped.keep_last((at + 1).min(n - start));
            }
            assert_eq!(
                stepped.paired(),
                Some(expected),
                "start {start}, step by step"
            );
        }
    }

    #[test]
    fn a_window_out_of_time_order_is_left_to_full_pairing_until_it_leaves() {
        let mut events = typing();
        events.insert(3, down("KeyZ", 1.0));
        let mut pairs = RollingPairs::default();
        events.iter().for_each(|event| pairs.push(event));
        assert_eq!(pairs.paired(), None);
        pairs.keep_last(events.len() - 2);
        assert_eq!(pairs.paired(), None, "the event before it is still held");
        pairs.keep_last(events.len() - 3);
        assert_eq!(
            pairs.paired(),
            Some(pair_window(&events[3..])),
            "the first event is checked against none"
        );
        pairs.push(&down("KeyQ", f64::NAN));
        assert_eq!(pairs.paired(), None, "a time that is not finite");
    }
}
