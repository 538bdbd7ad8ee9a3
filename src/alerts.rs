//! Which alerts a security event produces. [`enqueue_for_event`] runs inside the transaction
//! that records the event, so the alerts are committed exactly when the event is (the
//! transactional outbox); the notifier actor delivers them afterwards.
//!
//! - the user concerned gets an email about their own account (lockout), if they have an
//!   address;
//! - every admin with an address gets an email about each high-severity event;
//! - every enabled webhook subscription whose filter matches the event type gets one webhook.
//!
//! Nothing secret goes into an alert: no password, token, key or sample.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::json;
use uuid::Uuid;

use crate::store;
use crate::store::alerts::{KIND_EMAIL, KIND_WEBHOOK, NewAlert};
use crate::store::security_events::{EventType, Severity};
use crate::store::users::User;

/// A recorded security event, as alerts describe it.
pub struct AlertEvent<'a> {
    pub event_type: EventType,
    pub user_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    /// The event's details (as stored in `security_events`); never secret.
    pub details: &'a serde_json::Value,
}

/// Queues every email and webhook `event` calls for; returns how many.
pub async fn enqueue_for_event<C: ConnectionTrait>(
    db: &C,
    event: &AlertEvent<'_>,
) -> Result<usize, DbErr> {
    let user = match event.user_id {
        Some(id) => store::users::find_by_id(db, id).await?,
        None => None,
    };
    let mut alerts = Vec::new();
    let mut emailed: Vec<String> = Vec::new();
    if let Some(user) = &user
        && let Some(address) = &user.email
        && let Some((subject, text)) = user_email(event, user)
    {
        emailed.push(address.to_lowercase());
        alerts.push(email(address, event, subject, text));
    }
    if event.event_type.severity() == Severity::High {
        let (subject, text) = admin_email(event, user.as_ref());
        for admin in store::users::admins_with_email(db).await? {
            let Some(address) = admin.email else { continue };
            if emailed.contains(&address.to_lowercase()) {
                continue;
            }
            emailed.push(address.to_lowercase());
            alerts.push(email(&address, event, subject.clone(), text.clone()));
        }
    }
    for webhook in store::webhooks::enabled_for_event(db, event.event_type.as_str()).await? {
        alerts.push(NewAlert {
            kind: KIND_WEBHOOK,
            target: webhook.id.to_string(),
            event_type: event.event_type.as_str(),
            payload: webhook_payload(event, user.as_ref()),
        });
    }
    let count = alerts.len();
    for alert in alerts {
        store::alerts::enqueue(db, alert).await?;
    }
    Ok(count)
}

fn email(address: &str, event: &AlertEvent<'_>, subject: String, text: String) -> NewAlert {
    NewAlert {
        kind: KIND_EMAIL,
        target: address.to_owned(),
        event_type: event.event_type.as_str(),
        payload: json!({ "subject": subject, "text": text }),
    }
}

/// The Standard Webhooks body: `{type, timestamp, data}`.
fn webhook_payload(event: &AlertEvent<'_>, user: Option<&User>) -> serde_json::Value {
    let mut data = event.details.clone();
    if !data.is_object() {
        data = json!({ "details": data });
    }
    data["user_id"] = json!(event.user_id);
    data["username"] = json!(user.map(|user| user.username.as_str()));
    data["severity"] = json!(event.event_type.severity().as_str());
    json!({
        "type": event.event_type.as_str(),
        "timestamp": event.occurred_at,
        "data": data,
    })
}

fn locked_until_text(event: &AlertEvent<'_>) -> String {
    event
        .details
        .get("locked_until")
        .and_then(|until| serde_json::from_value::<DateTime<Utc>>(until.clone()).ok())
        .map_or_else(
            || "an administrator unlocks it".to_owned(),
            |until| until.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
}

/// The email to the account holder, for events about their own account.
fn user_email(event: &AlertEvent<'_>, user: &User) -> Option<(String, String)> {
    match event.event_type {
        EventType::Lockout => Some((
            "Your account was locked".to_owned(),
            format!(
                "Hello {},\n\nYour account was locked at {} after repeated failed sign-in \
                 attempts. It stays locked until {}.\n\nIf these attempts were not yours, \
                 someone may be guessing your password: choose a new one once you can sign in \
                 again, or ask an administrator for help.\n",
                user.username,
                event.occurred_at.format("%Y-%m-%d %H:%M:%S UTC"),
                locked_until_text(event),
            ),
        )),
        _ => None,
    }
}

/// The email to admins about a high-severity event.
fn admin_email(event: &AlertEvent<'_>, user: Option<&User>) -> (String, String) {
    let who = user.map_or_else(|| "-".to_owned(), |user| user.username.clone());
    let mut text = format!(
        "High-severity security event: {}\nAccount: {}\nUser id: {}\nTime: {}\n",
        event.event_type.as_str(),
        who,
        event
            .user_id
            .map_or_else(|| "-".to_owned(), |id| id.to_string()),
        event.occurred_at.format("%Y-%m-%d %H:%M:%S UTC"),
    );
    if event.event_type == EventType::Lockout {
        text.push_str(&format!("Locked until: {}\n", locked_until_text(event)));
    }
    (
        format!(
            "[behavioral-auth] {} of account {who}",
            event.event_type.as_str()
        ),
        text,
    )
}
