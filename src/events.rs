//! The one event schema shared by the REST API, the WebSocket and the browser SDK.
//!
//! A client records raw input events (key, touch or motion) with `performance.now()`-style
//! timestamps in milliseconds and sends them as a [`Sample`]. Nothing here interprets timing;
//! [`Sample::validate`] only refuses samples that the feature extractors could not trust.
//!
//! Key codes of a password *are* the password, so the server never stores them: it keeps the
//! timing vector and [`key_sequence_hash`], a keyed HMAC-SHA256 of the code sequence.

use foldhash::fast::RandomState;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::HashMap;
use utoipa::ToSchema;

mod decode;
pub mod scan;

/// A `KeyboardEvent.code`. Codes up to 24 bytes (all real ones) are kept inline, so decoding,
/// copying a live window and pairing keys allocate nothing per key event.
pub type KeyCode = compact_str::CompactString;

/// `ms` milliseconds rounded to the microsecond, the browser SDK's resolution
/// (`static/js/recorder.js`). A time or a difference of times printed in full carries float
/// noise in its last digits (`95.12300000000005`): 17 digits, twice as long to write and to
/// parse (serde_json reads them on its slow path) as the microseconds they hold.
pub fn to_microseconds(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// One raw input event. Times `t` are milliseconds on one monotonic clock per sample.
/// Decoded in one pass by [`decode`] (same wire format as the serde attributes say).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawEvent {
    /// A key went down; `code` is `KeyboardEvent.code` (layout independent, e.g. `KeyT`).
    KeyDown {
        #[schema(value_type = String)]
        code: KeyCode,
        t: f64,
    },
    /// A key went up.
    KeyUp {
        #[schema(value_type = String)]
        code: KeyCode,
        t: f64,
    },
    /// A finger touched the screen; `id` is `Touch.identifier`.
    TouchStart {
        id: u32,
        x: f64,
        y: f64,
        pressure: f64,
        size: f64,
        t: f64,
    },
    /// A finger moved.
    TouchMove {
        id: u32,
        x: f64,
        y: f64,
        pressure: f64,
        size: f64,
        t: f64,
    },
    /// A finger left the screen.
    TouchEnd {
        id: u32,
        x: f64,
        y: f64,
        pressure: f64,
        size: f64,
        t: f64,
    },
    /// One accelerometer (m/s², gravity included) and gyroscope (rad/s or deg/s, as the
    /// device reports) reading.
    Motion {
        ax: f64,
        ay: f64,
        az: f64,
        gx: f64,
        gy: f64,
        gz: f64,
        t: f64,
    },
}

impl RawEvent {
    /// Time of the event in milliseconds.
    pub fn time_ms(&self) -> f64 {
        match self {
            RawEvent::KeyDown { t, .. }
            | RawEvent::KeyUp { t, .. }
            | RawEvent::TouchStart { t, .. }
            | RawEvent::TouchMove { t, .. }
            | RawEvent::TouchEnd { t, .. }
            | RawEvent::Motion { t, .. } => *t,
        }
    }

    /// The modality this kind of event belongs to.
    pub fn modality(&self) -> Modality {
        match self {
            RawEvent::KeyDown { .. } | RawEvent::KeyUp { .. } => Modality::Keystroke,
            RawEvent::TouchStart { .. }
            | RawEvent::TouchMove { .. }
            | RawEvent::TouchEnd { .. } => Modality::Touch,
            RawEvent::Motion { .. } => Modality::Motion,
        }
    }

    /// The snake_case name used on the wire, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            RawEvent::KeyDown { .. } => "key_down",
            RawEvent::KeyUp { .. } => "key_up",
            RawEvent::TouchStart { .. } => "touch_start",
            RawEvent::TouchMove { .. } => "touch_move",
            RawEvent::TouchEnd { .. } => "touch_end",
            RawEvent::Motion { .. } => "motion",
        }
    }

    /// Every numeric value of the event, for the finiteness check (no allocation: it runs on
    /// every event of every scored window).
    pub(crate) fn numbers(&self) -> impl Iterator<Item = (&'static str, f64)> {
        const NONE: (&str, f64) = ("", 0.0);
        let values: [(&'static str, f64); 7] = match self {
            RawEvent::KeyDown { t, .. } | RawEvent::KeyUp { t, .. } => {
                [("t", *t), NONE, NONE, NONE, NONE, NONE, NONE]
            }
            RawEvent::TouchStart {
                x,
                y,
                pressure,
                size,
                t,
                ..
            }
            | RawEvent::TouchMove {
                x,
                y,
                pressure,
                size,
                t,
                ..
            }
            | RawEvent::TouchEnd {
                x,
                y,
                pressure,
                size,
                t,
                ..
            } => [
                ("x", *x),
                ("y", *y),
                ("pressure", *pressure),
                ("size", *size),
                ("t", *t),
                NONE,
                NONE,
            ],
            RawEvent::Motion {
                ax,
                ay,
                az,
                gx,
                gy,
                gz,
                t,
            } => [
                ("ax", *ax),
                ("ay", *ay),
                ("az", *az),
                ("gx", *gx),
                ("gy", *gy),
                ("gz", *gz),
                ("t", *t),
            ],
        };
        values.into_iter().filter(|(name, _)| !name.is_empty())
    }
}

