//! Replay and bot defence: one-time login nonces (a typing sample at login must carry one), and
//! the timing fingerprints of keystroke samples already seen per user and profile, so a sample
//! replayed with identical or near-identical timing is refused.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginNonces::Table)
                    .if_not_exists()
                    .col(string(LoginNonces::NonceHash).primary_key())
                    .col(timestamp_with_time_zone(LoginNonces::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_nonces_expires_at")
                    .table(LoginNonces::Table)
                    .col(LoginNonces::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KeystrokeFingerprints::Table)
                    .if_not_exists()
                    .col(big_pk_auto(KeystrokeFingerprints::Id))
                    .col(uuid(KeystrokeFingerprints::UserId))
                    .col(string(KeystrokeFingerprints::ProfileKey))
                    .col(integer(KeystrokeFingerprints::KeyCount))
                    .col(text(KeystrokeFingerprints::Timings))
                    .col(timestamp_with_time_zone(KeystrokeFingerprints::SeenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(KeystrokeFingerprints::Table, KeystrokeFingerprints::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_keystroke_fingerprints_lookup")
                    .table(KeystrokeFingerprints::Table)
                    .col(KeystrokeFingerprints::UserId)
                    .col(KeystrokeFingerprints::ProfileKey)
                    .col(KeystrokeFingerprints::KeyCount)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            KeystrokeFingerprints::Table.into_iden(),
            LoginNonces::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum LoginNonces {
    Table,
    NonceHash,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum KeystrokeFingerprints {
    Table,
    Id,
    UserId,
    ProfileKey,
    KeyCount,
    Timings,
    SeenAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
