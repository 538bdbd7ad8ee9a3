//! The caller's IP address and user agent, for login attempts and security events.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::state::AppState;

/// Longest user agent kept; longer ones are cut (they are attacker-controlled text).
const MAX_USER_AGENT_CHARS: usize = 512;

#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl FromRequest for ClientInfo {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let trust_forwarded = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|state| state.settings.server.trust_forwarded_headers);
        let connection = req.connection_info();
        let ip = if trust_forwarded {
            connection.realip_remote_addr().map(strip_port)
        } else {
            req.peer_addr().map(|addr| addr.ip().to_string())
        };
        let user_agent = req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.chars().take(MAX_USER_AGENT_CHARS).collect());
        ready(Ok(ClientInfo { ip, user_agent }))
    }
}

fn strip_port(address: &str) -> String {
    address
        .parse::<std::net::SocketAddr>()
        .map(|socket| socket.ip().to_string())
        .unwrap_or_else(|_| address.to_owned())
}
