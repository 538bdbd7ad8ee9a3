//! Alerts: a lockout queues emails and webhooks in its own transaction and the notifier
//! delivers them — to a real SMTP listener and a real HTTP receiver on loopback that checks
//! every signature — retrying with backoff until the receiver accepts, exactly once by id.
//! Webhook URLs that point into the server's own network are refused.

mod after_kill;
mod smtp_listener;
mod webhook_receiver;

use std::collections::HashSet;
use std::time::Duration;

use behavioral_auth::configuration::{Settings, SmtpTls};
use entity::alerts;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app_on, spawn_app_with, status_and_json};
use crate::on_both_databases;
use smtp_listener::SmtpListener;
use webhook_receiver::WebhookReceiver;

const WAIT: Duration = Duration::from_secs(20);
const USER_EMAIL: &str = "erin@example.com";
const ADMIN_EMAIL: &str = "security@example.com";

on_both_databases!(
    a_lockout_emails_the_user_and_the_admins_and_sends_a_signed_webhook,
    a_failing_receiver_gets_the_webhook_retried_until_it_arrives_exactly_once,
    webhook_urls_into_private_networks_or_not_over_http_are_refused,
    two_servers_on_one_database_deliver_each_alert_once,
);

/// Fast polling and backoff, the test SMTP listener, and loopback webhook targets allowed.
fn notifier_settings(settings: &mut Settings, smtp_port: u16) {
    settings.notifier.enabled = true;
    settings.notifier.poll_interval_ms = 50;
    settings.notifier.backoff_base_ms = 50;
    settings.notifier.backoff_max_ms = 200;
    settings.notifier.max_attempts = 10;
    // Generous: a delivery that times out under a loaded CI machine is retried with the same
    // id, which the receiver would see twice.
    settings.notifier.request_timeout_ms = 10_000;
    settings.notifier.allow_private_targets = true;
    settings.smtp.host = "127.0.0.1".into();
    settings.smtp.port = smtp_port;
    settings.smtp.tls = SmtpTls::None;
    settings.smtp.timeout_secs = 5;
}

async fn subscribe(app: &TestApp, token: &str, url: &str, events: Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/admin/webhooks"))
        .bearer_auth(token)
        .json(&json!({ "url": url, "events": events, "description": "test receiver" }))
        .send()
        .await
        .expect("request sent");
    status_and_json(response).await
}

async fn lock_out(app: &TestApp, username: &str) {
    for attempt in 1..=5 {
        let response = app
            .login(username, &format!("wrong password {attempt}"))
            .await;
        assert_eq!(response.status(), 401);
    }
}

async fn register_with_email(app: &TestApp, username: &str, email: &str) {
    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({ "username": username, "password": PASSWORD, "email": email }),
        )
        .await;
    assert_eq!(response.status(), 201);
}

async fn a_lockout_emails_the_user_and_the_admins_and_sends_a_signed_webhook(backend: Backend) {
    // Arrange
    let smtp = SmtpListener::start().await;
    let receiver = WebhookReceiver::start(0);
    let Some(app) = spawn_app_with(backend, |s| notifier_settings(s, smtp.port)).await else {
        return;
    };
    let token = app
        .admin_token_with_email("root-admin", Some(ADMIN_EMAIL))
        .await;
    let (status, created) = subscribe(&app, &token, &receiver.url, json!(["lockout"])).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().expect("secret shown once");
    assert!(secret.starts_with("whsec_"));
    receiver.set_secret(secret);
    register_with_email(&app, "erin", USER_EMAIL).await;

    // Act
    lock_out(&app, "erin").await;

    // Assert: the user and the admin are emailed, nothing secret inside.
    let mails = smtp.wait_for(2, WAIT).await;
    let to_user = mails
        .iter()
        .find(|mail| mail.recipients == [USER_EMAIL])
        .unwrap_or_else(|| panic!("an email to the user: {mails:?}"));
    assert!(
        to_user.data.contains("Subject: Your account was locked"),
        "{}",
        to_user.data
    );
    assert!(to_user.data.contains("Hello erin"), "{}", to_user.data);
    assert!(
        to_user.data.contains("stays locked until 20"),
        "{}",
        to_user.data
    );
    let to_admin = mails
        .iter()
        .find(|mail| mail.recipients == [ADMIN_EMAIL])
        .unwrap_or_else(|| panic!("an email to the admin: {mails:?}"));
    assert!(
        to_admin.data.contains("lockout of account erin"),
        "{}",
        to_admin.data
    );
    for mail in &mails {
        assert!(
            !mail.data.contains("wrong password"),
            "no password in alerts"
        );
    }

    // Assert: one correctly signed lockout webhook.
    let received = receiver.wait_for_success(WAIT).await;
    assert_eq!(received.len(), 1, "{received:?}");
    let webhook = &received[0];
    assert!(
        webhook.signature_valid,
        "the signature verifies with the secret"
    );
    assert!(webhook.webhook_id.starts_with("msg_"), "{webhook:?}");
    assert_eq!(webhook.body["type"], "lockout", "{webhook:?}");
    assert_eq!(webhook.body["data"]["username"], "erin");
    assert!(webhook.body["data"]["locked_until"].is_string());

    // Assert: the secret is never shown again; deletion is audited.
    let id = created["id"].as_str().expect("id");
    let (status, list) =
        status_and_json(app.get_with_token("/api/v1/admin/webhooks", &token).await).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["id"], id, "{list}");
    assert!(list["items"][0].get("secret").is_none());
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/admin/webhooks/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request sent");
    assert_eq!(deleted.status(), 204);
    let gone = app
        .get_with_token(&format!("/api/v1/admin/webhooks/{id}"), &token)
        .await;
    assert_eq!(gone.status(), 404);
    let (_, events) = status_and_json(
        app.get_with_token("/api/v1/admin/security-events", &token)
            .await,
    )
    .await;
    let types: Vec<&str> = events["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|event| event["type"].as_str())
        .collect();
    assert!(types.contains(&"webhook_created"), "{types:?}");
    assert!(types.contains(&"webhook_deleted"), "{types:?}");
    app.stop().await;
}

