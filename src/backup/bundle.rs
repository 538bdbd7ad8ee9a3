//! The model bundle file format (pure: bytes in, bytes out).
//!
//! ```text
//! {"format":"behavioral-auth-model-bundle","format_version":1,"sha256":"<64 hex>"}\n
//! {"format_version":1,"created_at":"2026-11-24T22:00:00Z","snapshot":{"users":[..],"samples":[..],"models":[..]}}
//! ```
//!
//! The first line is the header; `sha256` is the SHA-256 of every byte after its newline (the
//! body), so any changed, added or missing byte of the body is detected before it is parsed,
//! and a change to the header breaks its own parse, format or checksum. This detects
//! corruption and truncation, not a deliberate forgery (anyone can recompute a SHA-256):
//! keep bundles where only operators can write them. They hold password hashes and every
//! user's typing features, so the writer creates them with mode 0600.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::biometrics::parse_profile_key;
use crate::scoring::model::UserModel;
use crate::store::backup::Snapshot;

pub const FORMAT: &str = "behavioral-auth-model-bundle";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    format_version: u32,
    sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    format_version: u32,
    created_at: DateTime<Utc>,
    snapshot: Snapshot,
}

/// A decoded, checked bundle.
#[derive(Debug)]
pub struct Bundle {
    pub created_at: DateTime<Utc>,
    pub snapshot: Snapshot,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BundleError {
    #[error("not a model bundle: {0}")]
    NotABundle(String),
    #[error(
        "bundle format version {found} is not supported (this build reads version {FORMAT_VERSION})"
    )]
    UnsupportedVersion { found: u32 },
    #[error("the bundle is corrupted or truncated: its SHA-256 does not match its content")]
    ChecksumMismatch,
    #[error("the bundle's content is invalid: {0}")]
    Invalid(String),
}

/// Encodes a snapshot taken at `created_at`.
pub fn encode(
    snapshot: &Snapshot,
    created_at: DateTime<Utc>,
) -> Result<Vec<u8>, serde_json::Error> {
    let body = serde_json::to_vec(&Body {
        format_version: FORMAT_VERSION,
        created_at,
        snapshot: snapshot.clone(),
    })?;
    let header = serde_json::to_vec(&Header {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        sha256: sha256_hex(&body),
    })?;
    let mut bytes = header;
    bytes.push(b'\n');
    bytes.extend_from_slice(&body);
    Ok(bytes)
}

