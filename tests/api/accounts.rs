//! Register, log in, who-am-I, log out.

use serde_json::json;

use crate::helpers::{Backend, PASSWORD, spawn_app, status_and_json};
use crate::on_both_databases;

on_both_databases!(
    register_login_me_logout_then_the_token_is_dead,
    a_taken_username_is_a_conflict_whatever_its_case,
    weak_passwords_and_bad_usernames_are_unprocessable,
    an_unknown_user_and_a_wrong_password_get_identical_answers,
);

async fn register_login_me_logout_then_the_token_is_dead(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };

    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({ "username": "Alice", "password": PASSWORD, "email": "alice@example.com" }),
        )
        .await;
    let (status, registered) = status_and_json(response).await;
    assert_eq!(status, 201);
    assert_eq!(
        registered["username"], "alice",
        "usernames are stored lower-case"
    );

    let (status, login) = status_and_json(app.login("ALICE", PASSWORD).await).await;
    assert_eq!(status, 200);
    assert_eq!(login["token_type"], "Bearer");
    assert_eq!(login["expires_in"], 900);
    let token = login["access_token"].as_str().expect("token");

    let (status, me) = status_and_json(app.get_with_token("/api/v1/me", token).await).await;
    assert_eq!(status, 200);
    assert_eq!(me["user_id"], registered["user_id"]);
    assert_eq!(me["username"], "alice");
    assert_eq!(me["email"], "alice@example.com");
    assert_eq!(me["role"], "user");
    assert!(
        me["created_at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );

    let response = app.post_with_token("/api/v1/auth/logout", token).await;
    assert_eq!(response.status(), 204);

    let (status, body) = status_and_json(app.get_with_token("/api/v1/me", token).await).await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "unauthorized");
}

async fn a_taken_username_is_a_conflict_whatever_its_case(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    assert_eq!(app.register("bob", PASSWORD).await.status(), 201);

    let (status, body) = status_and_json(app.register("BOB", PASSWORD).await).await;
    assert_eq!(status, 409);
    assert_eq!(body["code"], "conflict");
}

async fn weak_passwords_and_bad_usernames_are_unprocessable(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for (username, password, why) in [
        ("carol", "short", "too short"),
        ("carol", "password123", "common"),
        ("carol", "qwertyuiop", "common"),
        ("carol", "carol-the-great", "contains the username"),
        ("a", PASSWORD, "username too short"),
        ("carol smith", PASSWORD, "space in username"),
    ] {
        let (status, body) = status_and_json(app.register(username, password).await).await;
        assert_eq!(status, 422, "{why}");
        assert_eq!(body["code"], "validation_failed", "{why}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{why}"
        );
    }
    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({ "username": "carol", "password": PASSWORD, "email": "not-an-email" }),
        )
        .await;
    assert_eq!(response.status(), 422);
}

async fn an_unknown_user_and_a_wrong_password_get_identical_answers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.registered_user("dave").await;

    let wrong_password = app.login("dave", "not the right password").await;
    let unknown_user = app.login("nobody-here", "not the right password").await;

    assert_eq!(wrong_password.status(), 401);
    assert_eq!(unknown_user.status(), 401);
    assert_eq!(
        wrong_password.headers().get("www-authenticate"),
        unknown_user.headers().get("www-authenticate")
    );
    let wrong_body = wrong_password.bytes().await.expect("body");
    let unknown_body = unknown_user.bytes().await.expect("body");
    assert_eq!(wrong_body, unknown_body);
}
