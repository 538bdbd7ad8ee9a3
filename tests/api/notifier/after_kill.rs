//! The outbox survives a crash: a server killed with SIGKILL while its webhook receiver is
//! down leaves the alert in the outbox, and the restarted server (taking over the dead one's
//! lease when it runs out) delivers it — once, with the same id.

use std::process::Stdio;
use std::time::Duration;

use entity::alerts;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tokio::process::{Child, Command};

use super::webhook_receiver::WebhookReceiver;
use super::{WAIT, subscribe};
use behavioral_auth::configuration::Settings;

use crate::helpers::{Backend, spawn_app_with};
use crate::on_both_databases;

on_both_databases!(alerts_left_in_the_outbox_by_a_killed_server_are_delivered_after_a_restart,);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// The real binary on `database_url`, retrying deliveries fast, with a short lease.
async fn start_server(database_url: &str) -> (Child, String) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_behavioral-auth"))
        .env("DATABASE_URL", database_url)
        .env("PORT", port.to_string())
        .env("RUST_LOG", "error")
        .env("APP__NOTIFIER__ENABLED", "true")
        .env("APP__NOTIFIER__POLL_INTERVAL_MS", "100")
        .env("APP__NOTIFIER__BACKOFF_BASE_MS", "100")
        .env("APP__NOTIFIER__BACKOFF_MAX_MS", "300")
        .env("APP__NOTIFIER__MAX_ATTEMPTS", "1000")
        .env("APP__NOTIFIER__LEASE_SECS", "2")
        .env("APP__NOTIFIER__REQUEST_TIMEOUT_MS", "5000")
        .env("APP__NOTIFIER__ALLOW_PRIVATE_TARGETS", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server binary");
    let address = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("{address}/health"))
            .send()
            .await
            .is_ok_and(|response| response.status() == 200)
        {
            return (child, address);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server binary never answered /health");
}

async fn webhook_alert(db: &sea_orm::DatabaseConnection) -> Option<alerts::Model> {
    alerts::Entity::find()
        .filter(alerts::Column::Kind.eq("webhook"))
        .one(db)
        .await
        .expect("read the outbox")
}

async fn alerts_left_in_the_outbox_by_a_killed_server_are_delivered_after_a_restart(
    backend: Backend,
) {
    let allow_loopback = |settings: &mut Settings| settings.notifier.allow_private_targets = true;
    let Some(app) = spawn_app_with(backend, allow_loopback).await else {
        return;
    };
    app.registered_user("crash-victim").await;
    let admin = app.admin_token("admin").await;
    let receiver_port = free_port();
    let url = format!("http://127.0.0.1:{receiver_port}/hooks");
    let (status, webhook) = subscribe(&app, &admin, &url, json!(["lockout"])).await;
    assert_eq!(status, 201, "{webhook}");
    let secret = webhook["secret"].as_str().unwrap().to_owned();
    app.stop().await;

    // The receiver is down: the first server keeps failing to deliver.
    let (mut first, address) = start_server(&app.database_url).await;
    let client = reqwest::Client::new();
    for attempt in 1..=5 {
        let response = client
            .post(format!("{address}/api/v1/auth/login"))
            .json(&json!({ "username": "crash-victim", "password": format!("wrong {attempt}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    let failing = loop {
        if let Some(alert) = webhook_alert(&app.db).await
            && alert.attempts >= 2
        {
            break alert;
        }
        assert!(tokio::time::Instant::now() < deadline, "no failed delivery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    first.kill().await.expect("SIGKILL the first server");
    let left = webhook_alert(&app.db).await.unwrap();
    assert!(left.delivered_at.is_none() && !left.dead, "{left:?}");

    let receiver = WebhookReceiver::start_on(receiver_port, 0);
    receiver.set_secret(&secret);
    let (mut second, _) = start_server(&app.database_url).await;
    let received = receiver.wait_for_success(WAIT).await;
    // Time for a duplicate to show up, if there were going to be one.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received_now = receiver.received();
    assert_eq!(received_now.len(), 1, "delivered once: {received_now:?}");
    assert_eq!(received[0].webhook_id, failing.message_id, "the same id");
    assert!(received[0].signature_valid);
    assert_eq!(received[0].body["type"], "lockout");
    let delivered = webhook_alert(&app.db).await.unwrap();
    assert!(delivered.delivered_at.is_some(), "{delivered:?}");
    second.kill().await.expect("stop the second server");
}
