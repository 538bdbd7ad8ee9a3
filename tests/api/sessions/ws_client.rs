//! A real WebSocket client for the session tests (awc's), with helpers that read the next
//! JSON frame or the close code, each under a timeout so a silent server fails the test.

use std::time::Duration;

use awc::error::WsProtocolError;
use awc::ws::{Frame, Message};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde_json::Value;

/// Longest wait for one frame.
const FRAME_TIMEOUT: Duration = Duration::from_secs(20);

/// The client side of a socket.
pub trait Socket:
    Stream<Item = Result<Frame, WsProtocolError>> + Sink<Message, Error = WsProtocolError> + Unpin
{
}

impl<S> Socket for S where
    S: Stream<Item = Result<Frame, WsProtocolError>>
        + Sink<Message, Error = WsProtocolError>
        + Unpin
{
}

/// Opens the socket at `url` with `Origin: origin`.
pub async fn connect(url: &str, origin: &str) -> impl Socket + use<> {
    let (response, socket) = awc::Client::new()
        .ws(url)
        .origin(origin)
        .max_frame_size(1 << 20)
        .connect()
        .await
        .expect("the WebSocket opens");
    assert_eq!(response.status(), 101);
    socket
}

pub async fn send_text(socket: &mut impl Socket, text: String) {
    socket
        .send(Message::Text(text.into()))
        .await
        .expect("frame sent");
}

pub async fn send_json(socket: &mut impl Socket, frame: &Value) {
    send_text(socket, frame.to_string()).await;
}

/// The next data or close frame (pings and pongs skipped); `None` when the stream ends.
async fn next_frame(socket: &mut impl Socket) -> Option<Frame> {
    loop {
        let frame = tokio::time::timeout(FRAME_TIMEOUT, socket.next())
            .await
            .expect("a frame within the timeout")?;
        match frame {
            Ok(Frame::Ping(_) | Frame::Pong(_)) => continue,
            Ok(frame) => return Some(frame),
            Err(_) => return None,
        }
    }
}

/// The next text frame as JSON; panics on a close.
pub async fn next_json(socket: &mut impl Socket) -> Value {
    match next_frame(socket).await {
        Some(Frame::Text(text)) => serde_json::from_slice(&text).expect("a JSON text frame"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// Reads until the server closes; returns the close code (`None` if it just hung up). Text
/// frames read on the way are returned as well.
pub async fn close_code(socket: &mut impl Socket) -> (Option<u16>, Vec<Value>) {
    let mut frames = Vec::new();
    loop {
        match next_frame(socket).await {
            Some(Frame::Close(reason)) => return (reason.map(|r| u16::from(r.code)), frames),
            Some(Frame::Text(text)) => {
                frames.push(serde_json::from_slice(&text).expect("a JSON text frame"))
            }
            Some(_) => {}
            None => return (None, frames),
        }
    }
}
