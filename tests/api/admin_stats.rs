//! What the admin dashboard reads: login, lockout and session timelines, score distributions,
//! users with profile readiness, a session's score history, and the CSV exports.

use behavioral_auth::store;
use behavioral_auth::store::live_sessions::NewLiveSession;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::biometrics::{cmu_rows, enrol, scores as verify_scores};
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app, status_and_json};
use crate::on_both_databases;

on_both_databases!(
    login_and_lockout_timelines_count_every_outcome_in_its_bucket,
    timelines_refuse_windows_that_are_too_long_or_in_the_future,
    score_distributions_split_verifications_by_the_samples_label,
    a_sessions_score_history_and_the_live_session_counts,
    exports_are_csv_with_a_header_and_one_row_per_record,
);

fn minutes_ago(minutes: i64) -> String {
    (Utc::now() - Duration::minutes(minutes))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        .replace('+', "%2B")
}

/// The sum of `field` over a timeline's buckets.
fn total(stats: &Value, field: &str) -> u64 {
    stats["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .map(|bucket| bucket[field].as_u64().expect(field))
        .sum()
}

async fn admin_get(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = status_and_json(app.get_with_token(path, token).await).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

async fn login_and_lockout_timelines_count_every_outcome_in_its_bucket(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("hank").await;
    let admin = app.admin_token("the-admin").await;
    app.token_for("hank", PASSWORD).await;
    for i in 0..5 {
        assert_eq!(
            app.login("hank", &format!("bad password {i}"))
                .await
                .status(),
            401
        );
    }
    assert_eq!(app.login("hank", PASSWORD).await.status(), 401, "locked");
    assert_eq!(app.login("nobody", PASSWORD).await.status(), 401);

    let since = minutes_ago(5);
    let logins = admin_get(
        &app,
        &admin,
        &format!("/api/v1/admin/stats/logins?since={since}&bucket=minute"),
    )
    .await;
    assert_eq!(logins["bucket"], "minute");
    let buckets = logins["buckets"].as_array().unwrap().len();
    assert!((6..=7).contains(&buckets), "{buckets} one-minute buckets");
    assert_eq!(total(&logins, "success"), 2, "{logins}");
    assert_eq!(total(&logins, "bad_password"), 5);
    assert_eq!(total(&logins, "locked"), 1);
    assert_eq!(total(&logins, "unknown_user"), 1);
    assert_eq!(total(&logins, "step_up"), 0);

    let lockouts = admin_get(
        &app,
        &admin,
        &format!("/api/v1/admin/stats/lockouts?since={since}&bucket=minute"),
    )
    .await;
    assert_eq!(total(&lockouts, "password_failures"), 1, "{lockouts}");
    assert_eq!(total(&lockouts, "behaviour"), 0);

    // The default window is the last 24 hours by hour.
    let default = admin_get(&app, &admin, "/api/v1/admin/stats/logins").await;
    assert_eq!(default["bucket"], "hour");
    assert!((24..=25).contains(&default["buckets"].as_array().unwrap().len()));
    assert_eq!(total(&default, "bad_password"), 5);
    app.stop().await;
}

async fn timelines_refuse_windows_that_are_too_long_or_in_the_future(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("gina").await;
    let user = app.token_for("gina", PASSWORD).await;
    let admin = app.admin_token("the-admin").await;
    let week = minutes_ago(7 * 24 * 60);
    let future = minutes_ago(-60);
    for path in [
        format!("/api/v1/admin/stats/logins?since={week}&bucket=minute"),
        format!("/api/v1/admin/stats/lockouts?since={future}"),
        "/api/v1/admin/stats/sessions?bucket=fortnight".to_owned(),
        "/api/v1/admin/stats/scores?since=yesterday".to_owned(),
    ] {
        let (status, body) = status_and_json(app.get_with_token(&path, &admin).await).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["code"], "bad_request");
    }
    for path in [
        "/api/v1/admin/stats/logins",
        "/api/v1/admin/stats/lockouts",
        "/api/v1/admin/stats/sessions",
        "/api/v1/admin/stats/scores",
        "/api/v1/admin/users/export",
        "/api/v1/admin/security-events/export",
    ] {
        let (status, body) = status_and_json(app.get_with_token(path, &user).await).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(body["code"], "forbidden");
    }
    app.stop().await;
}

async fn score_distributions_split_verifications_by_the_samples_label(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let typist_id = app.registered_user("typist").await;
    let token = app.token_for("typist", PASSWORD).await;
    let admin = app.admin_token("the-admin").await;
    // Another typist first: their samples are the negatives an EER is estimated against.
    app.registered_user("other").await;
    let other = app.token_for("other", PASSWORD).await;
    // (a quarter of them, at least 10, is held out for calibration).
    enrol(&app, &other, "s004", "passphrase", 44).await;
    enrol(&app, &token, "s002", "passphrase", 30).await;
    // Genuine typing is accepted and kept (adaptation); an impostor's is not kept.
    let genuine_rows: Vec<_> = cmu_rows("s002").into_iter().skip(30).take(6).collect();
    let impostor_rows: Vec<_> = cmu_rows("s003").into_iter().take(6).collect();
    let genuine_scores = verify_scores(&app, &token, &genuine_rows, "passphrase").await;
    verify_scores(&app, &token, &impostor_rows, "passphrase").await;
    let kept = genuine_scores.iter().filter(|score| **score >= 0.8).count() as u64;
    assert!(
        kept >= 1,
        "no genuine score reached adaptation: {genuine_scores:?}"
    );

    let stats = admin_get(&app, &admin, "/api/v1/admin/stats/scores").await;
    let sum = |field: &str| -> u64 {
        stats[field]
            .as_array()
            .expect(field)
            .iter()
            .map(|count| count.as_u64().unwrap())
            .sum()
    };
    assert_eq!(stats["bin_edges"].as_array().unwrap().len(), 20);
    assert_eq!(stats["bin_width"], 0.05);
    assert_eq!(sum("genuine"), kept, "{stats}");
    assert_eq!(sum("impostor"), 0);
    assert_eq!(sum("unlabelled"), 12 - kept);
    // Kept samples score high: none in the lowest bins.
    assert_eq!(stats["genuine"][0], 0);

    // An admin relabels one kept sample: its score moves to the impostor distribution.
    let export = admin_get(&app, &token, "/api/v1/biometrics/profile/export").await;
    let adapted = export["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .find(|sample| sample["source"] == "adaptation")
        .expect("an adapted sample");
    let response = app
        .client
        .post(app.url(&format!(
            "/api/v1/admin/samples/{}/label",
            adapted["sample_id"]
        )))
        .bearer_auth(&admin)
        .json(&json!({ "label": "impostor" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let stats = admin_get(&app, &admin, "/api/v1/admin/stats/scores").await;
    let impostor: u64 = stats["impostor"]
        .as_array()
        .unwrap()
        .iter()
        .map(|count| count.as_u64().unwrap())
        .sum();
    assert_eq!(impostor, 1, "{stats}");

    // The user list shows the ready profile with its estimated EER.
    let users = admin_get(&app, &admin, "/api/v1/admin/users").await;
    let typist = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["user_id"] == typist_id.to_string())
        .expect("typist listed");
    let profile = &typist["profiles"][0];
    assert!(
        profile["profile_key"]
            .as_str()
            .unwrap()
            .ends_with("/passphrase"),
        "{typist}"
    );
    assert_eq!(profile["ready"], true);
    assert_eq!(profile["required"], 5, "{profile}");
    assert!(profile["samples"].as_u64().unwrap() >= 30, "{profile}");
    let eer = profile["estimated_eer"].as_f64().expect("an estimated EER");
    assert!((0.0..0.5).contains(&eer), "{profile}");
    let admin_row = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["username"] == "the-admin")
        .unwrap();
    assert_eq!(admin_row["profiles"], json!([]));
    app.stop().await;
}

async fn a_sessions_score_history_and_the_live_session_counts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let user_id = app.registered_user("streamer").await;
    let admin = app.admin_token("the-admin").await;
    // Arranged through the store: two sessions past their ticket, one of them ended, and a
    // sampled history (the WebSocket path that writes these is tested in `sessions`).
    let (live, ended) = (Uuid::new_v4(), Uuid::new_v4());
    let now = Utc::now();
    for (id, ticket) in [(live, "ticket-live"), (ended, "ticket-ended")] {
        store::live_sessions::insert(
            &app.db,
            NewLiveSession {
                id,
                user_id,
                profile_key: "keystroke/desktop/*",
                ticket_hash: ticket,
                ticket_expires_at: now + Duration::seconds(30),
                opened_by_jti: "jti-of-a-test-token",
            },
        )
        .await
        .unwrap();
        assert!(
            store::live_sessions::claim_ticket(&app.db, ticket, now)
                .await
                .unwrap()
                .is_some()
        );
    }
    store::live_sessions::end(&app.db, ended, "idle_timeout", None, now)
        .await
        .unwrap();
    let kept = [(2, 0.3, "challenge"), (0, 0.9, "allow"), (1, 0.7, "allow")]
        .into_iter()
        .map(|(offset, score, decision)| (live, score, decision, now + Duration::seconds(offset)))
        .collect();
    store::session_scores::insert_many(&app.db, kept)
        .await
        .unwrap();

    let history = admin_get(
        &app,
        &admin,
        &format!("/api/v1/admin/sessions/{live}/scores"),
    )
    .await;
    assert_eq!(history["session_id"], live.to_string());
    let scores: Vec<f64> = history["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|point| point["score"].as_f64().unwrap())
        .collect();
    assert_eq!(scores, [0.9, 0.7, 0.3], "oldest first");
    assert_eq!(history["scores"][2]["decision"], "challenge");
    let empty = admin_get(
        &app,
        &admin,
        &format!("/api/v1/admin/sessions/{ended}/scores"),
    )
    .await;
    assert_eq!(empty["scores"], json!([]));
    let (status, body) = status_and_json(
        app.get_with_token(
            &format!("/api/v1/admin/sessions/{}/scores", Uuid::new_v4()),
            &admin,
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");

    let stats = admin_get(
        &app,
        &admin,
        &format!(
            "/api/v1/admin/stats/sessions?since={}&bucket=minute",
            minutes_ago(2)
        ),
    )
    .await;
    assert_eq!(stats["active"], 1, "{stats}");
    assert_eq!(stats["challenged"], 0);
    assert_eq!(total(&stats, "started"), 2);
    assert_eq!(total(&stats, "ended"), 1);
    let buckets = stats["buckets"].as_array().unwrap();
    assert_eq!(buckets[buckets.len() - 1]["live"], 1, "{stats}");
    app.stop().await;
}

async fn exports_are_csv_with_a_header_and_one_row_per_record(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let hank = app.registered_user("hank").await;
    app.registered_user("ivy").await;
    let admin = app.admin_token("the-admin").await;
    for i in 0..5 {
        app.login("hank", &format!("bad password {i}")).await;
    }

    let response = app
        .get_with_token("/api/v1/admin/users/export", &admin)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("users.csv")
    );
    let rows = parse_csv(&response.text().await.unwrap());
    assert_eq!(rows[0][0], "user_id");
    assert_eq!(rows[0][5], "locked");
    let names: Vec<&str> = rows[1..].iter().map(|row| row[1].as_str()).collect();
    assert_eq!(names, ["hank", "ivy", "the-admin"]);
    assert_eq!(rows[1][0], hank.to_string());
    assert_eq!(rows[1][5], "true", "hank is locked");
    assert_eq!(rows[2][5], "false");

    let response = app
        .get_with_token(
            &format!("/api/v1/admin/security-events/export?user_id={hank}&type=lockout"),
            &admin,
        )
        .await;
    assert_eq!(response.status(), 200);
    let rows = parse_csv(&response.text().await.unwrap());
    assert_eq!(rows.len(), 2, "a header and hank's one lockout: {rows:?}");
    assert_eq!(rows[0][2], "type");
    assert_eq!(rows[1][2], "lockout");
    assert_eq!(rows[1][4], hank.to_string());
    let details: Value = serde_json::from_str(&rows[1][8]).expect("details are JSON");
    assert_eq!(details["reason"], "password_failures");

    let all = app
        .get_with_token("/api/v1/admin/security-events/export", &admin)
        .await;
    let rows = parse_csv(&all.text().await.unwrap());
    let types: Vec<&str> = rows[1..].iter().map(|row| row[2].as_str()).collect();
    assert!(
        types.contains(&"register") && types.contains(&"login_failure"),
        "{types:?}"
    );
    app.stop().await;
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| {
            record
                .expect("a well-formed CSV record")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}
