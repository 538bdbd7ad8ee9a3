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
use crate::events::scan::Scanner;

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

impl ClientFrame {
    /// Decodes a text frame as the session actor does: an `events` frame in the common form
    /// is read by the fast [`Scanner`] (the same frame, to the bit); any other text, and any
    /// error, by serde_json.
    pub fn from_text(text: &str) -> Result<ClientFrame, serde_json::Error> {
        match scan_events_frame(text) {
            Some(events) => Ok(ClientFrame::Events { events }),
            None => serde_json::from_str(text),
        }
    }
}

/// `{"type":"events","events":[...]}`, its two fields in either order, read by [`Scanner`];
/// `None` where serde_json must decide.
fn scan_events_frame(text: &str) -> Option<Vec<RawEvent>> {
    let mut scanner = Scanner::new(text);
    let (mut typed, mut events) = (false, None);
    scanner.object(|scanner, key| match key {
        "type" if !typed => {
            typed = scanner.string()? == "events";
            typed.then_some(())
        }
        "events" if events.is_none() => {
            events = Some(scanner.events(text.len())?);
            Some(())
        }
        _ => None,
    })?;
    (typed && scanner.at_end()).then_some(events?)
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
mod tests;
