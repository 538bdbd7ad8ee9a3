//! WebSocket load: opening live sessions (ticket, then upgrade) and echo sockets, the
//! fixed-schedule ingest, and the saturated runs that find the peak of the server and of the
//! bare echo with the same code.

use std::collections::BTreeMap;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{FutureExt, SinkExt, StreamExt};
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

use behavioral_auth::protocol::ServerFrame;

use crate::http::Connection;
use crate::schedule::{Schedule, frame_index};
use crate::setup::User;
use crate::stats::Latencies;
use crate::typing::TypingStream;

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Sockets opened at once while ramping up.
const RAMP_PARALLELISM: usize = 32;
/// How long after the last scheduled send late answers are still awaited.
const DRAIN: Duration = Duration::from_secs(2);
/// A saturated socket that hears nothing for this long is given up.
const STALL: Duration = Duration::from_secs(5);

/// Bytes each socket reads at most at once. tungstenite zeroes that much of its read buffer
/// before every read (128 KiB by default, which at 10,000 sockets cost the generator a third
/// of its core); the server's frames are a few hundred bytes, the echo's pipelined ones a few
/// kilobytes.
const READ_BUFFER_BYTES: usize = 8 * 1024;

/// Opens a WebSocket with the generator's settings. Nagle's algorithm is off, as in browsers
/// (Chromium sets `TCP_NODELAY` on every socket): with it on, a frame sent while an earlier
/// write (an automatic pong, say) waited for the server's delayed ACK was held back up to
/// 40 ms, which the run counted as the server's latency.
async fn connect(url: String) -> anyhow::Result<Socket> {
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER_BYTES);
    let disable_nagle = true;
    let (socket, _) = connect_async_with_config(url, Some(config), disable_nagle)
        .await
        .context("WebSocket upgrade")?;
    Ok(socket)
}

/// One socket and whose typing it streams.
pub struct Stream {
    pub socket: Socket,
    /// Index of the user (and of their typing stream).
    pub user: usize,
    /// Events this socket sent so far (scores count events over the session's life).
    pub events_sent: u64,
    /// A live session (else an echo socket).
    pub live: bool,
}

/// What one socket saw during a step.
#[derive(Default)]
pub struct Outcome {
    pub latencies: Latencies,
    /// Answers at least `late_after` late: (scheduled send, from the schedule's start; latency).
    pub late: Vec<(Duration, Duration)>,
    /// How late sends left against their schedule (the generator falling behind).
    pub send_lag: Latencies,
    pub events_sent: u64,
    /// Events the server confirmed: scored (live) or echoed.
    pub events_confirmed: u64,
    /// Error frames by code (`ended: <reason>` for an ended session).
    pub error_frames: BTreeMap<String, u64>,
    pub failed: bool,
}

/// Opens a live session for `user`: a ticket over REST, then the WebSocket.
pub async fn open_live(
    addr: SocketAddr,
    http: &mut Connection,
    users: &[User],
    user: usize,
) -> anyhow::Result<Stream> {
    let (status, body) = http
        .post_json("/api/v1/sessions", Some(&users[user].bearer), &json!({}))
        .await?;
    if !status.is_success() {
        bail!("ticket: HTTP {status}: {body}");
    }
    let ticket = body["ticket"].as_str().context("no ticket")?;
    let url = format!("ws://{addr}/api/v1/sessions/live?ticket={ticket}");
    let socket = connect(url).await?;
    Ok(Stream {
        socket,
        user,
        events_sent: 0,
        live: true,
    })
}

/// Opens a socket on the bare echo server.
pub async fn open_echo(addr: SocketAddr, user: usize) -> anyhow::Result<Stream> {
    let socket = connect(format!("ws://{addr}/echo")).await?;
    Ok(Stream {
        socket,
        user,
        events_sent: 0,
        live: false,
    })
}

/// What the sockets of a ramp open.
#[derive(Clone)]
pub enum Opener {
    /// Live sessions of these users.
    Live(Arc<Vec<User>>),
    /// Echo sockets streaming the typing of this many users.
    Echo(usize),
}

