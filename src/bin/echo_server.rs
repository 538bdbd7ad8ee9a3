//! The physical-limit anchor of the benchmarks: a bare WebSocket echo built from the same stack
//! as the live sessions (actix-web + actix-web-actors, one actor per socket), with no scoring,
//! no database and no logging. `loadgen` measures it in the same run as the server and reports
//! the server's scoring throughput as a share of it.
//!
//! `PORT=5099 echo_server` serves `ws://127.0.0.1:5099/echo`; `APP__SERVER__WORKERS` sets the
//! worker threads (0 or unset: one per core it may run on).

use std::net::SocketAddr;

use actix::prelude::*;
use actix_web::rt::net::TcpSocket;
use actix_web::{App, HttpRequest, HttpResponse, web};
use actix_web_actors::ws;
use behavioral_auth::http1_server;

/// Connections waiting to be accepted: the benchmark opens thousands of sockets at once.
const BACKLOG: u32 = 4096;

/// Seconds a graceful stop waits for open sockets (actix-web's default, as the echo had before
/// it served through `http1_server`).
const SHUTDOWN_TIMEOUT_SECS: u64 = 30;

/// One echoing socket.
struct Echo;

impl Actor for Echo {
    type Context = ws::WebsocketContext<Self>;
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for Echo {
    fn handle(&mut self, item: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        match item {
            Ok(ws::Message::Text(text)) => ctx.text(text),
            Ok(ws::Message::Binary(bytes)) => ctx.binary(bytes),
            Ok(ws::Message::Ping(payload)) => ctx.pong(&payload),
            Ok(ws::Message::Close(reason)) => {
                ctx.close(reason);
                ctx.stop();
            }
            Ok(_) => {}
            Err(_) => ctx.stop(),
        }
    }
}

async fn echo(
    request: HttpRequest,
    stream: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    ws::start(Echo, &request, stream)
}

fn env_number(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port = env_number("PORT").unwrap_or(5099);
    let workers = env_number("APP__SERVER__WORKERS")
        .filter(|&workers| workers > 0)
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1);
    let addr = SocketAddr::from(([127, 0, 0, 1], u16::try_from(port).unwrap_or(5099)));
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let listener = socket.listen(BACKLOG)?.into_std()?;
    // Served as behavioral-auth's server is: the same stack, the same settings.
    let server = http1_server::serve(listener, workers, SHUTDOWN_TIMEOUT_SECS, || {
        App::new().route("/echo", web::get().to(echo))
    })?;
    eprintln!("echo_server listening on {addr} with {workers} worker(s)");
    server.await
}
