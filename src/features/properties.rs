//! Property tests: any sequence of events — any order, duplicated or unknown key codes,
//! NaN, infinite, huge or negative times and coordinates, any text id, any claimed text
//! length — gives every extractor a value or an error, never a panic. The strategies are
//! shared with the extraction pipeline's own property test (`biometrics::extraction`).

use proptest::prelude::*;

use crate::events::{DeviceClass, Modality, RawEvent, Sample, SampleLimits};
use crate::features::keystrokes::pair_keys;
use crate::features::quality::{QualityPolicy, keystroke_quality};
use crate::features::{fixed_text, free_text, motion, stats, touch};

/// Any float, weighted towards the troublesome ones.
pub(crate) fn any_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0..2000.0f64,
        2 => any::<f64>(),
        1 => -1e6..0.0f64,
        1 => prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            -0.0,
            1e300,
        ]),
    ]
}

/// Known codes (so presses pair up and repeat) and arbitrary strings.
fn any_code() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["KeyA", "KeyT", "Space", "ShiftLeft", "Backspace"])
            .prop_map(str::to_owned),
        1 => ".{0,12}",
    ]
}

pub(crate) fn any_event() -> impl Strategy<Value = RawEvent> {
    let touch = || {
        (
            0..4u32,
            any_number(),
            any_number(),
            any_number(),
            any_number(),
            any_number(),
        )
    };
    prop_oneof![
        (any_code(), any_number()).prop_map(|(code, t)| RawEvent::KeyDown {
            code: code.into(),
            t
        }),
        (any_code(), any_number()).prop_map(|(code, t)| RawEvent::KeyUp {
            code: code.into(),
            t
        }),
        touch().prop_map(|(id, x, y, pressure, size, t)| RawEvent::TouchStart {
            id,
            x,
            y,
            pressure,
            size,
            t
        }),
        touch().prop_map(|(id, x, y, pressure, size, t)| RawEvent::TouchMove {
            id,
            x,
            y,
            pressure,
            size,
            t
        }),
        touch().prop_map(|(id, x, y, pressure, size, t)| RawEvent::TouchEnd {
            id,
            x,
            y,
            pressure,
            size,
            t
        }),
        (
            (any_number(), any_number(), any_number()),
            (any_number(), any_number(), any_number()),
            any_number()
        )
            .prop_map(|((ax, ay, az), (gx, gy, gz), t)| RawEvent::Motion {
                ax,
                ay,
                az,
                gx,
                gy,
                gz,
                t
            }),
    ]
}

/// JSON text of a number as clients write them.
fn any_number_text() -> impl Strategy<Value = String> {
    r"-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,20})?"
}

/// Near-JSON text of a value: exponents, leading zeros, escapes, `null`, strings for
/// numbers...
pub(crate) fn any_odd_value() -> impl Strategy<Value = String> {
    prop_oneof![
        r"[-+]?[0-9]{0,4}\.?[0-9]{0,4}([eE][-+]?[0-9]{0,3})?",
        r"-?0[0-9]{1,3}(\.[0-9]{1,3})?",
        Just("1e400".to_owned()),
        Just("4294967296".to_owned()),
        r#""([a-zA-Z_é]|\\[nu\\/"]|\\u00[0-9a-f]{2}|\t){0,6}""#,
        prop::sample::select(vec!["null", "true", "[]", "{}", "\"1\"", ""]).prop_map(str::to_owned),
    ]
}

