//! Score history of live sessions: a sample of each session's fused scores (at most one row per
//! `sessions.score_sample_every_ms`), for the dashboard's score-over-time view.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SessionScores::Table)
                    .if_not_exists()
                    .col(big_pk_auto(SessionScores::Id))
                    .col(uuid(SessionScores::SessionId))
                    .col(double(SessionScores::Score))
                    .col(string(SessionScores::Decision))
                    .col(timestamp_with_time_zone(SessionScores::ScoredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SessionScores::Table, SessionScores::SessionId)
                            .to(LiveSessions::Table, LiveSessions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_session_scores_session_time")
                    .table(SessionScores::Table)
                    .col(SessionScores::SessionId)
                    .col(SessionScores::ScoredAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(SessionScores::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum SessionScores {
    Table,
    Id,
    SessionId,
    Score,
    Decision,
    ScoredAt,
}

#[derive(DeriveIden)]
enum LiveSessions {
    Table,
    Id,
}
