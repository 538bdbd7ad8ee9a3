//! Sessions ended from outside their socket: a lock made through another server on the same
//! database, logout of the token that opened the session, and an admin's end.

use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::ws_client::{close_code, connect};
use super::{ORIGIN, ended_row, live_settings, open_session};
use crate::helpers::{Backend, PASSWORD, spawn_app_on, spawn_app_with, status_and_json};
use crate::on_both_databases;

on_both_databases!(
    a_lock_made_through_another_server_ends_the_session_within_two_seconds,
    logging_out_the_token_that_opened_a_session_ends_it,
    admins_list_sessions_with_their_last_score_and_end_one,
    a_session_ends_at_its_absolute_timeout_however_active,
);

async fn a_lock_made_through_another_server_ends_the_session_within_two_seconds(backend: Backend) {
    let Some(holder) = spawn_app_with(backend, live_settings).await else {
        return;
    };
    let other = spawn_app_on(&holder.database_url, live_settings).await;
    holder.registered_user("roamer").await;
    let token = holder.token_for("roamer", PASSWORD).await;
    let (status, body) = open_session(&holder, &token, &json!({})).await;
    assert_eq!(status, 201, "{body}");
    let id = body["session_id"].as_str().unwrap().parse().unwrap();
    let mut socket = connect(body["ws_url"].as_str().unwrap(), ORIGIN).await;

    for attempt in 1..=5 {
        let response = other
            .login("roamer", &format!("wrong password {attempt}"))
            .await;
        assert_eq!(response.status(), 401);
    }
    let locked_at = Instant::now();

    let (code, frames) = close_code(&mut socket).await;
    let took = locked_at.elapsed();
    assert!(took < Duration::from_secs(2), "ended after {took:?}");
    assert_eq!(code, Some(4001), "{frames:?}");
    assert_eq!(
        frames,
        vec![json!({ "type": "ended", "reason": "account_locked" })]
    );
    assert_eq!(
        ended_row(&holder, id).await.end_reason.as_deref(),
        Some("account_locked")
    );
}

async fn logging_out_the_token_that_opened_a_session_ends_it(backend: Backend) {
    let Some(app) = spawn_app_with(backend, live_settings).await else {
        return;
    };
    app.registered_user("leaver").await;
    let token = app.token_for("leaver", PASSWORD).await;
    let other_token = app.token_for("leaver", PASSWORD).await;
    let (_, body) = open_session(&app, &token, &json!({})).await;
    let id = body["session_id"].as_str().unwrap().parse().unwrap();
    let mut socket = connect(body["ws_url"].as_str().unwrap(), ORIGIN).await;
    let (_, body) = open_session(&app, &other_token, &json!({})).await;
    let kept_id: uuid::Uuid = body["session_id"].as_str().unwrap().parse().unwrap();
    let _kept = connect(body["ws_url"].as_str().unwrap(), ORIGIN).await;

    let response = app.post_with_token("/api/v1/auth/logout", &token).await;
    assert_eq!(response.status(), 204);

    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(4001), "{frames:?}");
    assert_eq!(frames, vec![json!({ "type": "ended", "reason": "logout" })]);
    assert_eq!(
        ended_row(&app, id).await.end_reason.as_deref(),
        Some("logout")
    );
    // The session another token opened goes on.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let row = entity::live_sessions::Entity::find_by_id(kept_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "active", "{row:?}");
}

async fn admins_list_sessions_with_their_last_score_and_end_one(backend: Backend) {
    let Some(app) = spawn_app_with(backend, live_settings).await else {
        return;
    };
    let admin = app.admin_token("root-admin").await;
    app.registered_user("watched").await;
    let token = app.token_for("watched", PASSWORD).await;
    let (_, body) = open_session(&app, &token, &json!({})).await;
    let id: uuid::Uuid = body["session_id"].as_str().unwrap().parse().unwrap();
    let mut socket = connect(body["ws_url"].as_str().unwrap(), ORIGIN).await;

    let (status, _) =
        status_and_json(app.get_with_token("/api/v1/admin/sessions", &token).await).await;
    assert_eq!(status, 403, "users may not list sessions");
    let (status, listed) = status_and_json(
        app.get_with_token("/api/v1/admin/sessions?status=active", &admin)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    let row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["session_id"] == id.to_string())
        .unwrap_or_else(|| panic!("the session is listed: {listed}"));
    assert_eq!(row["status"], "active");
    assert!(row.get("last_score").is_some(), "{row}");

    let end = |session: uuid::Uuid| {
        app.client
            .delete(app.url(&format!("/api/v1/admin/sessions/{session}")))
            .bearer_auth(&admin)
            .send()
    };
    assert_eq!(end(id).await.unwrap().status(), 204);
    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(4001), "{frames:?}");
    assert_eq!(
        frames,
        vec![json!({ "type": "ended", "reason": "admin_ended" })]
    );
    assert_eq!(
        ended_row(&app, id).await.end_reason.as_deref(),
        Some("admin_ended")
    );
    assert_eq!(end(id).await.unwrap().status(), 409, "already ended");
    assert_eq!(end(uuid::Uuid::new_v4()).await.unwrap().status(), 404);
    let event = entity::security_events::Entity::find()
        .filter(entity::security_events::Column::EventType.eq("session_ended"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a session_ended event");
    assert_eq!(event.details["reason"], "admin_ended");
    assert!(event.actor_id.is_some(), "the admin is named");
}

async fn a_session_ends_at_its_absolute_timeout_however_active(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |settings| {
        live_settings(settings);
        settings.sessions.absolute_timeout_secs = 1;
    })
    .await
    else {
        return;
    };
    app.registered_user("marathon").await;
    let token = app.token_for("marathon", PASSWORD).await;
    let (_, body) = open_session(&app, &token, &json!({})).await;
    let id = body["session_id"].as_str().unwrap().parse().unwrap();
    let mut socket = connect(body["ws_url"].as_str().unwrap(), ORIGIN).await;

    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(4001), "{frames:?}");
    assert_eq!(
        frames,
        vec![json!({ "type": "ended", "reason": "absolute_timeout" })]
    );
    assert_eq!(
        ended_row(&app, id).await.end_reason.as_deref(),
        Some("absolute_timeout")
    );
}
