//! Operations endpoints: liveness, readiness (database reachable) and Prometheus metrics.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::store;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct HealthStatus {
    /// `ok` when the check passed.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process serves HTTP.
#[utoipa::path(
    tag = "operations",
    operation_id = "health",
    responses((status = 200, description = "The server is alive", body = HealthStatus))
)]
#[get("/health")]
pub async fn health() -> web::Json<HealthStatus> {
    web::Json(HealthStatus { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(
    tag = "operations",
    operation_id = "ready",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<HealthStatus>, ApiError> {
    if store::ping(&state.db).await {
        Ok(web::Json(HealthStatus { status: "ok" }))
    } else {
        Err(ApiError::Unavailable("database unreachable".into()))
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(
    tag = "operations",
    operation_id = "metrics",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain",
        example = json!("# TYPE behavioral_auth_http_requests_total counter\nbehavioral_auth_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 3\n")))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let text = state.metrics.render().map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
