//! CSV exports for admins: security events (with the list's filters) and users (with lock
//! status and profile readiness). Served as `text/csv` attachments.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::extractor::AdminUser;
use crate::error::{ApiError, ErrorBody};
use crate::routes::admin::{UserSummary, user_summaries};
use crate::state::AppState;
use crate::store;
use crate::store::security_events::{EventFilter, EventType};

/// Most events one export holds (the newest ones).
pub const MAX_EXPORTED_EVENTS: u64 = 10_000;
const USER_PAGE: u64 = 500;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventExportQuery {
    /// Only events about this user.
    pub user_id: Option<Uuid>,
    /// Only events of this type.
    #[serde(rename = "type")]
    #[param(rename = "type", inline)]
    pub event_type: Option<EventType>,
    /// Only events at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
}

/// Security events as CSV, newest first (at most 10 000), with the list's filters.
#[utoipa::path(
    tag = "admin",
    operation_id = "export_security_events",
    security(("bearer" = [])),
    params(EventExportQuery),
    responses(
        (status = 200, description = "CSV with a header row", body = String, content_type = "text/csv",
         example = json!("id,created_at,type,severity,user_id,actor_id,ip,user_agent,details\n42,2026-11-24T19:00:00Z,lockout,high,0b6f2a9e-8c53-4d5e-9a43-1f0c1e6c2f7a,,127.0.0.1,curl/8.0,\"{\"\"reason\"\":\"\"password_failures\"\"}\"\n")),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("/admin/security-events/export")]
pub async fn export_security_events(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<EventExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = EventFilter {
        user_id: query.user_id,
        event_type: query.event_type,
        since: query.since,
        before_id: None,
        limit: MAX_EXPORTED_EVENTS,
    };
    let events = store::security_events::page(&state.db, &filter).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    write_row(
        &mut out,
        [
            "id",
            "created_at",
            "type",
            "severity",
            "user_id",
            "actor_id",
            "ip",
            "user_agent",
            "details",
        ]
        .map(str::to_owned),
    )?;
    for event in events {
        write_row(
            &mut out,
            [
                event.id.to_string(),
                event.created_at.to_rfc3339(),
                event.event_type,
                event.severity,
                optional(event.user_id),
                optional(event.actor_id),
                event.ip.unwrap_or_default(),
                event.user_agent.unwrap_or_default(),
                event.details.to_string(),
            ],
        )?;
    }
    csv_response(out, "security-events.csv")
}

/// Every user as CSV, by username: lock status, profile readiness and estimated EER.
#[utoipa::path(
    tag = "admin",
    operation_id = "export_users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "CSV with a header row; `profiles` lists `key=samples/required` with `ready` and the EER when trained, separated by `;`", body = String, content_type = "text/csv",
         example = json!("user_id,username,email,role,created_at,locked,locked_until,permanently_locked,failure_count,temporary_lockouts,ready_profiles,best_estimated_eer,profiles\n0b6f2a9e-8c53-4d5e-9a43-1f0c1e6c2f7a,alice,,user,2026-11-24T18:00:00Z,false,,false,0,0,1,0.07,keystroke/desktop/passphrase=5/5 ready eer=0.07\n")),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("/admin/users/export")]
pub async fn export_users(
    state: web::Data<AppState>,
    _admin: AdminUser,
) -> Result<HttpResponse, ApiError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    write_row(
        &mut out,
        [
            "user_id",
            "username",
            "email",
            "role",
            "created_at",
            "locked",
            "locked_until",
            "permanently_locked",
            "failure_count",
            "temporary_lockouts",
            "ready_profiles",
            "best_estimated_eer",
            "profiles",
        ]
        .map(str::to_owned),
    )?;
    let mut after: Option<String> = None;
    loop {
        let users = store::users::list(&state.db, after.as_deref(), USER_PAGE).await?;
        let full_page = users.len() as u64 == USER_PAGE;
        after = users.last().map(|user| user.username.clone());
        for user in user_summaries(&state, users).await? {
            write_row(&mut out, user_row(user))?;
        }
        if !full_page {
            break;
        }
    }
    csv_response(out, "users.csv")
}

fn user_row(user: UserSummary) -> [String; 13] {
    let ready = user.profiles.iter().filter(|p| p.ready).count();
    let best_eer = user
        .profiles
        .iter()
        .filter_map(|p| p.estimated_eer)
        .min_by(f64::total_cmp);
    let profiles = user
        .profiles
        .iter()
        .map(|p| {
            let mut text = format!("{}={}/{}", p.profile_key, p.samples, p.required);
            if p.ready {
                text.push_str(" ready");
            }
            if let Some(eer) = p.estimated_eer {
                text.push_str(&format!(" eer={eer:.3}"));
            }
            text
        })
        .collect::<Vec<_>>()
        .join("; ");
    [
        user.user_id.to_string(),
        user.username,
        user.email.unwrap_or_default(),
        user.role,
        user.created_at.to_rfc3339(),
        user.locked.to_string(),
        optional(user.locked_until.map(|until| until.to_rfc3339())),
        user.permanently_locked.to_string(),
        user.failure_count.to_string(),
        user.temporary_lockouts.to_string(),
        ready.to_string(),
        optional(best_eer.map(|eer| format!("{eer:.3}"))),
        profiles,
    ]
}

fn optional(value: Option<impl ToString>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading
/// `'`: usernames and user agents come from anyone (OWASP "CSV injection").
fn neutralise_formula(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

fn write_row<const N: usize>(
    out: &mut csv::Writer<Vec<u8>>,
    cells: [String; N],
) -> Result<(), ApiError> {
    out.write_record(cells.map(neutralise_formula))
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("writing CSV: {error}")))
}

fn csv_response(out: csv::Writer<Vec<u8>>, file_name: &str) -> Result<HttpResponse, ApiError> {
    let body = out
        .into_inner()
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("writing CSV: {error}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::neutralise_formula;

    #[test]
    fn cells_that_look_like_formulas_are_neutralised() {
        assert_eq!(neutralise_formula("=SUM(A1)".into()), "'=SUM(A1)");
        assert_eq!(neutralise_formula("@cmd".into()), "'@cmd");
        assert_eq!(neutralise_formula("alice".into()), "alice");
        assert_eq!(neutralise_formula(String::new()), "");
    }
}
