//! A fast path for reading events: a strict subset of JSON read straight from its bytes.
//!
//! A live session decodes every `events` frame its client sends, and serde_json's general
//! decoding (visitors, field identifiers, a `Deserializer` call per value) took about 0.5 µs
//! of a five-event frame, a fifth of the server's core at the WebSocket peak. [`Scanner`]
//! reads what clients send — objects, arrays, strings without escapes, numbers without
//! exponents — and gives up (`None`) on anything else: an escape, an exponent, a `null`
//! (but for a sample's optional fields, which serde reads as absent), a repeated or unknown
//! field, a malformed byte. Whoever calls it then decodes the same text
//! with serde_json, which reads or refuses it as before; so the fast path needs no errors of
//! its own.
//!
//! Where it answers, it answers as serde_json does: the same events, the same numbers to the
//! bit (serde_json is built with `float_roundtrip`, so both round a decimal to the nearest
//! `f64`), the same checks of fields against the event's `kind` ([`WireEvent::into_event`]).
//! `protocol::tests` and the `protocol_frame` fuzz target compare the two on any text; for a
//! whole sample ([`sample`], the REST endpoints' bodies), `routes::sample_body`'s tests and
//! the `sample_extraction` fuzz target.

use serde::de::DeserializeOwned;
use serde::de::value::{Error as NameError, StrDeserializer};

use super::decode::{CODE, ID, Key, Kind, WireEvent};
use super::{RawEvent, Sample};

/// The longest number read here. Without an exponent such a number can neither overflow
/// nor underflow an `f64`; a longer one is left to serde_json.
const MAX_NUMBER_BYTES: usize = 32;

/// Most significant digits [`exact_decimal`] reads: below 2^53, so every such mantissa is an
/// exact `f64`.
const EXACT_DIGITS: usize = 15;

/// Powers of ten up to 10^15, each an exact `f64`.
const POWERS_OF_TEN: [f64; EXACT_DIGITS + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// A number of [`Scanner::number_text`]'s form (digits and at most one point, checked
/// there) with at most [`EXACT_DIGITS`] digits, as the
/// nearest `f64`, without the general parser (a tenth of decoding a frame): its digits make an
/// integer `m` and its `k` decimals a power of ten, both exact `f64`s, and IEEE division rounds
/// `m / 10^k` to the nearest `f64` as `str::parse` does (Clinger's fast path). `None` for longer
/// numbers, which are parsed in full.
fn exact_decimal(text: &[u8]) -> Option<f64> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, text),
    };
    if digits.len() > EXACT_DIGITS + 1 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut point = None;
    for (at, &byte) in digits.iter().enumerate() {
        if byte == b'.' {
            point = Some(at);
        } else {
            mantissa = mantissa * 10 + u64::from(byte.wrapping_sub(b'0'));
        }
    }
    let decimals = point.map_or(0, |at| digits.len() - at - 1);
    if digits.len() - usize::from(point.is_some()) > EXACT_DIGITS {
        return None;
    }
    // Exact: `mantissa` < 10^15 < 2^53.
    let value = mantissa as f64 / POWERS_OF_TEN[decimals];
    Some(if negative { -value } else { value })
}

/// A [`Sample`] object as clients send it — `modality`, `device`, `events` and the optional
/// fields, in any order, each at most once, `null` for an absent optional one — read by
/// [`Scanner`]; `None` for anything else (an unknown or repeated field, a value of another
/// form), which serde_json then decides, as for an `events` frame.
pub fn sample(text: &str) -> Option<Sample> {
    let mut scanner = Scanner::new(text);
    let (mut modality, mut device, mut events) = (None, None, None);
    // `Some(None)`: given as `null`.
    let (mut text_id, mut typed_chars, mut typingdna_pattern) = (None, None, None);
    scanner.object(|scanner, key| {
        match key {
            "modality" if modality.is_none() => modality = Some(named(scanner.string()?)?),
            "device" if device.is_none() => device = Some(named(scanner.string()?)?),
            "text_id" if text_id.is_none() => {
                text_id = Some(scanner.nullable(|scanner| scanner.string().map(str::to_owned))?);
            }
            "typed_chars" if typed_chars.is_none() => {
                typed_chars = Some(scanner.nullable(|scanner| scanner.integer())?);
            }
            "typingdna_pattern" if typingdna_pattern.is_none() => {
                typingdna_pattern =
                    Some(scanner.nullable(|scanner| scanner.string().map(str::to_owned))?);
            }
            "events" if events.is_none() => events = Some(scanner.events(text.len())?),
            _ => return None,
        }
        Some(())
    })?;
    if !scanner.at_end() {
        return None;
    }
    Some(Sample {
        modality: modality?,
        device: device?,
        text_id: text_id.flatten(),
        typed_chars: typed_chars.flatten().map(|count| count as usize),
        events: events?,
        typingdna_pattern: typingdna_pattern.flatten(),
    })
}

