//! The OpenAPI 3.1 document. Paths are collected from the handlers themselves by
//! `utoipa_actix_web` (see `routes::configure`); this adds the title, tags, the shared error
//! schema and the bearer security scheme.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "behavioral-auth",
        description = "Behavioural-biometrics authentication: passwords plus typing rhythm, \
                       with continuous scoring of live sessions. Every error has the body \
                       `{code, message}` (schema `ErrorBody`)."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerSecurity),
    tags(
        (name = "auth", description = "Register, log in, log out"),
        (name = "account", description = "The caller's own account"),
        (name = "biometrics", description = "Enrol and verify typing, touch and motion samples"),
        (name = "sessions", description = "Live sessions: a ticket, then a scored WebSocket"),
        (name = "admin", description = "Administration (admin role)"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme the handlers' `security(("bearer" = []))` refer to.
struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}
