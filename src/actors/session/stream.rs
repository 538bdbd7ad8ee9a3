//! The socket's side of a session: every frame from the client, malformed ones included.

use std::time::Instant;

use actix::prelude::*;
use actix_web_actors::ws::{self, CloseCode};

use crate::protocol::ClientFrame;

use super::LiveSession;

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for LiveSession {
    fn handle(&mut self, item: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        if self.end_reason.is_some() {
            return;
        }
        let message = match item {
            Ok(message) => message,
            Err(ws::ProtocolError::Overflow) => {
                self.finish("frame_too_large", CloseCode::Size, ctx);
                return;
            }
            Err(ws::ProtocolError::Io(error)) => {
                tracing::debug!(%error, "the client's connection failed");
                self.end_reason = Some("disconnected");
                ctx.stop();
                return;
            }
            Err(error) => {
                tracing::debug!(%error, "WebSocket protocol error");
                self.finish("protocol_error", CloseCode::Protocol, ctx);
                return;
            }
        };
        let now = Instant::now();
        self.last_heard = now;
        match message {
            ws::Message::Text(text) => match ClientFrame::from_text(&text) {
                Ok(ClientFrame::Events { events }) => self.on_events(events, now, ctx),
                Ok(ClientFrame::StepUpDone) => self.on_step_up_done(ctx),
                Err(error) => self.bad_frame(format!("malformed frame: {error}"), ctx),
            },
            ws::Message::Binary(_) => self.bad_frame(
                "binary frames are not supported; send JSON text".into(),
                ctx,
            ),
            ws::Message::Continuation(_) => {
                self.bad_frame("fragmented frames are not supported".into(), ctx)
            }
            ws::Message::Ping(payload) => ctx.pong(&payload),
            ws::Message::Pong(_) | ws::Message::Nop => {}
            ws::Message::Close(reason) => {
                self.end_reason = Some("client_closed");
                ctx.close(reason);
                ctx.stop();
            }
        }
    }
}
