//! Free-text keystroke features: they work on any text, so a sentence typed today can be
//! compared with different sentences typed at enrolment.
//!
//! The vector is [`AGGREGATE_NAMES`] (rhythm statistics), then the median down-down time of
//! each digraph in [`DIGRAPHS`], then the median hold of each key in [`KEYS`]. All timings are
//! seconds. A digraph or key absent from the sample takes the sample's own median flight or
//! hold, so missing values carry no information instead of a fake zero.

use super::keystrokes::{KeyTimes, Keystroke, PairedKeys, pair_keys};
use super::stats::{mean_and_std_dev, median_in_place};
use super::{FeatureError, MS_PER_S};
use crate::events::{Modality, Sample};
use std::sync::LazyLock;

/// Fewest complete keystrokes a free-text sample must hold.
pub const MIN_FREE_TEXT_KEYS: usize = 10;
/// Down-down gaps longer than this are thinking pauses, not rhythm; they only count as pauses.
pub const PAUSE_S: f64 = 1.0;

/// Names of the aggregate features, in vector order.
pub const AGGREGATE_NAMES: [&str; 16] = [
    "key_count_log",
    "duration_s",
    "keys_per_s",
    "hold_mean_s",
    "hold_std_s",
    "hold_median_s",
    "dd_mean_s",
    "dd_std_s",
    "dd_median_s",
    "ud_mean_s",
    "ud_std_s",
    "ud_median_s",
    "dd_coefficient_of_variation",
    "pause_ratio",
    "rollover_ratio",
    "backspace_ratio",
];

/// Frequent English digraphs (by `KeyboardEvent.code`), `Space` included.
pub const DIGRAPHS: [(&str, &str); 30] = [
    ("KeyT", "KeyH"),
    ("KeyH", "KeyE"),
    ("KeyI", "KeyN"),
    ("KeyE", "KeyR"),
    ("KeyA", "KeyN"),
    ("KeyR", "KeyE"),
    ("KeyO", "KeyN"),
    ("KeyA", "KeyT"),
    ("KeyE", "KeyN"),
    ("KeyN", "KeyD"),
    ("KeyT", "KeyI"),
    ("KeyE", "KeyS"),
    ("KeyO", "KeyR"),
    ("KeyT", "KeyE"),
    ("KeyO", "KeyU"),
    ("KeyI", "KeyT"),
    ("KeyI", "KeyS"),
    ("KeyN", "KeyG"),
    ("KeyS", "KeyT"),
    ("KeyT", "KeyO"),
    ("KeyE", "Space"),
    ("Space", "KeyT"),
    ("KeyS", "Space"),
    ("KeyD", "Space"),
    ("Space", "KeyA"),
    ("KeyT", "Space"),
    ("Space", "KeyI"),
    ("KeyO", "Space"),
    ("Space", "KeyS"),
    ("KeyN", "Space"),
];

/// Frequent keys whose median hold is a feature.
pub const KEYS: [&str; 13] = [
    "KeyE", "KeyT", "KeyA", "KeyO", "KeyI", "KeyN", "KeyS", "KeyR", "KeyH", "KeyL", "KeyD", "KeyU",
    "Space",
];

/// Every code a feature names: [`KEYS`] first (a key's id is its place there), then the other
/// codes of [`DIGRAPHS`]. Each keystroke's code is looked up once; the per-feature scans then
/// compare ids instead of strings (they were most of the extraction's time).
static CODES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut codes = KEYS.to_vec();
    for code in DIGRAPHS.iter().flat_map(|(a, b)| [*a, *b]) {
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
});

/// Where a code spelt `Key` and a capital letter (by the letter), or `Space`, sits in
/// [`CODE_IDS`]; every code a feature names is spelt so (a test holds [`CODES`] to it).
fn spelling_slot(code: &str) -> Option<usize> {
    match code.as_bytes() {
        [b'K', b'e', b'y', letter @ b'A'..=b'Z'] => Some(usize::from(letter - b'A')),
        b"Space" => Some(26),
        _ => None,
    }
}

/// The id of each code of [`CODES`], at its [`spelling_slot`].
static CODE_IDS: LazyLock<[Option<usize>; 27]> = LazyLock::new(|| {
    let mut ids = [None; 27];
    for (id, code) in CODES.iter().enumerate() {
        if let Some(slot) = spelling_slot(code) {
            ids[slot] = Some(id);
        }
    }
    ids
});

