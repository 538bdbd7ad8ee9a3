//! The browser pages and everything under `static/`: the capture SDK (`static/js/`), the user
//! pages, the admin dashboard and vendored libraries.
//!
//! Files are embedded with `rust-embed`: a release binary carries them (it runs from any
//! directory); a debug build reads them from disk on every request, so a JavaScript or CSS
//! edit needs no rebuild. Pages are not REST operations and are not in the OpenAPI document;
//! they talk to the server only through the documented REST and WebSocket API.
//!
//! Every answer carries `X-Content-Type-Options: nosniff`; pages also carry a strict Content
//! Security Policy (only this origin, no inline script, no framing) and `Referrer-Policy`.
//! Static files are revalidated on every load (`Cache-Control: no-cache` with an `ETag`), so a
//! deployed change is seen at once and an unchanged file costs a 304.

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use rust_embed::RustEmbed;

use crate::error::ApiError;

#[derive(RustEmbed)]
#[folder = "static/"]
struct StaticFiles;

/// Only this origin (which includes its own `ws:` endpoint), no inline script, no framing.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The admin dashboard's charts (Plotly) add `<style>` rules at run time; script stays strict.
const ADMIN_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The page routes and the file each serves.
pub const PAGES: &[(&str, &str)] = &[
    ("/", "index.html"),
    ("/signup", "signup.html"),
    ("/login", "login.html"),
    ("/session", "session.html"),
    ("/capture", "capture.html"),
    ("/admin", "admin/index.html"),
];

/// Registers the page routes and `/static/{path}`.
pub fn configure(config: &mut web::ServiceConfig) {
    for (route, file) in PAGES {
        let file: &'static str = file;
        config.route(
            route,
            web::get().to(move |request: HttpRequest| async move { page(&request, file) }),
        );
    }
    config.route("/static/{path:.*}", web::get().to(static_file));
}

/// A page: its HTML with the security headers, or the JSON 404 when the file is absent.
fn page(request: &HttpRequest, file: &str) -> HttpResponse {
    let csp = if file.starts_with("admin/") {
        ADMIN_CSP
    } else {
        PAGE_CSP
    };
    let mut response = embedded(request, file);
    if response.status().is_success() || response.status().as_u16() == 304 {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(csp),
        );
        headers.insert(
            header::REFERRER_POLICY,
            header::HeaderValue::from_static("no-referrer"),
        );
        headers.insert(
            header::X_FRAME_OPTIONS,
            header::HeaderValue::from_static("DENY"),
        );
    }
    response
}

/// `GET /static/{path}`: a file under `static/`, or the JSON 404.
async fn static_file(request: HttpRequest, path: web::Path<String>) -> HttpResponse {
    embedded(&request, &path.into_inner())
}

/// The embedded file at `path` with its content type and cache headers; a 304 when the
/// client's `If-None-Match` names the current version.
fn embedded(request: &HttpRequest, path: &str) -> HttpResponse {
    let Some(file) = StaticFiles::get(path) else {
        return HttpResponse::from_error(ApiError::NotFound(format!(
            "no such file: /static/{path}"
        )));
    };
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
    );
    let unchanged = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if unchanged {
        return response.finish();
    }
    response
        .content_type(content_type(file.metadata.mimetype()))
        .body(file.data.into_owned())
}

/// The content type to send for a guessed MIME type; text types say UTF-8.
fn content_type(mime: &str) -> String {
    let textual = mime.starts_with("text/")
        || mime.ends_with("javascript")
        || mime.ends_with("json")
        || mime.ends_with("svg+xml");
    if textual {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    }
}