/// A name as serde reads it into `T` (an enum of named variants, such as [`super::Modality`]).
fn named<T: DeserializeOwned>(name: &str) -> Option<T> {
    T::deserialize(StrDeserializer::<NameError>::new(name)).ok()
}

/// How the browser SDK writes a key event, up to its code and from its code to its time:
/// `{"kind":"key_down","code":"KeyT","t":1000.5}`.
const KEY_DOWN_AS_WRITTEN: &[u8] = br#"{"kind":"key_down","code":"#;
const KEY_UP_AS_WRITTEN: &[u8] = br#"{"kind":"key_up","code":"#;
const TIME_AS_WRITTEN: &[u8] = br#","t":"#;

/// A position in a text being read. Every method skips whitespace first and returns `None`
/// where the text leaves the subset.
pub struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Self {
        Scanner { text, at: 0 }
    }

    /// Skips JSON whitespace and returns the next byte, not taking it.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(&byte) = bytes.get(self.at) {
            if !matches!(byte, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(byte);
            }
            self.at += 1;
        }
        None
    }

    /// Takes `expected` as the next byte.
    fn take(&mut self, expected: u8) -> Option<()> {
        (self.peek()? == expected).then(|| self.at += 1)
    }

    /// Nothing but whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// An object, `entry` reading each value after its key (and the colon).
    pub fn object(
        &mut self,
        mut entry: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.sequence(b'{', b'}', |scanner| {
            let key = scanner.string()?;
            scanner.take(b':')?;
            entry(scanner, key)
        })
    }

    /// An array, `element` reading each element.
    pub fn array(&mut self, element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.sequence(b'[', b']', element)
    }

    /// `open`, then items read by `item` and separated by commas, then `close`.
    fn sequence(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.take(open)?;
        if self.take(close).is_some() {
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.at += 1,
                byte if byte == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string without escapes or control characters (which serde_json refuses).
    pub fn string(&mut self) -> Option<&'a str> {
        self.take(b'"')?;
        let start = self.at;
        let length = self.text.as_bytes()[start..]
            .iter()
            .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
        let end = start + length;
        if self.text.as_bytes()[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        // Both ends are at an ASCII quote, so on character boundaries.
        self.text.get(start..end)
    }

    /// The bytes of a JSON number without an exponent: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
    fn number_text(&mut self) -> Option<&'a str> {
        self.peek()?;
        let bytes = self.text.as_bytes();
        let start = self.at;
        let digits = |from: usize| {
            bytes[from..]
                .iter()
                .take_while(|byte| byte.is_ascii_digit())
                .count()
        };
        let mut end = start + usize::from(bytes[start] == b'-');
        match digits(end) {
            0 => return None,
            // JSON has no leading zeros.
            n if n > 1 && bytes[end] == b'0' => return None,
            n => end += n,
        }
        if bytes.get(end) == Some(&b'.') {
            match digits(end + 1) {
                0 => return None,
                n => end += 1 + n,
            }
        }
        if matches!(bytes.get(end), Some(b'e' | b'E')) || end - start > MAX_NUMBER_BYTES {
            return None;
        }
        self.at = end;
        self.text.get(start..end)
    }

    /// A number, as an `f64` rounded to nearest (as serde_json reads an integer or a decimal
    /// into an `f64`).
    fn number(&mut self) -> Option<f64> {
        let text = self.number_text()?;
        exact_decimal(text.as_bytes()).or_else(|| text.parse().ok())
    }

    /// A non-negative integer that fits a `u32`.
    fn integer(&mut self) -> Option<u32> {
        let text = self.number_text()?;
        if !text.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    }

    /// Takes `literal` if the text goes on with it (no whitespace skipped).
    fn literal(&mut self, literal: &[u8]) -> Option<()> {
        let goes_on = self.text.as_bytes()[self.at..].starts_with(literal);
        goes_on.then(|| self.at += literal.len())
    }

    /// `null` (`None`), or a value `read` reads.
    fn nullable<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        self.peek()?;
        if self.literal(b"null").is_some() {
            return Some(None);
        }
        read(self).map(Some)
    }

    /// An array of events, in a text of `text_bytes` bytes: room is made for as many events
    /// as its length suggests (a key event as the SDK writes it takes some 45 bytes), one
    /// allocation instead of growing by doubling.
    pub fn events(&mut self, text_bytes: usize) -> Option<Vec<RawEvent>> {
        let mut read = Vec::with_capacity(text_bytes / 40);
        self.array(|scanner| {
            read.push(scanner.event()?);
            Some(())
        })?;
        Some(read)
    }

    /// One event object: its fields in any order, each at most once, none `null`.
    pub fn event(&mut self) -> Option<RawEvent> {
        self.peek()?;
        let start = self.at;
        if let Some(event) = self.key_event_as_written() {
            return Some(event);
        }
        self.at = start;
        self.event_object()
    }

    /// A key event as the SDK writes it, read by its literal parts: matching each field's
    /// name was half the time of reading an event. `None` (and the position wherever it
    /// stopped) for any other layout.
    fn key_event_as_written(&mut self) -> Option<RawEvent> {
        let down = if self.literal(KEY_DOWN_AS_WRITTEN).is_some() {
            true
        } else {
            self.literal(KEY_UP_AS_WRITTEN)?;
            false
        };
        let code = self.string()?.into();
        self.literal(TIME_AS_WRITTEN)?;
        let t = self.number()?;
        self.take(b'}')?;
        Some(if down {
            RawEvent::KeyDown { code, t }
        } else {
            RawEvent::KeyUp { code, t }
        })
    }

    /// One event object read field by field.
    fn event_object(&mut self) -> Option<RawEvent> {
        let mut kind = None;
        let mut event = WireEvent::default();
        self.object(|scanner, name| {
            let place = match Key::named(name)? {
                Key::Kind if kind.is_some() => return None,
                Key::Kind => {
                    kind = Some(Kind::named(scanner.string()?)?);
                    return Some(());
                }
                Key::Field(place) => place,
            };
            let bit = 1 << place;
            if event.seen & bit != 0 {
                return None;
            }
            match place {
                CODE => event.code = Some(scanner.string()?.into()),
                ID => event.id = Some(scanner.integer()?),
                _ => event.numbers[place] = scanner.number()?,
            }
            event.seen |= bit;
            event.present |= bit;
            Some(())
        })?;
        event.into_event(kind?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The fast path reads every number it takes to the same bits as `str::parse`.
        #[test]
        fn exact_decimals_are_parsed_to_the_bit(
            negative: bool,
            whole in "(0|[1-9][0-9]{0,17})",
            decimals in proptest::option::of("[0-9]{1,17}"),
        ) {
            let text = format!(
                "{}{whole}{}",
                if negative { "-" } else { "" },
                decimals.map_or(String::new(), |d| format!(".{d}")),
            );
            let parsed: f64 = text.parse().unwrap();
            if let Some(fast) = exact_decimal(text.as_bytes()) {
                prop_assert_eq!(fast.to_bits(), parsed.to_bits(), "{}", text);
            }
            let mut scanner = Scanner::new(&text);
            let read = (text.len() <= MAX_NUMBER_BYTES).then_some(parsed.to_bits());
            prop_assert_eq!(scanner.number().map(f64::to_bits), read);
        }
    }

    #[test]
    fn exact_decimals_cover_the_sdk_s_times_and_leave_long_numbers() {
        assert_eq!(exact_decimal(b"1000.5"), Some(1000.5));
        assert_eq!(
            exact_decimal(b"-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(
            exact_decimal(b"123456789012.345"),
            Some(123_456_789_012.345)
        );
        assert_eq!(exact_decimal(b"0.1"), Some(0.1));
        assert_eq!(exact_decimal(b"1234567890123456"), None, "16 digits");
    }

    fn event(text: &str) -> Option<RawEvent> {
        let mut scanner = Scanner::new(text);
        let event = scanner.event()?;
        scanner.at_end().then_some(event)
    }

    #[test]
    fn the_sdk_s_events_are_read() {
        assert_eq!(
            event(r#"{"kind":"key_up","code":"ShiftLeft","t":-0}"#),
            Some(RawEvent::KeyUp {
                code: "ShiftLeft".into(),
                t: -0.0
            })
        );
        assert_eq!(
            event(r#"{"kind":"key_down","code":"KeyT","t":1,"kind":"key_up"}"#),
            None
        );
        assert_eq!(
            event(r#"{"kind":"key_down","code":"KeyT","t":1000.5}"#),
            Some(RawEvent::KeyDown {
                code: "KeyT".into(),
                t: 1000.5
            })
        );
        assert_eq!(
            event(
                r#" { "t" : 7 , "kind" : "touch_end", "id": 0, "x": -1.25, "y": 0,
                    "pressure": 0.5, "size": 10 } "#
            ),
            Some(RawEvent::TouchEnd {
                id: 0,
                x: -1.25,
                y: 0.0,
                pressure: 0.5,
                size: 10.0,
                t: 7.0
            })
        );
        assert_eq!(
            event(
                r#"{"kind":"motion","ax":0.1,"ay":-9.81,"az":0,"gx":1,"gy":2,"gz":3,"t":16.667}"#
            ),
            Some(RawEvent::Motion {
                ax: 0.1,
                ay: -9.81,
                az: 0.0,
                gx: 1.0,
                gy: 2.0,
                gz: 3.0,
                t: 16.667
            })
        );
    }

    #[test]
    fn anything_outside_the_subset_is_left_to_serde_json() {
        for text in [
            r#"{"kind":"key_down","code":"Key\u0054","t":1}"#,
            r#"{"kind":"key_down","code":"KeyT","t":1e3}"#,
            r#"{"kind":"key_down","code":"KeyT","t":01}"#,
            r#"{"kind":"key_down","code":"KeyT","t":1.}"#,
            r#"{"kind":"key_down","code":"KeyT","t":.5}"#,
            r#"{"kind":"key_down","code":"KeyT","t":+1}"#,
            r#"{"kind":"key_down","code":"KeyT","t":-}"#,
            r#"{"kind":"key_down","code":"KeyT","t":100000000000000000000000000000000}"#,
            r#"{"kind":"key_down","code":"KeyT","t":1,"x":null}"#,
            r#"{"kind":"key_down","code":"KeyT","t":1,"t":2}"#,
            r#"{"kind":"key_down","kind":"key_up","code":"KeyT","t":1}"#,
            r#"{"kind":"key_down","code":"KeyT","t":1,"colour":2}"#,
            r#"{"kind":"key_down","code":"KeyT","t":1,"x":2}"#,
            r#"{"kind":"key_down","code":"KeyT"}"#,
            r#"{"kind":"wink","code":"KeyT","t":1}"#,
            r#"{"code":"KeyT","t":1}"#,
            r#"{"kind":"key_down","code":"KeyT","t":1,}"#,
            r#"{"kind":"key_down","code":"KeyT","t":"1"}"#,
            r#"{"kind":"touch_start","id":-1,"x":1,"y":1,"pressure":1,"size":1,"t":1}"#,
            r#"{"kind":"touch_start","id":1.0,"x":1,"y":1,"pressure":1,"size":1,"t":1}"#,
            r#"{"kind":"touch_start","id":4294967296,"x":1,"y":1,"pressure":1,"size":1,"t":1}"#,
            "{\"kind\":\"key_down\",\"code\":\"Key\tT\",\"t\":1}",
            r#"{"kind":"key_down","code":"KeyT","t":1"#,
            r#"{"kind":"key_down","code":"KeyT","t":1}}"#,
        ] {
            assert_eq!(event(text), None, "{text}");
        }
    }
}
