//! Per-client-IP rate limit on the authentication endpoints (GCRA via `governor`): slows
//! password guessing across many accounts, which the per-account lockout cannot see.
//! Over the limit a request gets 429 with `Retry-After` and the usual error body.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::client::client_ip;
use crate::configuration::RateLimitSettings;
use crate::error::ApiError;
use crate::state::AppState;

/// Every this many checks, forget clients whose budget is full again (bounds memory).
const PRUNE_EVERY_CHECKS: u64 = 4096;

#[derive(Clone)]
pub struct AuthRateLimiter {
    limiter: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    checks: Arc<AtomicU64>,
}

impl AuthRateLimiter {
    /// `None` inside when `auth_per_minute` is 0 (no limit).
    pub fn new(settings: &RateLimitSettings) -> Self {
        let limiter = NonZeroU32::new(settings.auth_per_minute).map(|per_minute| {
            let burst = NonZeroU32::new(settings.auth_burst).unwrap_or(per_minute);
            Arc::new(RateLimiter::keyed(
                Quota::per_minute(per_minute).allow_burst(burst),
            ))
        });
        AuthRateLimiter {
            limiter,
            checks: Arc::new(AtomicU64::new(0)),
        }
    }

    /// `Err(seconds to wait)` when `ip` is over its budget.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(PRUNE_EVERY_CHECKS)
        {
            limiter.retain_recent();
        }
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + 1
        })
    }
}

/// Middleware for the auth scope.
pub async fn limit_auth_requests<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let verdict = match (
        req.app_data::<web::Data<AppState>>(),
        client_ip(req.request()),
    ) {
        (Some(state), Some(ip)) => state.auth_rate_limiter.check(ip),
        _ => Ok(()),
    };
    match verdict {
        Ok(()) => Ok(next.call(req).await?.map_into_boxed_body()),
        Err(retry_after_secs) => {
            let mut response = ApiError::TooManyRequests(retry_after_secs).error_response();
            if let Ok(value) = retry_after_secs.to_string().parse() {
                response
                    .headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, value);
            }
            Ok(req.into_response(response.map_into_boxed_body()))
        }
    }
}
