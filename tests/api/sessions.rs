//! Live sessions end to end with a real WebSocket client: tickets and their refusals, genuine
//! CMU typing streamed and allowed, an impostor challenged and cut off unless a step-up is
//! passed, the socket's defences (malformed frames, oversized frames, floods), and step-up and
//! lockouts reaching open sessions (`step_up`).

mod defences;
mod lockout;
mod step_up;
mod ws_client;

use std::time::Duration;

use awc::ws::{CloseCode, Message};
use behavioral_auth::configuration::Settings;
use behavioral_auth::evaluation::cmu;
use chrono::Utc;
use entity::{live_sessions, security_events, session_scores, users};
use futures_util::SinkExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use self::ws_client::{Socket, close_code, connect, next_json, send_json};
use crate::biometrics::{cmu_rows, enrol};
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app_with, status_and_json};
use crate::on_both_databases;

on_both_databases!(
    genuine_typing_streams_scores_that_allow,
    an_impostor_is_challenged_and_cut_off_unless_a_step_up_is_passed,
    a_deny_ends_the_session_at_once,
    tickets_are_single_use_short_lived_and_bound_to_allowed_origins_and_unlocked_accounts,
    progress_of_many_sessions_is_recorded_together_but_never_revives_an_ended_one,
);

/// The origin the test "browser" page runs on.
const ORIGIN: &str = "http://app.test";
/// Key events in one replayed CMU entry (11 keys, down and up).
const EVENTS_PER_ENTRY: u64 = 22;

/// One score per CMU entry; nothing scored on a timer; no retraining behind the test's back.
fn live_settings(settings: &mut Settings) {
    settings.sessions.allowed_origins = vec![ORIGIN.to_owned()];
    settings.sessions.window_max_events = EVENTS_PER_ENTRY as usize;
    settings.sessions.score_every_events = EVENTS_PER_ENTRY;
    settings.sessions.score_every_ms = 600_000;
    settings.sessions.persist_every_ms = 200;
    // The first score is kept in the history; no more within a test.
    settings.sessions.score_sample_every_ms = 600_000;
    // Replayed typing arrives far faster than anyone types.
    settings.sessions.max_events_per_sec = 100_000;
    settings.biometrics.adapt = false;
}

/// `POST /api/v1/sessions`: the status and body.
async fn open_session(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/sessions"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request sent");
    status_and_json(response).await
}

/// `POST /api/v1/sessions/{id}/step-up`: the status and body.
async fn step_up(app: &TestApp, token: &str, id: Uuid, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/sessions/{id}/step-up")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request sent");
    status_and_json(response).await
}

/// A session on the `passphrase` profile, opened: the session id and the socket.
async fn passphrase_socket(app: &TestApp, token: &str) -> (Uuid, impl Socket + use<>) {
    let (status, body) = open_session(app, token, &json!({ "text_id": "passphrase" })).await;
    assert_eq!(status, 201, "{body}");
    let id = body["session_id"].as_str().unwrap().parse().unwrap();
    (id, connect(body["ws_url"].as_str().unwrap(), ORIGIN).await)
}

fn events_frame(row: &cmu::CmuRow) -> Value {
    json!({ "type": "events", "events": cmu::to_sample(row).events })
}

/// A WebSocket handshake by plain HTTP, to read a refusal's JSON body.
async fn handshake(app: &TestApp, ticket: &str, origin: &str) -> (u16, Value) {
    let response = app
        .client
        .get(app.url("/api/v1/sessions/live"))
        .query(&[("ticket", ticket)])
        .header("Origin", origin)
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .expect("request sent");
    status_and_json(response).await
}

