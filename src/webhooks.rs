//! Webhook subscriptions: creating and deleting them (each an audited admin action), their
//! signing secrets, the Standard Webhooks signature, and the guard that keeps the server from
//! being turned against its own network (SSRF).
//!
//! The guard runs when a subscription is created and again before every delivery (a name may
//! resolve elsewhere later): only `http`/`https`, and every address the host resolves to must
//! be public unless `notifier.allow_private_targets` is set.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::json;
use sha2::Sha256;
use url::Url;
use uuid::Uuid;

use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::security_events::{EventType, NewSecurityEvent};
use crate::store::webhooks::{ALL_EVENTS, NewWebhook, Webhook};

/// Prefix of every signing secret (the Standard Webhooks convention).
pub const SECRET_PREFIX: &str = "whsec_";
const SECRET_BYTES: usize = 32;
const MAX_URL_CHARS: usize = 2048;
const MAX_DESCRIPTION_CHARS: usize = 500;

/// A subscription to create.
pub struct Subscription {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
}

/// Why a URL may not receive webhooks.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("the url is not valid: {0}")]
    Malformed(String),
    #[error("only http and https urls are allowed")]
    Scheme,
    #[error("the host cannot be resolved")]
    Unresolvable,
    #[error("the host resolves to a loopback, private, link-local or unspecified address")]
    Private,
}

/// Checks `raw` for delivery and returns it parsed.
pub async fn check_target(raw: &str, allow_private: bool) -> Result<Url, TargetError> {
    let url = Url::parse(raw).map_err(|error| TargetError::Malformed(error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(TargetError::Scheme);
    }
    let host = url
        .host_str()
        .ok_or_else(|| TargetError::Malformed("no host".into()))?;
    if allow_private {
        return Ok(url);
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<IpAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| TargetError::Unresolvable)?
        .map(|address| address.ip())
        .collect();
    if addresses.is_empty() {
        return Err(TargetError::Unresolvable);
    }
    if addresses.iter().any(|address| !is_public(*address)) {
        return Err(TargetError::Private);
    }
    Ok(url)
}

/// Whether an address is one a webhook may be sent to.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(address: Ipv4Addr) -> bool {
    let [first, second, ..] = address.octets();
    !(address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_unspecified()
        || address.is_broadcast()
        || address.is_multicast()
        || first == 0
        // 100.64.0.0/10, carrier-grade NAT: another network's inside.
        || (first == 100 && (64..128).contains(&second)))
}

fn is_public_v6(address: Ipv6Addr) -> bool {
    let first = address.segments()[0];
    !(address.is_loopback()
        || address.is_unspecified()
        || address.is_multicast()
        // fc00::/7 unique local, fe80::/10 link-local.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80)
}

/// A fresh `whsec_<base64>` secret.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", BASE64.encode(bytes))
}

/// The `webhook-signature` header: `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`,
/// keyed with the secret's decoded bytes (the whole string if it is not `whsec_` base64).
pub fn signature(secret: &str, message_id: &str, timestamp: i64, body: &str) -> String {
    let key = secret
        .strip_prefix(SECRET_PREFIX)
        .and_then(|encoded| BASE64.decode(encoded).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes keys of any length");
    mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

fn validate_events(events: Vec<String>) -> Result<Vec<String>, ApiError> {
    if events.is_empty() {
        return Err(ApiError::Validation(
            "events must name at least one event type, or \"*\"".into(),
        ));
    }
    for event in &events {
        let known =
            event == ALL_EVENTS || serde_json::from_value::<EventType>(json!(event)).is_ok();
        if !known {
            return Err(ApiError::Validation(format!(
                "unknown event type {event:?}"
            )));
        }
    }
    Ok(events)
}

/// Registers a subscription; returns it (its `secret` is shown to the admin only now).
#[tracing::instrument(skip(state, subscription, client))]
pub async fn create(
    state: &AppState,
    admin_id: Uuid,
    subscription: Subscription,
    client: &ClientInfo,
) -> Result<Webhook, ApiError> {
    if subscription.url.chars().count() > MAX_URL_CHARS {
        return Err(ApiError::Validation("url is too long".into()));
    }
    if subscription
        .description
        .as_ref()
        .is_some_and(|text| text.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(ApiError::Validation("description is too long".into()));
    }
    let events = validate_events(subscription.events)?;
    let url = check_target(
        &subscription.url,
        state.settings.notifier.allow_private_targets,
    )
    .await
    .map_err(|error| ApiError::Validation(format!("url is not allowed: {error}")))?;

    let txn = store::begin_write(&state.db).await?;
    let webhook = store::webhooks::insert(
        &txn,
        NewWebhook {
            created_by: admin_id,
            url: url.to_string(),
            events,
            description: subscription.description,
            secret: generate_secret(),
        },
    )
    .await?;
    store::security_events::record(
        &txn,
        NewSecurityEvent {
            event_type: EventType::WebhookCreated,
            user_id: None,
            actor_id: Some(admin_id),
            client: Some(client),
            details: json!({ "webhook_id": webhook.id, "url": webhook.url, "events": webhook.events }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(webhook)
}

/// Deletes a subscription and gives up its undelivered alerts; `NotFound` when there is
/// none with that id.
#[tracing::instrument(skip(state, client))]
pub async fn delete(
    state: &AppState,
    admin_id: Uuid,
    webhook_id: Uuid,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let txn = store::begin_write(&state.db).await?;
    let webhook = store::webhooks::find(&txn, webhook_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no webhook with id {webhook_id}")))?;
    store::webhooks::delete(&txn, webhook_id).await?;
    let abandoned =
        store::alerts::abandon_pending(&txn, store::alerts::KIND_WEBHOOK, &webhook_id.to_string())
            .await?;
    store::security_events::record(
        &txn,
        NewSecurityEvent {
            event_type: EventType::WebhookDeleted,
            user_id: None,
            actor_id: Some(admin_id),
            client: Some(client),
            details: json!({
                "webhook_id": webhook.id,
                "url": webhook.url,
                "alerts_abandoned": abandoned,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for address in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            let ip: IpAddr = address.parse().unwrap();
            assert!(!is_public(ip), "{address} must be refused");
        }
        for address in ["93.184.216.34", "2606:2800:220:1::1", "172.32.0.1"] {
            let ip: IpAddr = address.parse().unwrap();
            assert!(is_public(ip), "{address} is public");
        }
    }

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification.
        let signed = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn generated_secrets_are_prefixed_base64() {
        let secret = generate_secret();
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap();
        assert_eq!(BASE64.decode(encoded).unwrap().len(), SECRET_BYTES);
        assert_ne!(secret, generate_secret());
    }
}
