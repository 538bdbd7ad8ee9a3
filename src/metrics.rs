//! Prometheus metrics: HTTP request counts and latencies by route, login outcomes and
//! lockouts. Each `Application` owns its own registry, so parallel test servers do not share
//! counters. Served as text by `GET /metrics`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry, TextEncoder,
};

use crate::state::AppState;
use crate::store::login_attempts::Outcome;

/// Latency buckets in seconds, from 0.5 ms to 10 s.
const LATENCY_BUCKETS_SECS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_latency: HistogramVec,
    login_outcomes: IntCounterVec,
    lockouts: IntCounter,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new_custom(Some("behavioral_auth".into()), None)?;
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "route", "status"],
        )?;
        let http_latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency")
                .buckets(LATENCY_BUCKETS_SECS.to_vec()),
            &["method", "route"],
        )?;
        let login_outcomes = IntCounterVec::new(
            Opts::new("login_attempts_total", "Password logins by outcome"),
            &["outcome"],
        )?;
        let lockouts = IntCounter::new("lockouts_total", "Accounts locked")?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_latency.clone()))?;
        registry.register(Box::new(login_outcomes.clone()))?;
        registry.register(Box::new(lockouts.clone()))?;
        for outcome in [
            Outcome::Success,
            Outcome::BadPassword,
            Outcome::UnknownUser,
            Outcome::Locked,
            Outcome::StepUp,
        ] {
            login_outcomes.with_label_values(&[outcome.as_str()]);
        }
        Ok(Metrics {
            registry,
            http_requests,
            http_latency,
            login_outcomes,
            lockouts,
        })
    }

    pub fn login_outcome(&self, outcome: Outcome) {
        self.login_outcomes
            .with_label_values(&[outcome.as_str()])
            .inc();
    }

    pub fn lockout(&self) {
        self.lockouts.inc();
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> anyhow::Result<String> {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8(buffer)?)
    }
}

/// Middleware: counts and times every request under its route pattern (not its raw path, so
/// ids in paths do not explode the label space).
pub async fn track_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let method = req.method().to_string();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        let status = response.status().as_u16().to_string();
        metrics
            .http_requests
            .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
            .inc();
        metrics
            .http_latency
            .with_label_values(&[method.as_str(), route.as_str()])
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}
