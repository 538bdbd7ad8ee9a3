//! The wire protocol's tests: frames as documented, the fast path against serde_json, and
//! any text or JSON value decoding to a frame or an error.

use super::*;

#[test]
fn client_frames_parse_from_their_documented_form() {
    let events: ClientFrame = serde_json::from_str(
        r#"{"type":"events","events":[{"kind":"key_down","code":"KeyT","t":1000.0}]}"#,
    )
    .unwrap();
    assert!(matches!(events, ClientFrame::Events { events } if events.len() == 1));
    let done: ClientFrame = serde_json::from_str(r#"{"type":"step_up_done"}"#).unwrap();
    assert_eq!(done, ClientFrame::StepUpDone);
    assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"nope"}"#).is_err());
    assert!(serde_json::from_str::<ClientFrame>(r#"{"events":[]}"#).is_err());
    // The tag may come last; fields of the other frame or unknown ones are refused.
    let tag_last: ClientFrame = serde_json::from_str(r#"{"events":[],"type":"events"}"#).unwrap();
    assert_eq!(tag_last, ClientFrame::Events { events: vec![] });
    for refused in [
        r#"{"type":"events"}"#,
        r#"{"type":"step_up_done","events":[]}"#,
        r#"{"type":"events","events":[],"extra":1}"#,
        r#"{"type":"events","type":"events","events":[]}"#,
    ] {
        assert!(
            serde_json::from_str::<ClientFrame>(refused).is_err(),
            "{refused}"
        );
    }
}

#[test]
fn the_fast_path_reads_the_sdk_s_frames_as_serde_json_does() {
    let text = r#"{"type":"events","events":[{"kind":"key_down","code":"KeyT","t":1000.5},{"kind":"key_up","code":"KeyT","t":1090},{"kind":"motion","ax":0.1,"ay":-9.81,"az":0.3,"gx":-0,"gy":12.25,"gz":0,"t":16.667},{"kind":"touch_move","id":3,"x":120.5,"y":98,"pressure":0.42,"size":1,"t":1234567.891}]}"#;
    let events = scan_events_frame(text).expect("the fast path reads the SDK's frames");
    assert_eq!(events.len(), 4);
    let general: ClientFrame = serde_json::from_str(text).unwrap();
    assert_eq!(
        format!("{:?}", ClientFrame::Events { events }),
        format!("{general:?}")
    );
    assert_eq!(
        scan_events_frame(r#"{"type":"events","events":[]}"#),
        Some(vec![])
    );
    // Other frames and refusals are serde_json's.
    assert_eq!(scan_events_frame(r#"{"type":"step_up_done"}"#), None);
    assert_eq!(
        ClientFrame::from_text(r#"{"type":"step_up_done"}"#).unwrap(),
        ClientFrame::StepUpDone
    );
    let refused =
        ClientFrame::from_text(r#"{"type":"events","events":[{"kind":"key_down","t":1}]}"#);
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("missing field `code`")
    );
}

#[test]
fn server_frames_serialise_with_a_snake_case_type() {
    let score = ServerFrame::Score {
        score: 0.5,
        decision: Decision::Challenge,
        events_seen: 3,
    };
    assert_eq!(
        score.to_text(),
        r#"{"type":"score","score":0.5,"decision":"challenge","events_seen":3}"#
    );
    assert_eq!(
        ServerFrame::error("bad_frame", "x").to_text(),
        r#"{"type":"error","code":"bad_frame","message":"x"}"#
    );
}

mod properties {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::features::properties::{any_event, near_event};

    /// Any JSON value, nested a few levels.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,16}".prop_map(Value::from),
            prop::sample::select(vec!["events", "step_up_done", "key_down", "type", "kind"])
                .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
                prop::collection::btree_map(
                    prop_oneof![
                        prop::sample::select(vec!["type", "events", "kind", "code", "t"])
                            .prop_map(str::to_owned),
                        ".{0,8}",
                    ],
                    inner,
                    0..6,
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// A text that reads as an events frame more often than not, and often does not.
    fn near_events_frame() -> impl Strategy<Value = String> {
        let space = prop::sample::select(vec!["", "", " ", "\n "]);
        (prop::collection::vec(near_event(), 0..5), space, 0..6usize).prop_map(
            |(events, space, shape)| {
                let events = format!("[{}]", events.join(&format!(",{space}")));
                match shape {
                    0..=2 => format!(r#"{{"type":"events","events":{events}}}"#),
                    3 => {
                        format!(r#"{space}{{ "events" : {events}, "type": "events" }}{space}"#)
                    }
                    4 => format!(r#"{{"type":"events","events":{events},"type":"events"}}"#),
                    _ => format!(r#"{{"type":"events","events":{events}}}x"#),
                }
            },
        )
    }

    /// Every event of a frame alike to the bit (`Debug` tells -0.0 from 0.0).
    fn same_frames(fast: &ClientFrame, general: &ClientFrame) -> bool {
        format!("{fast:?}") == format!("{general:?}")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// The session actor decodes text frames with exactly this call.
        #[test]
        fn any_text_decodes_to_a_frame_or_an_error(text in ".{0,256}") {
            let _ = ClientFrame::from_text(&text);
        }

        /// Where the fast path reads a frame, serde_json reads the same one; where
        /// serde_json refuses one, the fast path did not read it.
        #[test]
        fn the_fast_path_reads_what_serde_json_reads(text in near_events_frame()) {
            let general = serde_json::from_str::<ClientFrame>(&text);
            if let Some(events) = scan_events_frame(&text) {
                let fast = ClientFrame::Events { events };
                let general = general.expect("serde_json reads what the fast path read");
                prop_assert!(same_frames(&fast, &general), "{text}: {fast:?} vs {general:?}");
            }
            let through = ClientFrame::from_text(&text);
            prop_assert_eq!(through.is_ok(), serde_json::from_str::<ClientFrame>(&text).is_ok());
        }

        #[test]
        fn any_bytes_decode_to_a_frame_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = serde_json::from_slice::<ClientFrame>(&bytes);
        }

        #[test]
        fn any_json_decodes_to_a_frame_or_an_error(value in any_json()) {
            let _ = serde_json::from_str::<ClientFrame>(&value.to_string());
            let framed = json!({"type": "events", "events": value});
            let _ = serde_json::from_str::<ClientFrame>(&framed.to_string());
        }

        /// Every frame a client can build (finite times; JSON has no NaN) survives the wire.
        #[test]
        fn events_frames_round_trip(events in prop::collection::vec(any_event(), 0..20)) {
            let finite = events.iter().all(|e| e.numbers().all(|(_, v)| v.is_finite()));
            let frame = ClientFrame::Events { events };
            let text = serde_json::to_string(&frame).expect("frames serialise");
            let back = serde_json::from_str::<ClientFrame>(&text);
            if finite {
                prop_assert_eq!(back.expect("a finite frame decodes"), frame.clone());
                let fast = ClientFrame::from_text(&text).expect("a finite frame decodes");
                prop_assert!(same_frames(&fast, &frame), "{text}");
            }
        }
    }
}