async fn a_failing_receiver_gets_the_webhook_retried_until_it_arrives_exactly_once(
    backend: Backend,
) {
    // Arrange: the receiver answers 500 twice, then 200.
    let smtp = SmtpListener::start().await;
    let receiver = WebhookReceiver::start(2);
    let Some(app) = spawn_app_with(backend, |s| notifier_settings(s, smtp.port)).await else {
        return;
    };
    let token = app.admin_token("root-admin").await;
    let (status, created) = subscribe(&app, &token, &receiver.url, json!(["*"])).await;
    assert_eq!(status, 201, "{created}");
    receiver.set_secret(created["secret"].as_str().expect("secret"));
    app.registered_user("frank").await;

    // Act
    lock_out(&app, "frank").await;
    receiver.wait_for_success(WAIT).await;
    // Give a wrongly repeated delivery the time to show up.
    tokio::time::sleep(Duration::from_millis(800)).await;

    // Assert: three attempts of one message, delivered once, all signed.
    let received = receiver.received();
    assert_eq!(received.len(), 3, "{received:?}");
    let ids: HashSet<&str> = received.iter().map(|r| r.webhook_id.as_str()).collect();
    assert_eq!(ids.len(), 1, "the webhook-id is stable across retries");
    assert_eq!(received.iter().filter(|r| r.answered == 200).count(), 1);
    assert!(received.iter().all(|r| r.signature_valid));

    let id = created["id"].as_str().expect("id");
    let (status, deliveries) = status_and_json(
        app.get_with_token(&format!("/api/v1/admin/webhooks/{id}/deliveries"), &token)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let items = deliveries["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "{deliveries}");
    let statuses: Vec<i64> = items.iter().filter_map(|d| d["status"].as_i64()).collect();
    assert_eq!(statuses, [200, 500, 500], "newest first");
    assert_eq!(items[0]["success"], true);
    assert!(
        items
            .iter()
            .all(|d| d["message_id"] == items[0]["message_id"])
    );

    let row = alerts::Entity::find()
        .filter(alerts::Column::Kind.eq("webhook"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the outbox row");
    assert!(row.delivered_at.is_some());
    assert_eq!(row.attempts, 3);
    assert!(!row.dead);
    app.stop().await;
}

async fn webhook_urls_into_private_networks_or_not_over_http_are_refused(backend: Backend) {
    // Arrange: an app with the default guard.
    let Some(app) = spawn_app_with(backend, |s| s.notifier.enabled = false).await else {
        return;
    };
    let token = app.admin_token("root-admin").await;

    // Act / Assert
    for url in [
        "http://127.0.0.1/",
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://0.0.0.0/",
        "ftp://example.com/hook",
        "not a url",
    ] {
        let (status, body) = subscribe(&app, &token, url, json!(["lockout"])).await;
        assert_eq!(status, 422, "{url} must be refused: {body}");
        assert_eq!(body["code"], "validation_failed");
    }
    let (status, _) = subscribe(&app, &token, "https://example.com/", json!(["nonsense"])).await;
    assert_eq!(status, 422, "unknown event types are refused");

    // Allowing private targets (as tests do) still refuses other schemes.
    let relaxed = spawn_app_on(&app.database_url, |s| {
        s.notifier.enabled = false;
        s.notifier.allow_private_targets = true;
    })
    .await;
    let (status, _) = subscribe(&relaxed, &token, "ftp://127.0.0.1/", json!(["*"])).await;
    assert_eq!(status, 422);
    let (status, body) = subscribe(&relaxed, &token, "http://127.0.0.1:9/", json!(["*"])).await;
    assert_eq!(status, 201, "{body}");
    app.stop().await;
    relaxed.stop().await;
}

async fn two_servers_on_one_database_deliver_each_alert_once(backend: Backend) {
    // Arrange: two servers, each with its own notifier, on one database.
    let smtp = SmtpListener::start().await;
    let receiver = WebhookReceiver::start(0);
    let Some(first) = spawn_app_with(backend, |s| notifier_settings(s, smtp.port)).await else {
        return;
    };
    let second = spawn_app_on(&first.database_url, |s| notifier_settings(s, smtp.port)).await;
    let token = first.admin_token("root-admin").await;
    let (status, created) = subscribe(&first, &token, &receiver.url, json!(["lockout"])).await;
    assert_eq!(status, 201, "{created}");
    receiver.set_secret(created["secret"].as_str().expect("secret"));
    let users = ["gina", "hugo", "ines", "jack"];
    for user in users {
        first.registered_user(user).await;
    }

    // Act: lock half the users through each server.
    for (index, user) in users.iter().enumerate() {
        let app = if index % 2 == 0 { &first } else { &second };
        lock_out(app, user).await;
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while receiver.received().len() < users.len() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            receiver.received()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;

    // Assert: one delivery per lockout, whichever server sent it.
    let received = receiver.received();
    let ids: HashSet<&str> = received.iter().map(|r| r.webhook_id.as_str()).collect();
    assert_eq!(received.len(), users.len(), "{received:?}");
    assert_eq!(ids.len(), users.len());
    let mut usernames: Vec<&str> = received
        .iter()
        .filter_map(|r| r.body["data"]["username"].as_str())
        .collect();
    usernames.sort_unstable();
    assert_eq!(usernames, users);
    first.stop().await;
    second.stop().await;
}
