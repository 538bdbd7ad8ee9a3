//! Admin endpoints for webhook subscriptions: create (the signing secret is shown once), list,
//! read, delete, and the log of delivery attempts.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::client::ClientInfo;
use crate::auth::extractor::AdminUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::store;
use crate::store::alerts::{Alert, AlertAttempt};
use crate::store::webhooks::Webhook;
use crate::webhooks::{self, Subscription};

/// Attempts listed by `deliveries`, newest first.
const MAX_DELIVERIES: u64 = 200;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hooks.example.com/behavioral-auth", "events": ["lockout"], "description": "SOC pager"}))]
pub struct CreateWebhook {
    /// `http` or `https` URL; must not resolve to a private, loopback or link-local address.
    pub url: String,
    /// Event types to send (`lockout`, ...), or `["*"]` for all.
    pub events: Vec<String>,
    pub description: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "5d1c7e0a-2b4f-4e8a-9c61-3f2d1a0b9e87", "url": "https://hooks.example.com/behavioral-auth", "events": ["lockout"], "description": "SOC pager", "enabled": true, "created_at": "2026-11-24T19:00:00Z"}))]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&Webhook> for WebhookView {
    fn from(webhook: &Webhook) -> Self {
        WebhookView {
            id: webhook.id,
            url: webhook.url.clone(),
            events: store::webhooks::events_of(webhook),
            description: webhook.description.clone(),
            enabled: webhook.enabled,
            created_at: webhook.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "5d1c7e0a-2b4f-4e8a-9c61-3f2d1a0b9e87", "url": "https://hooks.example.com/behavioral-auth", "events": ["lockout"], "description": "SOC pager", "enabled": true, "created_at": "2026-11-24T19:00:00Z", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}))]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// `whsec_<base64>`: verify `webhook-signature` with it. Shown only in this answer.
    pub secret: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "5d1c7e0a-2b4f-4e8a-9c61-3f2d1a0b9e87", "url": "https://hooks.example.com/behavioral-auth", "events": ["lockout"], "description": "SOC pager", "enabled": true, "created_at": "2026-11-24T19:00:00Z"}]}))]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub attempt_id: i64,
    pub alert_id: i64,
    /// The `webhook-id` header, the same on every attempt of one alert.
    pub message_id: String,
    pub event_type: String,
    pub attempted_at: DateTime<Utc>,
    pub success: bool,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<i32>,
    pub error: Option<String>,
}

impl From<(AlertAttempt, Alert)> for DeliveryView {
    fn from((attempt, alert): (AlertAttempt, Alert)) -> Self {
        DeliveryView {
            attempt_id: attempt.id,
            alert_id: alert.id,
            message_id: alert.message_id,
            event_type: alert.event_type,
            attempted_at: attempt.attempted_at,
            success: attempt.success,
            status: attempt.status,
            error: attempt.error,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{"attempt_id": 3, "alert_id": 7, "message_id": "msg_2b4f4e8a9c613f2d", "event_type": "lockout", "attempted_at": "2026-11-24T19:00:00Z", "success": false, "status": 503, "error": "receiver answered 503"}]}))]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
}

async fn find(state: &AppState, id: Uuid) -> Result<Webhook, ApiError> {
    store::webhooks::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no webhook with id {id}")))
}

/// Subscribes a URL to security events; answers with the signing secret, once.
#[utoipa::path(
    tag = "admin",
    operation_id = "create_webhook",
    security(("bearer" = [])),
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "Created; keep the secret", body = CreatedWebhook),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Invalid or refused URL, or unknown event type", body = ErrorBody),
    )
)]
#[post("/admin/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    admin: AdminUser,
    client: ClientInfo,
    body: web::Json<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let subscription = Subscription {
        url: body.url,
        events: body.events,
        description: body.description,
    };
    let webhook = webhooks::create(&state, admin.0.user_id, subscription, &client).await?;
    Ok(HttpResponse::Created().json(CreatedWebhook {
        webhook: WebhookView::from(&webhook),
        secret: webhook.secret,
    }))
}

/// Lists the subscriptions (without their secrets).
#[utoipa::path(
    tag = "admin",
    operation_id = "list_webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every subscription", body = WebhookList),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("/admin/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    _admin: AdminUser,
) -> Result<web::Json<WebhookList>, ApiError> {
    let webhooks = store::webhooks::list(&state.db).await?;
    Ok(web::Json(WebhookList {
        items: webhooks.iter().map(WebhookView::from).collect(),
    }))
}

/// One subscription (without its secret).
#[utoipa::path(
    tag = "admin",
    operation_id = "get_webhook",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The subscription", body = WebhookView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such webhook", body = ErrorBody),
    )
)]
#[get("/admin/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    _admin: AdminUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<WebhookView>, ApiError> {
    let webhook = find(&state, path.into_inner()).await?;
    Ok(web::Json(WebhookView::from(&webhook)))
}

/// Deletes a subscription; its pending alerts are given up.
#[utoipa::path(
    tag = "admin",
    operation_id = "delete_webhook",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such webhook", body = ErrorBody),
    )
)]
#[delete("/admin/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    admin: AdminUser,
    client: ClientInfo,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    webhooks::delete(&state, admin.0.user_id, path.into_inner(), &client).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The latest delivery attempts to a subscription, newest first.
#[utoipa::path(
    tag = "admin",
    operation_id = "list_webhook_deliveries",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Up to 200 attempts", body = DeliveryList),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such webhook", body = ErrorBody),
    )
)]
#[get("/admin/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    _admin: AdminUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<DeliveryList>, ApiError> {
    let webhook = find(&state, path.into_inner()).await?;
    let attempts =
        store::alerts::attempts_for_webhook(&state.db, webhook.id, MAX_DELIVERIES).await?;
    Ok(web::Json(DeliveryList {
        items: attempts.into_iter().map(DeliveryView::from).collect(),
    }))
}
