//! Step-up and lockouts reaching open sessions: `step_up_done` is refused until the server
//! recorded a pass, a failed step-up ends the session, sessions ended on behaviour count
//! towards a lockout, and a lockout (password or behaviour) ends the user's live sessions.

use entity::{alerts, lockouts};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::ws_client::{Socket, close_code, connect, next_json, send_json};
use super::{
    ORIGIN, ended_row, events_frame, live_settings, open_session, passphrase_socket,
    session_ended_event, step_up, stream_until_challenge,
};
use crate::biometrics::{cmu_rows, enrol};
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app_with, status_and_json};
use crate::on_both_databases;

on_both_databases!(
    step_up_done_without_a_recorded_pass_is_refused_and_the_deadline_still_ends_the_session,
    a_wrong_password_at_step_up_ends_the_session,
    a_lock_by_bad_passwords_ends_the_users_live_session,
    denied_sessions_count_as_failures_and_lock_the_user_with_alerts,
);

/// A free-text session (no model needed) of a fresh user: the app, user, token, session id
/// and socket.
async fn free_text_session(backend: Backend) -> Option<(TestApp, Uuid, String, Uuid, impl Socket)> {
    let app = spawn_app_with(backend, live_settings).await?;
    let user_id = app.registered_user("holder").await;
    let token = app.token_for("holder", PASSWORD).await;
    let (status, body) = open_session(&app, &token, &json!({})).await;
    assert_eq!(status, 201, "{body}");
    let id = body["session_id"].as_str().unwrap().parse().unwrap();
    let socket = connect(body["ws_url"].as_str().unwrap(), ORIGIN).await;
    Some((app, user_id, token, id, socket))
}

async fn step_up_done_without_a_recorded_pass_is_refused_and_the_deadline_still_ends_the_session(
    backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, |settings| {
        live_settings(settings);
        settings.sessions.challenge_after_low_scores = 2;
        settings.sessions.challenge_deadline_ms = 1500;
        settings.biometrics.deny_below = 0.0;
    })
    .await
    else {
        return;
    };
    let user_id = app.registered_user("claimant").await;
    let token = app.token_for("claimant", PASSWORD).await;
    enrol(&app, &token, "s002", "passphrase", 30).await;
    let (id, mut socket) = passphrase_socket(&app, &token).await;
    let mut impostor = ["s004", "s005", "s007", "s008"]
        .iter()
        .flat_map(|subject| cmu_rows(subject).into_iter().take(4));

    stream_until_challenge(&mut socket, &mut impostor).await;
    // The client's word alone is not a step-up.
    send_json(&mut socket, &json!({ "type": "step_up_done" })).await;
    // A score of the last window sent may still be on its way.
    let mut refused = next_json(&mut socket).await;
    while refused["type"] == "score" {
        refused = next_json(&mut socket).await;
    }
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("step_up_required")),
        "{refused}"
    );

    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(4001), "{frames:?}");
    assert!(
        frames.contains(&json!({ "type": "ended", "reason": "challenge_timeout" })),
        "{frames:?}"
    );
    let row = ended_row(&app, id).await;
    assert_eq!(row.end_reason.as_deref(), Some("challenge_timeout"));
    assert!(row.step_up_passed_at.is_none());
    assert_eq!(
        session_ended_event(&app, user_id).await["reason"],
        "challenge_timeout"
    );
}

