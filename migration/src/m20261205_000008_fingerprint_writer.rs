//! Which process wrote each keystroke fingerprint, so the replay check's periodic top-up reads
//! only what other processes wrote: under load a process was reading back (and parsing) every
//! fingerprint it had just written itself. Rows from before this migration carry 0, which no
//! running process uses.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(KeystrokeFingerprints::Table)
                    .add_column(big_integer(KeystrokeFingerprints::Writer).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(KeystrokeFingerprints::Table)
                    .drop_column(KeystrokeFingerprints::Writer)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum KeystrokeFingerprints {
    Table,
    Writer,
}
