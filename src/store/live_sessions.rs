//! `live_sessions`: tickets and the state of WebSocket sessions. A ticket is claimed with one
//! conditional UPDATE, so two sockets racing for the same ticket cannot both win.

use chrono::{DateTime, Utc};
use entity::live_sessions;
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

pub use entity::live_sessions::Model as LiveSession;

/// A ticket was issued; no socket has used it yet.
pub const STATUS_ISSUED: &str = "issued";
/// The socket is open and scored.
pub const STATUS_ACTIVE: &str = "active";
/// The socket is open and a step-up challenge is pending.
pub const STATUS_CHALLENGED: &str = "challenged";
/// The socket closed; `end_reason` says why.
pub const STATUS_ENDED: &str = "ended";

pub struct NewLiveSession<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub profile_key: &'a str,
    pub ticket_hash: &'a str,
    pub ticket_expires_at: DateTime<Utc>,
    /// The `jti` of the access token that asked for the ticket.
    pub opened_by_jti: &'a str,
}

#[tracing::instrument(skip(db, new), fields(session_id = %new.id, user_id = %new.user_id))]
pub async fn insert<C: ConnectionTrait>(db: &C, new: NewLiveSession<'_>) -> Result<(), DbErr> {
    let row = live_sessions::ActiveModel {
        id: Set(new.id),
        user_id: Set(new.user_id),
        profile_key: Set(new.profile_key.to_owned()),
        ticket_hash: Set(new.ticket_hash.to_owned()),
        ticket_expires_at: Set(new.ticket_expires_at),
        ticket_used_at: Set(None),
        status: Set(STATUS_ISSUED.to_owned()),
        created_at: Set(Utc::now()),
        ended_at: Set(None),
        end_reason: Set(None),
        last_score: Set(None),
        last_seen_at: Set(None),
        step_up_passed_at: Set(None),
        opened_by_jti: Set(Some(new.opened_by_jti.to_owned())),
    };
    live_sessions::Entity::insert(row).exec(db).await?;
    Ok(())
}

/// Marks the ticket used if it exists, is unused and unexpired, and returns its session;
/// `None` otherwise (unknown, used or expired: the caller cannot tell which, by design).
#[tracing::instrument(skip_all)]
pub async fn claim_ticket<C: ConnectionTrait>(
    db: &C,
    ticket_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<LiveSession>, DbErr> {
    let claimed = live_sessions::Entity::update_many()
        .col_expr(live_sessions::Column::TicketUsedAt, Expr::value(Some(now)))
        .col_expr(live_sessions::Column::Status, Expr::value(STATUS_ACTIVE))
        .col_expr(live_sessions::Column::LastSeenAt, Expr::value(Some(now)))
        .filter(live_sessions::Column::TicketHash.eq(ticket_hash))
        .filter(live_sessions::Column::TicketUsedAt.is_null())
        .filter(live_sessions::Column::TicketExpiresAt.gt(now))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(None);
    }
    live_sessions::Entity::find()
        .filter(live_sessions::Column::TicketHash.eq(ticket_hash))
        .one(db)
        .await
}

/// One session's current status and last score, as of `at`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress<'a> {
    pub id: Uuid,
    pub status: &'a str,
    pub last_score: Option<f64>,
    pub at: DateTime<Utc>,
}

/// Sessions one progress statement updates at most; a power of two, as a shorter last
/// statement is padded to one ([`super::padded_to_power_of_two`]). Each row's new values are
/// picked by a `CASE` over every session of the statement, so a statement costs the square of
/// its size: SQLite took 25 ms for one of 512 sessions (48 µs a row), on the sessions' core,
/// and at 10,000 live sessions those stalls set the p99 of the load test; at 64 it takes
/// 0.6 ms (10 µs a row, close to a single-row UPDATE's 7 µs).
const PROGRESS_PER_STATEMENT: usize = 64;

