//! Bad input gets a 4xx with the JSON error body — never a 500.

use serde_json::json;

use crate::helpers::{Backend, spawn_app, spawn_app_with, status_and_json};
use crate::on_both_databases;

on_both_databases!(
    malformed_requests_get_a_json_4xx,
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
