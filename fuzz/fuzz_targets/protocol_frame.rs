//! Any bytes as a WebSocket text frame: the session actor's decoder answers with a frame or
//! an error, never a panic.
#![no_main]

use behavioral_auth::protocol::ClientFrame;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The actor only sees text frames (valid UTF-8); take the bytes both ways.
    let _ = serde_json::from_slice::<ClientFrame>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = serde_json::from_str::<ClientFrame>(text);
    }
});
