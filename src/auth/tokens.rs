//! Access tokens: HS256 JWTs with `exp`, `iat`, `nbf`, `iss`, `aud`, `sub`, `jti` and a `kid`
//! header. One algorithm is allowed; every configured key verifies the tokens carrying its key
//! id, and the active one signs, so keys rotate without logging everybody out.
//! Revocation (logout) is checked by the caller against the store: this module is pure.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::configuration::AuthSettings;

/// The only signing algorithm accepted.
const ALGORITHM: Algorithm = Algorithm::HS256;
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY_SECS: u64 = 5;
/// Tokens whose signature and claims were checked, kept so a client's next request skips the
/// decoding and the HMAC; `exp` is still checked on every use.
const VERIFIED_CAPACITY: u64 = 20_000;
/// How long a checked token is trusted without checking its signature again.
const VERIFIED_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
}

impl Claims {
    pub fn user_id(&self) -> Option<Uuid> {
        Uuid::parse_str(&self.sub).ok()
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or_else(Utc::now)
    }
}

#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_in: u64,
    pub claims: Claims,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("token header is unreadable or uses an unaccepted algorithm")]
    BadHeader,
    #[error("token has no key id or an unknown one")]
    UnknownKey,
    #[error("token is invalid: {0}")]
    Invalid(String),
}

pub struct TokenService {
    active_kid: String,
    encoding_key: EncodingKey,
    decoding_keys: HashMap<String, DecodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: u64,
    /// Exactly these token strings passed [`TokenService::verify`] within `VERIFIED_TTL`.
    verified: moka::sync::Cache<String, Arc<Claims>>,
}

impl TokenService {
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        let active_secret = settings
            .jwt_keys
            .get(&settings.active_kid)
            .ok_or_else(|| anyhow::anyhow!("auth.active_kid names no configured key"))?;
        let decoding_keys = settings
            .jwt_keys
            .iter()
            .map(|(kid, secret)| (kid.clone(), DecodingKey::from_secret(secret.as_bytes())))
            .collect();
        let mut validation = Validation::new(ALGORITHM);
        validation.set_audience(&[&settings.audience]);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Ok(TokenService {
            active_kid: settings.active_kid.clone(),
            encoding_key: EncodingKey::from_secret(active_secret.as_bytes()),
            decoding_keys,
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            ttl_secs: settings.access_token_ttl_secs,
            verified: moka::sync::Cache::builder()
                .max_capacity(VERIFIED_CAPACITY)
                .time_to_live(VERIFIED_TTL)
                .build(),
        })
    }

    /// Signs a new access token for `user_id` with the active key.
    pub fn issue(&self, user_id: Uuid, role: &str) -> anyhow::Result<IssuedToken> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + i64::try_from(self.ttl_secs)?,
            iat: now,
            nbf: now,
            jti: Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.active_kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding_key)?;
        Ok(IssuedToken {
            token,
            expires_in: self.ttl_secs,
            claims,
        })
    }

    /// Checks signature (by `kid`), algorithm, `exp`, `nbf`, `iss` and `aud`. A token that
    /// passed in the last minute is found by its exact text and only its `exp` is checked
    /// again (the rest cannot change: the keys are fixed for the process's life).
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if let Some(claims) = self.verified.get(token) {
            let oldest_valid_exp = Utc::now().timestamp() - LEEWAY_SECS as i64;
            if claims.exp < oldest_valid_exp {
                self.verified.invalidate(token);
                return Err(TokenError::Invalid("ExpiredSignature".to_owned()));
            }
            return Ok(Claims::clone(&claims));
        }
        let claims = self.decode(token)?;
        self.verified
            .insert(token.to_owned(), Arc::new(claims.clone()));
        Ok(claims)
    }

    fn decode(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::BadHeader)?;
        if header.alg != ALGORITHM {
            return Err(TokenError::BadHeader);
        }
        let key = header
            .kid
            .as_ref()
            .and_then(|kid| self.decoding_keys.get(kid))
            .ok_or(TokenError::UnknownKey)?;
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| TokenError::Invalid(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn settings(keys: &[(&str, &str)], active: &str) -> AuthSettings {
        AuthSettings {
            issuer: "issuer".into(),
            audience: "audience".into(),
            access_token_ttl_secs: 60,
            active_kid: active.into(),
            jwt_keys: keys
                .iter()
                .map(|(kid, secret)| (kid.to_string(), secret.to_string()))
                .collect::<BTreeMap<_, _>>(),
            login_nonce_ttl_secs: 120,
            access_cache_ttl_ms: 1000,
        }
    }

    #[test]
    fn an_issued_token_verifies_and_carries_its_claims() {
        let service = TokenService::new(&settings(&[("k1", "secret-one")], "k1")).unwrap();
        let user = Uuid::new_v4();
        let issued = service.issue(user, "admin").unwrap();
        let claims = service.verify(&issued.token).unwrap();
        assert_eq!(claims.user_id(), Some(user));
        assert_eq!(claims.role, "admin");
        assert_eq!(claims, issued.claims);
    }

    #[test]
    fn rotated_keys_still_verify_old_tokens_by_kid() {
        let old = TokenService::new(&settings(&[("k1", "secret-one")], "k1")).unwrap();
        let rotated = TokenService::new(&settings(
            &[("k1", "secret-one"), ("k2", "secret-two")],
            "k2",
        ))
        .unwrap();
        let old_token = old.issue(Uuid::new_v4(), "user").unwrap().token;
        assert!(rotated.verify(&old_token).is_ok());
        let new_token = rotated.issue(Uuid::new_v4(), "user").unwrap().token;
        assert_eq!(old.verify(&new_token), Err(TokenError::UnknownKey));
    }

    #[test]
    fn a_token_signed_with_another_secret_under_a_known_kid_is_refused() {
        let ours = TokenService::new(&settings(&[("k1", "secret-one")], "k1")).unwrap();
        let forged = TokenService::new(&settings(&[("k1", "other-secret")], "k1")).unwrap();
        let token = forged.issue(Uuid::new_v4(), "admin").unwrap().token;
        assert!(matches!(ours.verify(&token), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn a_token_verified_once_is_refused_from_memory_once_it_expires() {
        let service = TokenService::new(&settings(&[("k1", "secret-one")], "k1")).unwrap();
        let issued = service.issue(Uuid::new_v4(), "user").unwrap();
        assert_eq!(service.verify(&issued.token).unwrap(), issued.claims);
        // Checked again from memory: the same claims.
        assert_eq!(service.verify(&issued.token).unwrap(), issued.claims);

        // The remembered token's time runs out (as it would an hour later).
        let mut expired = issued.claims.clone();
        expired.exp = Utc::now().timestamp() - LEEWAY_SECS as i64 - 1;
        service
            .verified
            .insert(issued.token.clone(), Arc::new(expired));
        assert!(matches!(
            service.verify(&issued.token),
            Err(TokenError::Invalid(_))
        ));
        // And it is forgotten: the next check decodes it again (its real `exp` is later).
        assert!(service.verified.get(&issued.token).is_none());
    }
}