/// Records the sessions' status, last score and last seen (every few seconds per session, not
/// per event), skipping ended sessions. One statement per [`PROGRESS_PER_STATEMENT`] sessions:
/// a statement per session was, at 10,000 live sessions, 2,000 round trips a second to the
/// database thread, on the core the sessions run on.
pub async fn record_progress<C: ConnectionTrait>(
    db: &C,
    sessions: &[Progress<'_>],
) -> Result<(), DbErr> {
    use live_sessions::Column;
    for chunk in sessions.chunks(PROGRESS_PER_STATEMENT) {
        let chunk = super::padded_to_power_of_two(chunk.to_vec());
        let (mut status, mut last_score, mut last_seen) = (
            CaseStatement::new(),
            CaseStatement::new(),
            CaseStatement::new(),
        );
        for session in &chunk {
            let this = || Column::Id.eq(session.id);
            status = status.case(this(), Expr::value(session.status));
            last_score = last_score.case(this(), Expr::value(session.last_score));
            last_seen = last_seen.case(this(), Expr::value(Some(session.at)));
        }
        live_sessions::Entity::update_many()
            .col_expr(
                Column::Status,
                status.finally(Expr::col(Column::Status)).into(),
            )
            .col_expr(
                Column::LastScore,
                last_score.finally(Expr::col(Column::LastScore)).into(),
            )
            .col_expr(
                Column::LastSeenAt,
                last_seen.finally(Expr::col(Column::LastSeenAt)).into(),
            )
            .filter(Column::Id.is_in(chunk.iter().map(|session| session.id)))
            .filter(Column::Status.ne(STATUS_ENDED))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Marks the session ended with its reason (once: a second call changes nothing).
#[tracing::instrument(skip(db))]
pub async fn end<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    reason: &str,
    last_score: Option<f64>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    live_sessions::Entity::update_many()
        .col_expr(live_sessions::Column::Status, Expr::value(STATUS_ENDED))
        .col_expr(live_sessions::Column::EndReason, Expr::value(Some(reason)))
        .col_expr(live_sessions::Column::EndedAt, Expr::value(Some(now)))
        .col_expr(live_sessions::Column::LastScore, Expr::value(last_score))
        .filter(live_sessions::Column::Id.eq(id))
        .filter(live_sessions::Column::Status.ne(STATUS_ENDED))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<LiveSession>, DbErr> {
    live_sessions::Entity::find_by_id(id).one(db).await
}

/// Records that the session's owner passed a step-up at `now`; `false` if the session has
/// already ended (a pass cannot revive it).
#[tracing::instrument(skip(db))]
pub async fn record_step_up_passed<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let updated = live_sessions::Entity::update_many()
        .col_expr(
            live_sessions::Column::StepUpPassedAt,
            Expr::value(Some(now)),
        )
        .filter(live_sessions::Column::Id.eq(id))
        .filter(live_sessions::Column::Status.ne(STATUS_ENDED))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Ends every session the token `jti` opened that has not ended yet; returns how many. Their
/// actors see it at their registry's next sweep.
#[tracing::instrument(skip(db))]
pub async fn end_opened_by<C: ConnectionTrait>(
    db: &C,
    jti: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let ended = live_sessions::Entity::update_many()
        .col_expr(live_sessions::Column::Status, Expr::value(STATUS_ENDED))
        .col_expr(live_sessions::Column::EndReason, Expr::value(Some(reason)))
        .col_expr(live_sessions::Column::EndedAt, Expr::value(Some(now)))
        .filter(live_sessions::Column::OpenedByJti.eq(jti))
        .filter(live_sessions::Column::Status.ne(STATUS_ENDED))
        .exec(db)
        .await?;
    Ok(ended.rows_affected)
}

/// Of the sessions `ids`, those whose row says they ended, with the recorded reason.
pub async fn ended_among<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<Vec<(Uuid, Option<String>)>, DbErr> {
    live_sessions::Entity::find()
        .select_only()
        .column(live_sessions::Column::Id)
        .column(live_sessions::Column::EndReason)
        .filter(live_sessions::Column::Id.is_in(super::padded_to_power_of_two(ids)))
        .filter(live_sessions::Column::Status.eq(STATUS_ENDED))
        .into_tuple()
        .all(db)
        .await
}

/// The newest sessions first (live ones and those that ended), at most `limit`; only those in
/// `status` when given.
pub async fn recent<C: ConnectionTrait>(
    db: &C,
    status: Option<&str>,
    limit: u64,
) -> Result<Vec<LiveSession>, DbErr> {
    let mut query = live_sessions::Entity::find()
        .filter(live_sessions::Column::Status.ne(STATUS_ISSUED))
        .order_by_desc(live_sessions::Column::CreatedAt)
        .limit(limit);
    if let Some(status) = status {
        query = query.filter(live_sessions::Column::Status.eq(status));
    }
    query.all(db).await
}