/// Opens `count` more sockets, [`RAMP_PARALLELISM`] at a time, users taken round robin.
pub async fn ramp(
    addr: SocketAddr,
    opener: &Opener,
    first: usize,
    count: usize,
) -> anyhow::Result<Vec<Stream>> {
    let lanes: Vec<_> = (0..RAMP_PARALLELISM.min(count.max(1)))
        .map(|lane| {
            let opener = opener.clone();
            tokio::spawn(async move {
                let mut http = Connection::open(addr).await?;
                let mut opened = Vec::new();
                for i in (lane..count).step_by(RAMP_PARALLELISM) {
                    opened.push(match &opener {
                        Opener::Live(users) => {
                            open_live(addr, &mut http, users, (first + i) % users.len()).await?
                        }
                        Opener::Echo(users) => open_echo(addr, (first + i) % users).await?,
                    });
                }
                anyhow::Ok(opened)
            })
        })
        .collect();
    let mut streams = Vec::with_capacity(count);
    for lane in lanes {
        streams.extend(lane.await??);
    }
    Ok(streams)
}

/// The events a server frame confirms: a score's `events_seen` (cumulative), or one echoed
/// frame. `Err` with its code for an error frame.
fn confirmed(
    stream: &Stream,
    text: &str,
    per_frame: u64,
    confirmed_so_far: u64,
) -> Result<Option<u64>, String> {
    if !stream.live {
        return Ok(Some(confirmed_so_far + per_frame));
    }
    match serde_json::from_str::<ServerFrame>(text) {
        Ok(ServerFrame::Score { events_seen, .. }) => Ok(Some(events_seen)),
        Ok(ServerFrame::Error { code, .. }) => Err(code),
        Ok(ServerFrame::Ended { reason }) => Err(format!("ended: {reason}")),
        _ => Ok(None),
    }
}

/// Sends `frames` frames at once, before a scheduled step: a session that joins a step this
/// many frames into its scoring cycle is scored on its own beat, not with every other session.
/// A socket that fails here fails again at its first scheduled send, and is counted there.
pub async fn stagger(
    mut stream: Stream,
    typings: Arc<Vec<TypingStream>>,
    frames: u64,
    per_frame: u64,
) -> Stream {
    let typing = &typings[stream.user];
    for _ in 0..frames {
        let frame = typing.frame(stream.events_sent / per_frame, per_frame as usize);
        if stream.socket.send(Message::text(frame)).await.is_err() {
            break;
        }
        stream.events_sent += per_frame;
    }
    stream
}

/// How every socket of a scheduled step sends.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub schedule: Schedule,
    /// How long the sockets send.
    pub duration: Duration,
    pub per_frame: u64,
    /// Events per answer (the server's scoring cadence).
    pub confirm_every: u64,
    /// Answers this late or later are listed in [`Outcome::late`].
    pub late_after: Option<Duration>,
}

/// Sends one frame every period from the stream's scheduled instants until `duration` has
/// passed, then waits (at most [`DRAIN`]) until fewer than `confirm_every` events are
/// unconfirmed, and records each score's latency from the scheduled send of the frame that
/// completed its events.
pub async fn scheduled(
    mut stream: Stream,
    typings: Arc<Vec<TypingStream>>,
    index: usize,
    pace: Pace,
) -> (Stream, Outcome) {
    let Pace {
        schedule,
        duration,
        per_frame,
        confirm_every,
        late_after,
    } = pace;
    let mut outcome = Outcome::default();
    let base = stream.events_sent;
    let end = schedule.start + duration;
    let typing = &typings[stream.user];
    let mut n = 0u64;
    let mut confirmed_events = base;
    loop {
        let next = schedule.send_at(index, n);
        let (listen_until, sending) = if next < end {
            (next, true)
        } else {
            (end + DRAIN, false)
        };
        if !sending && stream.events_sent - confirmed_events < confirm_every {
            break;
        }
        tokio::select! {
            message = stream.socket.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    match confirmed(&stream, text.as_str(), per_frame, confirmed_events) {
                        Ok(Some(seen)) if seen > base => {
                            confirmed_events = seen;
                            if let Some(frame) = frame_index(seen - base, per_frame) {
                                let at = schedule.send_at(index, frame);
                                let latency = Instant::now().saturating_duration_since(at);
                                if late_after.is_some_and(|late| latency >= late) {
                                    outcome.late.push((at.saturating_duration_since(schedule.start), latency));
                                }
                                outcome.latencies.record(latency);
                            }
                        }
                        Ok(_) => {}
                        Err(code) => *outcome.error_frames.entry(code).or_default() += 1,
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => { outcome.failed = true; break; }
            },
            () = tokio::time::sleep_until(listen_until.into()) => {
                if !sending { break; }
                outcome.send_lag.record(Instant::now().saturating_duration_since(next));
                let frame = typing.frame(stream.events_sent / per_frame, per_frame as usize);
                if stream.socket.send(Message::text(frame)).await.is_err() {
                    outcome.failed = true;
                    break;
                }
                stream.events_sent += per_frame;
                n += 1;
            }
        }
    }
    outcome.events_sent = stream.events_sent - base;
    outcome.events_confirmed = confirmed_events - base;
    (stream, outcome)
}

