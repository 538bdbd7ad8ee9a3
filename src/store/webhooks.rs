//! `webhooks`: the subscriptions admins registered, with their signing secrets.

use chrono::Utc;
use entity::webhooks;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

pub use entity::webhooks::Model as Webhook;

/// The event filter that matches every event type.
pub const ALL_EVENTS: &str = "*";

pub struct NewWebhook {
    pub created_by: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
}

pub async fn insert<C: ConnectionTrait>(db: &C, webhook: NewWebhook) -> Result<Webhook, DbErr> {
    let row = webhooks::ActiveModel {
        id: Set(Uuid::new_v4()),
        created_at: Set(Utc::now()),
        created_by: Set(Some(webhook.created_by)),
        url: Set(webhook.url),
        events: Set(serde_json::json!(webhook.events)),
        description: Set(webhook.description),
        secret: Set(webhook.secret),
        enabled: Set(true),
    };
    webhooks::Entity::insert(row).exec_with_returning(db).await
}

/// Every subscription, oldest first.
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<Webhook>, DbErr> {
    webhooks::Entity::find()
        .order_by_asc(webhooks::Column::CreatedAt)
        .all(db)
        .await
}

pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<Webhook>, DbErr> {
    webhooks::Entity::find_by_id(id).one(db).await
}

/// Whether a subscription was deleted.
pub async fn delete<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<bool, DbErr> {
    let result = webhooks::Entity::delete_by_id(id).exec(db).await?;
    Ok(result.rows_affected == 1)
}

/// The event types a subscription asked for.
pub fn events_of(webhook: &Webhook) -> Vec<String> {
    serde_json::from_value(webhook.events.clone()).unwrap_or_default()
}

/// Enabled subscriptions whose filter names `event_type` or `*`.
pub async fn enabled_for_event<C: ConnectionTrait>(
    db: &C,
    event_type: &str,
) -> Result<Vec<Webhook>, DbErr> {
    let enabled = webhooks::Entity::find()
        .filter(webhooks::Column::Enabled.eq(true))
        .order_by_asc(webhooks::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(enabled
        .into_iter()
        .filter(|webhook| {
            events_of(webhook)
                .iter()
                .any(|event| event == event_type || event == ALL_EVENTS)
        })
        .collect())
}
