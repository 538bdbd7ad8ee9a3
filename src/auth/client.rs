//! The caller's IP address and user agent, for login attempts and security events.

use std::future::{Ready, ready};
use std::net::{IpAddr, SocketAddr};

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
        let ip = client_ip(req).map(|ip| ip.to_string());
        let user_agent = req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.chars().take(MAX_USER_AGENT_CHARS).collect());
        ready(Ok(ClientInfo { ip, user_agent }))
    }
}

/// The peer's address, or the forwarded client address when `server.trust_forwarded_headers`
/// is on (only behind a proxy that sets it).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let trust_forwarded = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.settings.server.trust_forwarded_headers);
    if trust_forwarded {
        let connection = req.connection_info();
        let forwarded = connection.realip_remote_addr()?;
        forwarded
            .parse::<SocketAddr>()
            .map(|socket| socket.ip())
            .or_else(|_| forwarded.trim_matches(['[', ']']).parse::<IpAddr>())
            .ok()
    } else {
        req.peer_addr().map(|addr| addr.ip())
    }
}
