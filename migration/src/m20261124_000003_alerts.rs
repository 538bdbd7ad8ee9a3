//! Alerting: webhook subscriptions, the transactional outbox of alerts (emails and webhooks
//! written in the same transaction as the event they announce) and the log of every delivery
//! attempt.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .if_not_exists()
                    .col(pk_uuid(Webhooks::Id))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .col(uuid_null(Webhooks::CreatedBy))
                    .col(string(Webhooks::Url))
                    .col(json(Webhooks::Events))
                    .col(string_null(Webhooks::Description))
                    .col(string(Webhooks::Secret))
                    .col(boolean(Webhooks::Enabled).default(true))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Alerts::Id))
                    .col(timestamp_with_time_zone(Alerts::CreatedAt))
                    .col(string(Alerts::Kind))
                    .col(string(Alerts::Target))
                    .col(string(Alerts::EventType))
                    .col(json(Alerts::Payload))
                    .col(string_uniq(Alerts::MessageId))
                    .col(integer(Alerts::Attempts).default(0))
                    .col(timestamp_with_time_zone(Alerts::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Alerts::LeasedUntil))
                    .col(string_null(Alerts::LeasedBy))
                    .col(timestamp_with_time_zone_null(Alerts::DeliveredAt))
                    .col(string_null(Alerts::LastError))
                    .col(boolean(Alerts::Dead).default(false))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_alerts_due", vec![Alerts::NextAttemptAt]),
            ("idx_alerts_target", vec![Alerts::Kind, Alerts::Target]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Alerts::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AlertAttempts::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AlertAttempts::Id))
                    .col(big_integer(AlertAttempts::AlertId))
                    .col(timestamp_with_time_zone(AlertAttempts::AttemptedAt))
                    .col(boolean(AlertAttempts::Success))
                    .col(integer_null(AlertAttempts::Status))
                    .col(string_null(AlertAttempts::Error))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertAttempts::Table, AlertAttempts::AlertId)
                            .to(Alerts::Table, Alerts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_attempts_alert")
                    .table(AlertAttempts::Table)
                    .col(AlertAttempts::AlertId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AlertAttempts::Table.into_iden(),
            Alerts::Table.into_iden(),
            Webhooks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    CreatedAt,
    CreatedBy,
    Url,
    Events,
    Description,
    Secret,
    Enabled,
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    CreatedAt,
    Kind,
    Target,
    EventType,
    Payload,
    MessageId,
    Attempts,
    NextAttemptAt,
    LeasedUntil,
    LeasedBy,
    DeliveredAt,
    LastError,
    Dead,
}

#[derive(DeriveIden)]
enum AlertAttempts {
    Table,
    Id,
    AlertId,
    AttemptedAt,
    Success,
    Status,
    Error,
}
