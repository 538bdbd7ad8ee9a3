//! Replay and bot defence: login nonces, replayed keystroke samples, scripted input.

use serde_json::{Value, json};

use crate::biometrics::cmu_rows;
use crate::helpers::{
    Backend, PASSWORD, TestApp, spawn_app, spawn_app_on, spawn_app_with, status_and_json,
};
use crate::on_both_databases;
use behavioral_auth::evaluation::cmu;

on_both_databases!(
    a_login_with_typing_needs_a_fresh_nonce_each_time,
    a_replayed_enrolment_sample_is_refused,
    a_sample_replayed_to_another_process_is_refused,
    machine_regular_typing_is_flagged_in_quality_and_the_audit_trail,
);

fn typing(subject: &str, index: usize) -> Value {
    serde_json::to_value(cmu::to_sample(&cmu_rows(subject)[index])).unwrap()
}

async fn a_login_with_typing_needs_a_fresh_nonce_each_time(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("nonce-user").await;
    let login = |body: Value| {
        let app = &app;
        async move { status_and_json(app.post_json("/api/v1/auth/login", &body).await).await }
    };
    let body = |nonce: Option<&str>| {
        let mut body = json!({
            "username": "nonce-user",
            "password": PASSWORD,
            "typing": typing("s020", 0),
        });
        if let Some(nonce) = nonce {
            body["nonce"] = json!(nonce);
        }
        body
    };

    let (status, answer) = login(body(None)).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "nonce_required");

    let nonce = app.login_nonce().await;
    let (status, answer) = login(body(Some(&nonce))).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["access_token"].is_string(), "{answer}");

    // The captured request, sent again: the nonce is spent.
    let (status, answer) = login(body(Some(&nonce))).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "invalid_nonce");

    // A made-up nonce, and one with a wrong password: the nonce is judged first, so the
    // answer never tells whether the password was right.
    let (status, answer) = login(body(Some("made-up"))).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (422, Some("invalid_nonce"))
    );
    let mut wrong = body(Some("made-up"));
    wrong["password"] = json!("not the password at all");
    let (status, answer) = login(wrong).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (422, Some("invalid_nonce"))
    );

    // A password-only login needs no nonce.
    let (status, _) = login(json!({ "username": "nonce-user", "password": PASSWORD })).await;
    assert_eq!(status, 200);
}

async fn a_replayed_enrolment_sample_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("replayer").await;
    let token = app.token_for("replayer", PASSWORD).await;
    let enrol = |sample: Value| {
        let app = &app;
        let token = &token;
        async move {
            let response = app
                .client
                .post(app.url("/api/v1/biometrics/enrollments"))
                .bearer_auth(token)
                .json(&sample)
                .send()
                .await
                .unwrap();
            status_and_json(response).await
        }
    };
    let original = typing("s021", 3);
    let (status, answer) = enrol(original.clone()).await;
    assert_eq!(status, 201, "{answer}");

    let (status, answer) = enrol(original.clone()).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "replayed_sample");

    // The same recording with ±1 ms of jitter on every event is still a copy.
    let mut jittered = original.clone();
    for (index, event) in jittered["events"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        let t = event["t"].as_f64().unwrap();
        event["t"] = json!(t + if index % 2 == 0 { 1.0 } else { 0.0 });
    }
    let (status, answer) = enrol(jittered).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "replayed_sample");

    // The same person typing again is not a replay.
    let (status, answer) = enrol(typing("s021", 4)).await;
    assert_eq!(status, 201, "{answer}");

    let admin = app.admin_token("admin").await;
    let events: Value = app
        .get_with_token("/api/v1/admin/security-events?type=replay_refused", &admin)
        .await
        .json()
        .await
        .unwrap();
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{events}");
    assert_eq!(items[0]["details"]["context"], "enroll");
}

/// Enrols `sample` for the user of `token` on `app`: the status and the answer.
async fn enrol_on(app: &TestApp, token: &str, sample: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/biometrics/enrollments"))
        .bearer_auth(token)
        .json(sample)
        .send()
        .await
        .unwrap();
    status_and_json(response).await
}

/// Two processes on one database: each reads what the other wrote (and not its own rows)
/// when it tops up its in-memory fingerprints, so a recording accepted by one is refused by
/// the other.
async fn a_sample_replayed_to_another_process_is_refused(backend: Backend) {
    use entity::keystroke_fingerprints;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let every_check_reads = |settings: &mut behavioral_auth::configuration::Settings| {
        settings.biometrics.replay_refresh_ms = 0;
    };
    let Some(first) = spawn_app_with(backend, every_check_reads).await else {
        return;
    };
    let second = spawn_app_on(&first.database_url, every_check_reads).await;
    first.registered_user("two-doors").await;
    let token = first.token_for("two-doors", PASSWORD).await;
    let wait_for_fingerprints = |count: u64| {
        let db = first.db.clone();
        async move {
            for _ in 0..100 {
                let stored = keystroke_fingerprints::Entity::find()
                    .count(&db)
                    .await
                    .unwrap();
                if stored >= count {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("fewer than {count} fingerprints were written");
        }
    };

    let original = typing("s036", 5);
    let (status, answer) = enrol_on(&first, &token, &original).await;
    assert_eq!(status, 201, "{answer}");
    wait_for_fingerprints(1).await;
    let (status, answer) = enrol_on(&second, &token, &original).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "replayed_sample");

    // And the other way round.
    let other = typing("s036", 6);
    let (status, answer) = enrol_on(&second, &token, &other).await;
    assert_eq!(status, 201, "{answer}");
    wait_for_fingerprints(2).await;
    let (status, answer) = enrol_on(&first, &token, &other).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "replayed_sample");
}

async fn machine_regular_typing_is_flagged_in_quality_and_the_audit_trail(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("robot").await;
    let token = app.token_for("robot", PASSWORD).await;
    // A script: every key held 80 ms, one every 150 ms, to the millisecond.
    let mut events = Vec::new();
    for (index, code) in [
        "KeyR", "KeyO", "KeyB", "KeyO", "KeyT", "KeyI", "KeyC", "KeyS",
    ]
    .iter()
    .enumerate()
    {
        let t = 150.0 * index as f64;
        events.push(json!({ "kind": "key_down", "code": code, "t": t }));
        events.push(json!({ "kind": "key_up", "code": code, "t": t + 80.0 }));
    }
    let sample = json!({
        "modality": "keystroke", "device": "desktop", "text_id": "robotics", "events": events,
    });
    let response = app
        .client
        .post(app.url("/api/v1/biometrics/enrollments"))
        .bearer_auth(&token)
        .json(&sample)
        .send()
        .await
        .unwrap();
    let (status, answer) = status_and_json(response).await;
    assert_eq!(status, 422, "a script cannot enrol: {answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("scripted input"),
        "{answer}"
    );

    let admin = app.admin_token("admin").await;
    let events: Value = app
        .get_with_token("/api/v1/admin/security-events?type=scripted_input", &admin)
        .await
        .json()
        .await
        .unwrap();
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{events}");
    assert_eq!(
        items[0]["details"]["profile_key"],
        "keystroke/desktop/robotics"
    );
    assert!(items[0]["details"]["quality"].as_f64().unwrap() < 0.3);
}
