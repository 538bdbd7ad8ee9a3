//! How a [`RawEvent`] is read: every field any kind of event has, in any order, then checked
//! against the event's `kind`.
//!
//! serde's derived decoding of an internally tagged enum (`"kind": ...` inside the object)
//! first copies the whole object into a buffer of its own, because the tag may come last; a
//! live session decodes twenty events a second per user, and that copying was most of the
//! cost of decoding a frame. [`WireEvent`] is a plain struct, decoded in one pass. The wire
//! format is unchanged: the same fields, unknown or foreign fields refused, `kind` anywhere in
//! the object. Serialising stays derived (it needs no buffer).

use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::RawEvent;

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    KeyDown,
    KeyUp,
    TouchStart,
    TouchMove,
    TouchEnd,
    Motion,
}

/// The union of every kind's fields, each optional until the kind says which it needs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEvent {
    kind: Kind,
    code: Option<super::KeyCode>,
    t: Option<f64>,
    id: Option<u32>,
    x: Option<f64>,
    y: Option<f64>,
    pressure: Option<f64>,
    size: Option<f64>,
    ax: Option<f64>,
    ay: Option<f64>,
    az: Option<f64>,
    gx: Option<f64>,
    gy: Option<f64>,
    gz: Option<f64>,
}

/// Fields of key events, touch events and motion events besides `kind`.
const KEY_FIELDS: &[&str] = &["code", "t"];
const TOUCH_FIELDS: &[&str] = &["id", "x", "y", "pressure", "size", "t"];
const MOTION_FIELDS: &[&str] = &["ax", "ay", "az", "gx", "gy", "gz", "t"];

/// Every optional field; field `i` is bit `1 << i` of [`WireEvent::present`].
const FIELDS: [&str; 13] = [
    "t", "x", "y", "pressure", "size", "ax", "ay", "az", "gx", "gy", "gz", "code", "id",
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

const KEY_BITS: u16 = bits(KEY_FIELDS);
const TOUCH_BITS: u16 = bits(TOUCH_FIELDS);
const MOTION_BITS: u16 = bits(MOTION_FIELDS);

fn required<T>(value: Option<T>, field: &'static str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{field}`"))
}

impl WireEvent {
    /// Which fields are present, one bit each (see [`FIELDS`]): checked for every event of every
    /// frame, where walking a list of names was a visible share of decoding.
    fn present(&self) -> u16 {
        let flags = [
            self.t.is_some(),
            self.x.is_some(),
            self.y.is_some(),
            self.pressure.is_some(),
            self.size.is_some(),
            self.ax.is_some(),
            self.ay.is_some(),
            self.az.is_some(),
            self.gx.is_some(),
            self.gy.is_some(),
            self.gz.is_some(),
            self.code.is_some(),
            self.id.is_some(),
        ];
        flags.iter().enumerate().fold(0, |bits, (bit, &present)| {
            bits | (u16::from(present) << bit)
        })
    }

    /// Refuses a field that this kind of event does not have (`allowed`, whose bits are
    /// `allowed_bits`).
    fn only(&self, kind: &str, allowed: &[&str], allowed_bits: u16) -> Result<(), String> {
        let foreign = self.present() & !allowed_bits;
        if foreign == 0 {
            return Ok(());
        }
        let field = FIELDS[foreign.trailing_zeros() as usize];
        Err(format!(
            "unknown field `{field}` in a {kind} event, expected one of {}",
            allowed.join(", ")
        ))
    }

    fn into_event(self) -> Result<RawEvent, String> {
        let kind = self.kind;
        match kind {
            Kind::KeyDown | Kind::KeyUp => {
                self.only(
                    if matches!(kind, Kind::KeyDown) {
                        "key_down"
                    } else {
                        "key_up"
                    },
                    KEY_FIELDS,
                    KEY_BITS,
                )?;
                let (code, t) = (required(self.code, "code")?, required(self.t, "t")?);
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
                let (id, x, y) = (
                    required(self.id, "id")?,
                    required(self.x, "x")?,
                    required(self.y, "y")?,
                );
                let (pressure, size, t) = (
                    required(self.pressure, "pressure")?,
                    required(self.size, "size")?,
                    required(self.t, "t")?,
                );
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
                    ax: required(self.ax, "ax")?,
                    ay: required(self.ay, "ay")?,
                    az: required(self.az, "az")?,
                    gx: required(self.gx, "gx")?,
                    gy: required(self.gy, "gy")?,
                    gz: required(self.gz, "gz")?,
                    t: required(self.t, "t")?,
                })
            }
        }
    }
}

impl<'de> Deserialize<'de> for RawEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        WireEvent::deserialize(deserializer)?
            .into_event()
            .map_err(de::Error::custom)
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
    fn every_kind_s_fields_have_a_bit() {
        for (fields, bits) in [
            (KEY_FIELDS, KEY_BITS),
            (TOUCH_FIELDS, TOUCH_BITS),
            (MOTION_FIELDS, MOTION_BITS),
        ] {
            assert_eq!(bits.count_ones() as usize, fields.len(), "{fields:?}");
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