/// Waits until the session's row says it ended, and returns it.
async fn ended_row(app: &TestApp, id: Uuid) -> live_sessions::Model {
    for _ in 0..100 {
        let row = live_sessions::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .expect("the session row");
        if row.status == "ended" {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("session {id} never ended in the database");
}

/// The details of the user's `session_ended` security event, once it is written.
async fn session_ended_event(app: &TestApp, user_id: Uuid) -> Value {
    for _ in 0..50 {
        let events = security_events::Entity::find()
            .filter(security_events::Column::UserId.eq(user_id))
            .filter(security_events::Column::EventType.eq("session_ended"))
            .all(&app.db)
            .await
            .unwrap();
        if let Some(event) = events.into_iter().next() {
            return event.details;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no session_ended security event");
}

/// Streams the rows' typing, one entry per frame, until the server challenges.
async fn stream_until_challenge(
    socket: &mut impl Socket,
    rows: &mut impl Iterator<Item = cmu::CmuRow>,
) -> Value {
    loop {
        let row = rows.next().expect("a challenge before the rows run out");
        send_json(socket, &events_frame(&row)).await;
        let frame = next_json(socket).await;
        match frame["type"].as_str() {
            Some("score") => assert_ne!(frame["decision"], "deny", "{frame}"),
            Some("challenge") => return frame,
            _ => panic!("unexpected {frame}"),
        }
    }
}

async fn genuine_typing_streams_scores_that_allow(backend: Backend) {
    let Some(app) = spawn_app_with(backend, live_settings).await else {
        return;
    };
    app.registered_user("typist").await;
    let token = app.token_for("typist", PASSWORD).await;
    enrol(&app, &token, "s002", "passphrase", 30).await;
    let (id, mut socket) = passphrase_socket(&app, &token).await;

    let mut allowed = 0;
    let rows: Vec<_> = cmu_rows("s002").into_iter().skip(30).take(10).collect();
    for (i, row) in rows.iter().enumerate() {
        send_json(&mut socket, &events_frame(row)).await;
        let frame = next_json(&mut socket).await;
        assert_eq!(frame["type"], "score", "{frame}");
        assert_eq!(frame["events_seen"], EVENTS_PER_ENTRY * (i as u64 + 1));
        assert!((0.0..=1.0).contains(&frame["score"].as_f64().unwrap()));
        assert_ne!(frame["decision"], "deny", "{frame}");
        allowed += usize::from(frame["decision"] == "allow");
    }
    assert!(allowed >= 7, "only {allowed} of 10 genuine entries allowed");
    // Progress reaches the database while the session runs (every persist_every_ms).
    tokio::time::sleep(Duration::from_millis(600)).await;
    let row = live_sessions::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "active");
    assert!(
        row.last_score.is_some() && row.last_seen_at.is_some(),
        "{row:?}"
    );
    // The score history is sampled: ten scores within `score_sample_every_ms` keep one row.
    let history = session_scores::Entity::find()
        .filter(session_scores::Column::SessionId.eq(id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "{history:?}");

    let bye = Message::Close(Some(CloseCode::Normal.into()));
    socket.send(bye).await.expect("close sent");
    let (code, _) = close_code(&mut socket).await;
    assert_eq!(code, Some(1000), "the server answers the close");
    let row = ended_row(&app, id).await;
    assert_eq!(row.end_reason.as_deref(), Some("client_closed"));
    assert!(row.ticket_used_at.is_some());
    assert!(row.last_score.is_some(), "the last score is kept");
    assert_eq!(row.profile_key, "keystroke/desktop/passphrase");
}

async fn an_impostor_is_challenged_and_cut_off_unless_a_step_up_is_passed(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |settings| {
        live_settings(settings);
        settings.sessions.challenge_after_low_scores = 2;
        settings.sessions.challenge_deadline_ms = 600;
        // Low scores are challenged, never denied outright, so the challenge path is taken.
        settings.biometrics.deny_below = 0.0;
    })
    .await
    else {
        return;
    };
    let user_id = app.registered_user("victim").await;
    let token = app.token_for("victim", PASSWORD).await;
    enrol(&app, &token, "s002", "passphrase", 30).await;
    let (id, mut socket) = passphrase_socket(&app, &token).await;
    let mut impostor = ["s004", "s005", "s007", "s008", "s010", "s011"]
        .iter()
        .flat_map(|subject| cmu_rows(subject).into_iter().take(4));

    let first = stream_until_challenge(&mut socket, &mut impostor).await;
    assert_eq!(first["deadline_ms"], 600, "{first}");
    // Pass the step-up, then answer within the deadline.
    let (status, body) = step_up(&app, &token, id, &json!({ "password": PASSWORD })).await;
    assert_eq!(status, 200, "{body}");
    send_json(&mut socket, &json!({ "type": "step_up_done" })).await;
    tokio::time::sleep(Duration::from_millis(900)).await;

    // Past the first deadline and still open: the step-up cleared it, and the low-score streak
    // starts again from zero.
    let row = live_sessions::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "active", "{row:?}");
    assert!(row.step_up_passed_at.is_some(), "{row:?}");
    send_json(&mut socket, &events_frame(&impostor.next().unwrap())).await;
    let frame = next_json(&mut socket).await;
    assert_eq!(
        frame["type"], "score",
        "one low score is no challenge yet: {frame}"
    );
    // Unanswered now.
    stream_until_challenge(&mut socket, &mut impostor).await;
    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(4001), "{frames:?}");
    assert!(
        frames.contains(&json!({ "type": "ended", "reason": "challenge_timeout" })),
        "{frames:?}"
    );

    let row = ended_row(&app, id).await;
    assert_eq!(row.end_reason.as_deref(), Some("challenge_timeout"));
    let event = session_ended_event(&app, user_id).await;
    assert_eq!(event["reason"], "challenge_timeout");
    assert_eq!(event["session_id"], id.to_string());
}

async fn a_deny_ends_the_session_at_once(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |settings| {
        live_settings(settings);
        // Every score is under this, so the first one is a deny.
        settings.biometrics.deny_below = 1.01;
    })
    .await
    else {
        return;
    };
    let user_id = app.registered_user("denied").await;
    let token = app.token_for("denied", PASSWORD).await;
    enrol(&app, &token, "s002", "passphrase", 10).await;
    let (id, mut socket) = passphrase_socket(&app, &token).await;

    send_json(&mut socket, &events_frame(&cmu_rows("s020")[0])).await;
    let frame = next_json(&mut socket).await;
    assert_eq!(
        (frame["type"].as_str(), frame["decision"].as_str()),
        (Some("score"), Some("deny"))
    );
    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(4001));
    assert_eq!(frames, vec![json!({ "type": "ended", "reason": "deny" })]);
    assert_eq!(
        ended_row(&app, id).await.end_reason.as_deref(),
        Some("deny")
    );
    assert_eq!(session_ended_event(&app, user_id).await["reason"], "deny");
}

