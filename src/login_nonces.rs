//! One-time login nonces. A login that carries a typing sample must present a nonce from
//! `POST /api/v1/auth/nonce`; each is accepted once and only until it expires, so a captured
//! login request (password and typing) cannot be sent again. Together with the replay check of
//! the timing itself ([`crate::biometrics::bot_defence`]) a recorded login is useless.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// A fresh nonce and its lifetime in seconds.
pub struct IssuedNonce {
    pub nonce: String,
    pub expires_in: u64,
}

fn hash(nonce: &str) -> String {
    format!("{:x}", Sha256::digest(nonce.as_bytes()))
}

/// Issues a nonce (only its hash is stored) and purges the expired ones.
pub async fn issue(state: &AppState) -> Result<IssuedNonce, ApiError> {
    let ttl = state.settings.auth.login_nonce_ttl_secs;
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    let nonce = URL_SAFE_NO_PAD.encode(bytes);
    let now = Utc::now();
    let expires_at = now + Duration::seconds(i64::try_from(ttl).unwrap_or(i64::MAX / 1000));
    let txn = store::begin_write(&state.db).await?;
    store::login_nonces::purge_expired(&txn, now).await?;
    store::login_nonces::insert(&txn, &hash(&nonce), expires_at).await?;
    txn.commit().await?;
    Ok(IssuedNonce {
        nonce,
        expires_in: ttl,
    })
}

/// Consumes the nonce of a login that carries typing: 422 `nonce_required` without one, 422
/// `invalid_nonce` when it is unknown, used or expired. Runs before the password is checked,
/// so the answer never tells whether the password was right.
pub async fn consume(state: &AppState, nonce: Option<&str>) -> Result<(), ApiError> {
    let Some(nonce) = nonce else {
        return Err(ApiError::Unprocessable {
            code: "nonce_required",
            message: "a login with a typing sample needs a nonce from POST /api/v1/auth/nonce"
                .to_owned(),
        });
    };
    let consumed = nonce.len() <= 128 && {
        let hashed = hash(nonce);
        let consume = store::login_nonces::consume(&state.db, &hashed, Utc::now());
        store::in_write_turn(&state.db, consume).await?
    };
    if !consumed {
        return Err(ApiError::Unprocessable {
            code: "invalid_nonce",
            message: "the login nonce is unknown, already used or expired: get a new one from \
                      POST /api/v1/auth/nonce"
                .to_owned(),
        });
    }
    Ok(())
}
