//! Live sessions: one row per WebSocket session, from the ticket that opens it (stored only as
//! a SHA-256 hash, single-use, short-lived) to how and why it ended.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LiveSessions::Table)
                    .if_not_exists()
                    .col(pk_uuid(LiveSessions::Id))
                    .col(uuid(LiveSessions::UserId))
                    .col(string(LiveSessions::ProfileKey))
                    .col(string_uniq(LiveSessions::TicketHash))
                    .col(timestamp_with_time_zone(LiveSessions::TicketExpiresAt))
                    .col(timestamp_with_time_zone_null(LiveSessions::TicketUsedAt))
                    .col(string(LiveSessions::Status))
                    .col(timestamp_with_time_zone(LiveSessions::CreatedAt))
                    .col(timestamp_with_time_zone_null(LiveSessions::EndedAt))
                    .col(string_null(LiveSessions::EndReason))
                    .col(double_null(LiveSessions::LastScore))
                    .col(timestamp_with_time_zone_null(LiveSessions::LastSeenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LiveSessions::Table, LiveSessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_live_sessions_user")
                    .table(LiveSessions::Table)
                    .col(LiveSessions::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(LiveSessions::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum LiveSessions {
    Table,
    Id,
    UserId,
    ProfileKey,
    TicketHash,
    TicketExpiresAt,
    TicketUsedAt,
    Status,
    CreatedAt,
    EndedAt,
    EndReason,
    LastScore,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
