//! The biometric API end to end, with real CMU benchmark typing replayed as key events:
//! enrol, train, verify genuine against impostor typing, login with typing, restart, erase.

use std::sync::OnceLock;
use std::time::Duration;

use behavioral_auth::evaluation::{cmu, data_dir};
use behavioral_auth::events::Sample;
use entity::{biometric_models, biometric_samples, biometric_verifications};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use behavioral_auth::configuration::Settings;

use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app, spawn_app_with, status_and_json};
use crate::on_both_databases;

on_both_databases!(
    genuine_typing_scores_clearly_above_an_impostors_and_the_model_survives_a_restart,
    a_login_with_the_password_profile_needs_the_right_rhythm,
    erasing_a_profile_deletes_every_sample_model_and_result,
    confident_genuine_samples_adapt_the_profile_and_retrain_it,
    bad_samples_are_refused_with_a_reason,
    only_the_fingerprints_a_replay_check_reads_are_kept,
    a_top_up_reads_only_what_other_processes_wrote,
);

/// CMU rows by subject, loaded once per test process.
pub(crate) fn cmu_rows(subject: &str) -> Vec<cmu::CmuRow> {
    static ROWS: OnceLock<Vec<cmu::CmuRow>> = OnceLock::new();
    ROWS.get_or_init(|| {
        cmu::load(&data_dir().join("keystroke/DSL-StrongPasswordData.csv"))
            .expect("the CMU benchmark is in ../shared/data")
    })
    .iter()
    .filter(|row| row.subject == subject)
    .cloned()
    .collect()
}

pub(crate) fn sample_of(row: &cmu::CmuRow, text_id: &str) -> Value {
    let mut sample: Sample = cmu::to_sample(row);
    sample.text_id = Some(text_id.to_owned());
    serde_json::to_value(sample).expect("a sample serialises")
}

pub(crate) async fn post_sample(
    app: &TestApp,
    path: &str,
    token: &str,
    sample: &Value,
) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .json(sample)
        .send()
        .await
        .expect("request sent");
    status_and_json(response).await
}

