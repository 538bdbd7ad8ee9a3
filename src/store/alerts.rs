//! `alerts` and `alert_attempts`: the transactional outbox of emails and webhooks, and the log
//! of every delivery attempt.
//!
//! A notifier owns an alert while its lease runs: [`claim`] is one conditional `UPDATE` that
//! only succeeds on a row nobody holds, so two notifiers (in one process or several, on SQLite
//! or PostgreSQL) never deliver the same alert at the same time. [`settle`] logs the attempt
//! and releases the lease in one transaction.

use chrono::{DateTime, Utc};
use entity::{alert_attempts, alerts};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub use entity::alert_attempts::Model as AlertAttempt;
pub use entity::alerts::Model as Alert;

pub const KIND_EMAIL: &str = "email";
pub const KIND_WEBHOOK: &str = "webhook";

/// An alert to put in the outbox.
pub struct NewAlert {
    /// [`KIND_EMAIL`] or [`KIND_WEBHOOK`].
    pub kind: &'static str,
    /// The email address, or the webhook subscription id.
    pub target: String,
    pub event_type: &'static str,
    pub payload: serde_json::Value,
}

/// How one attempt went.
pub struct AttemptResult {
    pub success: bool,
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// What becomes of the alert after an attempt.
pub enum Settlement {
    Delivered,
    RetryAt(DateTime<Utc>),
    Dead,
}

/// Writes one alert, due at once, with a fresh `msg_<uuid>` message id.
pub async fn enqueue<C: ConnectionTrait>(db: &C, alert: NewAlert) -> Result<(), DbErr> {
    let now = Utc::now();
    let row = alerts::ActiveModel {
        id: NotSet,
        created_at: Set(now),
        kind: Set(alert.kind.to_owned()),
        target: Set(alert.target),
        event_type: Set(alert.event_type.to_owned()),
        payload: Set(alert.payload),
        message_id: Set(format!("msg_{}", Uuid::new_v4().simple())),
        attempts: Set(0),
        next_attempt_at: Set(now),
        leased_until: Set(None),
        leased_by: Set(None),
        delivered_at: Set(None),
        last_error: Set(None),
        dead: Set(false),
    };
    alerts::Entity::insert(row).exec(db).await?;
    Ok(())
}

/// Rows that are not delivered nor dead, are due, and nobody holds a lease on.
fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(alerts::Column::DeliveredAt.is_null())
        .add(alerts::Column::Dead.eq(false))
        .add(alerts::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(alerts::Column::LeasedUntil.is_null())
                .add(alerts::Column::LeasedUntil.lt(now)),
        )
}

/// Ids of up to `limit` alerts that are due now, oldest due first.
pub async fn due_ids(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<i64>, DbErr> {
    alerts::Entity::find()
        .select_only()
        .column(alerts::Column::Id)
        .filter(claimable(now))
        .order_by_asc(alerts::Column::NextAttemptAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Takes the lease on alert `id` for `owner` until `lease_until`, if it is still claimable;
/// returns the alert when this call won it.
pub async fn claim(
    db: &DatabaseConnection,
    id: i64,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<Alert>, DbErr> {
    let result = alerts::Entity::update_many()
        .col_expr(alerts::Column::LeasedUntil, Expr::value(Some(lease_until)))
        .col_expr(
            alerts::Column::LeasedBy,
            Expr::value(Some(owner.to_owned())),
        )
        .filter(alerts::Column::Id.eq(id))
        .filter(claimable(now))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(None);
    }
    alerts::Entity::find_by_id(id).one(db).await
}

/// Logs the attempt and, if `owner` still holds the lease, records the settlement and
/// releases the lease; both in one transaction.
pub async fn settle(
    db: &DatabaseConnection,
    alert: &Alert,
    owner: &str,
    attempt: AttemptResult,
    settlement: Settlement,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let txn = super::begin_write(db).await?;
    alert_attempts::Entity::insert(alert_attempts::ActiveModel {
        id: NotSet,
        alert_id: Set(alert.id),
        attempted_at: Set(now),
        success: Set(attempt.success),
        status: Set(attempt.status.map(i32::from)),
        error: Set(attempt.error.clone()),
    })
    .exec(&txn)
    .await?;
    let mut update = alerts::Entity::update_many()
        .col_expr(alerts::Column::Attempts, Expr::value(alert.attempts + 1))
        .col_expr(
            alerts::Column::LeasedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(alerts::Column::LeasedBy, Expr::value(None::<String>))
        .col_expr(alerts::Column::LastError, Expr::value(attempt.error));
    update = match settlement {
        Settlement::Delivered => {
            update.col_expr(alerts::Column::DeliveredAt, Expr::value(Some(now)))
        }
        Settlement::RetryAt(at) => update.col_expr(alerts::Column::NextAttemptAt, Expr::value(at)),
        Settlement::Dead => update.col_expr(alerts::Column::Dead, Expr::value(true)),
    };
    update
        .filter(alerts::Column::Id.eq(alert.id))
        .filter(alerts::Column::LeasedBy.eq(owner))
        .exec(&txn)
        .await?;
    txn.commit().await
}

/// Gives up every undelivered alert to `target` (a deleted webhook subscription); returns how
/// many.
pub async fn abandon_pending<C: ConnectionTrait>(
    db: &C,
    kind: &str,
    target: &str,
) -> Result<u64, DbErr> {
    let result = alerts::Entity::update_many()
        .col_expr(alerts::Column::Dead, Expr::value(true))
        .col_expr(
            alerts::Column::LastError,
            Expr::value(Some("the subscription was deleted".to_owned())),
        )
        .filter(alerts::Column::Kind.eq(kind))
        .filter(alerts::Column::Target.eq(target))
        .filter(alerts::Column::DeliveredAt.is_null())
        .filter(alerts::Column::Dead.eq(false))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The newest `limit` attempts of alerts sent to webhook subscription `webhook_id`, each
/// with its alert.
pub async fn attempts_for_webhook(
    db: &DatabaseConnection,
    webhook_id: Uuid,
    limit: u64,
) -> Result<Vec<(AlertAttempt, Alert)>, DbErr> {
    let alert_ids = Query::select()
        .column(alerts::Column::Id)
        .from(alerts::Entity)
        .and_where(alerts::Column::Kind.eq(KIND_WEBHOOK))
        .and_where(alerts::Column::Target.eq(webhook_id.to_string()))
        .to_owned();
    let attempts = alert_attempts::Entity::find()
        .filter(alert_attempts::Column::AlertId.in_subquery(alert_ids))
        .order_by_desc(alert_attempts::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let ids: Vec<i64> = attempts.iter().map(|attempt| attempt.alert_id).collect();
    let alerts = alerts::Entity::find()
        .filter(alerts::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(attempts
        .into_iter()
        .filter_map(|attempt| {
            let alert = alerts.iter().find(|alert| alert.id == attempt.alert_id)?;
            Some((attempt, alert.clone()))
        })
        .collect())
}
