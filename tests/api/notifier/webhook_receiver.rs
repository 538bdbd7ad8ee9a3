//! A real HTTP receiver for webhooks on loopback (actix-web): verifies every request's
//! Standard Webhooks signature with the subscription's secret, records it, and answers 500
//! to the first `failures` requests, 200 after.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Debug, Clone)]
pub struct Received {
    pub webhook_id: String,
    pub signature_valid: bool,
    pub body: serde_json::Value,
    /// The status this receiver answered.
    pub answered: u16,
}

#[derive(Default)]
struct Shared {
    secret: Option<String>,
    failures: usize,
    received: Vec<Received>,
}

pub struct WebhookReceiver {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl WebhookReceiver {
    pub fn start(failures: usize) -> WebhookReceiver {
        Self::start_on(0, failures)
    }

    /// A receiver on a given loopback port (0 = any free one).
    pub fn start_on(port: u16, failures: usize) -> WebhookReceiver {
        let shared = Arc::new(Mutex::new(Shared {
            failures,
            ..Shared::default()
        }));
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .bind(("127.0.0.1", port))
        .expect("bind receiver");
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        WebhookReceiver {
            url: format!("http://127.0.0.1:{port}/hooks"),
            shared,
        }
    }

    pub fn set_secret(&self, secret: &str) {
        self.shared.lock().expect("receiver").secret = Some(secret.to_owned());
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().expect("receiver").received.clone()
    }

    /// Waits until a request was answered 200 (or panics after `timeout`).
    pub async fn wait_for_success(&self, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.iter().any(|request| request.answered == 200) {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no webhook delivered: {received:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Mutex<Shared>>,
) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (webhook_id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let mut shared = shared.lock().expect("receiver");
    let signature_valid = shared.secret.as_deref().is_some_and(|secret| {
        let key = STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .expect("secret is base64");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
        mac.update(webhook_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(&body);
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        signature.split(' ').any(|candidate| candidate == expected)
    });
    let answered = if shared.received.len() < shared.failures {
        500
    } else {
        200
    };
    shared.received.push(Received {
        webhook_id,
        signature_valid,
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        answered,
    });
    if answered == 200 {
        HttpResponse::Ok().finish()
    } else {
        HttpResponse::InternalServerError().finish()
    }
}
