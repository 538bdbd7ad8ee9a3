//! The pure bookkeeping of a live session, apart from the actor: the rolling window of events
//! (bounded by count and by age since arrival) and the per-second event budget.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::events::RawEvent;
use crate::features::free_text::TimedKeys;
use crate::features::keystrokes::{WindowKeys, pair_window};
use crate::features::rolling_pairs::RollingPairs;

/// The span over which the event budget is counted.
const RATE_WINDOW: Duration = Duration::from_secs(1);

/// The most events a window makes room for at its first event (see [`EventWindow::push`]).
const PRESIZED_EVENTS: usize = 1024;

/// Frames a window makes room for at its first event: the SDK sends a few events a frame, so a
/// full window of the default 200 events spans some forty.
const PRESIZED_FRAMES: usize = 64;

/// The newest events and when they arrived.
#[derive(Debug)]
pub struct EventWindow {
    events: VecDeque<RawEvent>,
    /// When the events arrived, oldest first: each frame's instant and how many of its events
    /// the window still holds. Kept beside the events rather than with each of them, so a
    /// frame's events are copied into the window as they were decoded.
    arrivals: VecDeque<(Instant, usize)>,
    max_events: usize,
    max_age: Duration,
    /// The events' keys paired as they arrive, for a keystroke session's window.
    pairs: Option<RollingPairs>,
}

impl EventWindow {
    pub fn new(max_events: usize, max_age: Duration) -> Self {
        EventWindow {
            events: VecDeque::new(),
            arrivals: VecDeque::new(),
            max_events,
            max_age,
            pairs: None,
        }
    }

    /// A window that also pairs its keys as they arrive, for [`EventWindow::keys_at`].
    pub fn pairing_keys(self) -> Self {
        EventWindow {
            pairs: Some(RollingPairs::default()),
            ..self
        }
    }

    /// Adds events that arrived at `now`, dropping the oldest beyond the bounds.
    ///
    /// A window makes room for all its events at the first one (up to [`PRESIZED_EVENTS`]; their
    /// frames and pressed keys too), and drops the oldest before adding, so it never grows past
    /// its bound. Growing by doubling,
    /// thousands of sessions that started typing together reallocated their windows together,
    /// and the fresh memory's first touches (page faults, dear in a virtual machine) stalled
    /// everyone's scores in bursts; an idle session still holds no window.
    pub fn push(&mut self, now: Instant, mut events: Vec<RawEvent>) {
        if self.events.capacity() == 0 {
            let events = self.max_events.min(PRESIZED_EVENTS);
            self.events.reserve_exact(events);
            self.arrivals.reserve_exact(PRESIZED_FRAMES);
            if let Some(pairs) = &mut self.pairs {
                // A press is two events; a few more for keys pressed before the window began.
                pairs.reserve(events / 2 + 16);
            }
        }
        let kept = events.len().min(self.max_events);
        self.drop_oldest((self.events.len() + kept).saturating_sub(self.max_events));
        events.drain(..events.len() - kept);
        if let Some(pairs) = &mut self.pairs {
            events.iter().for_each(|event| pairs.push(event));
        }
        if kept > 0 {
            self.arrivals.push_back((now, kept));
        }
        self.events.extend(events);
        self.trim(now);
    }

    /// Drops events beyond the count or older than the age bound.
    pub fn trim(&mut self, now: Instant) {
        self.drop_oldest(self.events.len().saturating_sub(self.max_events));
        while let Some(&(at, count)) = self.arrivals.front()
            && now.duration_since(at) > self.max_age
        {
            self.drop_oldest(count);
        }
        if let Some(pairs) = &mut self.pairs {
            pairs.keep_last(self.events.len());
        }
    }

    /// Drops the `count` oldest events.
    fn drop_oldest(&mut self, count: usize) {
        let count = count.min(self.events.len());
        self.events.drain(..count);
        let mut left = count;
        while left > 0
            && let Some(oldest) = self.arrivals.front_mut()
        {
            let taken = left.min(oldest.1);
            oldest.1 -= taken;
            left -= taken;
            if oldest.1 == 0 {
                self.arrivals.pop_front();
            }
        }
    }

    /// How many events the window holds after trimming at `now`.
    pub fn len_at(&mut self, now: Instant) -> usize {
        self.trim(now);
        self.events.len()
    }

    /// The window's keys after trimming at `now`, checked and paired as [`pair_window`] pairs
    /// its events: read from the keys paired as they arrived where the window pairs them
    /// ([`EventWindow::pairing_keys`]) and they answer, else by pairing the events.
    pub fn keys_at(&mut self, now: Instant) -> WindowKeys {
        self.trim(now);
        self.pairs
            .as_ref()
            .and_then(RollingPairs::paired)
            .unwrap_or_else(|| pair_window(&self.events))
    }