/// Enrols the subject's first `count` rows for `text_id` and waits until the model is trained.
pub(crate) async fn enrol(app: &TestApp, token: &str, subject: &str, text_id: &str, count: usize) {
    for row in cmu_rows(subject).iter().take(count) {
        let (status, body) = post_sample(
            app,
            "/api/v1/biometrics/enrollments",
            token,
            &sample_of(row, text_id),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert!(body["quality"]["score"].as_f64().unwrap() > 0.5, "{body}");
    }
    wait_until_ready(app, token, text_id).await;
}

pub(crate) async fn wait_until_ready(app: &TestApp, token: &str, text_id: &str) -> Value {
    for _ in 0..300 {
        let (_, body) = status_and_json(
            app.get_with_token("/api/v1/biometrics/profile", token)
                .await,
        )
        .await;
        let profile = body["profiles"]
            .as_array()
            .and_then(|profiles| profiles.iter().find(|p| p["text_id"] == text_id).cloned());
        if let Some(profile) = profile
            && profile["ready"] == true
            && profile["training"] == false
        {
            return profile;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the {text_id} profile never became ready");
}

pub(crate) async fn scores(
    app: &TestApp,
    token: &str,
    rows: &[cmu::CmuRow],
    text_id: &str,
) -> Vec<f64> {
    let mut scores = Vec::new();
    for row in rows {
        let (status, body) = post_sample(
            app,
            "/api/v1/biometrics/verify",
            token,
            &sample_of(row, text_id),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        scores.push(body["score"].as_f64().expect("score"));
    }
    scores
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Verifications here must not retrain the model behind the test's back.
pub(crate) fn without_adaptation(settings: &mut Settings) {
    settings.biometrics.adapt = false;
}

async fn genuine_typing_scores_clearly_above_an_impostors_and_the_model_survives_a_restart(
    backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, without_adaptation).await else {
        return;
    };
    app.registered_user("typist").await;
    app.registered_user("other").await;
    let token = app.token_for("typist", PASSWORD).await;
    let other = app.token_for("other", PASSWORD).await;
    // Another user of the same passphrase: the background population for the SVM.
    enrol(&app, &other, "s003", "passphrase", 40).await;
    enrol(&app, &token, "s002", "passphrase", 40).await;
    // Retrain now that the background exists for the first user as well.
    let admin = app.admin_token("admin").await;
    let me: Value = app
        .get_with_token("/api/v1/me", &token)
        .await
        .json()
        .await
        .unwrap();
    let retrain = app
        .post_with_token(
            &format!(
                "/api/v1/admin/users/{}/retrain",
                me["user_id"].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    assert_eq!(retrain.status(), 202);
    let profile = wait_until_ready(&app, &token, "passphrase").await;
    assert!(profile["model_version"].as_i64().unwrap() >= 1);

    let genuine_rows: Vec<_> = cmu_rows("s002").into_iter().skip(50).take(20).collect();
    let impostor_rows: Vec<_> = ["s004", "s005", "s007", "s008"]
        .iter()
        .flat_map(|subject| cmu_rows(subject).into_iter().take(5))
        .collect();
    let genuine = scores(&app, &token, &genuine_rows, "passphrase").await;
    let impostor = scores(&app, &token, &impostor_rows, "passphrase").await;
    assert!(
        mean(&genuine) > mean(&impostor) + 0.3,
        "genuine {:.3} vs impostor {:.3}",
        mean(&genuine),
        mean(&impostor)
    );

    let fresh = sample_of(&cmu_rows("s002")[90], "passphrase");
    let (status, verdict) = post_sample(&app, "/api/v1/biometrics/verify", &token, &fresh).await;
    assert_eq!(status, 200);
    for field in ["score", "threshold"] {
        assert!(
            verdict[field]
                .as_f64()
                .is_some_and(|v| (0.0..=1.0).contains(&v)),
            "{verdict}"
        );
    }
    assert!(["allow", "challenge", "deny"].contains(&verdict["decision"].as_str().unwrap()));
    assert!(verdict["detectors"]["manhattan"].is_number());
    assert!(
        verdict["detectors"]["svm"].is_number(),
        "background negatives train the SVM: {verdict}"
    );

    // The same timing again is a recording, not a hand: refused and audited.
    let (status, body) = post_sample(&app, "/api/v1/biometrics/verify", &token, &fresh).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "replayed_sample");
    let events: Value = app
        .get_with_token("/api/v1/admin/security-events?type=replay_refused", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        events["items"].as_array().map(Vec::len),
        Some(1),
        "{events}"
    );

    // Copies of one new sample sent at once: the check and the remembering are one step, so
    // exactly one is scored.
    let copy = sample_of(&cmu_rows("s002")[91], "passphrase");
    let copies_sent_at = chrono::Utc::now();
    let copies = futures_util::future::join_all(
        (0..4).map(|_| post_sample(&app, "/api/v1/biometrics/verify", &token, &copy)),
    )
    .await;
    let statuses: Vec<u16> = copies.iter().map(|(status, _)| *status).collect();
    assert_eq!(
        statuses.iter().filter(|status| **status == 200).count(),
        1,
        "{copies:?}"
    );
    assert!(statuses.iter().all(|status| [200, 422].contains(status)));

    // Another server on the same database knows the fingerprints this one stored (once they
    // are stored: they are written in batches, in order).
    wait_for_fingerprint_seen_since(&app, copies_sent_at).await;
    let other = crate::helpers::spawn_app_on(&app.database_url, without_adaptation).await;
    let (status, body) = post_sample(&other, "/api/v1/biometrics/verify", &token, &fresh).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "replayed_sample");

    // A second server on the same database has no model in memory: it loads the stored one
    // (replay refusal off there, to score the very same sample again).
    let restarted = crate::helpers::spawn_app_on(&app.database_url, |settings| {
        without_adaptation(settings);
        settings.biometrics.replay_tolerance_ms = -1.0;
    })
    .await;
    let again = scores(
        &restarted,
        &token,
        &[cmu_rows("s002")[90].clone()],
        "passphrase",
    )
    .await;
    assert!(
        (again[0] - verdict["score"].as_f64().unwrap()).abs() < 1e-9,
        "same model, same score"
    );
}

/// Waits until `app` has written a fingerprint seen at or after `since`; fingerprints are
/// written in the order they were seen, so every earlier one is stored too.
async fn wait_for_fingerprint_seen_since(app: &TestApp, since: chrono::DateTime<chrono::Utc>) {
    use entity::keystroke_fingerprints;
    for _ in 0..100 {
        let written = keystroke_fingerprints::Entity::find()
            .filter(keystroke_fingerprints::Column::SeenAt.gte(since))
            .count(&app.db)
            .await
            .unwrap();
        if written > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no fingerprint seen since {since} was written within 5 s");
}

async fn a_login_with_the_password_profile_needs_the_right_rhythm(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("pat").await;
    let token = app.token_for("pat", PASSWORD).await;
    enrol(&app, &token, "s010", "password", 30).await;

    let login = |typing: Option<Value>| {
        let app = &app;
        async move {
            let mut body = json!({ "username": "pat", "password": PASSWORD });
            if let Some(typing) = typing {
                body["typing"] = typing;
                body["nonce"] = json!(app.login_nonce().await);
            }
            status_and_json(app.post_json("/api/v1/auth/login", &body).await).await
        }
    };
    let own = &cmu_rows("s010")[350];
    let (status, body) = login(Some(sample_of(own, "password"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["step_up_required"], false, "{body}");
    assert!(body["access_token"].is_string());
    assert!(body["biometric"]["score"].is_number());

    let stranger = &cmu_rows("s011")[0];
    let (status, body) = login(Some(sample_of(stranger, "password"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["step_up_required"], true, "{body}");
    assert_eq!(body["step_up_reason"], "low_typing_score");
    assert!(
        body.get("access_token").is_none(),
        "no token without the right rhythm"
    );

    let (_, body) = login(None).await;
    assert_eq!(body["step_up_required"], true);
    assert_eq!(body["step_up_reason"], "typing_required");

    // The first login's typing, sent again (a recording): refused as a replay.
    let (status, body) = login(Some(sample_of(own, "password"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["step_up_required"], true, "{body}");
    assert_eq!(body["step_up_reason"], "replayed_sample");

    let (status, body) = login(Some(
        json!({ "modality": "touch", "device": "mobile", "events": [] }),
    ))
    .await;
    assert_eq!(status, 422, "{body}");
}

async fn erasing_a_profile_deletes_every_sample_model_and_result(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let user_id = app.registered_user("erase-me").await;
    let token = app.token_for("erase-me", PASSWORD).await;
    enrol(&app, &token, "s012", "passphrase", 6).await;
    scores(&app, &token, &cmu_rows("s012")[100..102], "passphrase").await;

    let (status, export) = status_and_json(
        app.get_with_token("/api/v1/biometrics/profile/export", &token)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(export["samples"].as_array().unwrap().len() >= 6);
    assert_eq!(export["models"].as_array().unwrap().len(), 1);
    let text = export.to_string();
    for code in cmu::CMU_CODES {
        assert!(
            !text.contains(&format!("\"{code}\"")),
            "no key code is stored: {code}"
        );
    }

    let response = app
        .client
        .delete(app.url("/api/v1/biometrics/profile"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let count = |n: u64| n;
    assert_eq!(
        count(
            biometric_samples::Entity::find()
                .filter(biometric_samples::Column::UserId.eq(user_id))
                .count(&app.db)
                .await
                .unwrap()
        ),
        0
    );
    assert_eq!(
        count(
            biometric_models::Entity::find()
                .filter(biometric_models::Column::UserId.eq(user_id))
                .count(&app.db)
                .await
                .unwrap()
        ),
        0
    );
    assert_eq!(
        count(
            biometric_verifications::Entity::find()
                .filter(biometric_verifications::Column::UserId.eq(user_id))
                .count(&app.db)
                .await
                .unwrap()
        ),
        0
    );
    let (status, body) = post_sample(
        &app,
        "/api/v1/biometrics/verify",
        &token,
        &sample_of(&cmu_rows("s012")[0], "passphrase"),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "profile_not_ready");
}

async fn bad_samples_are_refused_with_a_reason(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("careful").await;
    let token = app.token_for("careful", PASSWORD).await;
    let path = "/api/v1/biometrics/enrollments";
    let key = |kind: &str, code: &str, t: f64| json!({ "kind": kind, "code": code, "t": t });
    let cases = [
        (
            "backwards time",
            json!({ "modality": "keystroke", "device": "desktop", "events": [key("key_down", "KeyA", 10.0), key("key_up", "KeyA", 5.0)] }),
            "earlier",
        ),
        (
            "up without down",
            json!({ "modality": "keystroke", "device": "desktop", "events": [key("key_up", "KeyA", 5.0)] }),
            "not held down",
        ),
        (
            "unknown kind",
            json!({ "modality": "keystroke", "device": "desktop", "events": [{ "kind": "mouse_move", "t": 1.0 }] }),
            "mouse_move",
        ),
        (
            "wrong modality",
            json!({ "modality": "touch", "device": "mobile", "events": [key("key_down", "KeyA", 1.0)] }),
            "does not belong",
        ),
        (
            "no events",
            json!({ "modality": "keystroke", "device": "desktop", "events": [] }),
            "no events",
        ),
        (
            "too many events",
            json!({ "modality": "keystroke", "device": "desktop", "events": (0..6000).map(|i| key(if i % 2 == 0 { "key_down" } else { "key_up" }, "KeyA", f64::from(i))).collect::<Vec<_>>() }),
            "at most",
        ),
        (
            "scripted",
            json!({ "modality": "keystroke", "device": "desktop", "text_id": "pin", "events": (0..20).map(|i| key(if i % 2 == 0 { "key_down" } else { "key_up" }, "KeyA", f64::from(i) * 100.0)).collect::<Vec<_>>() }),
            "scripted",
        ),
        (
            "bad text id",
            json!({ "modality": "keystroke", "device": "desktop", "text_id": "no spaces please", "events": [key("key_down", "KeyA", 1.0)] }),
            "text_id",
        ),
    ];
    for (name, sample, expected) in cases {
        let (status, body) = post_sample(&app, path, &token, &sample).await;
        assert_eq!(status, 422, "{name}: {body}");
        let message = body["message"].as_str().unwrap_or("");
        assert!(message.contains(expected), "{name}: {message}");
    }

    let mut pasted = sample_of(&cmu_rows("s013")[0], "phrase");
    pasted["typed_chars"] = json!(40);
    let (status, body) = post_sample(&app, path, &token, &pasted).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("pasted or autofilled"),
        "{body}"
    );

    enrol(&app, &token, "s013", "phrase", 5).await;
    let mut other_text = sample_of(&cmu_rows("s013")[10], "phrase");
    other_text["events"][0]["code"] = json!("KeyZ");
    other_text["events"][1]["code"] = json!("KeyZ");
    let (status, body) = post_sample(&app, path, &token, &other_text).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "sequence_mismatch");
}

async fn confident_genuine_samples_adapt_the_profile_and_retrain_it(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |settings| {
        settings.biometrics.adapt_min_score = 0.0;
        settings.biometrics.retrain_every_adapted = 3;
    })
    .await
    else {
        return;
    };
    let user_id = app.registered_user("drifter").await;
    let token = app.token_for("drifter", PASSWORD).await;
    enrol(&app, &token, "s015", "passphrase", 30).await;
    let before = wait_until_ready(&app, &token, "passphrase").await;

    let mut allowed = 0;
    for row in &cmu_rows("s015")[30..60] {
        let (_, verdict) = post_sample(
            &app,
            "/api/v1/biometrics/verify",
            &token,
            &sample_of(row, "passphrase"),
        )
        .await;
        if verdict["decision"] == "allow" {
            allowed += 1;
        }
    }
    assert!(
        allowed >= 3,
        "enough of the user's own typing is allowed to adapt: {allowed}"
    );
    let adapted = biometric_samples::Entity::find()
        .filter(biometric_samples::Column::UserId.eq(user_id))
        .filter(biometric_samples::Column::Source.eq("adaptation"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(adapted, allowed, "each allowed sample joins the profile");
    let after = wait_until_ready(&app, &token, "passphrase").await;
    assert!(
        after["model_version"].as_i64() > before["model_version"].as_i64(),
        "adapted samples retrain the model: {before} -> {after}"
    );
    assert!(after["samples"].as_u64().unwrap() > before["samples"].as_u64().unwrap());
}

async fn only_the_fingerprints_a_replay_check_reads_are_kept(backend: Backend) {
    use behavioral_auth::store::keystroke_fingerprints::{self, NewFingerprint};
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let user = app.registered_user("fingerprinted").await;
    let other = app.registered_user("fingerprinted-too").await;
    let print = |user_id, profile: &str, length: usize, i: usize| NewFingerprint {
        user_id,
        profile_key: profile.to_owned(),
        timings: vec![100.0 + i as f64; length],
        seen_at: chrono::Utc::now(),
        writer: 1,
    };
    // Three keys over the limit of 5 (one of another user), one under it; the rows of the
    // keys interleave as concurrent writers' would.
    let rows: Vec<NewFingerprint> = (0..9)
        .flat_map(|i| {
            [
                (i < 8).then(|| print(user, "keystroke/desktop/a", 9, i)),
                (i < 7).then(|| print(user, "keystroke/desktop/a", 11, i)),
                (i < 3).then(|| print(user, "keystroke/desktop/b", 9, i)),
                Some(print(other, "keystroke/desktop/a", 9, i)),
            ]
        })
        .flatten()
        .collect();
    keystroke_fingerprints::insert_many(&app.db, &rows)
        .await
        .unwrap();

    // Two rows a statement: the 4 beyond the other user's newest 5 take three statements.
    let purged = keystroke_fingerprints::purge_beyond_in_chunks(&app.db, 5, 2)
        .await
        .unwrap();
    assert_eq!(purged, 3 + 2 + 4);
    for (user_id, profile, length, kept, newest) in [
        (user, "keystroke/desktop/a", 9, 5, 107.0),
        (user, "keystroke/desktop/a", 11, 5, 106.0),
        (user, "keystroke/desktop/b", 9, 3, 102.0),
        (other, "keystroke/desktop/a", 9, 5, 108.0),
    ] {
        let left =
            keystroke_fingerprints::others_after(&app.db, user_id, profile, length, 0, 2, 100)
                .await
                .unwrap()
                .others;
        assert_eq!(left.len(), kept, "{profile} × {length}");
        assert_eq!(left[0][0], newest, "the newest are kept");
        assert_eq!(
            left[kept - 1][0],
            newest + 1.0 - kept as f64,
            "and only they"
        );
    }

    // The server's own purge (chunked on SQLite, one statement on PostgreSQL) keeps the same.
    let more: Vec<NewFingerprint> = (10..13)
        .map(|i| print(other, "keystroke/desktop/a", 9, i))
        .collect();
    keystroke_fingerprints::insert_many(&app.db, &more)
        .await
        .unwrap();
    let purged = keystroke_fingerprints::purge_beyond(&app.db, 5)
        .await
        .unwrap();
    assert_eq!(purged, 3);
    let left =
        keystroke_fingerprints::others_after(&app.db, other, "keystroke/desktop/a", 9, 0, 2, 100)
            .await
            .unwrap()
            .others;
    let firsts: Vec<f64> = left.iter().map(|timings| timings[0]).collect();
    assert_eq!(firsts, [112.0, 111.0, 110.0, 108.0, 107.0]);
    let again = keystroke_fingerprints::purge_beyond(&app.db, 5)
        .await
        .unwrap();
    assert_eq!(again, 0, "nothing is left to purge");
}

async fn a_top_up_reads_only_what_other_processes_wrote(backend: Backend) {
    use behavioral_auth::store::keystroke_fingerprints::{self, NewFingerprint};
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let user = app.registered_user("two-processes").await;
    let profile = "keystroke/desktop/password";
    let print = |writer: i64, value: f64| NewFingerprint {
        user_id: user,
        profile_key: profile.to_owned(),
        timings: vec![value; 9],
        seen_at: chrono::Utc::now(),
        writer,
    };
    let read = |after_id: i64| {
        keystroke_fingerprints::others_after(&app.db, user, profile, 9, after_id, 1, 100)
    };
    // This process (writer 1) and another (writer 2) interleaved.
    let rows = [
        print(1, 100.0),
        print(2, 200.0),
        print(1, 101.0),
        print(2, 201.0),
    ];
    keystroke_fingerprints::insert_many(&app.db, &rows)
        .await
        .unwrap();

    let first = read(0).await.unwrap();
    assert_eq!(first.others, vec![vec![201.0; 9], vec![200.0; 9]]);

    // The next read starts past every row of the first, its own included.
    keystroke_fingerprints::insert_many(&app.db, &[print(1, 102.0), print(2, 202.0)])
        .await
        .unwrap();
    let second = read(first.newest_id).await.unwrap();
    assert_eq!(second.others, vec![vec![202.0; 9]]);
    assert!(second.newest_id > first.newest_id);
    let nothing_new = read(second.newest_id).await.unwrap();
    assert!(nothing_new.others.is_empty());
    assert_eq!(nothing_new.newest_id, second.newest_id);
}
