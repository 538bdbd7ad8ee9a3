//! `session_scores`: the sampled score history of live sessions (the session actor decides how
//! often a score is kept).

use chrono::{DateTime, Utc};
use entity::session_scores;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

pub use entity::session_scores::Model as SessionScore;

/// Inserts (session, score, decision, scored at) rows ([`super::insert_rows`]): run it in a
/// transaction for the batch to land whole.
pub async fn insert_many<C: ConnectionTrait>(
    db: &C,
    scores: Vec<(Uuid, f64, &str, DateTime<Utc>)>,
) -> Result<(), DbErr> {
    use session_scores::Column;
    let rows = scores
        .into_iter()
        .map(|(session_id, score, decision, scored_at)| {
            [
                session_id.into(),
                score.into(),
                decision.into(),
                scored_at.into(),
            ]
        });
    let columns = [
        Column::SessionId,
        Column::Score,
        Column::Decision,
        Column::ScoredAt,
    ];
    super::insert_rows(db, session_scores::Entity, columns, rows).await
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