/// An event object of some kind with its fields in a random order, now and then with a
/// field missing, repeated, foreign or unknown, or an odd code or kind.
pub(crate) fn near_event() -> impl Strategy<Value = String> {
    let kinds = prop::sample::select(vec![
        ("key_down", &["code", "t"][..]),
        ("key_up", &["code", "t"]),
        ("touch_start", &["id", "x", "y", "pressure", "size", "t"]),
        ("touch_move", &["id", "x", "y", "pressure", "size", "t"]),
        ("touch_end", &["id", "x", "y", "pressure", "size", "t"]),
        ("motion", &["ax", "ay", "az", "gx", "gy", "gz", "t"]),
    ]);
    let odd_field = prop::sample::select(vec!["t", "x", "id", "code", "kind", "colour"]);
    let code = prop::sample::select(vec!["KeyT", "Space", "ShiftLeft", "é", ""])
        .prop_map(|code| format!("\"{code}\""));
    let id = (0..5000u32).prop_map(|id| id.to_string());
    let kind = prop_oneof![
        12 => Just(None),
        1 => prop::sample::select(vec!["\"wink\"", "\"key\\u005fdown\"", "1", "null"])
            .prop_map(Some),
    ];
    let space = prop::sample::select(vec!["", "", "", " ", "\n", "\t", "\r", "\u{a0}"]);
    (
        kinds,
        kind,
        prop::collection::vec((any_number_text(), code, id, space), 8),
        prop::option::weighted(0.1, odd_field),
        prop::option::weighted(0.3, (0..8usize, any_odd_value())),
        0..8usize,
        any::<prop::sample::Index>(),
    )
        .prop_map(
            |((name, fields), kind, values, odd, odd_value, drop, seed)| {
                let mut entries = vec![format!(
                    r#""kind":{}"#,
                    kind.unwrap_or(&format!("\"{name}\""))
                )];
                let fields = fields.iter().chain(&odd).zip(&values).enumerate();
                for (at, (field, (number, code, id, space))) in fields {
                    let value = match (*field, &odd_value) {
                        (_, Some((odd_at, odd))) if *odd_at == at => odd,
                        ("code", _) => code,
                        ("id", _) => id,
                        _ => number,
                    };
                    entries.push(format!(r#"{space}"{field}"{space}:{space}{value}"#));
                }
                if drop == 1 {
                    entries.pop();
                }
                let turn = seed.index(entries.len());
                entries.rotate_left(turn);
                format!("{{{}}}", entries.join(","))
            },
        )
}

/// A sample of any modality with any events, text id and claimed text length.
pub(crate) fn any_sample() -> impl Strategy<Value = Sample> {
    let modality =
        prop::sample::select(vec![Modality::Keystroke, Modality::Touch, Modality::Motion]);
    let device = prop::sample::select(vec![DeviceClass::Desktop, DeviceClass::Mobile]);
    let text_id = prop::option::of(prop_oneof![
        Just("password".to_owned()),
        Just("passphrase".to_owned()),
        ".{0,80}",
    ]);
    let typed_chars = prop::option::of(prop_oneof![0..100usize, any::<usize>()]);
    let events = prop::collection::vec(any_event(), 0..80);
    (modality, device, text_id, typed_chars, events).prop_map(
        |(modality, device, text_id, typed_chars, events)| Sample {
            modality,
            device,
            text_id,
            typed_chars,
            events,
            typingdna_pattern: None,
        },
    )
}

/// The sample's events in time order (NaN last), so extractors see long pairable runs too.
fn time_ordered(mut sample: Sample) -> Sample {
    sample
        .events
        .sort_by(|a, b| a.time_ms().total_cmp(&b.time_ms()));
    sample
}

fn exercise_every_extractor(sample: &Sample) {
    let _ = sample.validate(&SampleLimits::default());
    let _ = fixed_text::extract(sample, b"key", "user");
    let _ = free_text::extract(sample);
    let _ = touch::extract_strokes(sample);
    let _ = motion::extract_window(sample);
    let paired = pair_keys(&sample.events);
    let _ = free_text::from_keystrokes(&paired.keystrokes);
    let _ = fixed_text::timing_vector(&paired.keystrokes);
    let report = keystroke_quality(sample, sample.typed_chars, &QualityPolicy::default());
    assert!(
        (0.0..=1.0).contains(&report.score),
        "quality {} outside 0..1",
        report.score
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_events_in_any_order_give_every_extractor_a_value_or_an_error(sample in any_sample()) {
        exercise_every_extractor(&sample);
    }

    #[test]
    fn any_events_in_time_order_give_every_extractor_a_value_or_an_error(sample in any_sample()) {
        exercise_every_extractor(&time_ordered(sample));
    }

    #[test]
    fn statistics_of_any_numbers_never_panic(
        values in prop::collection::vec(any_number(), 0..40),
        q in any_number(),
    ) {
        let _ = stats::mean(&values);
        let _ = stats::std_dev(&values);
        let _ = stats::quantile(&values, q);
        let _ = stats::median(&values);
        let _ = stats::moments(&values);
    }
}