/// Keeps up to `in_flight` unconfirmed events on the socket until `deadline` (a closed loop
/// with pipelining) and records each confirmation's latency from its frame's send.
///
/// Each round waits for one message, then takes every message already received without
/// waiting, and only then refills the window with one write: the echo answers every frame, and
/// a write per answer had the generator spend its core on system calls (saturated at 99-100 %
/// while the echo's core had room). The server is driven by the same loop.
pub async fn saturated(
    mut stream: Stream,
    typings: Arc<Vec<TypingStream>>,
    deadline: Instant,
    per_frame: u64,
    in_flight: u64,
) -> (Stream, Outcome) {
    let mut outcome = Outcome::default();
    let base = stream.events_sent;
    let typing = &typings[stream.user];
    let mut confirmed_events = base;
    // Send instants of frames not yet confirmed, oldest first, with the oldest's number.
    let mut sent_at: VecDeque<Instant> = VecDeque::new();
    let mut oldest_frame = 0u64;
    while Instant::now() < deadline {
        let mut fed = false;
        while stream.events_sent - confirmed_events < in_flight {
            let frame = typing.frame(stream.events_sent / per_frame, per_frame as usize);
            if stream.socket.feed(Message::text(frame)).await.is_err() {
                outcome.failed = true;
                break;
            }
            sent_at.push_back(Instant::now());
            stream.events_sent += per_frame;
            fed = true;
        }
        if fed && stream.socket.flush().await.is_err() {
            outcome.failed = true;
        }
        if outcome.failed {
            break;
        }
        let mut message = match tokio::time::timeout(STALL, stream.socket.next()).await {
            Ok(Some(Ok(message))) => message,
            _ => {
                outcome.failed = true;
                break;
            }
        };
        loop {
            if let Message::Text(text) = &message {
                match confirmed(&stream, text.as_str(), per_frame, confirmed_events) {
                    Ok(Some(seen)) if seen > confirmed_events => {
                        confirmed_events = seen;
                        let frame = (seen - base) / per_frame - 1;
                        while oldest_frame < frame && sent_at.len() > 1 {
                            sent_at.pop_front();
                            oldest_frame += 1;
                        }
                        if let Some(at) = sent_at.pop_front() {
                            outcome.latencies.record(at.elapsed());
                            oldest_frame += 1;
                        }
                    }
                    Ok(_) => {}
                    Err(code) => *outcome.error_frames.entry(code).or_default() += 1,
                }
            }
            // The next message only if it is already here.
            match stream.socket.next().now_or_never() {
                Some(Some(Ok(next))) => message = next,
                Some(Some(Err(_)) | None) => {
                    outcome.failed = true;
                    break;
                }
                None => break,
            }
        }
        if outcome.failed {
            break;
        }
    }
    outcome.events_sent = stream.events_sent - base;
    outcome.events_confirmed = confirmed_events - base;
    (stream, outcome)
}
