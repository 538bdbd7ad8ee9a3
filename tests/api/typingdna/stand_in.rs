//! A real HTTP stand-in for TypingDNA's Authentication API on loopback (actix-web), enforcing
//! its documented rules (<https://api.typingdna.com/docs>) so our client is checked against
//! them: `POST` only; HTTP Basic auth with the configured apiKey:apiSecret (else 401,
//! message_code 32); an id of 6-256 characters (else 444, code 35); a form body
//! (`application/x-www-form-urlencoded`) with `tp` (else 400, code 31); numeric patterns
//! (else 445, code 36); one pattern type per id (else 450, code 44, "different types of
//! patterns"); a verification before 3 saved patterns answered 200 without a result
//! (message_code 4 with none saved, 9 with fewer than 3). Every request and answer is recorded.
//!
//! Its score is its own: 100 minus the mean absolute difference between the pattern's numbers
//! and the mean of the saved ones (clamped to 0..100); `result` = score >= 50.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
    pub answered: u16,
    pub answer: Value,
}

#[derive(Default)]
struct Shared {
    api_key: String,
    api_secret: String,
    patterns: HashMap<String, Vec<String>>,
    diagram: HashMap<String, bool>,
    requests: Vec<Recorded>,
}

pub struct TypingDnaStandIn {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl TypingDnaStandIn {
    pub fn start(api_key: &str, api_secret: &str) -> TypingDnaStandIn {
        let shared = Arc::new(Mutex::new(Shared {
            api_key: api_key.to_owned(),
            api_secret: api_secret.to_owned(),
            ..Shared::default()
        }));
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind the TypingDNA stand-in");
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        TypingDnaStandIn {
            url: format!("http://127.0.0.1:{port}"),
            shared,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().expect("stand-in").requests.clone()
    }
}

fn error(status: u16, name: &str, message: &str, code: i64) -> (u16, Value) {
    (
        status,
        json!({"name": name, "message": message, "message_code": code, "status": status}),
    )
}

fn numbers(pattern: &str) -> Option<Vec<f64>> {
    pattern
        .split(['|', ','])
        .map(|part| part.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect()
}

fn score(pattern: &[f64], saved: &[Vec<f64>]) -> f64 {
    let length = saved
        .iter()
        .map(Vec::len)
        .min()
        .unwrap_or(0)
        .min(pattern.len());
    if length == 0 {
        return 0.0;
    }
    let difference: f64 = (0..length)
        .map(|i| {
            let mean = saved.iter().map(|s| s[i]).sum::<f64>() / saved.len() as f64;
            (pattern[i] - mean).abs()
        })
        .sum::<f64>()
        / length as f64;
    (100.0 - difference).clamp(0.0, 100.0)
}

fn answer(shared: &mut Shared, request: &HttpRequest, body: &str) -> (u16, Value) {
    if request.method() != actix_web::http::Method::POST {
        return error(
            405,
            "Method not allowed",
            "The method received in the request is known but not supported by the target resource",
            34,
        );
    }
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", shared.api_key, shared.api_secret))
    );
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok());
    if authorization != Some(expected.as_str()) {
        return error(
            401,
            "Not authenticated",
            "apiKey/apiSecret combination is invalid",
            32,
        );
    }
    let mut segments = request.path().trim_start_matches('/').splitn(2, '/');
    let (action, id) = (segments.next().unwrap_or(""), segments.next().unwrap_or(""));
    if !matches!(action, "save" | "verify") || id.is_empty() {
        return error(
            404,
            "Not found",
            "The requested resource could not be found.",
            38,
        );
    }
    if !(6..=256).contains(&id.chars().count()) {
        return error(
            444,
            "Invalid user id",
            "Invalid parameter user id (should be between 6 and 256 characters long and a hash or id instead of an email or phone number)",
            35,
        );
    }
    let form_encoded = request
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    let tp = url::form_urlencoded::parse(body.as_bytes())
        .find(|(name, _)| name == "tp")
        .map(|(_, value)| value.into_owned())
        .filter(|tp| !tp.is_empty());
    let (true, Some(tp)) = (form_encoded, tp) else {
        return error(
            400,
            "Bad request",
            "Invalid parameter in request body: Syntax error.",
            31,
        );
    };
    let Some(values) = numbers(&tp) else {
        return error(
            445,
            "Invalid typing pattern",
            "One or more submitted typing patterns are invalid.",
            36,
        );
    };
    let diagram = tp.contains('|');
    if shared
        .diagram
        .get(id)
        .is_some_and(|&saved| saved != diagram)
    {
        return error(
            450,
            "Different pattern types",
            "You are trying to match different types of patterns.",
            44,
        );
    }
    let saved = shared.patterns.entry(id.to_owned()).or_default();
    if action == "save" {
        if saved.contains(&tp) {
            return (
                200,
                json!({"message": "Duplicate typing pattern(s).", "message_code": 2, "success": 0, "status": 200}),
            );
        }
        saved.push(tp);
        shared.diagram.insert(id.to_owned(), diagram);
        return (
            200,
            json!({"message": "Done", "message_code": 1, "success": 1, "status": 200}),
        );
    }
    match saved.len() {
        0 => (
            200,
            json!({"message": "No previous valid typing patterns found.", "message_code": 4, "status": 200}),
        ),
        1 | 2 => (
            200,
            json!({"message": "Pattern not enrolled. Not enough patterns for verification.", "message_code": 9, "status": 200}),
        ),
        _ => {
            let saved: Vec<Vec<f64>> = saved.iter().filter_map(|p| numbers(p)).collect();
            let score = score(&values, &saved);
            (
                200,
                json!({
                    "message": "Done", "message_code": 1, "status": 200, "action": "verify",
                    "enrollment": 0, "result": i32::from(score >= 50.0), "score": score,
                    "high_confidence": 1,
                }),
            )
        }
    }
}

async fn handle(
    request: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Mutex<Shared>>,
) -> HttpResponse {
    let body = String::from_utf8_lossy(&body).into_owned();
    let mut shared = shared.lock().expect("stand-in");
    let (status, json) = answer(&mut shared, &request, &body);
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    shared.requests.push(Recorded {
        method: request.method().to_string(),
        path: request.path().to_owned(),
        authorization: header("authorization"),
        content_type: header("content-type"),
        body,
        answered: status,
        answer: json.clone(),
    });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status")).json(json)
}