async fn a_wrong_password_at_step_up_ends_the_session(backend: Backend) {
    let Some((app, user_id, token, id, mut socket)) = free_text_session(backend).await else {
        return;
    };

    let (status, body) = step_up(&app, &token, id, &json!({ "password": "not my password" })).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("invalid_credentials")),
        "{body}"
    );

    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(4001), "{frames:?}");
    assert_eq!(
        frames,
        vec![json!({ "type": "ended", "reason": "step_up_wrong_password" })]
    );
    assert_eq!(
        ended_row(&app, id).await.end_reason.as_deref(),
        Some("step_up_wrong_password")
    );
    assert_eq!(
        session_ended_event(&app, user_id).await["reason"],
        "step_up_wrong_password"
    );
    // One wrong password is one failure: not a password failure plus a behavioural one.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let user = entity::users::Entity::find_by_id(user_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.failure_count, 1);
    // An ended session takes no step-up, and nobody else's session is found.
    let (status, body) = step_up(&app, &token, id, &json!({ "password": PASSWORD })).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("session_ended"))
    );
    let (status, _) = step_up(
        &app,
        &token,
        Uuid::new_v4(),
        &json!({ "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, 404);
}

async fn a_lock_by_bad_passwords_ends_the_users_live_session(backend: Backend) {
    let Some((app, user_id, _token, id, mut socket)) = free_text_session(backend).await else {
        return;
    };

    for attempt in 1..=5 {
        let response = app
            .login("holder", &format!("wrong password {attempt}"))
            .await;
        assert_eq!(response.status(), 401);
    }

    let (code, frames) = close_code(&mut socket).await;
    assert_eq!(code, Some(4001), "{frames:?}");
    assert_eq!(
        frames,
        vec![json!({ "type": "ended", "reason": "account_locked" })]
    );
    assert_eq!(
        ended_row(&app, id).await.end_reason.as_deref(),
        Some("account_locked")
    );
    let lockout = lockouts::Entity::find()
        .filter(lockouts::Column::UserId.eq(user_id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a lockout row");
    assert_eq!(lockout.reason, "password_failures");
}

async fn denied_sessions_count_as_failures_and_lock_the_user_with_alerts(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |settings| {
        live_settings(settings);
        // Every score is under this, so each passphrase session is denied at once.
        settings.biometrics.deny_below = 1.01;
        settings.lockout.max_failures = 2;
        settings.notifier.enabled = false;
        settings.notifier.allow_private_targets = true;
    })
    .await
    else {
        return;
    };
    let admin = app.admin_token("root-admin").await;
    let response = app
        .client
        .post(app.url("/api/v1/admin/webhooks"))
        .bearer_auth(&admin)
        .json(&json!({ "url": "http://127.0.0.1:9/hook", "events": ["lockout"] }))
        .send()
        .await
        .expect("request sent");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 201, "{body}");
    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({ "username": "drifter", "password": PASSWORD, "email": "drifter@example.com" }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let token = app.token_for("drifter", PASSWORD).await;
    enrol(&app, &token, "s002", "passphrase", 10).await;
    // A session that behaves: it is cut off by the lock the others cause.
    let (status, body) = open_session(&app, &token, &json!({})).await;
    assert_eq!(status, 201, "{body}");
    let bystander_id: Uuid = body["session_id"].as_str().unwrap().parse().unwrap();
    let mut bystander = connect(body["ws_url"].as_str().unwrap(), ORIGIN).await;

    for (i, subject) in ["s020", "s021"].iter().enumerate() {
        let (id, mut socket) = passphrase_socket(&app, &token).await;
        send_json(&mut socket, &events_frame(&cmu_rows(subject)[0])).await;
        let (code, frames) = close_code(&mut socket).await;
        assert_eq!(code, Some(4001), "session {i}: {frames:?}");
        assert_eq!(
            ended_row(&app, id).await.end_reason.as_deref(),
            Some("deny")
        );
    }

    let (code, frames) = close_code(&mut bystander).await;
    assert_eq!(code, Some(4001), "{frames:?}");
    assert_eq!(
        frames,
        vec![json!({ "type": "ended", "reason": "account_locked" })]
    );
    assert_eq!(
        ended_row(&app, bystander_id).await.end_reason.as_deref(),
        Some("account_locked")
    );
    let user_id = ended_row(&app, bystander_id).await.user_id;
    let lockout = lockouts::Entity::find()
        .filter(lockouts::Column::UserId.eq(user_id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a lockout row");
    assert_eq!(lockout.reason, "behaviour");
    let queued = alerts::Entity::find()
        .filter(alerts::Column::EventType.eq("lockout"))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        queued
            .iter()
            .any(|alert| alert.kind == "email" && alert.target == "drifter@example.com"),
        "{queued:?}"
    );
    assert!(
        queued.iter().any(|alert| alert.kind == "webhook"),
        "{queued:?}"
    );
    let (status, body) = open_session(&app, &token, &json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("account_locked"))
    );
}
