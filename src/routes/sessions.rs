//! Live sessions: issue a single-use ticket, then upgrade `GET /sessions/live?ticket=..` to a
//! WebSocket run by one [`LiveSession`] actor (wire protocol in [`crate::protocol`]).
//!
//! Browsers cannot set an `Authorization` header on a WebSocket, so the bearer token buys a
//! short-lived ticket instead; only its SHA-256 hash is stored.

use actix::Addr;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use actix_web_actors::ws;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use chrono::Utc;
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::actors::model_registry::ModelRegistry;
use crate::actors::session::{LiveSession, SessionSpec};
use crate::auth::client::ClientInfo;
use crate::auth::extractor::AuthenticatedUser;
use crate::biometrics::{check_text_id, parse_profile_key, profile_key};
use crate::error::{ApiError, ErrorBody};
use crate::events::{DeviceClass, Modality, Sample};
use crate::state::AppState;
use crate::step_up;
use crate::store;
use crate::store::live_sessions::NewLiveSession;

/// Random bytes in a ticket (256 bits).
const TICKET_BYTES: usize = 32;
/// Longer `ticket` values are refused without a database look-up.
const MAX_TICKET_CHARS: usize = 128;
/// Where the WebSocket is served, relative to the host.
const LIVE_PATH: &str = "/api/v1/sessions/live";

/// Which profile the stream is scored against; defaults to desktop free-text typing.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"modality": "keystroke", "device": "desktop", "text_id": null}))]
pub struct NewSessionRequest {
    pub modality: Option<Modality>,
    pub device: Option<DeviceClass>,
    /// A fixed text's id (e.g. `passphrase`); absent for free text.
    pub text_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"session_id": "6a1f0f0e-3f7c-4f0e-9a43-1f0c1e6c2f7a", "ticket": "q3X…", "ws_url": "ws://127.0.0.1:5000/api/v1/sessions/live?ticket=q3X…", "expires_in": 30}))]
pub struct NewSessionResponse {
    pub session_id: Uuid,
    /// Single-use; open `ws_url` with it within `expires_in` seconds.
    pub ticket: String,
    pub ws_url: String,
    pub expires_in: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LiveQuery {
    /// The ticket from `POST /api/v1/sessions`.
    pub ticket: String,
}

fn hash_ticket(ticket: &str) -> String {
    format!("{:x}", Sha256::digest(ticket.as_bytes()))
}

async fn refuse_if_locked(state: &AppState, user_id: Uuid) -> Result<(), ApiError> {
    let user = store::users::find_by_id(&state.db, user_id)
        .await?
        .ok_or(ApiError::Unauthorized("invalid or expired token"))?;
    if store::users::lock_state(&user).is_locked(Utc::now()) {
        return Err(ApiError::Refused {
            code: "account_locked",
            message: "the account is locked",
        });
    }
    Ok(())
}

/// Opens a live session: returns a single-use ticket for the WebSocket at `ws_url`, whose
/// events are scored against the caller's profile for `modality`/`device`/`text_id`.
#[utoipa::path(
    tag = "sessions",
    operation_id = "create_session",
    security(("bearer" = [])),
    request_body = NewSessionRequest,
    responses(
        (status = 201, description = "Ticket issued", body = NewSessionResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "The account is locked (code `account_locked`)", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Invalid text id or fields", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_session(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    request: HttpRequest,
    body: web::Json<NewSessionRequest>,
) -> Result<HttpResponse, ApiError> {
    check_text_id(body.text_id.as_deref()).map_err(ApiError::InvalidSample)?;
    refuse_if_locked(&state, user.user_id).await?;
    let key = profile_key(&Sample {
        modality: body.modality.unwrap_or(Modality::Keystroke),
        device: body.device.unwrap_or(DeviceClass::Desktop),
        text_id: body.text_id.clone(),
        typed_chars: None,
        typingdna_pattern: None,
        events: Vec::new(),
    });
    let mut bytes = [0u8; TICKET_BYTES];
    rand::rng().fill(&mut bytes);
    let ticket = URL_SAFE_NO_PAD.encode(bytes);
    let settings = &state.settings.sessions;
    let session_id = Uuid::new_v4();
    let ttl = chrono::Duration::from_std(settings.ticket_ttl()).unwrap_or_default();
    let ticket_hash = hash_ticket(&ticket);
    let insert = store::live_sessions::insert(
        &state.db,
        NewLiveSession {
            id: session_id,
            user_id: user.user_id,
            profile_key: &key,
            ticket_hash: &ticket_hash,
            ticket_expires_at: Utc::now() + ttl,
            opened_by_jti: &user.claims.jti,
        },
    );
    store::in_write_turn(&state.db, insert).await?;
    let info = request.connection_info();
    let scheme = if info.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    let ws_url = format!("{scheme}://{}{LIVE_PATH}?ticket={ticket}", info.host());
    Ok(HttpResponse::Created().json(NewSessionResponse {
        session_id,
        ticket,
        ws_url,
        expires_in: settings.ticket_ttl_secs,
    }))
}

/// Upgrades to the live-session WebSocket (see the `protocol` module for the frames). Refused
/// with a JSON error before the upgrade when the ticket is unknown, used or expired (401), or
/// the `Origin` is not allowed or the account is locked (403).
#[utoipa::path(
    tag = "sessions",
    operation_id = "live_session",
    params(LiveQuery),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, description = "Not a WebSocket handshake, or no ticket", body = ErrorBody),
        (status = 401, description = "Unknown, used or expired ticket", body = ErrorBody),
        (status = 403, description = "Origin not allowed (`origin_not_allowed`) or account locked (`account_locked`)", body = ErrorBody),
        (status = 503, description = "Scoring is not running", body = ErrorBody),
    )
)]
#[get("/live")]
pub async fn live(
    state: web::Data<AppState>,
    registry: Option<web::Data<Addr<ModelRegistry>>>,
    request: HttpRequest,
    query: web::Query<LiveQuery>,
    stream: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let settings = &state.settings.sessions;
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let allowed = origin
            .to_str()
            .is_ok_and(|origin| settings.origin_allowed(origin));
        if !allowed {
            return Err(ApiError::Refused {
                code: "origin_not_allowed",
                message: "this origin may not open sessions",
            });
        }
    }
    // Check the handshake before spending the ticket on a request that cannot upgrade.
    ws::handshake(&request).map_err(|error| {
        ApiError::BadRequest(format!("expected a WebSocket handshake: {error}"))
    })?;
    let registry = registry
        .map(|registry| registry.get_ref().clone())
        .ok_or_else(|| ApiError::Unavailable("live scoring is not running".into()))?;
    let refused = ApiError::Unauthorized("invalid, used or expired ticket");
    if query.ticket.len() > MAX_TICKET_CHARS {
        return Err(refused);
    }
    let now = Utc::now();
    let ticket_hash = hash_ticket(&query.ticket);
    let claim = store::live_sessions::claim_ticket(&state.db, &ticket_hash, now);
    let claimed = store::in_write_turn(&state.db, claim).await?;
    let Some(session) = claimed else {
        return Err(refused);
    };
    if let Err(error) = refuse_if_locked(&state, session.user_id).await {
        let end = store::live_sessions::end(&state.db, session.id, "account_locked", None, now);
        store::in_write_turn(&state.db, end).await?;
        return Err(error);
    }
    let (modality, device, text_id) = parse_profile_key(&session.profile_key).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "session {} has an unreadable profile key",
            session.id
        ))
    })?;
    let spec = SessionSpec {
        session_id: session.id,
        user_id: session.user_id,
        profile_key: session.profile_key,
        modality,
        device,
        text_id,
    };
    let actor = LiveSession::new(spec, registry, state.clone().into_inner());
    ws::WsResponseBuilder::new(actor, &request, stream)
        .frame_size(settings.max_frame_bytes)
        .start()
        .map_err(|error| ApiError::BadRequest(format!("expected a WebSocket handshake: {error}")))
}

