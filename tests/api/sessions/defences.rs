//! The socket's defences, on SQLite only (no model needed): malformed, binary, oversized and
//! flooding frames, and silence.

use awc::ws::Message;
use behavioral_auth::configuration::Settings;
use entity::live_sessions;
use futures_util::SinkExt;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use super::ws_client::{Socket, close_code, connect, next_json, send_json, send_text};
use super::{ORIGIN, ended_row, live_settings, open_session};
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app_with};

/// A socket on a free-text session of a fresh user (no model needed for these tests).
async fn free_text_socket(customise: impl FnOnce(&mut Settings)) -> Option<(TestApp, impl Socket)> {
    let app = spawn_app_with(Backend::Sqlite, |settings| {
        live_settings(settings);
        customise(settings);
    })
    .await?;
    app.registered_user("streamer").await;
    let token = app.token_for("streamer", PASSWORD).await;
    let (status, body) = open_session(&app, &token, &json!({})).await;
    assert_eq!(status, 201, "{body}");
    let socket = connect(body["ws_url"].as_str().unwrap(), ORIGIN).await;
    Some((app, socket))
}

#[actix_web::test]
async fn malformed_frames_get_error_frames_and_too_many_close_the_socket() {
    let Some((_app, mut socket)) = free_text_socket(|s| s.sessions.max_bad_frames = 3).await else {
        return;
    };
    send_text(&mut socket, "not json".into()).await;
    send_json(&mut socket, &json!({ "type": "nope" })).await;
    socket
        .send(Message::Binary(vec![1u8, 2, 3].into()))
        .await
        .unwrap();
    let touch = json!({ "kind": "touch_start", "id": 1, "x": 0.0, "y": 0.0, "pressure": 0.5, "size": 1.0, "t": 1.0 });
    send_json(&mut socket, &json!({ "type": "events", "events": [touch] })).await;
    for _ in 0..4 {
        let frame = next_json(&mut socket).await;
        assert_eq!(frame["type"], "error", "{frame}");
        assert_eq!(frame["code"], "bad_frame", "{frame}");
    }
    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(1008), "{frames:?}");
    assert!(frames.contains(&json!({ "type": "ended", "reason": "bad_frames" })));
}

#[actix_web::test]
async fn an_oversized_frame_closes_the_socket() {
    let Some((_app, mut socket)) = free_text_socket(|s| s.sessions.max_frame_bytes = 1024).await
    else {
        return;
    };
    send_text(&mut socket, format!("\"{}\"", "x".repeat(4096))).await;
    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(1009), "{frames:?}");
}

#[actix_web::test]
async fn an_event_flood_is_refused_with_a_rate_limit_error_frame() {
    let Some((_app, mut socket)) = free_text_socket(|s| {
        s.sessions.max_events_per_sec = 30;
        s.sessions.score_every_events = 1000;
    })
    .await
    else {
        return;
    };
    let events: Vec<Value> = (0..40)
        .map(|i| json!({ "kind": "key_down", "code": "KeyA", "t": f64::from(i) * 10.0 }))
        .collect();
    send_json(&mut socket, &json!({ "type": "events", "events": events })).await;
    let frame = next_json(&mut socket).await;
    assert_eq!(frame["type"], "error", "{frame}");
    assert_eq!(frame["code"], "rate_limited", "{frame}");
    // The session goes on: a step_up_done without a challenge is answered, not fatal.
    send_json(&mut socket, &json!({ "type": "step_up_done" })).await;
    assert_eq!(next_json(&mut socket).await["code"], "no_challenge");
}

#[actix_web::test]
async fn a_silent_session_ends_at_the_first_heartbeat_after_the_idle_timeout() {
    let Some((app, mut socket)) = free_text_socket(|s| s.sessions.idle_timeout_secs = 0).await
    else {
        return;
    };
    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(1001), "{frames:?}");
    assert_eq!(
        frames,
        vec![json!({ "type": "ended", "reason": "idle_timeout" })]
    );
    let row = live_sessions::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("the session row");
    assert_eq!(
        ended_row(&app, row.id).await.end_reason.as_deref(),
        Some("idle_timeout")
    );
}

#[actix_web::test]
async fn a_session_without_events_ends_at_the_inactivity_timeout_though_the_socket_lives() {
    let Some((app, mut socket)) = free_text_socket(|s| {
        s.sessions.idle_timeout_secs = 3600;
        s.sessions.inactivity_timeout_secs = 0;
    })
    .await
    else {
        return;
    };
    // The socket stays open (the idle timeout is an hour away) but the user sends no events.
    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(4001), "{frames:?}");
    assert_eq!(
        frames,
        vec![json!({ "type": "ended", "reason": "inactivity_timeout" })]
    );
    let row = live_sessions::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("the session row");
    assert_eq!(
        ended_row(&app, row.id).await.end_reason.as_deref(),
        Some("inactivity_timeout")
    );
}