    /// [`EventWindow::keys_at`] classed for the free-text features ([`TimedKeys`]): read from
    /// the keys classed as they arrived where they answer.
    pub fn timed_at(&mut self, now: Instant) -> WindowKeys<TimedKeys> {
        self.trim(now);
        self.pairs
            .as_ref()
            .and_then(RollingPairs::timed)
            .unwrap_or_else(|| {
                pair_window(&self.events).map_keys(|paired| TimedKeys::from(&paired))
            })
    }

    /// The window's events, oldest first, after trimming at `now`, read in place (a key-up
    /// whose key-down has left the window is among them: see [`EventWindow::snapshot`]).
    #[cfg(test)]
    pub fn events_at(&mut self, now: Instant) -> impl ExactSizeIterator<Item = &RawEvent> {
        self.trim(now);
        self.events.iter()
    }

    /// The window's events, oldest first, after trimming at `now`.
    ///
    /// Trimming can cut a keystroke in two: a key-up whose key-down has left the window would
    /// make the whole window an invalid sample (`KeyUpWithoutKeyDown`) and no score could be
    /// computed for the rest of the session, so such a key-up leaves with its key-down.
    pub fn snapshot(&mut self, now: Instant) -> Vec<RawEvent> {
        self.trim(now);
        // Keys held at once are few: a short list beats hashing every code.
        let mut held: Vec<&str> = Vec::new();
        let mut events = Vec::with_capacity(self.events.len());
        for event in &self.events {
            let keep = match event {
                RawEvent::KeyDown { code, .. } => {
                    if !held.contains(&code.as_str()) {
                        held.push(code);
                    }
                    true
                }
                RawEvent::KeyUp { code, .. } => {
                    match held.iter().position(|open| *open == code.as_str()) {
                        Some(index) => {
                            held.swap_remove(index);
                            true
                        }
                        None => false,
                    }
                }
                _ => true,
            };
            if keep {
                events.push(event.clone());
            }
        }
        events
    }
}

/// At most `limit` events per second, counted in fixed one-second spans.
#[derive(Debug)]
pub struct EventBudget {
    limit: u32,
    started: Instant,
    spent: u32,
}

impl EventBudget {
    pub fn new(limit: u32, now: Instant) -> Self {
        EventBudget {
            limit,
            started: now,
            spent: 0,
        }
    }

