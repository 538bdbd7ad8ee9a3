//! How a [`RawEvent`] is read: every field any kind of event has, in any order, then checked
//! against the event's `kind`.
//!
//! serde's derived decoding of an internally tagged enum (`"kind": ...` inside the object)
//! first copies the whole object into a buffer of its own, because the tag may come last; a
//! live session decodes twenty events a second per user, and that copying was most of the
//! cost of decoding a frame. [`EventVisitor`] reads the object in one pass into a
//! [`WireEvent`]: the numbers in one array and a bit per field present, where a derived struct
//! of fourteen optional fields was moved whole at each step (decoding was a fifth of the
//! server's core at the WebSocket peak). The wire format is unchanged: the same fields, a
//! `null` the same as an absent field, unknown, foreign and repeated fields refused, `kind`
//! anywhere in the object. Serialising stays derived (it needs no buffer). The live session's
//! fast path ([`super::scan`]) names kinds and fields through [`Kind::named`] and
//! [`Key::named`] and checks events with [`WireEvent::into_event`], as this visitor does.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::{KeyCode, RawEvent};

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Kind {
    KeyDown,
    KeyUp,
    TouchStart,
    TouchMove,
    TouchEnd,
    Motion,
}

/// Fields of key events, touch events and motion events besides `kind`.
const KEY_FIELDS: &[&str] = &["code", "t"];
const TOUCH_FIELDS: &[&str] = &["id", "x", "y", "pressure", "size", "t"];
const MOTION_FIELDS: &[&str] = &["ax", "ay", "az", "gx", "gy", "gz", "t"];

/// Every field besides `kind`; field `i` is bit `1 << i` of [`WireEvent::present`]. The
/// numeric ones come first, at their place in [`WireEvent::numbers`].
const FIELDS: [&str; 13] = [
    "t", "x", "y", "pressure", "size", "ax", "ay", "az", "gx", "gy", "gz", "code", "id",
];
/// Places in [`FIELDS`].
const T: usize = 0;
const X: usize = 1;
const Y: usize = 2;
const PRESSURE: usize = 3;
const SIZE: usize = 4;
const AX: usize = 5;
const AY: usize = 6;
const AZ: usize = 7;
const GX: usize = 8;
const GY: usize = 9;
const GZ: usize = 10;
pub(super) const CODE: usize = 11;
pub(super) const ID: usize = 12;
/// The numeric fields: those before `code`.
const NUMBERS: usize = CODE;

/// Every field an event object may have, as a refusal lists them.
const ALL_FIELDS: &[&str] = &[
    "kind", "code", "t", "id", "x", "y", "pressure", "size", "ax", "ay", "az", "gx", "gy", "gz",
];

