//! `session_scores`: the sampled score history of live sessions (the session actor decides how
//! often a score is kept).

use chrono::{DateTime, Utc};
use entity::session_scores;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

pub use entity::session_scores::Model as SessionScore;

/// Inserts (session, score, decision, scored at) rows in statements of fixed sizes
/// ([`super::insert_statement_sizes`]): run it in a transaction for the batch to land whole.
pub async fn insert_many<C: ConnectionTrait>(
    db: &C,
    scores: Vec<(Uuid, f64, &str, DateTime<Utc>)>,
) -> Result<(), DbErr> {
    let count = scores.len();
    let mut rows = scores
        .into_iter()
        .map(
            |(session_id, score, decision, scored_at)| session_scores::ActiveModel {
                id: NotSet,
                session_id: Set(session_id),
                score: Set(score),
                decision: Set(decision.to_owned()),
                scored_at: Set(scored_at),
            },
        );
    for size in super::insert_statement_sizes(count) {
        session_scores::Entity::insert_many(rows.by_ref().take(size))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The session's kept scores, oldest first.
pub async fn for_session<C: ConnectionTrait>(
    db: &C,
    session_id: Uuid,
) -> Result<Vec<SessionScore>, DbErr> {
    session_scores::Entity::find()
        .filter(session_scores::Column::SessionId.eq(session_id))
        .order_by_asc(session_scores::Column::ScoredAt)
        .all(db)
        .await
}
