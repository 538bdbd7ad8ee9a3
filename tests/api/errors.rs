//! Bad input gets a 4xx with the JSON error body — never a 500.

use serde_json::json;

use crate::helpers::{Backend, PASSWORD, spawn_app, spawn_app_with, status_and_json};
use crate::on_both_databases;

on_both_databases!(
    malformed_requests_get_a_json_4xx,
    malformed_samples_get_a_json_4xx,
    a_client_over_the_auth_rate_limit_gets_429
);

async fn a_client_over_the_auth_rate_limit_gets_429(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |settings| {
        settings.rate_limit.auth_per_minute = 6;
        settings.rate_limit.auth_burst = 3;
    })
    .await
    else {
        return;
    };
    for attempt in 0..3 {
        let response = app.login("someone", "some password").await;
        assert_eq!(
            response.status(),
            401,
            "attempt {attempt} is within the burst"
        );
    }
    let limited = app.login("someone", "some password").await;
    let retry_after: u64 = limited
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("Retry-After header");
    assert!((1..=11).contains(&retry_after), "{retry_after}");
    let (status, body) = status_and_json(limited).await;
    assert_eq!(status, 429);
    assert_eq!(body["code"], "rate_limited");

    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200, "only the auth endpoints are limited");
}

async fn malformed_requests_get_a_json_4xx(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let register = app.url("/api/v1/auth/register");

    let cases = [
        (
            "not JSON",
            app.client
                .post(&register)
                .header("content-type", "application/json")
                .body("{oops"),
            400,
            "bad_request",
        ),
        (
            "wrong content type",
            app.client
                .post(&register)
                .header("content-type", "text/plain")
                .body("{}"),
            415,
            "unsupported_media_type",
        ),
        (
            "no body",
            app.client
                .post(&register)
                .header("content-type", "application/json"),
            400,
            "bad_request",
        ),
        (
            "missing field",
            app.client
                .post(&register)
                .json(&json!({ "username": "kim" })),
            422,
            "validation_failed",
        ),
        (
            "unknown field",
            app.client
                .post(&register)
                .json(&json!({ "username": "kim", "password": "x", "admin": true })),
            422,
            "validation_failed",
        ),
        (
            "wrong type",
            app.client
                .post(&register)
                .json(&json!({ "username": ["kim"], "password": "x" })),
            422,
            "validation_failed",
        ),
        (
            "oversized",
            app.client
                .post(&register)
                .header("content-type", "application/json")
                .body(format!("{{\"username\":\"{}\"}}", "k".repeat(100_000))),
            413,
            "payload_too_large",
        ),
        (
            "unknown route",
            app.client.get(app.url("/api/v1/nothing-here")),
            404,
            "not_found",
        ),
        (
            "garbage bearer",
            app.client
                .get(app.url("/api/v1/me"))
                .header("authorization", "Bearer not.a.jwt"),
            401,
            "unauthorized",
        ),
        (
            "not a bearer",
            app.client
                .get(app.url("/api/v1/me"))
                .header("authorization", "Basic YTpi"),
            401,
            "unauthorized",
        ),
    ];
    for (name, request, expected_status, expected_code) in cases {
        let response = request.send().await.expect("request sent");
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "{name}"
        );
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, expected_status, "{name}: {body}");
        assert_eq!(body["code"], expected_code, "{name}");
        assert!(body["message"].is_string(), "{name}");
    }
}

/// The sample endpoints read their bodies by the events' fast path where it can
/// (`routes::sample_body`), and answer every other body as before.
async fn malformed_samples_get_a_json_4xx(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("kim").await;
    let token = app.token_for("kim", PASSWORD).await;
    // Two keys, the second key-up's time written as `t`.
    let keys = r#"{"kind":"key_down","code":"KeyT","t":1},{"kind":"key_up","code":"KeyT","t":80},{"kind":"key_down","code":"KeyI","t":150}"#;
    let sample = |extra: &str, t: &str| {
        format!(
            r#"{{"modality":"keystroke","device":"desktop","text_id":"password",{extra}"events":[{keys},{{"kind":"key_up","code":"KeyI","t":{t}}}]}}"#
        )
    };
    let oversized = sample(
        &format!(r#""typingdna_pattern":"{}","#, "x".repeat(1 << 20)),
        "230",
    );
    let cases = [
        (
            "not JSON",
            "{oops".to_owned(),
            "application/json",
            400,
            "bad_request",
        ),
        (
            "malformed after a good start",
            sample("", "9.x"),
            "application/json",
            400,
            "bad_request",
        ),
        (
            "a number out of range",
            sample("", "1e400"),
            "application/json",
            400,
            "bad_request",
        ),
        (
            "wrong content type",
            sample("", "230"),
            "text/plain",
            415,
            "unsupported_media_type",
        ),
        (
            "oversized",
            oversized,
            "application/json",
            413,
            "payload_too_large",
        ),
        (
            "missing field",
            r#"{"modality":"keystroke"}"#.to_owned(),
            "application/json",
            422,
            "validation_failed",
        ),
        (
            "unknown field",
            sample(r#""colour":1,"#, "230"),
            "application/json",
            422,
            "validation_failed",
        ),
        (
            "repeated field",
            sample(r#""device":"mobile","#, "230"),
            "application/json",
            422,
            "validation_failed",
        ),
        (
            "wrong type",
            sample("", r#""230""#),
            "application/json",
            422,
            "validation_failed",
        ),
        // Read by the fast path, and refused further on (no model yet).
        (
            "no profile",
            format!("\n {}", sample("", "230")),
            "application/json",
            409,
            "profile_not_ready",
        ),
    ];
    for (name, body, content_type, expected_status, expected_code) in cases {
        let response = app
            .client
            .post(app.url("/api/v1/biometrics/verify"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent");
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, expected_status, "{name}: {body}");
        assert_eq!(body["code"], expected_code, "{name}: {body}");
        assert!(body["message"].is_string(), "{name}");
    }
}
