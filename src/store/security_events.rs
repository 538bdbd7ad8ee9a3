//! `security_events`: the audit trail, written beside the change it records and paged newest
//! first by id.

use chrono::{DateTime, Utc};
use entity::security_events;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::client::ClientInfo;

pub use entity::security_events::Model as SecurityEvent;

/// What happened. Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Register,
    LoginSuccess,
    LoginFailure,
    Lockout,
    Unlock,
    Logout,
    AdminCreated,
    BiometricChallenge,
    BiometricsErased,
    SampleLabelled,
    ModelRetrain,
    WebhookCreated,
    WebhookDeleted,
    SessionEnded,
    /// A keystroke sample identical or near-identical to one already seen was refused.
    ReplayRefused,
    /// A keystroke sample with machine-regular or instantaneous timing (a script, not a hand).
    ScriptedInput,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Register => "register",
            EventType::LoginSuccess => "login_success",
            EventType::LoginFailure => "login_failure",
            EventType::Lockout => "lockout",
            EventType::Unlock => "unlock",
            EventType::Logout => "logout",
            EventType::AdminCreated => "admin_created",
            EventType::BiometricChallenge => "biometric_challenge",
            EventType::BiometricsErased => "biometrics_erased",
            EventType::SampleLabelled => "sample_labelled",
            EventType::ModelRetrain => "model_retrain",
            EventType::WebhookCreated => "webhook_created",
            EventType::WebhookDeleted => "webhook_deleted",
            EventType::SessionEnded => "session_ended",
            EventType::ReplayRefused => "replay_refused",
            EventType::ScriptedInput => "scripted_input",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            EventType::Register
            | EventType::LoginSuccess
            | EventType::Logout
            | EventType::ModelRetrain => Severity::Info,
            EventType::LoginFailure
            | EventType::Unlock
            | EventType::AdminCreated
            | EventType::BiometricChallenge
            | EventType::BiometricsErased
            | EventType::SampleLabelled
            | EventType::WebhookCreated
            | EventType::WebhookDeleted
            | EventType::SessionEnded
            | EventType::ReplayRefused
            | EventType::ScriptedInput => Severity::Warning,
            EventType::Lockout => Severity::High,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::High => "high",
        }
    }
}

/// A row to write. `details` must never carry a password, token or key.
pub struct NewSecurityEvent<'a> {
    pub event_type: EventType,
    pub user_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub client: Option<&'a ClientInfo>,
    pub details: serde_json::Value,
}

pub async fn record<C: ConnectionTrait>(db: &C, event: NewSecurityEvent<'_>) -> Result<(), DbErr> {
    let row = security_events::ActiveModel {
        id: NotSet,
        created_at: Set(Utc::now()),
        user_id: Set(event.user_id),
        actor_id: Set(event.actor_id),
        event_type: Set(event.event_type.as_str().to_owned()),
        severity: Set(event.event_type.severity().as_str().to_owned()),
        ip: Set(event.client.and_then(|client| client.ip.clone())),
        user_agent: Set(event.client.and_then(|client| client.user_agent.clone())),
        details: Set(event.details),
    };
    security_events::Entity::insert(row).exec(db).await?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct EventFilter {
    pub user_id: Option<Uuid>,
    pub event_type: Option<EventType>,
    pub since: Option<DateTime<Utc>>,
    /// Only events with an id below this one (the previous page's last id).
    pub before_id: Option<i64>,
    pub limit: u64,
}

/// Newest first.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    filter: &EventFilter,
) -> Result<Vec<SecurityEvent>, DbErr> {
    let mut query = security_events::Entity::find().order_by_desc(security_events::Column::Id);
    if let Some(user_id) = filter.user_id {
        query = query.filter(security_events::Column::UserId.eq(user_id));
    }
    if let Some(event_type) = filter.event_type {
        query = query.filter(security_events::Column::EventType.eq(event_type.as_str()));
    }
    if let Some(since) = filter.since {
        query = query.filter(security_events::Column::CreatedAt.gte(since));
    }
    if let Some(before_id) = filter.before_id {
        query = query.filter(security_events::Column::Id.lt(before_id));
    }
    query.limit(filter.limit).all(db).await
}