/// Which behaviour a sample captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    Keystroke,
    Touch,
    Motion,
}

/// Device class; models are trained per user *and* per device class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceClass {
    Desktop,
    Mobile,
}

/// One capture: a password entry, a sentence, a swipe session or a motion window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"modality": "keystroke", "device": "desktop", "text_id": "password", "events": [{"kind": "key_down", "code": "KeyT", "t": 0.0}, {"kind": "key_up", "code": "KeyT", "t": 92.5}, {"kind": "key_down", "code": "KeyI", "t": 180.0}, {"kind": "key_up", "code": "KeyI", "t": 251.0}]}))]
pub struct Sample {
    pub modality: Modality,
    pub device: DeviceClass,
    /// Identifies the fixed text (e.g. "password") when there is one; `None` for free text.
    #[serde(default)]
    pub text_id: Option<String>,
    /// Length of the text the input field ended with, when the client knows it: more
    /// characters than key presses means pasted or autofilled input (lowers the quality).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typed_chars: Option<usize>,
    pub events: Vec<RawEvent>,
    /// The TypingDNA recorder's pattern of the same typing (`getTypingPattern`, of the
    /// server's `typingdna.pattern_type`); used only when the server's TypingDNA detector is
    /// on (`GET /api/v1/biometrics/config`), ignored otherwise. At most 20 000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typingdna_pattern: Option<String>,
}

/// Longest `typingdna_pattern` accepted (the recorder's patterns are a few kB).
pub const MAX_TYPINGDNA_PATTERN_CHARS: usize = 20_000;

/// Bounds a sample must respect; the server reads them from its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleLimits {
    /// More events than this is refused (protects memory and CPU).
    pub max_events: usize,
}

impl Default for SampleLimits {
    fn default() -> Self {
        SampleLimits { max_events: 20_000 }
    }
}

/// Why a sample was refused. Each message says exactly what is wrong and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SampleError {
    #[error("the sample has no events")]
    Empty,
    #[error("typingdna_pattern is longer than {max} characters")]
    TypingDnaPatternTooLong { max: usize },
    #[error("the sample has {count} events; at most {max} are accepted")]
    TooManyEvents { count: usize, max: usize },
    #[error("event {index} has a non-finite value in field `{field}`")]
    NonFinite { index: usize, field: &'static str },
    #[error(
        "event {index} is at t={t} ms, earlier than the event before it (t={previous} ms): times must not decrease"
    )]
    TimeWentBackwards { index: usize, t: f64, previous: f64 },
    #[error("event {index} is a `{kind}` event, which does not belong in a {modality:?} sample")]
    WrongKind {
        index: usize,
        kind: &'static str,
        modality: Modality,
    },
    #[error("event {index} releases key `{code}` that is not held down")]
    KeyUpWithoutKeyDown { index: usize, code: String },
}

/// The checks [`Sample::validate`] makes of each event but the key pairing: finite numbers, the
/// sample's modality, times that never decrease (`previous` is the time of the event before,
/// updated). `index` is the event's place in the sample, for the error.
pub(crate) fn check_event(
    event: &RawEvent,
    index: usize,
    modality: Modality,
    previous: &mut f64,
) -> Result<(), SampleError> {
    let non_finite = match event {
        // A key event's one number, checked directly: this runs on every event of every
        // scored window.
        RawEvent::KeyDown { t, .. } | RawEvent::KeyUp { t, .. } => (!t.is_finite()).then_some("t"),
        _ => event
            .numbers()
            .find(|(_, v)| !v.is_finite())
            .map(|(field, _)| field),
    };
    if let Some(field) = non_finite {
        return Err(SampleError::NonFinite { index, field });
    }
    if event.modality() != modality {
        return Err(SampleError::WrongKind {
            index,
            kind: event.kind_name(),
            modality,
        });
    }
    let t = event.time_ms();
    if t < *previous {
        return Err(SampleError::TimeWentBackwards {
            index,
            t,
            previous: *previous,
        });
    }
    *previous = t;
    Ok(())
}