/// The bits of these fields (evaluated at compile time).
const fn bits(fields: &[&str]) -> u16 {
    const fn same(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
    let mut bits = 0;
    let mut i = 0;
    while i < fields.len() {
        let mut bit = 0;
        while bit < FIELDS.len() {
            if same(fields[i], FIELDS[bit]) {
                bits |= 1 << bit;
            }
            bit += 1;
        }
        i += 1;
    }
    bits
}

impl Kind {
    /// The kind named `name` on the wire (as the derived decoding reads it).
    pub(super) fn named(name: &str) -> Option<Kind> {
        Some(match name {
            "key_down" => Kind::KeyDown,
            "key_up" => Kind::KeyUp,
            "touch_start" => Kind::TouchStart,
            "touch_move" => Kind::TouchMove,
            "touch_end" => Kind::TouchEnd,
            "motion" => Kind::Motion,
            _ => return None,
        })
    }
}

const KEY_BITS: u16 = bits(KEY_FIELDS);
const TOUCH_BITS: u16 = bits(TOUCH_FIELDS);
const MOTION_BITS: u16 = bits(MOTION_FIELDS);

/// An object key: `kind`, or the place of another field in [`FIELDS`].
pub(super) enum Key {
    Kind,
    Field(usize),
}

impl Key {
    /// The key named `name`, if an event has such a field.
    pub(super) fn named(name: &str) -> Option<Key> {
        let place = match name {
            "kind" => return Some(Key::Kind),
            "t" => T,
            "x" => X,
            "y" => Y,
            "pressure" => PRESSURE,
            "size" => SIZE,
            "ax" => AX,
            "ay" => AY,
            "az" => AZ,
            "gx" => GX,
            "gy" => GY,
            "gz" => GZ,
            "code" => CODE,
            "id" => ID,
            _ => return None,
        };
        Some(Key::Field(place))
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = Key;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("an event field name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
                Key::named(name).ok_or_else(|| de::Error::unknown_field(name, ALL_FIELDS))
            }
        }

        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// An event as read, before its kind says which fields it must have.
#[derive(Default)]
pub(super) struct WireEvent {
    pub(super) code: Option<KeyCode>,
    pub(super) id: Option<u32>,
    /// The numeric fields, in [`FIELDS`] order; only those in `present` were given.
    pub(super) numbers: [f64; NUMBERS],
    /// Fields given a value, one bit each (see [`FIELDS`]).
    pub(super) present: u16,
    /// Fields seen at all, `null` included, to refuse a repeated one.
    pub(super) seen: u16,
}

fn required<T>(value: Option<T>, field: &'static str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{field}`"))
}

impl WireEvent {
    /// The numeric field at `place` in [`FIELDS`], if given.
    fn number(&self, place: usize) -> Result<f64, String> {
        required(
            (self.present & (1 << place) != 0).then(|| self.numbers[place]),
            FIELDS[place],
        )
    }

    /// Refuses a field that this kind of event does not have (`allowed`, whose bits are
    /// `allowed_bits`).
    fn only(&self, kind: &str, allowed: &[&str], allowed_bits: u16) -> Result<(), String> {
        let foreign = self.present & !allowed_bits;
        if foreign == 0 {
            return Ok(());
        }
        let field = FIELDS[foreign.trailing_zeros() as usize];
        Err(format!(
            "unknown field `{field}` in a {kind} event, expected one of {}",
            allowed.join(", ")
        ))
    }

    pub(super) fn into_event(self, kind: Kind) -> Result<RawEvent, String> {
        let number = |place| self.number(place);
        match kind {
            Kind::KeyDown | Kind::KeyUp => {
                let name = if matches!(kind, Kind::KeyDown) {
                    "key_down"
                } else {
                    "key_up"
                };
                self.only(name, KEY_FIELDS, KEY_BITS)?;
                let t = number(T)?;
                let code = required(self.code, "code")?;
                Ok(match kind {
                    Kind::KeyDown => RawEvent::KeyDown { code, t },
                    _ => RawEvent::KeyUp { code, t },
                })
            }
            Kind::TouchStart | Kind::TouchMove | Kind::TouchEnd => {
                let name = match kind {
                    Kind::TouchStart => "touch_start",
                    Kind::TouchMove => "touch_move",
                    _ => "touch_end",
                };
                self.only(name, TOUCH_FIELDS, TOUCH_BITS)?;
                let id = required(self.id, "id")?;
                let (x, y) = (number(X)?, number(Y)?);
                let (pressure, size, t) = (number(PRESSURE)?, number(SIZE)?, number(T)?);
                Ok(match kind {
                    Kind::TouchStart => RawEvent::TouchStart {
                        id,
                        x,
                        y,
                        pressure,
                        size,
                        t,
                    },
                    Kind::TouchMove => RawEvent::TouchMove {
                        id,
                        x,
                        y,
                        pressure,
                        size,
                        t,
                    },
                    _ => RawEvent::TouchEnd {
                        id,
                        x,
                        y,
                        pressure,
                        size,
                        t,
                    },
                })
            }
            Kind::Motion => {
                self.only("motion", MOTION_FIELDS, MOTION_BITS)?;
                Ok(RawEvent::Motion {
                    ax: number(AX)?,
                    ay: number(AY)?,
                    az: number(AZ)?,
                    gx: number(GX)?,
                    gy: number(GY)?,
                    gz: number(GZ)?,
                    t: number(T)?,
                })
            }
        }
    }
}

/// Reads one event object.
struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = RawEvent;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an input event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEvent, A::Error> {
        let mut kind: Option<Kind> = None;
        let mut event = WireEvent::default();
        while let Some(key) = map.next_key::<Key>()? {
            let place = match key {
                Key::Kind if kind.is_some() => return Err(de::Error::duplicate_field("kind")),
                Key::Kind => {
                    kind = Some(map.next_value()?);
                    continue;
                }
                Key::Field(place) => place,
            };
            let bit = 1 << place;
            if event.seen & bit != 0 {
                return Err(de::Error::duplicate_field(FIELDS[place]));
            }
            event.seen |= bit;
            let given = match place {
                CODE => {
                    event.code = map.next_value()?;
                    event.code.is_some()
                }
                ID => {
                    event.id = map.next_value()?;
                    event.id.is_some()
                }
                _ => match map.next_value::<Option<f64>>()? {
                    Some(value) => {
                        event.numbers[place] = value;
                        true
                    }
                    None => false,
                },
            };
            if given {
                event.present |= bit;
            }
        }
        let kind = kind.ok_or_else(|| de::Error::missing_field("kind"))?;
        event.into_event(kind).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for RawEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EventVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn decode(value: Value) -> Result<RawEvent, String> {
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    #[test]
    fn every_kind_decodes_with_its_tag_anywhere() {
        assert_eq!(
            decode(json!({"t": 5.0, "code": "KeyT", "kind": "key_up"})),
            Ok(RawEvent::KeyUp {
                code: "KeyT".into(),
                t: 5.0
            })
        );
        assert_eq!(
            decode(
                json!({"kind": "touch_move", "id": 2, "x": 1.0, "y": 2.0, "pressure": 0.5, "size": 0.1, "t": 3.0})
            ),
            Ok(RawEvent::TouchMove {
                id: 2,
                x: 1.0,
                y: 2.0,
                pressure: 0.5,
                size: 0.1,
                t: 3.0
            })
        );
        assert_eq!(
            decode(
                json!({"ax": 1.0, "ay": 2.0, "az": 3.0, "gx": 4.0, "gy": 5.0, "gz": 6.0, "t": 7.0, "kind": "motion"})
            ),
            Ok(RawEvent::Motion {
                ax: 1.0,
                ay: 2.0,
                az: 3.0,
                gx: 4.0,
                gy: 5.0,
                gz: 6.0,
                t: 7.0
            })
        );
    }

    #[test]
    fn a_null_field_counts_as_absent_and_a_non_object_is_refused() {
        assert_eq!(
            decode(json!({"kind": "key_down", "code": "KeyA", "t": 1.0, "x": null})),
            Ok(RawEvent::KeyDown {
                code: "KeyA".into(),
                t: 1.0
            })
        );
        let missing = decode(json!({"kind": "key_down", "code": "KeyA", "t": null}));
        assert!(missing.unwrap_err().contains("missing field `t`"));
        for value in [
            json!(["key_down", "KeyA", 1.0]),
            json!("key_down"),
            json!(null),
        ] {
            let error = decode(value.clone()).expect_err(&value.to_string());
            assert!(error.contains("expected an input event object"), "{error}");
        }
    }

    #[test]
    fn each_kind_is_named_as_its_derived_decoding_reads_it() {
        for name in [
            "key_down",
            "key_up",
            "touch_start",
            "touch_move",
            "touch_end",
            "motion",
        ] {
            let derived: Kind = serde_json::from_value(json!(name)).unwrap();
            let named = Kind::named(name).expect(name);
            assert_eq!(format!("{derived:?}"), format!("{named:?}"), "{name}");
        }
        assert!(Kind::named("wink").is_none());
    }

    #[test]
    fn each_field_name_is_read_to_its_place() {
        for (place, name) in FIELDS.iter().enumerate() {
            let key: Key = serde_json::from_value(json!(name)).unwrap();
            assert!(matches!(key, Key::Field(at) if at == place), "{name}");
        }
        let key: Key = serde_json::from_value(json!("kind")).unwrap();
        assert!(matches!(key, Key::Kind));
    }

    #[test]
    fn every_kind_s_fields_have_a_bit() {
        for (fields, bits) in [
            (KEY_FIELDS, KEY_BITS),
            (TOUCH_FIELDS, TOUCH_BITS),
            (MOTION_FIELDS, MOTION_BITS),
        ] {
            assert_eq!(bits.count_ones() as usize, fields.len(), "{fields:?}");
        }
        for field in FIELDS {
            assert!(ALL_FIELDS.contains(&field), "{field}");
        }
    }

    #[test]
    fn missing_foreign_unknown_and_repeated_fields_are_refused() {
        let refused = [
            (
                json!({"kind": "key_down", "t": 1.0}),
                "missing field `code`",
            ),
            (
                json!({"kind": "key_down", "code": "KeyA", "t": 1.0, "x": 2.0}),
                "unknown field `x` in a key_down event",
            ),
            (
                json!({"kind": "motion", "ax": 1.0, "ay": 1.0, "az": 1.0, "gx": 1.0, "gy": 1.0, "gz": 1.0, "t": 1.0, "id": 1}),
                "unknown field `id` in a motion event",
            ),
            (
                json!({"kind": "key_down", "code": "KeyA", "t": 1.0, "colour": 2}),
                "unknown field `colour`",
            ),
            (json!({"kind": "wink", "t": 1.0}), "unknown variant `wink`"),
            (json!({"code": "KeyA", "t": 1.0}), "missing field `kind`"),
            (
                json!({"kind": "key_down", "code": "KeyA", "t": "soon"}),
                "invalid type",
            ),
        ];
        for (value, expected) in refused {
            let error = decode(value.clone()).expect_err(&value.to_string());
            assert!(error.contains(expected), "{value}: {error}");
        }
        let repeated =
            serde_json::from_str::<RawEvent>(r#"{"kind":"key_up","code":"KeyA","t":1,"t":2}"#);
        assert!(
            repeated
                .unwrap_err()
                .to_string()
                .contains("duplicate field `t`")
        );
    }
}
