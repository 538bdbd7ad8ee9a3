//! Structured logging: a `tracing` subscriber writing pretty or JSON lines, filtered by
//! `RUST_LOG` or `logging.filter`. Requests get a span with a request id from
//! `tracing-actix-web` (see `startup`).

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::configuration::{LogFormat, LoggingSettings};

/// Installs the global subscriber once; later calls (e.g. from tests) are no-ops.
pub fn init(settings: &LoggingSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match settings.format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().with_target(false)).try_init(),
    };
    // Already installed (several test servers in one process): keep the first.
    drop(result);
}

/// Middleware: returns the request id `TracingLogger` gave the request as `x-request-id`, so a
/// caller's report can be matched to the server's log lines.
pub async fn echo_request_id(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(ToString::to_string);
    let mut response = next.call(req).await?;
    if let Some(value) = request_id.and_then(|id| id.parse().ok()) {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            value,
        );
    }
    Ok(response)
}
