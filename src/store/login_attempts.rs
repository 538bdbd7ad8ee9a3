//! `login_attempts`: one row per password login.

use chrono::Utc;
use entity::login_attempts;
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use crate::auth::client::ClientInfo;

/// How a login ended; stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    BadPassword,
    UnknownUser,
    Locked,
    /// Right password, but the typing asked for a step-up.
    StepUp,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::BadPassword => "bad_password",
            Outcome::UnknownUser => "unknown_user",
            Outcome::Locked => "locked",
            Outcome::StepUp => "step_up",
        }
    }
}

pub async fn record<C: ConnectionTrait>(
    db: &C,
    user_id: Option<Uuid>,
    username: &str,
    outcome: Outcome,
    client: &ClientInfo,
) -> Result<(), DbErr> {
    let row = login_attempts::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        username: Set(username.to_owned()),
        success: Set(outcome == Outcome::Success),
        outcome: Set(outcome.as_str().to_owned()),
        ip: Set(client.ip.clone()),
        user_agent: Set(client.user_agent.clone()),
        created_at: Set(Utc::now()),
    };
    login_attempts::Entity::insert(row).exec(db).await?;
    Ok(())
}