/// The place in [`DIGRAPHS`] of the digraph (first id, second id), at `first * CODES.len() +
/// second`; `u8::MAX` where no feature names that pair.
static DIGRAPH_OF_IDS: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let codes = CODES.len();
    let mut table = vec![u8::MAX; codes * codes];
    for (place, (a, b)) in DIGRAPHS.iter().enumerate() {
        if let (Some(a), Some(b)) = (code_id(a), code_id(b)) {
            table[a * codes + b] = u8::try_from(place).expect("fewer than 255 digraphs");
        }
    }
    table
});

/// The code's place in [`CODES`]: read from its bytes, as this runs for every keystroke of
/// every scored window (a hash lookup was a visible share of the WebSocket peak).
fn code_id(code: &str) -> Option<usize> {
    CODE_IDS[spelling_slot(code)?]
}

/// The place in [`DIGRAPHS`] of the pair of codes with these ids, if a feature names it.
fn digraph_of(first: usize, second: usize) -> Option<usize> {
    let place = *DIGRAPH_OF_IDS.get(first * CODES.len() + second)?;
    (place != u8::MAX).then_some(usize::from(place))
}

/// Most groups a [`Groups`] holds: one per digraph (the keys are fewer).
const MOST_GROUPS: usize = DIGRAPHS.len();

/// Values grouped by a small index in one buffer (a counting sort), so each group's median is
/// taken in place: one pass over the keystrokes instead of one per digraph and per key, which
/// were most of the extraction's time.
struct Groups {
    /// Group `g` is `values[starts[g]..starts[g + 1]]` (held on the stack: no allocation).
    starts: [usize; MOST_GROUPS + 1],
    values: Vec<f64>,
}

impl Groups {
    /// `count` groups (at most [`MOST_GROUPS`]) of the items' values, by the items' groups.
    fn of(count: usize, items: &[(usize, f64)]) -> Groups {
        assert!(
            count <= MOST_GROUPS,
            "{count} groups, at most {MOST_GROUPS}"
        );
        let mut starts = [0; MOST_GROUPS + 1];
        for &(group, _) in items {
            starts[group + 1] += 1;
        }
        for group in 0..count {
            starts[group + 1] += starts[group];
        }
        let mut next = starts;
        let mut values = vec![0.0; items.len()];
        for &(group, value) in items {
            values[next[group]] = value;
            next[group] += 1;
        }
        Groups { starts, values }
    }

    fn median(&mut self, group: usize) -> Option<f64> {
        median_in_place(&mut self.values[self.starts[group]..self.starts[group + 1]])
    }
}

/// Length of the free-text feature vector.
pub const FREE_TEXT_LEN: usize = AGGREGATE_NAMES.len() + DIGRAPHS.len() + KEYS.len();

/// Extracts the free-text vector from a validated keystroke sample (unreleased keys ignored).
pub fn extract(sample: &Sample) -> Result<Vec<f64>, FeatureError> {
    if sample.modality != Modality::Keystroke {
        return Err(FeatureError::WrongModality {
            expected: Modality::Keystroke,
            found: sample.modality,
        });
    }
    from_keystrokes(&pair_keys(&sample.events).keystrokes)
}

/// Feature names in vector order.
pub fn feature_names() -> Vec<String> {
    let digraphs = DIGRAPHS.iter().map(|(a, b)| format!("dd_median_{a}_{b}"));
    let keys = KEYS.iter().map(|k| format!("hold_median_{k}"));
    AGGREGATE_NAMES
        .iter()
        .map(|s| s.to_string())
        .chain(digraphs)
        .chain(keys)
        .collect()
}

/// What the features read of a key's code: its place among the codes they name ([`CODES`]),
/// or whether it is the backspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyClass {
    /// The code's place in [`CODES`] (a key's place in [`KEYS`] comes first).
    Named(u8),
    Backspace,
    Other,
}

impl KeyClass {
    /// The class of a code, read from its spelling.
    pub fn of(code: &str) -> KeyClass {
        match code_id(code) {
            Some(id) => KeyClass::Named(u8::try_from(id).expect("fewer than 256 codes")),
            None if code == "Backspace" => KeyClass::Backspace,
            None => KeyClass::Other,
        }
    }

    fn id(self) -> Option<usize> {
        match self {
            KeyClass::Named(id) => Some(usize::from(id)),
            KeyClass::Backspace | KeyClass::Other => None,
        }
    }
}

/// A keystroke as the features read it: its code's class and its times (milliseconds). A
/// live session's window is read so, its codes classed once as they arrive
/// ([`super::rolling_pairs`]) instead of for every score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedKey {
    pub class: KeyClass,
    pub down_ms: f64,
    pub up_ms: f64,
}