impl Sample {
    /// Refuses samples the feature extractors could not trust. Never panics.
    pub fn validate(&self, limits: &SampleLimits) -> Result<(), SampleError> {
        if self.events.is_empty() {
            return Err(SampleError::Empty);
        }
        if let Some(pattern) = &self.typingdna_pattern
            && pattern.chars().count() > MAX_TYPINGDNA_PATTERN_CHARS
        {
            return Err(SampleError::TypingDnaPatternTooLong {
                max: MAX_TYPINGDNA_PATTERN_CHARS,
            });
        }
        if self.events.len() > limits.max_events {
            return Err(SampleError::TooManyEvents {
                count: self.events.len(),
                max: limits.max_events,
            });
        }
        let mut previous = f64::NEG_INFINITY;
        // Key codes currently held, with how many downs are open (auto-repeat sends several).
        // Sized for the sample's keys up front: growing from empty rehashed it several times per
        // scored window.
        let mut held: HashMap<&str, usize, RandomState> =
            HashMap::with_capacity_and_hasher(self.events.len() / 2, RandomState::default());
        for (index, event) in self.events.iter().enumerate() {
            check_event(event, index, self.modality, &mut previous)?;
            match event {
                RawEvent::KeyDown { code, .. } => *held.entry(code.as_str()).or_insert(0) += 1,
                RawEvent::KeyUp { code, .. } => match held.get_mut(code.as_str()) {
                    Some(open) if *open > 0 => *open = 0,
                    _ => {
                        return Err(SampleError::KeyUpWithoutKeyDown {
                            index,
                            code: code.to_string(),
                        });
                    }
                },
                _ => {}
            }
        }
        Ok(())
    }

    /// The codes of the key_down events in order, skipping auto-repeat downs of a held key.
    pub fn typed_codes(&self) -> Vec<&str> {
        let mut held: HashMap<&str, bool, RandomState> = HashMap::default();
        let mut codes = Vec::new();
        for event in &self.events {
            match event {
                RawEvent::KeyDown { code, .. } => {
                    let is_held = held.entry(code.as_str()).or_insert(false);
                    if !*is_held {
                        codes.push(code.as_str());
                    }
                    *is_held = true;
                }
                RawEvent::KeyUp { code, .. } => {
                    held.insert(code.as_str(), false);
                }
                _ => {}
            }
        }
        codes
    }
}

/// Keyed hash (HMAC-SHA256, lowercase hex) of a key-code sequence, scoped to one user so equal
/// passwords of two users do not hash alike. Each code is length-prefixed so that no two
/// different sequences serialise to the same bytes.
pub fn key_sequence_hash<'a>(
    secret: &[u8],
    user_scope: &str,
    codes: impl IntoIterator<Item = &'a str>,
) -> String {
    // HMAC accepts keys of any length, so this construction cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac(),
    };
    mac.update(&(user_scope.len() as u64).to_be_bytes());
    mac.update(user_scope.as_bytes());
    for code in codes {
        mac.update(&(code.len() as u64).to_be_bytes());
        mac.update(code.as_bytes());
    }
    lowercase_hex(&mac.finalize().into_bytes())
}

/// Lowercase hex of `bytes`, one allocation (this runs on every verified sample).
fn lowercase_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|byte| {
            [
                char::from(DIGITS[usize::from(byte >> 4)]),
                char::from(DIGITS[usize::from(byte & 0x0f)]),
            ]
        })
        .collect()
}

