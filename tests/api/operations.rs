//! Health, readiness and metrics.

use crate::helpers::{Backend, spawn_app};
use crate::on_both_databases;

on_both_databases!(health_ready_and_metrics_report_what_happened);

async fn health_ready_and_metrics_report_what_happened(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for path in ["/health", "/ready"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let request_id = response
            .headers()
            .get("x-request-id")
            .expect("a request id");
        assert!(uuid::Uuid::parse_str(request_id.to_str().unwrap()).is_ok());
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
    app.registered_user("nina").await;
    app.login("nina", "definitely wrong").await;

    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(r#"behavioral_auth_login_attempts_total{outcome="bad_password"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"behavioral_auth_http_requests_total{method="POST",route="/api/v1/auth/register",status="201"} 1"#), "{text}");
    assert!(
        text.contains("behavioral_auth_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("behavioral_auth_lockouts_total 0"), "{text}");
}

#[actix_web::test]
async fn the_landing_page_links_the_api_docs_and_loads_nothing_from_elsewhere() {
    let Some(app) = crate::helpers::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let response = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/html"))
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("href=\"/docs/\""));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no other host"
    );
}
