//! The one error type at the HTTP boundary. Every failure leaves the server as
//! `{"code": "...", "message": "..."}` with a fitting status; internals stay in the logs.
//!
//! The extractor configurations at the bottom turn actix-web's own body, path and query errors
//! into the same body, so malformed input never reaches a handler and never becomes a 500.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "invalid_credentials", "message": "invalid username or password"}))]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_credentials`, `validation_failed`.
    pub code: String,
    /// Human-readable explanation; never contains secrets or internals.
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// Failed logins: one identical message whatever the reason.
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("this operation needs the admin role")]
    Forbidden,
    /// A 403 with its own code, e.g. `origin_not_allowed` or `account_locked`.
    #[error("{message}")]
    Refused {
        code: &'static str,
        message: &'static str,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Validation(String),
    /// A biometric sample that cannot be used (malformed, poor quality, wrong shape).
    #[error("{0}")]
    InvalidSample(String),
    /// A fixed-text sample typed with another key sequence than the enrolled one.
    #[error("{0}")]
    SequenceMismatch(String),
    /// Verification before the profile has a model.
    #[error("{0}")]
    ProfileNotReady(String),
    /// A 422 with its own code, e.g. `replayed_sample`, `nonce_required` or `invalid_nonce`.
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("too many requests; retry in {0} s")]
    TooManyRequests(u64),
    #[error("the service is not ready: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::Refused { code, .. } => code,
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Validation(_) => "validation_failed",
            ApiError::InvalidSample(_) => "invalid_sample",
            ApiError::SequenceMismatch(_) => "sequence_mismatch",
            ApiError::ProfileNotReady(_) => "profile_not_ready",
            ApiError::Unprocessable { code, .. } => code,
            ApiError::TooManyRequests(_) => "rate_limited",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(error.into())
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        match error {
            // Every pooled connection stayed busy past the timeout: overload, not a bug.
            sea_orm::DbErr::ConnectionAcquire(cause) => {
                tracing::warn!(error = %cause, "no database connection available");
                ApiError::Unavailable("the database is busy; retry shortly".into())
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidCredentials | ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::Refused { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_)
            | ApiError::InvalidSample(_)
            | ApiError::SequenceMismatch(_)
            | ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::ProfileNotReady(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        if matches!(
            self,
            ApiError::InvalidCredentials | ApiError::Unauthorized(_)
        ) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(ErrorBody {
            code: self.code().to_owned(),
            message: self.to_string(),
        })
    }
}

/// JSON bodies: wrong content type → 415, too large → 413, not JSON → 400, JSON of the wrong
/// shape (missing or unknown fields, wrong types) → 422.
pub fn json_config(max_body_bytes: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(max_body_bytes)
        .error_handler(move |error, _req: &HttpRequest| {
            json_payload_error(&error, max_body_bytes).into()
        })
}

/// How a JSON body that could not be read is answered ([`json_config`]; the sample bodies
/// of `routes::sample_body` answer the same way).
pub fn json_payload_error(error: &JsonPayloadError, max_body_bytes: usize) -> ApiError {
    match error {
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("expected Content-Type: application/json".into())
        }
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge(max_body_bytes)
        }
        JsonPayloadError::Deserialize(cause) => json_error(cause),
        other => ApiError::BadRequest(format!("unreadable body: {other}")),
    }
}

/// A JSON body serde_json could not read: of the wrong shape → 422, not JSON → 400.
pub fn json_error(cause: &serde_json::Error) -> ApiError {
    if cause.is_data() {
        ApiError::Validation(cause.to_string())
    } else {
        ApiError::BadRequest(format!("malformed JSON: {cause}"))
    }
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error: PathError, _req| {
        ApiError::NotFound(format!("no such resource: {error}")).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error: QueryPayloadError, _req| {
        ApiError::BadRequest(format!("invalid query string: {error}")).into()
    })
}

/// Anything no route matched.
pub async fn not_found(request: HttpRequest) -> HttpResponse {
    ApiError::NotFound(format!(
        "no route for {} {}",
        request.method(),
        request.path()
    ))
    .error_response()
}