impl From<&Keystroke> for TimedKey {
    fn from(key: &Keystroke) -> TimedKey {
        TimedKey {
            class: KeyClass::of(&key.code),
            down_ms: key.down_ms,
            up_ms: key.up_ms,
        }
    }
}

/// A window's complete keystrokes as the features read them, in key-down order, and how many
/// presses were never released.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimedKeys {
    pub keys: Vec<TimedKey>,
    pub unreleased: usize,
}

impl From<&PairedKeys> for TimedKeys {
    fn from(paired: &PairedKeys) -> TimedKeys {
        TimedKeys {
            keys: paired.keystrokes.iter().map(TimedKey::from).collect(),
            unreleased: paired.unreleased.len(),
        }
    }
}

impl KeyTimes for TimedKey {
    fn down_ms(&self) -> f64 {
        self.down_ms
    }

    fn up_ms(&self) -> f64 {
        self.up_ms
    }
}

/// The vector from keystrokes ordered by key_down.
pub fn from_keystrokes(keys: &[Keystroke]) -> Result<Vec<f64>, FeatureError> {
    from_timed(&keys.iter().map(TimedKey::from).collect::<Vec<_>>())
}

/// [`from_keystrokes`] of keys already classed.
pub fn from_timed(keys: &[TimedKey]) -> Result<Vec<f64>, FeatureError> {
    if keys.len() < MIN_FREE_TEXT_KEYS {
        return Err(FeatureError::TooFewKeystrokes {
            found: keys.len(),
            needed: MIN_FREE_TEXT_KEYS,
        });
    }
    // One pass over the keys, each timing pushed in the keys' order (the sums below add them
    // in that order). Pair i is (keys[i], keys[i + 1]); rhythm statistics ignore thinking
    // pauses, which say more about the text than the typist.
    let mut holds = Vec::with_capacity(keys.len());
    let mut dd = Vec::with_capacity(keys.len());
    let mut ud = Vec::with_capacity(keys.len());
    let mut key_holds: Vec<(usize, f64)> = Vec::with_capacity(keys.len());
    let mut digraph_times: Vec<(usize, f64)> = Vec::with_capacity(keys.len());
    let mut backspaces = 0;
    let first_down = keys[0].down_ms;
    let mut last_up = first_down;
    for (at, key) in keys.iter().enumerate() {
        let hold = (key.up_ms - key.down_ms) / MS_PER_S;
        holds.push(hold);
        last_up = f64::max(last_up, key.up_ms);
        match key.class {
            // A key's id is its place in KEYS.
            KeyClass::Named(id) if usize::from(id) < KEYS.len() => {
                key_holds.push((usize::from(id), hold));
            }
            KeyClass::Backspace => backspaces += 1,
            _ => {}
        }
        let Some(next) = keys.get(at + 1) else {
            continue;
        };
        let down_down = (next.down_ms - key.down_ms) / MS_PER_S;
        if down_down <= PAUSE_S {
            dd.push(down_down);
            ud.push((next.down_ms - key.up_ms) / MS_PER_S);
            if let Some(digraph) = key
                .class
                .id()
                .zip(next.class.id())
                .and_then(|(first, second)| digraph_of(first, second))
            {
                digraph_times.push((digraph, down_down));
            }
        }
    }
    let gaps = keys.len() - 1;

    let duration_s = (last_up - first_down) / MS_PER_S;
    let n = keys.len() as f64;
    let fraction = |count: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            count as f64 / of as f64
        }
    };
    // Sums and counts first, in the timings' order; the medians then reorder them in place.
    let (hold_mean, hold_std) = mean_and_std_dev(&holds).unwrap_or((0.0, 0.0));
    let (dd_mean, dd_std) = mean_and_std_dev(&dd).unwrap_or((PAUSE_S, 0.0));
    let (ud_mean, ud_std) = mean_and_std_dev(&ud).unwrap_or((0.0, 0.0));
    let pause_ratio = fraction(gaps - dd.len(), gaps);
    let rollover_ratio = fraction(ud.iter().filter(|v| **v < 0.0).count(), ud.len());
    let backspace_ratio = fraction(backspaces, keys.len());
    let hold_median = median_in_place(&mut holds).unwrap_or(0.0);
    let dd_median = median_in_place(&mut dd).unwrap_or(PAUSE_S);
    let ud_median = median_in_place(&mut ud).unwrap_or(0.0);

    let mut features = Vec::with_capacity(FREE_TEXT_LEN);
    features.extend([
        n.ln(),
        duration_s,
        if duration_s > 0.0 {
            n / duration_s
        } else {
            0.0
        },
        hold_mean,
        hold_std,
        hold_median,
        dd_mean,
        dd_std,
        dd_median,
        ud_mean,
        ud_std,
        ud_median,
        if dd_mean > 0.0 { dd_std / dd_mean } else { 0.0 },
        pause_ratio,
        rollover_ratio,
        backspace_ratio,
    ]);
    let mut by_digraph = Groups::of(DIGRAPHS.len(), &digraph_times);
    for digraph in 0..DIGRAPHS.len() {
        features.push(by_digraph.median(digraph).unwrap_or(dd_median));
    }
    let mut by_key = Groups::of(KEYS.len(), &key_holds);
    for key in 0..KEYS.len() {
        features.push(by_key.median(key).unwrap_or(hold_median));
    }
    Ok(features)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{DeviceClass, KeyCode, RawEvent};
    use proptest::prelude::*;

    fn sentence(text: &str, hold_ms: f64, gap_ms: f64, start_ms: f64) -> Sample {
        let mut events = Vec::new();
        for (i, c) in text.chars().enumerate() {
            let code = if c == ' ' {
                KeyCode::from("Space")
            } else {
                format!("Key{}", c.to_ascii_uppercase()).into()
            };
            let t = start_ms + i as f64 * gap_ms;
            events.push(RawEvent::KeyDown {
                code: code.clone(),
                t,
            });
            events.push(RawEvent::KeyUp {
                code,
                t: t + hold_ms,
            });
        }
        events.sort_by(|a, b| a.time_ms().total_cmp(&b.time_ms()));
        Sample {
            modality: Modality::Keystroke,
            device: DeviceClass::Desktop,
            text_id: None,
            typed_chars: None,
            typingdna_pattern: None,
            events,
        }
    }

    #[test]
    fn digraph_and_key_medians_are_found_and_missing_ones_imputed() {
        let features = extract(&sentence("the then there", 90.0, 150.0, 0.0)).unwrap();
        assert_eq!(features.len(), FREE_TEXT_LEN);
        assert_eq!(feature_names().len(), FREE_TEXT_LEN);
        let th = AGGREGATE_NAMES.len();
        assert!((features[th] - 0.15).abs() < 1e-12, "th digraph");
        let hold_e = AGGREGATE_NAMES.len() + DIGRAPHS.len();
        assert!((features[hold_e] - 0.09).abs() < 1e-12, "hold of KeyE");
        assert!(features.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn every_code_a_feature_names_is_found_by_its_spelling() {
        for (id, code) in CODES.iter().enumerate() {
            assert_eq!(code_id(code), Some(id), "{code}");
        }
        for other in [
            "KeyZ",
            "Keyt",
            "Key",
            "KeyTT",
            "Spac",
            "Spaces",
            "Backspace",
            "",
            "ÄeyT",
        ] {
            assert_eq!(code_id(other), None, "{other}");
        }
    }

    #[test]
    fn too_short_is_refused() {
        assert!(matches!(
            extract(&sentence("hi", 90.0, 150.0, 0.0)),
            Err(FeatureError::TooFewKeystrokes { found: 2, .. })
        ));
    }

    /// The per-digraph and per-key medians as their definition reads: for each feature, the
    /// matching times, sorted, and the middle of them.
    fn medians_by_definition(keys: &[Keystroke]) -> Vec<f64> {
        let features = from_keystrokes(keys).unwrap();
        let (dd_median, hold_median) = (features[8], features[5]);
        let middle = |mut times: Vec<f64>, otherwise: f64| {
            times.sort_by(f64::total_cmp);
            match times.len() {
                0 => otherwise,
                n if n % 2 == 1 => times[n / 2],
                n => times[n / 2 - 1] + (times[n / 2] - times[n / 2 - 1]) * 0.5,
            }
        };
        let mut medians = Vec::new();
        for (a, b) in DIGRAPHS {
            let times = keys
                .windows(2)
                .map(|pair| (pair, (pair[1].down_ms - pair[0].down_ms) / MS_PER_S))
                .filter(|(pair, dd)| *dd <= PAUSE_S && pair[0].code == a && pair[1].code == b)
                .map(|(_, dd)| dd)
                .collect();
            medians.push(middle(times, dd_median));
        }
        for key in KEYS {
            let holds = keys
                .iter()
                .filter(|k| k.code == key)
                .map(|k| (k.up_ms - k.down_ms) / MS_PER_S)
                .collect();
            medians.push(middle(holds, hold_median));
        }
        medians
    }

    /// Keystrokes typed one after another: each is a code (by its place in a short list), a
    /// hold and the gap since the previous key-down, in milliseconds.
    fn typed_keys(typed: &[(usize, f64, f64)]) -> Vec<Keystroke> {
        let codes = [
            "KeyT",
            "KeyH",
            "KeyE",
            "Space",
            "KeyX",
            "KeyN",
            "KeyD",
            "KeyI",
            "Backspace",
        ];
        let mut down = 0.0;
        typed
            .iter()
            .map(|&(code, hold, gap)| {
                down += gap;
                Keystroke {
                    code: codes[code].into(),
                    down_ms: down,
                    up_ms: down + hold,
                }
            })
            .collect()
    }

    /// The aggregates as their names read, each from its own copy of the timings.
    fn aggregates_by_definition(keys: &[Keystroke]) -> Vec<f64> {
        use crate::features::stats::{mean, median, std_dev};
        let holds: Vec<f64> = keys
            .iter()
            .map(|k| (k.up_ms - k.down_ms) / MS_PER_S)
            .collect();
        let pairs: Vec<&[Keystroke]> = keys.windows(2).collect();
        let all_dd: Vec<f64> = pairs
            .iter()
            .map(|p| (p[1].down_ms - p[0].down_ms) / MS_PER_S)
            .collect();
        let rhythm: Vec<usize> = (0..pairs.len()).filter(|&i| all_dd[i] <= PAUSE_S).collect();
        let dd: Vec<f64> = rhythm.iter().map(|&i| all_dd[i]).collect();
        let ud: Vec<f64> = rhythm
            .iter()
            .map(|&i| (pairs[i][1].down_ms - pairs[i][0].up_ms) / MS_PER_S)
            .collect();
        let first = keys[0].down_ms;
        let duration = (keys.iter().map(|k| k.up_ms).fold(first, f64::max) - first) / MS_PER_S;
        let n = keys.len() as f64;
        let share = |count: usize, of: usize| {
            if of == 0 {
                0.0
            } else {
                count as f64 / of as f64
            }
        };
        let (dd_mean, dd_std) = (mean(&dd).unwrap_or(PAUSE_S), std_dev(&dd).unwrap_or(0.0));
        vec![
            n.ln(),
            duration,
            if duration > 0.0 { n / duration } else { 0.0 },
            mean(&holds).unwrap_or(0.0),
            std_dev(&holds).unwrap_or(0.0),
            median(&holds).unwrap_or(0.0),
            dd_mean,
            dd_std,
            median(&dd).unwrap_or(PAUSE_S),
            mean(&ud).unwrap_or(0.0),
            std_dev(&ud).unwrap_or(0.0),
            median(&ud).unwrap_or(0.0),
            if dd_mean > 0.0 { dd_std / dd_mean } else { 0.0 },
            share(all_dd.len() - dd.len(), all_dd.len()),
            share(ud.iter().filter(|v| **v < 0.0).count(), ud.len()),
            share(
                keys.iter().filter(|k| k.code == "Backspace").count(),
                keys.len(),
            ),
        ]
    }

    proptest! {
        /// Every aggregate is, to the bit, what its definition gives.
        #[test]
        fn aggregates_match_their_definition(
            typed in proptest::collection::vec((0..9usize, -50.0..300.0f64, 0.0..1500.0f64), 10..200)
        ) {
            let keys = typed_keys(&typed);
            let found: Vec<u64> = from_keystrokes(&keys).unwrap()[..AGGREGATE_NAMES.len()]
                .iter()
                .map(|v| v.to_bits())
                .collect();
            let expected: Vec<u64> = aggregates_by_definition(&keys).iter().map(|v| v.to_bits()).collect();
            prop_assert_eq!(found, expected);
        }

        /// The grouped medians are exactly the medians of each digraph's and key's times.
        #[test]
        fn digraph_and_key_medians_match_their_definition(
            typed in proptest::collection::vec((0..9usize, 20.0..300.0f64, 10.0..1500.0f64), 10..200)
        ) {
            let keys = typed_keys(&typed);
            let features = from_keystrokes(&keys).unwrap();
            prop_assert_eq!(&features[AGGREGATE_NAMES.len()..], &medians_by_definition(&keys)[..]);
        }

        #[test]
        fn finite_and_shift_invariant(hold in 1.0..300.0f64, gap in 1.0..1500.0f64, shift in -1e6..1e6f64) {
            let a = extract(&sentence("a quick test of the typing", hold, gap, 5000.0)).unwrap();
            let b = extract(&sentence("a quick test of the typing", hold, gap, 5000.0 + shift)).unwrap();
            for (x, y) in a.iter().zip(&b) {
                prop_assert!(x.is_finite() && (x - y).abs() < 1e-6);
            }
        }
    }
}
