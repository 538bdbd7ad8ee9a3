//! Thin REST handlers: each parses its input, calls one flow (`accounts`) or store function,
//! and shapes the answer. Every handler carries its OpenAPI description in `#[utoipa::path]`
//! and is registered through `utoipa_actix_web`, so the served document lists exactly the
//! routes the server serves.

pub mod admin;
pub mod admin_biometrics;
pub mod admin_exports;
pub mod admin_sessions;
pub mod admin_stats;
pub mod admin_webhooks;
pub mod auth;
pub mod biometrics;
pub mod client_config;
pub mod health;
pub mod me;
pub mod pages;
pub mod sample_body;
pub mod sessions;

use actix_web::middleware::from_fn;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::error;
use crate::rate_limit::limit_auth_requests;

/// Every route of the server.
pub fn configure(config: &mut ServiceConfig, max_sample_bytes: usize) {
    config
        .service(health::health)
        .service(health::ready)
        .service(health::metrics)
        .service(
            scope::scope("/api/v1/auth")
                .wrap(from_fn(limit_auth_requests))
                .service(auth::register)
                .service(auth::create_nonce)
                .service(auth::login)
                .service(auth::logout),
        )
        .service(
            scope::scope("/api/v1/biometrics")
                .app_data(error::json_config(max_sample_bytes))
                .app_data(sample_body::SampleBodyLimit(max_sample_bytes))
                .service(biometrics::enroll)
                .service(biometrics::verify)
                .service(biometrics::get_profile)
                .service(biometrics::delete_profile)
                .service(biometrics::export_profile)
                .service(client_config::get_client_config),
        )
        // Before the `/api/v1` scope, which would otherwise claim these paths.
        .service(
            scope::scope("/api/v1/sessions")
                .service(sessions::create_session)
                .service(sessions::live)
                .service(sessions::step_up_session),
        )
        .service(
            scope::scope("/api/v1")
                .service(me::me)
                .service(admin_exports::export_users)
                .service(admin_exports::export_security_events)
                .service(admin::list_users)
                .service(admin::unlock_user)
                .service(admin::list_security_events)
                .service(admin_sessions::list_sessions)
                .service(admin_sessions::end_session)
                .service(admin_sessions::session_scores)
                .service(admin_stats::login_stats)
                .service(admin_stats::lockout_stats)
                .service(admin_stats::session_stats)
                .service(admin_stats::score_stats)
                .service(admin_biometrics::label_sample)
                .service(admin_biometrics::retrain_user)
                .service(admin_biometrics::delete_user_biometrics)
                .service(admin_webhooks::create_webhook)
                .service(admin_webhooks::list_webhooks)
                .service(admin_webhooks::get_webhook)
                .service(admin_webhooks::delete_webhook)
                .service(admin_webhooks::list_deliveries),
        );
}
