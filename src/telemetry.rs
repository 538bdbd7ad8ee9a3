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