/// Decodes and checks a bundle: format, version, checksum, then the rows' consistency (every
/// sample and model belongs to a user in the bundle, ids are unique, models can score).
pub fn decode(bytes: &[u8]) -> Result<Bundle, BundleError> {
    let newline = bytes
        .iter()
        .position(|&byte| byte == b'\n')
        .ok_or_else(|| BundleError::NotABundle("no header line".into()))?;
    let (header, body) = (&bytes[..newline], &bytes[newline + 1..]);
    let header: Header = serde_json::from_slice(header)
        .map_err(|error| BundleError::NotABundle(format!("unreadable header: {error}")))?;
    if header.format != FORMAT {
        return Err(BundleError::NotABundle(format!(
            "the header names format {:?}",
            header.format
        )));
    }
    if header.format_version != FORMAT_VERSION {
        return Err(BundleError::UnsupportedVersion {
            found: header.format_version,
        });
    }
    if sha256_hex(body) != header.sha256 {
        return Err(BundleError::ChecksumMismatch);
    }
    let body: Body = serde_json::from_slice(body)
        .map_err(|error| BundleError::Invalid(format!("unreadable body: {error}")))?;
    if body.format_version != header.format_version {
        return Err(BundleError::Invalid(
            "the body's format version differs from the header's".into(),
        ));
    }
    check_consistency(&body.snapshot).map_err(BundleError::Invalid)?;
    Ok(Bundle {
        created_at: body.created_at,
        snapshot: body.snapshot,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

fn check_consistency(snapshot: &Snapshot) -> Result<(), String> {
    use std::collections::HashSet;
    let mut user_ids = HashSet::new();
    let mut usernames = HashSet::new();
    for user in &snapshot.users {
        if !user_ids.insert(user.id) || !usernames.insert(user.username.as_str()) {
            return Err(format!("user {} appears twice", user.id));
        }
    }
    let mut sample_ids = HashSet::new();
    for sample in &snapshot.samples {
        if !user_ids.contains(&sample.user_id) {
            return Err(format!(
                "sample {} belongs to no user in the bundle",
                sample.id
            ));
        }
        if !sample_ids.insert(sample.id) {
            return Err(format!("sample {} appears twice", sample.id));
        }
        if parse_profile_key(&sample.profile_key).is_none() {
            return Err(format!("sample {} has no valid profile key", sample.id));
        }
    }
    let mut model_keys = HashSet::new();
    let mut model_ids = HashSet::new();
    for model in &snapshot.models {
        if !user_ids.contains(&model.user_id) {
            return Err(format!(
                "model {} belongs to no user in the bundle",
                model.id
            ));
        }
        if !model_ids.insert(model.id)
            || !model_keys.insert((model.user_id, model.profile_key.as_str()))
        {
            return Err(format!("model {} appears twice", model.id));
        }
        serde_json::from_value::<UserModel>(model.model.clone())
            .map_err(|error| format!("model {} cannot score: {error}", model.id))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::backup::{SampleRecord, UserRecord};

    fn small_snapshot() -> Snapshot {
        let user_id = uuid::Uuid::from_u128(7);
        let at = DateTime::parse_from_rfc3339("2026-11-24T22:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        Snapshot {
            users: vec![UserRecord {
                id: user_id,
                username: "alice".into(),
                email: None,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                role: "user".into(),
                created_at: at,
                failure_count: 0,
                last_failure_at: None,
                temporary_lockouts: 0,
                locked_until: None,
                permanently_locked: false,
                lock_version: 0,
            }],
            samples: vec![SampleRecord {
                id: 1,
                user_id,
                profile_key: "keystroke/desktop/password".into(),
                modality: "keystroke".into(),
                device: "desktop".into(),
                text_id: Some("password".into()),
                sequence_hash: Some("ab12".into()),
                features: serde_json::json!([0.1, 0.25, 1e-5]),
                quality: 0.9,
                label: "genuine".into(),
                source: "enrollment".into(),
                created_at: at,
            }],
            models: Vec::new(),
        }
    }

    #[test]
    fn a_bundle_decodes_to_the_snapshot_it_was_made_from() {
        let snapshot = small_snapshot();
        let bytes = encode(&snapshot, Utc::now()).unwrap();
        assert_eq!(decode(&bytes).unwrap().snapshot, snapshot);
    }

    #[test]
    fn every_single_flipped_byte_is_refused() {
        let bytes = encode(&small_snapshot(), Utc::now()).unwrap();
        for position in 0..bytes.len() {
            for bit in [0x01u8, 0x20, 0x80] {
                let mut tampered = bytes.clone();
                tampered[position] ^= bit;
                assert!(
                    decode(&tampered).is_err(),
                    "flipping bit {bit:#x} of byte {position} went unnoticed"
                );
            }
        }
    }

    #[test]
    fn a_truncated_bundle_is_refused_as_corrupted() {
        let bytes = encode(&small_snapshot(), Utc::now()).unwrap();
        let header_end = bytes.iter().position(|&b| b == b'\n').unwrap();
        for length in [
            header_end + 1,
            bytes.len() / 2 + header_end / 2,
            bytes.len() - 1,
        ] {
            assert_eq!(
                decode(&bytes[..length]).unwrap_err(),
                BundleError::ChecksumMismatch
            );
        }
        assert!(decode(&bytes[..header_end]).is_err());
    }

    #[test]
    fn another_format_version_is_refused_by_name() {
        let bytes = encode(&small_snapshot(), Utc::now()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let newer = text.replacen("\"format_version\":1", "\"format_version\":2", 1);
        assert_eq!(
            decode(newer.as_bytes()).unwrap_err(),
            BundleError::UnsupportedVersion { found: 2 }
        );
    }

    #[test]
    fn a_sample_of_an_unknown_user_is_refused() {
        let mut snapshot = small_snapshot();
        snapshot.samples[0].user_id = uuid::Uuid::from_u128(8);
        let bytes = encode(&snapshot, Utc::now()).unwrap();
        assert!(matches!(decode(&bytes), Err(BundleError::Invalid(_))));
    }
}
