//! Bad input gets a 4xx with the JSON error body — never a 500.

use serde_json::json;

use crate::helpers::{Backend, spawn_app, status_and_json};
use crate::on_both_databases;

on_both_databases!(malformed_requests_get_a_json_4xx);

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
