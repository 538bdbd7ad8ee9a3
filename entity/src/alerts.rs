//! `alerts`: the transactional outbox. One row per email or webhook to deliver, written in the
//! transaction of the event it announces; the notifier leases due rows, delivers them and marks
//! them delivered, reschedules them, or marks them dead after its last attempt.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub created_at: DateTimeUtc,
    /// `email` or `webhook`.
    pub kind: String,
    /// An email address, or the id of a webhook subscription.
    pub target: String,
    pub event_type: String,
    pub payload: Json,
    /// `msg_<uuid>`: the `webhook-id` sent on every attempt, so receivers can deduplicate.
    #[sea_orm(unique)]
    pub message_id: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// While set and in the future, one notifier owns the row.
    pub leased_until: Option<DateTimeUtc>,
    pub leased_by: Option<String>,
    pub delivered_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    /// Given up after the last attempt.
    pub dead: bool,
}

impl ActiveModelBehavior for ActiveModel {}
