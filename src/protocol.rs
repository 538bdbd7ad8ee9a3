//! The WebSocket wire protocol of live sessions (`GET /api/v1/sessions/live`): every frame is
//! a JSON text frame tagged by `type`. The browser SDK mirrors this file.
//!
//! Client → server:
//!
//! ```json
//! {"type": "events", "events": [{"kind": "key_down", "code": "KeyT", "t": 1000.0},
//!                               {"kind": "key_up", "code": "KeyT", "t": 1090.5}]}
//! {"type": "step_up_done"}
//! ```
//!
//! Server → client:
//!
//! ```json
//! {"type": "score", "score": 0.83, "decision": "allow", "events_seen": 220}
//! {"type": "challenge", "reason": "3 consecutive scores under the threshold", "deadline_ms": 30000}
//! {"type": "ended", "reason": "challenge_timeout"}
//! {"type": "error", "code": "bad_frame", "message": "expected a JSON text frame with a type"}
//! ```
//!
//! After an `ended` frame the server closes the socket with [`CLOSE_POLICY_ENDED`]; a client
//! that keeps sending malformed frames is closed with 1008 (policy violation) and an oversized
//! frame with 1009 (message too big).

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::biometrics::verification::Decision;
use crate::events::RawEvent;

/// Close code after an `ended` frame for a behavioural reason (deny, missed challenge).
pub const CLOSE_POLICY_ENDED: u16 = 4001;

/// What the client sends (decoded through [`WireFrame`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Raw input events, in time order, of the session's modality.
    Events { events: Vec<RawEvent> },
    /// The user passed the REST step-up; clears a pending challenge only if the server
    /// recorded that pass after the challenge began (else an error `step_up_required`).
    StepUpDone,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum FrameType {
    Events,
    StepUpDone,
}

/// A client frame as read: serde's derived decoding of the tagged enum would copy every frame
/// into a buffer first (the tag may come last), and the events in it once more. This struct
/// is decoded in one pass, `type` anywhere in the object, unknown fields refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireFrame {
    #[serde(rename = "type")]
    frame_type: FrameType,
    events: Option<Vec<RawEvent>>,
}

impl<'de> Deserialize<'de> for ClientFrame {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let frame = WireFrame::deserialize(deserializer)?;
        match (frame.frame_type, frame.events) {
            (FrameType::Events, Some(events)) => Ok(ClientFrame::Events { events }),
            (FrameType::Events, None) => Err(de::Error::missing_field("events")),
            (FrameType::StepUpDone, None) => Ok(ClientFrame::StepUpDone),
            (FrameType::StepUpDone, Some(_)) => Err(de::Error::custom(
                "unknown field `events` in a step_up_done frame",
            )),
        }
    }
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The rolling window was scored.
    Score {
        /// Fused score, 0..1, higher = more like the account holder.
        score: f64,
        decision: Decision,
        /// Events the session had received when this score was asked for: the score covers
        /// the window ending with event number `events_seen` (later events are not in it).
        events_seen: u64,
    },
    /// Pass the step-up (`POST /api/v1/sessions/{id}/step-up`) within `deadline_ms`, then send
    /// `step_up_done`.
    Challenge { reason: String, deadline_ms: u64 },
    /// The session is over; the socket closes next.
    Ended { reason: String },
    /// A frame was refused or a score could not be computed; the session goes on.
    Error { code: String, message: String },
}

impl ServerFrame {
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        ServerFrame::Error {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// The frame as JSON text (serialising these plain types cannot fail).
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"unserialisable frame"}"#.to_owned()
        })
    }
}

#[cfg(test)]
mod tests {
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
        let tag_last: ClientFrame =
            serde_json::from_str(r#"{"events":[],"type":"events"}"#).unwrap();
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
        use crate::features::properties::any_event;

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

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1024))]

            /// The session actor decodes text frames with exactly this call.
            #[test]
            fn any_text_decodes_to_a_frame_or_an_error(text in ".{0,256}") {
                let _ = serde_json::from_str::<ClientFrame>(&text);
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
                    prop_assert_eq!(back.expect("a finite frame decodes"), frame);
                }
            }
        }
    }
}