async fn tickets_are_single_use_short_lived_and_bound_to_allowed_origins_and_unlocked_accounts(
    backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, live_settings).await else {
        return;
    };
    let user_id = app.registered_user("holder").await;
    let token = app.token_for("holder", PASSWORD).await;

    let (status, body) = open_session(&app, &token, &json!({})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["expires_in"], 30);
    let ticket = body["ticket"].as_str().unwrap().to_owned();
    assert!(ticket.len() >= 22, "at least 128 random bits: {ticket}");
    let url = body["ws_url"].as_str().unwrap();
    assert!(
        url.starts_with("ws://127.0.0.1:") && url.ends_with(&ticket),
        "{url}"
    );
    let id: Uuid = body["session_id"].as_str().unwrap().parse().unwrap();
    let row = live_sessions::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(row.ticket_hash, ticket, "only the hash is stored");
    assert_eq!(row.profile_key, "keystroke/desktop/*");

    let (status, body) = handshake(&app, &ticket, "http://evil.test").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("origin_not_allowed"))
    );
    // The refused origin did not spend the ticket.
    let mut socket = connect(url, ORIGIN).await;
    let (status, body) = handshake(&app, &ticket, ORIGIN).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthorized")),
        "used"
    );
    socket.close().await.unwrap();

    let (status, body) = handshake(&app, "garbage", ORIGIN).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));

    let (_, body) = open_session(&app, &token, &json!({ "text_id": "passphrase" })).await;
    let expired = body["ticket"].as_str().unwrap().to_owned();
    live_sessions::Entity::update_many()
        .col_expr(
            live_sessions::Column::TicketExpiresAt,
            Expr::value(Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(
            live_sessions::Column::Id.eq(body["session_id"]
                .as_str()
                .unwrap()
                .parse::<Uuid>()
                .unwrap()),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let (status, _) = handshake(&app, &expired, ORIGIN).await;
    assert_eq!(status, 401, "expired");

    let (_, body) = open_session(&app, &token, &json!({})).await;
    let before_lock = body["ticket"].as_str().unwrap().to_owned();
    users::Entity::update_many()
        .col_expr(users::Column::PermanentlyLocked, Expr::value(true))
        .filter(users::Column::Id.eq(user_id))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = handshake(&app, &before_lock, ORIGIN).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("account_locked"))
    );
    let (status, body) = open_session(&app, &token, &json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("account_locked"))
    );

    let (status, _) = open_session(&app, &token, &json!({ "text_id": "no spaces" })).await;
    assert_eq!(status, 422);
}

/// The session writer records every session's progress of a batch in a few statements (one
/// per 512 sessions, the last padded by repeating its last session: here 512 + 3 → 4): each
/// row gets its own values, and an ended session stays ended.
async fn progress_of_many_sessions_is_recorded_together_but_never_revives_an_ended_one(
    backend: Backend,
) {
    use behavioral_auth::store::live_sessions::{self as store, NewLiveSession, Progress};
    let Some(app) = spawn_app_with(backend, live_settings).await else {
        return;
    };
    let user_id = app.registered_user("typist").await;
    let ids: Vec<Uuid> = (0..515).map(|_| Uuid::new_v4()).collect();
    for (i, id) in ids.iter().enumerate() {
        let new = NewLiveSession {
            id: *id,
            user_id,
            profile_key: "keystroke/desktop/free",
            ticket_hash: &format!("hash-{i}"),
            ticket_expires_at: Utc::now(),
            opened_by_jti: "jti",
        };
        store::insert(&app.db, new).await.unwrap();
    }
    let ended = ids[7];
    store::end(&app.db, ended, "client_closed", Some(0.5), Utc::now())
        .await
        .unwrap();
    let at = Utc::now();
    let progress: Vec<Progress> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| Progress {
            id: *id,
            status: if i % 2 == 0 { "active" } else { "challenged" },
            last_score: (i % 3 != 0).then_some(i as f64 / 1000.0),
            at: at + chrono::Duration::milliseconds(i as i64),
        })
        .collect();

    store::record_progress(&app.db, &progress).await.unwrap();

    for (i, id) in ids.iter().enumerate() {
        let row = store::find(&app.db, *id).await.unwrap().unwrap();
        if *id == ended {
            assert_eq!(row.status, "ended");
            assert_eq!(row.last_score, Some(0.5));
            assert_eq!(row.last_seen_at, None);
            continue;
        }
        assert_eq!(row.status, progress[i].status, "session {i}");
        assert_eq!(row.last_score, progress[i].last_score, "session {i}");
        let seen = row.last_seen_at.expect("last seen recorded");
        assert_eq!(
            seen.timestamp_millis(),
            progress[i].at.timestamp_millis(),
            "session {i}"
        );
    }
}
