//! The pages the server serves from `static/` (compiled into the binary, so it runs from any
//! directory). Only the landing page so far; the capture SDK and the enrolment, live-session
//! and admin pages come with the browser issue.

use actix_web::{HttpResponse, http::header};

/// The landing page: what is running and where the API documentation is.
const INDEX_HTML: &str = include_str!("../../static/index.html");

pub async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(INDEX_HTML)
}
