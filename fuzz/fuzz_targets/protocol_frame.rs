//! Any bytes as a WebSocket text frame: the session actor's decoder answers with a frame or
//! an error, never a panic, and its fast path with what serde_json answers.
#![no_main]

use behavioral_auth::protocol::ClientFrame;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The actor only sees text frames (valid UTF-8); take the bytes both ways.
    let _ = serde_json::from_slice::<ClientFrame>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        // The session decodes through the fast path; it must read exactly what serde_json
        // reads (`Debug` tells every number apart to the bit) and refuse what it refuses.
        let general = serde_json::from_str::<ClientFrame>(text);
        match ClientFrame::from_text(text) {
            Ok(frame) => assert_eq!(
                format!("{frame:?}"),
                format!("{:?}", general.expect("serde_json reads what the session read"))
            ),
            Err(_) => assert!(general.is_err()),
        }
    }
});