    /// Takes `count` events from this second's budget; `false` (and nothing taken) if they do
    /// not fit.
    pub fn take(&mut self, now: Instant, count: usize) -> bool {
        if now.duration_since(self.started) >= RATE_WINDOW {
            self.started = now;
            self.spent = 0;
        }
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        match self.spent.checked_add(count) {
            Some(total) if total <= self.limit => {
                self.spent = total;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;
    use crate::biometrics::extraction::{
        Extracted, extract, extract_free_text_window, extract_window,
    };
    use crate::configuration::Settings;
    use crate::error::ApiError;
    use crate::events::{DeviceClass, Modality, Sample};
    use crate::features::properties::any_event;

    /// Typing of frequent keys: presses that overlap at random, now and then with a press or a
    /// release missing, an auto-repeated press, a time that goes back or is not finite.
    fn typing() -> impl Strategy<Value = Vec<RawEvent>> {
        let code = prop::sample::select(vec![
            "KeyT",
            "KeyH",
            "KeyE",
            "Space",
            "KeyA",
            "KeyN",
            "KeyS",
            "ShiftLeft",
        ]);
        let press = (code, 0.0..250.0f64, 10.0..300.0f64, 0..150u8);
        prop::collection::vec(press, 0..140).prop_map(|presses| {
            let mut timed = Vec::new();
            let mut t = 0.0;
            for (code, gap, hold, oddity) in presses {
                t += gap;
                let (down, up) = (code.into(), code.into());
                match oddity {
                    0 => timed.push((
                        t + hold,
                        RawEvent::KeyUp {
                            code: up,
                            t: t + hold,
                        },
                    )),
                    1 => timed.push((t, RawEvent::KeyDown { code: down, t })),
                    2 => timed.push((
                        t,
                        RawEvent::KeyDown {
                            code: down,
                            t: t - 400.0,
                        },
                    )),
                    3 => timed.push((
                        t,
                        RawEvent::KeyDown {
                            code: down,
                            t: f64::NAN,
                        },
                    )),
                    _ => {
                        if oddity == 4 {
                            let repeat = RawEvent::KeyDown {
                                code: code.into(),
                                t: t + 5.0,
                            };
                            timed.push((t + 5.0, repeat));
                        }
                        timed.push((t, RawEvent::KeyDown { code: down, t }));
                        timed.push((
                            t + hold,
                            RawEvent::KeyUp {
                                code: up,
                                t: t + hold,
                            },
                        ));
                    }
                }
            }
            timed.sort_by(|a, b| a.0.total_cmp(&b.0));
            timed.into_iter().map(|(_, event)| event).collect()
        })
    }

    fn same(found: &Result<Extracted, ApiError>, expected: &Result<Extracted, ApiError>) -> bool {
        match (found, expected) {
            (Ok(found), Ok(expected)) => {
                found.rows == expected.rows
                    && found.quality == expected.quality
                    && found.sequence_hash == expected.sequence_hash
                    && found.keystrokes == expected.keystrokes
            }
            (Err(found), Err(expected)) => found.to_string() == expected.to_string(),
            _ => false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// A window's keys, paired (fixed text) or classed (free text) as they arrived, give
        /// exactly what extracting a copy of its events (its snapshot) gives: the same rows,
        /// quality and (fixed text) keystrokes, the same refusal, or no score.
        #[test]
        fn a_window_read_in_place_extracts_as_its_copy(
            events in prop_oneof![4 => typing(), 1 => prop::collection::vec(any_event(), 0..60)],
            window_events in 5..250usize,
            max_events in prop_oneof![Just(5000usize), 1..150usize],
            fixed_text in prop::bool::weighted(0.2),
        ) {
            let mut settings = Settings::defaults().expect("built-in settings").biometrics;
            settings.max_events = max_events;
            let text_id = fixed_text.then(|| "password".to_owned());
            let user_id = Uuid::from_u128(7);
            let now = Instant::now();
            let mut window = EventWindow::new(window_events, Duration::from_secs(30)).pairing_keys();
            window.push(now, events);

            let copy = window.snapshot(now);
            let expected = (!copy.is_empty()).then(|| {
                let sample = Sample {
                    modality: Modality::Keystroke,
                    device: DeviceClass::Desktop,
                    text_id: text_id.clone(),
                    typed_chars: None,
                    events: copy,
                    typingdna_pattern: None,
                };
                let extracted = extract(&sample, user_id, &settings);
                // A free-text window keeps no keys: a live window is not checked for replay.
                match text_id {
                    Some(_) => extracted,
                    None => extracted.map(|extracted| Extracted { keystrokes: Vec::new(), ..extracted }),
                }
            });
            let found = match text_id.as_deref() {
                Some(text_id) => extract_window(window.keys_at(now), Some(text_id), user_id, &settings),
                None => extract_free_text_window(window.timed_at(now), &settings),
            };

            match (&found, &expected) {
                (None, None) => {}
                (Some(found), Some(expected)) => {
                    prop_assert!(same(found, expected), "{found:?} != {expected:?}");
                }
                _ => prop_assert!(false, "{found:?} != {expected:?}"),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// A keystroke window's keys paired as they arrived are its events paired, after every
        /// frame, as events leave it by count and by age; and they answer (no pairing in full)
        /// wherever its events are key events in time order.
        #[test]
        fn keys_paired_as_they_arrive_are_the_window_s_events_paired(
            events in prop_oneof![4 => typing(), 1 => prop::collection::vec(any_event(), 0..60)],
            frames in prop::collection::vec((1..30usize, 0..4000u64), 1..40),
            window_events in 1..120usize,
        ) {
            let mut now = Instant::now();
            let mut window = EventWindow::new(window_events, Duration::from_secs(10)).pairing_keys();
            let mut rest = events.as_slice();
            for (size, gap_ms) in frames {
                let (frame, after) = rest.split_at(size.min(rest.len()));
                rest = after;
                now += Duration::from_millis(gap_ms);
                window.push(now, frame.to_vec());
                let found = window.keys_at(now);
                let held: Vec<RawEvent> = window.events_at(now).cloned().collect();
                let arrived: usize = window.arrivals.iter().map(|(_, count)| count).sum();
                prop_assert_eq!(arrived, held.len());
                prop_assert!(held.len() <= window_events);
                let fresh = |(at, count): &(Instant, usize)| {
                    *count > 0 && now.duration_since(*at) <= Duration::from_secs(10)
                };
                prop_assert!(window.arrivals.iter().all(fresh), "{:?}", window.arrivals);
                prop_assert_eq!(&found, &pair_window(&held));
                prop_assert_eq!(window.timed_at(now), found.map_keys(|paired| TimedKeys::from(&paired)));

                let in_order = held.iter().all(|e| e.modality() == Modality::Keystroke && e.time_ms().is_finite())
                    && held.windows(2).all(|pair| pair[0].time_ms().total_cmp(&pair[1].time_ms()).is_le());
                let answered = window.pairs.as_ref().and_then(RollingPairs::paired);
                prop_assert_eq!(answered.is_some(), in_order);
                let classed = window.pairs.as_ref().and_then(RollingPairs::timed);
                prop_assert_eq!(classed.is_some(), in_order);
            }
        }
    }

    fn key(t: f64) -> RawEvent {
        RawEvent::KeyDown {
            code: "KeyA".into(),
            t,
        }
    }

    #[test]
    fn the_window_keeps_the_newest_events_within_count_and_age() {
        let start = Instant::now();
        let mut window = EventWindow::new(3, Duration::from_secs(10));
        window.push(start, vec![key(1.0), key(2.0)]);
        window.push(start, vec![key(3.0), key(4.0)]);
        assert_eq!(window.snapshot(start), vec![key(2.0), key(3.0), key(4.0)]);
        let later = start + Duration::from_secs(5);
        window.push(later, vec![key(5.0)]);
        let much_later = start + Duration::from_secs(12);
        assert_eq!(window.snapshot(much_later), vec![key(5.0)]);
        assert!(
            window
                .snapshot(much_later + Duration::from_secs(10))
                .is_empty()
        );
    }

    #[test]
    fn a_full_window_keeps_its_first_allocation() {
        let start = Instant::now();
        let mut window = EventWindow::new(200, Duration::from_secs(30));
        assert_eq!(
            window.events.capacity(),
            0,
            "an idle session holds no window"
        );
        window.push(start, vec![key(0.0)]);
        let capacity = window.events.capacity();
        assert!((200..256).contains(&capacity), "{capacity}");
        for frame in 0..100 {
            let t = f64::from(frame) * 5.0;
            window.push(start, (1..=5).map(|i| key(t + f64::from(i))).collect());
            assert_eq!(window.events.capacity(), capacity, "frame {frame}");
        }
        window.push(
            start,
            (0..450).map(|i| key(1000.0 + f64::from(i))).collect(),
        );
        assert_eq!(window.events.capacity(), capacity);
        let snapshot = window.snapshot(start);
        assert_eq!(snapshot.len(), 200);
        assert_eq!(snapshot.first(), Some(&key(1250.0)));
        assert_eq!(snapshot.last(), Some(&key(1449.0)));
    }

    #[test]
    fn a_typing_window_keeps_its_first_allocations() {
        let start = Instant::now();
        let mut window = EventWindow::new(200, Duration::from_secs(30)).pairing_keys();
        let press = |n: u32| {
            let (code, t) = (
                format!("Key{}", char::from(b'A' + (n % 26) as u8)),
                f64::from(n),
            );
            [
                RawEvent::KeyDown {
                    code: code.as_str().into(),
                    t: t * 100.0,
                },
                RawEvent::KeyUp {
                    code: code.into(),
                    t: t * 100.0 + 50.0,
                },
            ]
        };
        let capacities = |window: &EventWindow| {
            let pairs = window.pairs.as_ref().map(RollingPairs::capacity);
            (window.events.capacity(), window.arrivals.capacity(), pairs)
        };
        assert_eq!(
            capacities(&window),
            (0, 0, Some(0)),
            "an idle session holds nothing"
        );
        window.push(start, press(0).to_vec());
        let first = capacities(&window);
        for frame in 1..200 {
            // Five events a frame, as the SDK sends them.
            let events: Vec<RawEvent> = (0..3).flat_map(|i| press(frame * 3 + i)).take(5).collect();
            window.push(start, events);
            assert_eq!(capacities(&window), first, "frame {frame}");
        }
        assert!(window.keys_at(start).paired.is_ok());
    }

    #[test]
    fn a_key_up_whose_key_down_was_trimmed_away_leaves_the_window_too() {
        let start = Instant::now();
        let up = |t: f64| RawEvent::KeyUp {
            code: "KeyA".into(),
            t,
        };
        let mut window = EventWindow::new(3, Duration::from_secs(10));
        window.push(start, vec![key(1.0), key(2.0), up(3.0), up(4.0)]);

        let snapshot = window.snapshot(start);

        assert_eq!(snapshot, vec![key(2.0), up(3.0)]);
        let sample = crate::events::Sample {
            modality: crate::events::Modality::Keystroke,
            device: crate::events::DeviceClass::Desktop,
            text_id: None,
            typed_chars: None,
            events: snapshot,
            typingdna_pattern: None,
        };
        assert!(sample.validate(&Default::default()).is_ok());
    }

    #[test]
    fn the_budget_refuses_what_does_not_fit_and_refills_each_second() {
        let start = Instant::now();
        let mut budget = EventBudget::new(10, start);
        assert!(budget.take(start, 6));
        assert!(!budget.take(start, 5), "11 > 10");
        assert!(budget.take(start, 4), "the refused batch took nothing");
        assert!(!budget.take(start, 1));
        assert!(budget.take(start + Duration::from_secs(1), 10));
        assert!(!budget.take(start, usize::MAX));
    }
}
