//! TypingDNA as an extra detector, against a real stand-in of its API on loopback that
//! enforces the documented rules: enrolment saves the pattern, verification fuses TypingDNA's
//! score with ours, the username never reaches it, and when it is down, refuses us or has no
//! verdict yet, our own decision stands.

mod stand_in;

use behavioral_auth::configuration::Settings;
use behavioral_auth::evaluation::cmu::CmuRow;
use serde_json::{Value, json};

use crate::biometrics::{cmu_rows, post_sample, sample_of, wait_until_ready};
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app_with};
use stand_in::TypingDnaStandIn;

const API_KEY: &str = "test-api-key";
const API_SECRET: &str = "test-api-secret";
const USERNAME: &str = "typist-with-a-name";
const TEXT_ID: &str = "passphrase";
const WEIGHT: f64 = 0.5;

fn typingdna_on(base_url: &str, secret: &str) -> impl FnOnce(&mut Settings) {
    let (base_url, secret) = (base_url.to_owned(), secret.to_owned());
    move |settings| {
        settings.biometrics.adapt = false;
        // These tests score one sample with and without TypingDNA's verdict, so the same
        // timing is sent on purpose: no replay refusal here (`bot_defence` tests that).
        settings.biometrics.replay_tolerance_ms = -1.0;
        settings.typingdna.api_key = API_KEY.into();
        settings.typingdna.api_secret = secret;
        settings.typingdna.base_url = base_url;
        settings.typingdna.id_salt = "a-test-salt-of-16-bytes-or-more".into();
        settings.typingdna.weight = WEIGHT;
    }
}

/// A same-text (diagram) pattern: a header, then one block per key; `offset` shifts timings.
fn diagram_pattern(offset: f64) -> String {
    let keys: Vec<String> = (0..10)
        .map(|i| format!("{},{}", 90.0 + i as f64 * 7.0 + offset, 60.0 + offset))
        .collect();
    format!("0,3.2,0,0,10|{}", keys.join("|"))
}

fn with_pattern(row: &CmuRow, pattern: Option<String>) -> Value {
    let mut sample = sample_of(row, TEXT_ID);
    if let Some(pattern) = pattern {
        sample["typingdna_pattern"] = json!(pattern);
    }
    sample
}

