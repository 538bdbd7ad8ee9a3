// The live-session wire protocol, mirrored from `src/protocol.rs` (the one protocol module)
// and the event schema of `src/events.rs`. Change both together.
//
// Client → server:  {"type": "events", "events": [RawEvent, ...]}   {"type": "step_up_done"}
// Server → client:  {"type": "score", "score": 0.83, "decision": "allow", "events_seen": 220}
//                   {"type": "challenge", "reason": "...", "deadline_ms": 30000}
//                   {"type": "ended", "reason": "challenge_timeout"}
//                   {"type": "error", "code": "bad_frame", "message": "..."}
//
// RawEvent (tagged by `kind`, times `t` in milliseconds on one monotonic clock):
//   {"kind": "key_down", "code": "KeyT", "t": 1000.0}      {"kind": "key_up", ...}
//   {"kind": "touch_start" | "touch_move" | "touch_end", "id", "x", "y", "pressure", "size", "t"}
//   {"kind": "motion", "ax", "ay", "az", "gx", "gy", "gz", "t"}

/** Close code after an `ended` frame for a behavioural reason (`CLOSE_POLICY_ENDED`). */
export const CLOSE_POLICY_ENDED = 4001;
/** Close codes after which reconnecting cannot help: policy violation, message too big. */
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_MESSAGE_TOO_BIG = 1009;

/** Which events belong to which modality (`RawEvent::modality`). */
export const MODALITY_OF_KIND = {
  key_down: 'keystroke',
  key_up: 'keystroke',
  touch_start: 'touch',
  touch_move: 'touch',
  touch_end: 'touch',
  motion: 'motion',
};

/** `ClientFrame::Events`. */
export function eventsFrame(events) {
  return JSON.stringify({ type: 'events', events });
}

/** `ClientFrame::StepUpDone`. */
export function stepUpDoneFrame() {
  return JSON.stringify({ type: 'step_up_done' });
}

/** Parses a `ServerFrame`; `null` for anything that is not one. */
export function parseServerFrame(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return null;
  }
  const known = ['score', 'challenge', 'ended', 'error'];
  return frame && typeof frame === 'object' && known.includes(frame.type) ? frame : null;
}

/** A `Sample` (`src/events.rs`) as the REST API takes it. */
export function sample({ modality, device, textId = null, typedChars, events }) {
  const body = { modality, device, text_id: textId, events };
  if (Number.isInteger(typedChars)) body.typed_chars = typedChars;
  return body;
}
