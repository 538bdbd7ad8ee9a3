//! A real HTTP stand-in for Google Drive's multipart upload on loopback (actix-web). It
//! accepts only requests in Google's documented shape
//! (<https://developers.google.com/workspace/drive/api/guides/manage-uploads#multipart>):
//! `POST /upload/drive/v3/files?uploadType=multipart`, `Authorization: Bearer {token}`,
//! `Content-Type: multipart/related; boundary=…`, a body of exactly two parts — JSON metadata
//! (`Content-Type: application/json`) with `name` and `parents` = [the folder], then the media
//! with its own `Content-Type` — closed by `--boundary--`. It answers a `File` resource
//! (`kind`, `id`, `name`, `mimeType`), or Google's error body: 401 `UNAUTHENTICATED` for
//! another token, 400 for any other deviation.

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Upload {
    pub answered: u16,
    pub name: Option<String>,
    pub media: Vec<u8>,
}

struct Shared {
    token: String,
    folder_id: String,
    uploads: Vec<Upload>,
}

pub struct DriveStandIn {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl DriveStandIn {
    pub fn start(token: &str, folder_id: &str) -> DriveStandIn {
        let shared = Arc::new(Mutex::new(Shared {
            token: token.to_owned(),
            folder_id: folder_id.to_owned(),
            uploads: Vec::new(),
        }));
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind the Drive stand-in");
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        DriveStandIn {
            url: format!("http://127.0.0.1:{port}"),
            shared,
        }
    }

    pub fn uploads(&self) -> Vec<Upload> {
        self.shared.lock().expect("stand-in").uploads.clone()
    }
}

fn google_error(code: u16, status: &str, message: &str) -> (u16, Value) {
    (
        code,
        json!({"error": {"code": code, "message": message, "status": status,
                         "errors": [{"message": message, "domain": "global", "reason": "badRequest"}]}}),
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A part's headers as (lower-cased name, value).
type Headers = Vec<(String, String)>;

/// Splits one part into its headers and content.
fn part(bytes: &[u8]) -> Option<(Headers, &[u8])> {
    let bytes = bytes.strip_prefix(b"\r\n")?;
    let split = find(bytes, b"\r\n\r\n")?;
    let headers = std::str::from_utf8(&bytes[..split]).ok()?;
    let headers = headers
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let content = bytes[split + 4..].strip_suffix(b"\r\n")?;
    Some((headers, content))
}

fn check(shared: &Shared, request: &HttpRequest, body: &[u8], upload: &mut Upload) -> (u16, Value) {
    let bearer = format!("Bearer {}", shared.token);
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    if header("authorization") != Some(bearer.as_str()) {
        return google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        );
    }
    if request.method() != actix_web::http::Method::POST
        || request.path() != "/upload/drive/v3/files"
        || request.query_string() != "uploadType=multipart"
    {
        return google_error(400, "INVALID_ARGUMENT", "not a multipart upload request");
    }
    let Some(boundary) = header("content-type")
        .and_then(|value| value.strip_prefix("multipart/related; boundary="))
        .map(|b| b.trim_matches('"').to_owned())
    else {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "Content-Type must be multipart/related with a boundary",
        );
    };
    let delimiter = format!("--{boundary}");
    let Some(rest) = body.strip_prefix(delimiter.as_bytes()) else {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "the body does not start with the boundary",
        );
    };
    let closing = format!("\r\n{delimiter}--");
    let Some(end) = find(rest, closing.as_bytes()) else {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "the body is not closed by --boundary--",
        );
    };
    let inner = &rest[..end + 2];
    let separator = format!("\r\n{delimiter}");
    let Some(middle) = find(inner, separator.as_bytes()) else {
        return google_error(400, "INVALID_ARGUMENT", "two parts expected");
    };
    let (first, second) = (&inner[..middle + 2], &inner[middle + separator.len()..]);
    let (Some((meta_headers, metadata)), Some((media_headers, media))) =
        (part(first), part(second))
    else {
        return google_error(400, "INVALID_ARGUMENT", "malformed parts");
    };
    let content_type = |headers: &[(String, String)]| {
        headers
            .iter()
            .find(|(n, _)| n == "content-type")
            .map(|(_, v)| v.clone())
    };
    if !content_type(&meta_headers).is_some_and(|v| v.starts_with("application/json"))
        || content_type(&media_headers).is_none()
    {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "metadata must be application/json and the media typed",
        );
    }
    let Ok(metadata) = serde_json::from_slice::<Value>(metadata) else {
        return google_error(400, "INVALID_ARGUMENT", "metadata is not JSON");
    };
    let Some(name) = metadata["name"].as_str() else {
        return google_error(400, "INVALID_ARGUMENT", "metadata has no name");
    };
    if metadata["parents"] != json!([shared.folder_id]) {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "parents must be the configured folder",
        );
    }
    upload.name = Some(name.to_owned());
    upload.media = media.to_vec();
    (
        200,
        json!({"kind": "drive#file", "id": format!("file-{}", shared.uploads.len() + 1),
               "name": name, "mimeType": content_type(&media_headers)}),
    )
}

async fn handle(
    request: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Mutex<Shared>>,
) -> HttpResponse {
    let mut shared = shared.lock().expect("stand-in");
    let mut upload = Upload {
        answered: 0,
        name: None,
        media: Vec::new(),
    };
    let (status, answer) = check(&shared, &request, &body, &mut upload);
    upload.answered = status;
    shared.uploads.push(upload);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status")).json(answer)
}