/// Registers [`USERNAME`] and enrols 5 CMU samples, the first `with_patterns` of them
/// carrying a (slightly different) genuine pattern; returns the token.
async fn enrolled(app: &TestApp, with_patterns: usize) -> String {
    app.registered_user(USERNAME).await;
    let token = app.token_for(USERNAME, PASSWORD).await;
    for (i, row) in cmu_rows("s002").iter().take(5).enumerate() {
        let pattern = (i < with_patterns).then(|| diagram_pattern(i as f64));
        let (status, body) = post_sample(
            app,
            "/api/v1/biometrics/enrollments",
            &token,
            &with_pattern(row, pattern),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    wait_until_ready(app, &token, TEXT_ID).await;
    token
}

async fn verify(app: &TestApp, token: &str, pattern: Option<String>) -> Value {
    let row = &cmu_rows("s002")[40];
    let (status, body) = post_sample(
        app,
        "/api/v1/biometrics/verify",
        token,
        &with_pattern(row, pattern),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn score(verdict: &Value) -> f64 {
    verdict["score"].as_f64().expect("score")
}

#[actix_web::test]
async fn typingdna_scores_are_fused_with_ours_and_the_username_never_reaches_it() {
    let stand_in = TypingDnaStandIn::start(API_KEY, API_SECRET);
    let app = spawn_app_with(Backend::Sqlite, typingdna_on(&stand_in.url, API_SECRET))
        .await
        .expect("SQLite");
    let token = enrolled(&app, 5).await;
    let saves = stand_in.requests();
    assert_eq!(
        saves.len(),
        5,
        "every enrolment pattern was saved: {saves:?}"
    );
    assert!(
        saves
            .iter()
            .all(|r| r.path.starts_with("/save/") && r.answer["message_code"] == 1)
    );

    let ours = verify(&app, &token, None).await;
    assert!(ours["detectors"].get("typingdna").is_none(), "{ours}");

    let genuine = verify(&app, &token, Some(diagram_pattern(1.5))).await;
    let impostor = verify(&app, &token, Some(diagram_pattern(90.0))).await;
    let answers: Vec<Value> = stand_in.requests()[5..]
        .iter()
        .map(|r| r.answer.clone())
        .collect();
    assert_eq!(answers.len(), 2);
    for (verdict, answer) in [(&genuine, &answers[0]), (&impostor, &answers[1])] {
        let theirs = answer["score"].as_f64().expect("the stand-in scored") / 100.0;
        let expected = (1.0 - WEIGHT) * score(&ours) + WEIGHT * theirs;
        assert!(
            (score(verdict) - expected).abs() < 1e-9,
            "{verdict} vs {answer}"
        );
        assert_eq!(verdict["detectors"]["typingdna"].as_f64(), Some(theirs));
    }
    assert!(
        score(&genuine) > score(&impostor) + 0.3,
        "the same typing scores apart once TypingDNA's verdicts differ: {genuine} vs {impostor}"
    );
    assert_ne!(
        genuine["decision"], impostor["decision"],
        "fusion changes the decision on the same typing"
    );

    // A pattern of the other type is not sent: one id never mixes types.
    let before = stand_in.requests().len();
    let anytext = verify(&app, &token, Some("120,95,0.3,44,1".into())).await;
    assert_eq!(stand_in.requests().len(), before);
    assert_eq!(score(&anytext), score(&ours));

    let me: Value = app
        .get_with_token("/api/v1/me", &token)
        .await
        .json()
        .await
        .unwrap();
    let user_id = me["user_id"].as_str().unwrap();
    for request in stand_in.requests() {
        let id = request.path.rsplit('/').next().unwrap();
        assert_eq!(id.len(), 64, "a SHA-256 hex id: {}", request.path);
        for secret in [USERNAME, user_id] {
            assert!(!request.path.contains(secret) && !request.body.contains(secret));
        }
        assert_eq!(request.method, "POST");
        assert!(
            request
                .authorization
                .as_deref()
                .unwrap()
                .starts_with("Basic ")
        );
        assert!(
            request
                .content_type
                .as_deref()
                .unwrap()
                .starts_with("application/x-www-form-urlencoded")
        );
    }
    app.stop().await;
}

#[actix_web::test]
async fn without_a_verdict_or_with_typingdna_down_our_decision_stands() {
    // Too few saved patterns: TypingDNA answers without a result (message_code 9).
    let stand_in = TypingDnaStandIn::start(API_KEY, API_SECRET);
    let app = spawn_app_with(Backend::Sqlite, typingdna_on(&stand_in.url, API_SECRET))
        .await
        .expect("SQLite");
    let token = enrolled(&app, 2).await;
    let ours = verify(&app, &token, None).await;
    let fused = verify(&app, &token, Some(diagram_pattern(1.0))).await;
    assert_eq!(
        stand_in.requests().last().unwrap().answer["message_code"],
        9
    );
    assert_eq!(
        (score(&fused), &fused["decision"]),
        (score(&ours), &ours["decision"])
    );
    app.stop().await;

    // A wrong secret: every call is a 401 from TypingDNA, never a failure of ours.
    let refusing = TypingDnaStandIn::start(API_KEY, "the-real-secret");
    let app = spawn_app_with(Backend::Sqlite, typingdna_on(&refusing.url, API_SECRET))
        .await
        .expect("SQLite");
    let token = enrolled(&app, 5).await;
    let ours = verify(&app, &token, None).await;
    let fused = verify(&app, &token, Some(diagram_pattern(1.0))).await;
    assert!(
        refusing
            .requests()
            .iter()
            .all(|r| r.answered == 401 && r.answer["message_code"] == 32)
    );
    assert_eq!(refusing.requests().len(), 6);
    assert_eq!(
        (score(&fused), &fused["decision"]),
        (score(&ours), &ours["decision"])
    );
    app.stop().await;

    // Nothing listening at all.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let app = spawn_app_with(
        Backend::Sqlite,
        typingdna_on(&format!("http://127.0.0.1:{closed_port}"), API_SECRET),
    )
    .await
    .expect("SQLite");
    let token = enrolled(&app, 5).await;
    let ours = verify(&app, &token, None).await;
    let fused = verify(&app, &token, Some(diagram_pattern(1.0))).await;
    assert_eq!(
        (score(&fused), &fused["decision"]),
        (score(&ours), &ours["decision"])
    );
    app.stop().await;
}

#[actix_web::test]
async fn the_stand_in_enforces_typingdnas_documented_rules() {
    let stand_in = TypingDnaStandIn::start(API_KEY, API_SECRET);
    let client = reqwest::Client::new();
    let post = |path: &str, tp: &str, secret: &str| {
        client
            .post(format!("{}{path}", stand_in.url))
            .basic_auth(API_KEY, Some(secret))
            .form(&[("tp", tp)])
            .send()
    };
    let diagram = diagram_pattern(0.0);
    let answer = post("/save/short", &diagram, API_SECRET).await.unwrap();
    assert_eq!(answer.status(), 444);
    let answer = post("/save/abcdefgh", &diagram, "wrong").await.unwrap();
    assert_eq!(answer.status(), 401);
    let answer = post("/verify/abcdefgh", &diagram, API_SECRET)
        .await
        .unwrap();
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["message_code"], 4, "{body}");
    assert!(body.get("result").is_none());
    let answer = post("/save/abcdefgh", &diagram, API_SECRET).await.unwrap();
    assert_eq!(answer.status(), 200);
    let answer = post("/save/abcdefgh", "120,95,0.3,44,1", API_SECRET)
        .await
        .unwrap();
    assert_eq!(answer.status(), 450, "mixed pattern types are refused");
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["message_code"], 44);
}

#[actix_web::test]
async fn the_public_config_tells_the_browser_whether_to_record_typingdna_patterns() {
    let app = spawn_app_with(Backend::Sqlite, |_| {})
        .await
        .expect("SQLite");
    let off: Value = app
        .client
        .get(app.url("/api/v1/biometrics/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        off,
        json!({"typingdna": {"enabled": false, "pattern_type": null}})
    );
    app.stop().await;

    let app = spawn_app_with(
        Backend::Sqlite,
        typingdna_on("http://127.0.0.1:9", API_SECRET),
    )
    .await
    .expect("SQLite");
    let on: Value = app
        .client
        .get(app.url("/api/v1/biometrics/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        on,
        json!({"typingdna": {"enabled": true, "pattern_type": "diagram"}})
    );
    assert!(!on.to_string().contains(API_SECRET) && !on.to_string().contains(API_KEY));
    app.stop().await;
}