/// The password again, and the typing of the password field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "correct horse battery", "typing": {"modality": "keystroke", "device": "desktop", "text_id": "password", "events": [{"kind": "key_down", "code": "KeyC", "t": 0.0}, {"kind": "key_up", "code": "KeyC", "t": 88.0}]}}))]
pub struct StepUpRequest {
    pub password: String,
    /// Keystroke sample of the password field; required once the user has a password profile.
    #[schema(value_type = Option<Object>)]
    pub typing: Option<Sample>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"session_id": "6a1f0f0e-3f7c-4f0e-9a43-1f0c1e6c2f7a", "step_up_passed_at": "2026-11-24T21:40:00Z"}))]
pub struct StepUpResponse {
    pub session_id: Uuid,
    /// When the pass was recorded; a `step_up_done` frame now clears the pending challenge.
    pub step_up_passed_at: DateTime<Utc>,
}

/// Step-up of a live session by its owner: the password (counted under the lockout policy)
/// and the typing of the password field (a user without a password profile passes on the
/// password alone). A pass is recorded on the session so its socket accepts `step_up_done`;
/// a failure ends the session (`ended` frame with `step_up_failed`, close code 4001).
#[utoipa::path(
    tag = "sessions",
    operation_id = "step_up_session",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The live session's id")),
    request_body = StepUpRequest,
    responses(
        (status = 200, description = "Step-up passed and recorded", body = StepUpResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not authenticated, or a wrong password (the session ends)", body = ErrorBody),
        (status = 403, description = "The typing did not match (`step_up_failed`; the session ends) or the session has ended (`session_ended`)", body = ErrorBody),
        (status = 404, description = "No such session of the caller's", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Invalid typing sample", body = ErrorBody),
    )
)]
#[post("/{id}/step-up")]
pub async fn step_up_session(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    client: ClientInfo,
    path: web::Path<Uuid>,
    body: web::Json<StepUpRequest>,
) -> Result<web::Json<StepUpResponse>, ApiError> {
    let state = state.into_inner();
    let session_id = path.into_inner();
    let body = body.into_inner();
    let passed_at = step_up::step_up(
        &state,
        user.user_id,
        session_id,
        body.password,
        body.typing,
        &client,
    )
    .await?;
    Ok(web::Json(StepUpResponse {
        session_id,
        step_up_passed_at: passed_at,
    }))
}
