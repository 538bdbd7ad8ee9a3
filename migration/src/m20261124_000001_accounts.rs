//! Accounts and their audit trail: users (with password-lockout state), login attempts,
//! lockouts, security events and revoked tokens.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(pk_uuid(Users::Id))
                    .col(string_uniq(Users::Username))
                    .col(string_null(Users::Email))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::Role))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(integer(Users::FailureCount).default(0))
                    .col(timestamp_with_time_zone_null(Users::LastFailureAt))
                    .col(integer(Users::TemporaryLockouts).default(0))
                    .col(timestamp_with_time_zone_null(Users::LockedUntil))
                    .col(boolean(Users::PermanentlyLocked).default(false))
                    .col(big_integer(Users::LockVersion).default(0))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .if_not_exists()
                    .col(big_pk_auto(LoginAttempts::Id))
                    .col(uuid_null(LoginAttempts::UserId))
                    .col(string(LoginAttempts::Username))
                    .col(boolean(LoginAttempts::Success))
                    .col(string(LoginAttempts::Outcome))
                    .col(string_null(LoginAttempts::Ip))
                    .col(string_null(LoginAttempts::UserAgent))
                    .col(timestamp_with_time_zone(LoginAttempts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempts_user_created")
                    .table(LoginAttempts::Table)
                    .col(LoginAttempts::UserId)
                    .col(LoginAttempts::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Lockouts::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Lockouts::Id))
                    .col(uuid(Lockouts::UserId))
                    .col(timestamp_with_time_zone(Lockouts::LockedAt))
                    .col(timestamp_with_time_zone_null(Lockouts::LockedUntil))
                    .col(boolean(Lockouts::Permanent))
                    .col(integer(Lockouts::Sequence))
                    .col(string(Lockouts::Reason))
                    .col(timestamp_with_time_zone_null(Lockouts::LiftedAt))
                    .col(uuid_null(Lockouts::LiftedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Lockouts::Table, Lockouts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lockouts_user")
                    .table(Lockouts::Table)
                    .col(Lockouts::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SecurityEvents::Table)
                    .if_not_exists()
                    .col(big_pk_auto(SecurityEvents::Id))
                    .col(timestamp_with_time_zone(SecurityEvents::CreatedAt))
                    .col(uuid_null(SecurityEvents::UserId))
                    .col(uuid_null(SecurityEvents::ActorId))
                    .col(string(SecurityEvents::EventType))
                    .col(string(SecurityEvents::Severity))
                    .col(string_null(SecurityEvents::Ip))
                    .col(string_null(SecurityEvents::UserAgent))
                    .col(json(SecurityEvents::Details))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_security_events_user", SecurityEvents::UserId),
            ("idx_security_events_type", SecurityEvents::EventType),
            ("idx_security_events_created", SecurityEvents::CreatedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(SecurityEvents::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(RevokedTokens::Table)
                    .if_not_exists()
                    .col(string(RevokedTokens::Jti).primary_key())
                    .col(uuid(RevokedTokens::UserId))
                    .col(timestamp_with_time_zone(RevokedTokens::RevokedAt))
                    .col(timestamp_with_time_zone(RevokedTokens::ExpiresAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RevokedTokens::Table.into_iden(),
            SecurityEvents::Table.into_iden(),
            Lockouts::Table.into_iden(),
            LoginAttempts::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    Email,
    PasswordHash,
    Role,
    CreatedAt,
    FailureCount,
    LastFailureAt,
    TemporaryLockouts,
    LockedUntil,
    PermanentlyLocked,
    LockVersion,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    UserId,
    Username,
    Success,
    Outcome,
    Ip,
    UserAgent,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Lockouts {
    Table,
    Id,
    UserId,
    LockedAt,
    LockedUntil,
    Permanent,
    Sequence,
    Reason,
    LiftedAt,
    LiftedBy,
}

#[derive(DeriveIden)]
enum SecurityEvents {
    Table,
    Id,
    CreatedAt,
    UserId,
    ActorId,
    EventType,
    Severity,
    Ip,
    UserAgent,
    Details,
}

#[derive(DeriveIden)]
enum RevokedTokens {
    Table,
    Jti,
    UserId,
    RevokedAt,
    ExpiresAt,
}
