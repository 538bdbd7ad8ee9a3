//! Uploading a bundle to Google Drive through its REST API (v3), as documented at
//! <https://developers.google.com/workspace/drive/api/guides/manage-uploads#multipart>:
//!
//! ```text
//! POST {upload_url}/upload/drive/v3/files?uploadType=multipart
//! Authorization: Bearer {access token}
//! Content-Type: multipart/related; boundary={boundary}
//!
//! --{boundary}
//! Content-Type: application/json; charset=UTF-8
//!
//! {"name": "models-….bundle", "parents": ["{folder id}"]}
//! --{boundary}
//! Content-Type: application/octet-stream
//!
//! {bundle bytes}
//! --{boundary}--
//! ```
//!
//! Success is `200` with a `File` resource (`{"kind": "drive#file", "id": …}`); a failure is
//! `{"error": {"code", "message", "status"}}` — a 401 means the access token is invalid or
//! expired.

use std::time::Duration;

use serde::Deserialize;

/// Longest wait for one upload.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    #[error(
        "Google Drive refused the access token (401: {0}); configure a valid OAuth access token \
         in APP__BACKUP__DRIVE_ACCESS_TOKEN"
    )]
    Unauthorized(String),
    #[error("Google Drive answered {status}: {message}")]
    Refused { status: u16, message: String },
    #[error("Google Drive is unreachable: {0}")]
    Unreachable(String),
    #[error("Google Drive's answer is not a File resource: {0}")]
    Unreadable(String),
}

#[derive(Debug, Deserialize)]
struct File {
    id: String,
}

#[derive(Debug, Deserialize)]
struct ErrorAnswer {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
}

/// The `multipart/related` body: JSON metadata, then the media.
pub fn multipart_body(boundary: &str, name: &str, folder_id: &str, media: &[u8]) -> Vec<u8> {
    let mut metadata = serde_json::json!({ "name": name });
    if !folder_id.is_empty() {
        metadata["parents"] = serde_json::json!([folder_id]);
    }
    let mut body = Vec::with_capacity(media.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{metadata}\r\n\
             --{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(media);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

/// Uploads `media` as `name` into `folder_id`; returns the new file's id.
#[tracing::instrument(skip(access_token, media), fields(bytes = media.len()))]
pub async fn upload(
    upload_url: &str,
    access_token: &str,
    folder_id: &str,
    name: &str,
    media: &[u8],
) -> Result<String, DriveError> {
    let boundary = format!("behavioral-auth-{}", uuid::Uuid::new_v4().simple());
    let url = format!(
        "{}/upload/drive/v3/files?uploadType=multipart",
        upload_url.trim_end_matches('/')
    );
    let client = awc::Client::builder().timeout(UPLOAD_TIMEOUT).finish();
    let mut response = client
        .post(url)
        .bearer_auth(access_token)
        .content_type(format!("multipart/related; boundary={boundary}"))
        .send_body(multipart_body(&boundary, name, folder_id, media))
        .await
        .map_err(|error| DriveError::Unreachable(error.to_string()))?;
    let status = response.status().as_u16();
    let body = response
        .body()
        .limit(1024 * 1024)
        .await
        .map_err(|error| DriveError::Unreadable(error.to_string()))?;
    if !(200..300).contains(&status) {
        let message = serde_json::from_slice::<ErrorAnswer>(&body)
            .map(|answer| answer.error.message)
            .unwrap_or_else(|_| String::from_utf8_lossy(&body).chars().take(200).collect());
        return Err(if status == 401 {
            DriveError::Unauthorized(message)
        } else {
            DriveError::Refused { status, message }
        });
    }
    serde_json::from_slice::<File>(&body)
        .map(|file| file.id)
        .map_err(|error| DriveError::Unreadable(error.to_string()))
}
