//! What a browser page must know before it records: whether to record a TypingDNA pattern
//! alongside our events, and of which type. Public: it holds no secret.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;
use crate::typingdna::PatternType;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"typingdna": {"enabled": true, "pattern_type": "diagram"}}))]
pub struct ClientConfig {
    pub typingdna: TypingDnaClientConfig,
}

#[derive(Serialize, ToSchema)]
pub struct TypingDnaClientConfig {
    /// Record with TypingDNA's recorder and send `typingdna_pattern` in each sample.
    pub enabled: bool,
    /// The pattern type to record (`getTypingPattern({type: 1 or 2})` for `diagram`,
    /// `{type: 0}` for `anytext`); `null` when disabled.
    pub pattern_type: Option<PatternType>,
}

/// Client settings for the browser SDK (no authentication; no secrets).
#[utoipa::path(
    tag = "biometrics",
    operation_id = "get_client_config",
    responses((status = 200, description = "What the browser should record", body = ClientConfig))
)]
#[get("/config")]
pub async fn get_client_config(state: web::Data<AppState>) -> web::Json<ClientConfig> {
    let settings = &state.settings.typingdna;
    let enabled = settings.enabled();
    web::Json(ClientConfig {
        typingdna: TypingDnaClientConfig {
            enabled,
            pattern_type: enabled.then_some(settings.pattern_type),
        },
    })
}