#[cold]
fn unreachable_hmac() -> ! {
    unreachable!("HMAC-SHA256 accepts keys of every length")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: &str, code: &str, t: f64) -> RawEvent {
        match kind {
            "down" => RawEvent::KeyDown {
                code: code.into(),
                t,
            },
            _ => RawEvent::KeyUp {
                code: code.into(),
                t,
            },
        }
    }

    fn keystroke_sample(events: Vec<RawEvent>) -> Sample {
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
    fn wire_format_is_internally_tagged_by_kind() {
        let json = r#"{"modality":"keystroke","device":"desktop","text_id":"password",
            "events":[{"kind":"key_down","code":"KeyT","t":1532.4},{"kind":"key_up","code":"KeyT","t":1610.0}]}"#;
        let sample: Sample = serde_json::from_str(json).unwrap();
        assert_eq!(sample.events[0], key("down", "KeyT", 1532.4));
        assert!(sample.validate(&SampleLimits::default()).is_ok());
        let back: Sample = serde_json::from_str(&serde_json::to_string(&sample).unwrap()).unwrap();
        assert_eq!(back, sample);
    }

    #[test]
    fn unknown_kinds_and_fields_fail_at_deserialisation() {
        assert!(
            serde_json::from_str::<RawEvent>(r#"{"kind":"key_press","code":"KeyT","t":1}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<RawEvent>(r#"{"kind":"key_up","code":"KeyT","t":1,"x":2}"#)
                .is_err()
        );
        let extra = r#"{"modality":"touch","device":"mobile","events":[],"secret":1}"#;
        assert!(serde_json::from_str::<Sample>(extra).is_err());
    }

    #[test]
    fn refusals_name_the_offending_event() {
        let limits = SampleLimits { max_events: 3 };
        assert_eq!(
            keystroke_sample(vec![]).validate(&limits),
            Err(SampleError::Empty)
        );
        let backwards = keystroke_sample(vec![key("down", "KeyA", 10.0), key("up", "KeyA", 5.0)]);
        assert!(matches!(
            backwards.validate(&limits),
            Err(SampleError::TimeWentBackwards { index: 1, .. })
        ));
        let orphan = keystroke_sample(vec![key("down", "KeyA", 1.0), key("up", "KeyB", 2.0)]);
        let err = orphan.validate(&limits).unwrap_err();
        assert_eq!(
            err.to_string(),
            "event 1 releases key `KeyB` that is not held down"
        );
        let nan = keystroke_sample(vec![key("down", "KeyA", f64::NAN)]);
        assert_eq!(
            nan.validate(&limits),
            Err(SampleError::NonFinite {
                index: 0,
                field: "t"
            })
        );
        let many = keystroke_sample(vec![key("down", "KeyA", 1.0); 4]);
        assert!(matches!(
            many.validate(&limits),
            Err(SampleError::TooManyEvents { count: 4, max: 3 })
        ));
        let motion = RawEvent::Motion {
            ax: 0.0,
            ay: 0.0,
            az: 9.8,
            gx: 0.0,
            gy: 0.0,
            gz: 0.0,
            t: 1.0,
        };
        let mixed = keystroke_sample(vec![key("down", "KeyA", 0.0), motion]);
        assert!(matches!(
            mixed.validate(&limits),
            Err(SampleError::WrongKind {
                index: 1,
                kind: "motion",
                ..
            })
        ));
    }

    #[test]
    fn auto_repeat_downs_count_as_one_typed_key() {
        let sample = keystroke_sample(vec![
            key("down", "KeyA", 0.0),
            key("down", "KeyA", 30.0),
            key("up", "KeyA", 60.0),
            key("down", "KeyB", 80.0),
            key("up", "KeyB", 90.0),
        ]);
        assert!(sample.validate(&SampleLimits::default()).is_ok());
        assert_eq!(sample.typed_codes(), vec!["KeyA", "KeyB"]);
    }

    #[test]
    fn sequence_hash_depends_on_secret_scope_and_codes() {
        let h = key_sequence_hash(b"k", "alice", ["KeyA", "KeyB"]);
        assert_eq!(h.len(), 64);
        assert_eq!(h, key_sequence_hash(b"k", "alice", ["KeyA", "KeyB"]));
        assert_ne!(h, key_sequence_hash(b"k2", "alice", ["KeyA", "KeyB"]));
        assert_ne!(h, key_sequence_hash(b"k", "bob", ["KeyA", "KeyB"]));
        assert_ne!(h, key_sequence_hash(b"k", "alice", ["KeyAKeyB"]));
    }

    /// Stored profiles carry these hashes: the construction and its spelling must not change.
    #[test]
    fn sequence_hash_is_the_length_prefixed_hmac_in_lowercase_hex() {
        // Python: hmac.new(b"k", pack(">Q", 5) + b"alice" + pack(">Q", 4) + b"KeyA"
        //                  + pack(">Q", 4) + b"KeyB", sha256).hexdigest()
        assert_eq!(
            key_sequence_hash(b"k", "alice", ["KeyA", "KeyB"]),
            "ecaa4a44b827181aa244e6cd56de000bd2e86a9c0932d72c36aa04f167000b29"
        );
        assert_eq!(lowercase_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }
}
