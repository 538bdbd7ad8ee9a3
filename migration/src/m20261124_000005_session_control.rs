//! Control of live sessions: when the owner last passed a step-up (password and typing), so a
//! client's `step_up_done` frame is believed only after one; and which access token opened the
//! session (its `jti`), so logging that token out ends the session.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LiveSessions::Table)
                    .add_column(timestamp_with_time_zone_null(LiveSessions::StepUpPassedAt))
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(LiveSessions::Table)
                    .add_column(string_null(LiveSessions::OpenedByJti))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LiveSessions::Table)
                    .drop_column(LiveSessions::OpenedByJti)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LiveSessions::Table)
                    .drop_column(LiveSessions::StepUpPassedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum LiveSessions {
    Table,
    StepUpPassedAt,
    OpenedByJti,
}
