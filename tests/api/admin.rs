//! Admin endpoints: role checks, the user list, and paging through security events.

use serde_json::Value;

use crate::helpers::{Backend, PASSWORD, spawn_app, status_and_json};
use crate::on_both_databases;

on_both_databases!(
    admin_endpoints_refuse_users_and_anonymous_callers,
    the_user_list_shows_lock_status,
    security_events_page_with_filters_and_a_cursor,
    unlocking_an_unknown_user_is_not_found,
);

async fn admin_endpoints_refuse_users_and_anonymous_callers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("gina").await;
    let user_token = app.token_for("gina", PASSWORD).await;

    for path in ["/api/v1/admin/users", "/api/v1/admin/security-events"] {
        let (status, body) = status_and_json(app.get_with_token(path, &user_token).await).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(body["code"], "forbidden");
        let anonymous = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "{path}");
    }
}

async fn the_user_list_shows_lock_status(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("hank").await;
    app.registered_user("ivy").await;
    let admin = app.admin_token("the-admin").await;
    for i in 0..5 {
        app.login("hank", &format!("bad password {i}")).await;
    }

    let (status, page) = status_and_json(
        app.get_with_token("/api/v1/admin/users?limit=2", &admin)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let first: Vec<&str> = names(&page);
    assert_eq!(first, ["hank", "ivy"]);
    assert_eq!(page["items"][0]["locked"], true);
    assert!(page["items"][0]["locked_until"].is_string());
    assert_eq!(page["items"][1]["locked"], false);

    let cursor = page["next_cursor"].as_str().expect("a next page");
    let (_, rest) = status_and_json(
        app.get_with_token(
            &format!("/api/v1/admin/users?limit=2&cursor={cursor}"),
            &admin,
        )
        .await,
    )
    .await;
    assert_eq!(names(&rest), ["the-admin"]);
    assert_eq!(
        app.get_with_token("/api/v1/admin/users?limit=0", &admin)
            .await
            .status(),
        400
    );
}

fn names(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|user| user["username"].as_str())
        .collect()
}

async fn security_events_page_with_filters_and_a_cursor(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("jack").await;
    let admin = app.admin_token("boss").await;
    for i in 0..3 {
        app.login("jack", &format!("bad password {i}")).await;
    }

    let path = "/api/v1/admin/security-events?type=login_failure&limit=2";
    let (status, page) = status_and_json(app.get_with_token(path, &admin).await).await;
    assert_eq!(status, 200);
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|event| event["type"] == "login_failure"));
    assert!(
        items[0]["id"].as_i64() > items[1]["id"].as_i64(),
        "newest first"
    );
    assert_eq!(items[0]["ip"], "127.0.0.1");
    let serialized = page.to_string();
    assert!(
        !serialized.contains("bad password"),
        "no password in the trail"
    );

    let cursor = page["next_cursor"].as_str().expect("next page");
    let (_, older) = status_and_json(
        app.get_with_token(&format!("{path}&cursor={cursor}"), &admin)
            .await,
    )
    .await;
    assert_eq!(older["items"].as_array().unwrap().len(), 1);

    let future = "2999-01-01T00:00:00Z";
    let (_, none) = status_and_json(
        app.get_with_token(
            &format!("/api/v1/admin/security-events?since={future}"),
            &admin,
        )
        .await,
    )
    .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);

    for bad in [
        "type=nonsense",
        "user_id=not-a-uuid",
        "since=yesterday",
        "cursor=abc",
        "limit=100000",
    ] {
        let response = app
            .get_with_token(&format!("/api/v1/admin/security-events?{bad}"), &admin)
            .await;
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["code"], "bad_request", "{bad}");
    }
}

async fn unlocking_an_unknown_user_is_not_found(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.admin_token("admin-x").await;
    let path = format!("/api/v1/admin/users/{}/unlock", uuid::Uuid::new_v4());
    let (status, body) = status_and_json(app.post_with_token(&path, &admin).await).await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");
    let (status, _) = status_and_json(
        app.post_with_token("/api/v1/admin/users/not-a-uuid/unlock", &admin)
            .await,
    )
    .await;
    assert_eq!(status, 404);
}
