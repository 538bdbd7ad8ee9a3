//! Password lockout: locking, the indistinguishable 401, admin unlock, the audit trail, and
//! exact counting under concurrency.

use chrono::Utc;
use entity::{lockouts, login_attempts, security_events, users};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{Backend, PASSWORD, spawn_app, status_and_json};
use crate::on_both_databases;

on_both_databases!(
    five_failures_lock_and_the_right_password_gets_the_same_401_until_an_admin_unlocks,
    a_hundred_concurrent_failures_are_each_counted_exactly_once,
    a_correct_password_clears_the_failures_counted_before_it,
);

async fn five_failures_lock_and_the_right_password_gets_the_same_401_until_an_admin_unlocks(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let user_id = app.registered_user("erin").await;
    let admin_token = app.admin_token("root-admin").await;

    let wrong = app.login("erin", "wrong password 1").await;
    assert_eq!(wrong.status(), 401);
    let wrong_body = wrong.bytes().await.expect("body");
    for attempt in 2..=5 {
        let response = app
            .login("erin", &format!("wrong password {attempt}"))
            .await;
        assert_eq!(response.status(), 401);
    }

    let locked = app.login("erin", PASSWORD).await;
    assert_eq!(
        locked.status(),
        401,
        "the right password must not open a locked account"
    );
    assert_eq!(
        locked.bytes().await.expect("body"),
        wrong_body,
        "same body as a wrong password"
    );

    let user = users::Entity::find_by_id(user_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(user.locked_until.is_some_and(|until| until > Utc::now()));
    let lock_rows = lockouts::Entity::find()
        .filter(lockouts::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(lock_rows.len(), 1);

    let unlock_path = format!("/api/v1/admin/users/{user_id}/unlock");
    let (status, summary) =
        status_and_json(app.post_with_token(&unlock_path, &admin_token).await).await;
    assert_eq!(status, 200);
    assert_eq!(summary["locked"], false);
    assert_eq!(summary["failure_count"], 0);

    assert_eq!(
        app.login("erin", PASSWORD).await.status(),
        200,
        "unlocked: login works"
    );

    let events = app
        .get_with_token(
            &format!("/api/v1/admin/security-events?user_id={user_id}"),
            &admin_token,
        )
        .await;
    let (status, page) = status_and_json(events).await;
    assert_eq!(status, 200);
    let types: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|event| event["type"].as_str())
        .collect();
    assert!(types.contains(&"lockout"), "{types:?}");
    assert!(types.contains(&"unlock"), "{types:?}");
    let unlock = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["type"] == "unlock")
        .unwrap();
    assert!(
        unlock["actor_id"].is_string(),
        "an admin action names its admin"
    );
    let lockout = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "lockout")
        .unwrap();
    assert_eq!(lockout["severity"], "high");
    let lifted = lockouts::Entity::find()
        .filter(lockouts::Column::UserId.eq(user_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(lifted.lifted_at.is_some());
}

async fn a_correct_password_clears_the_failures_counted_before_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let user_id = app.registered_user("frank").await;
    let stored = || async {
        users::Entity::find_by_id(user_id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
    };
    // Four failures and a success, twice: eight failures in all, but never five in a row.
    for round in 1..=2 {
        for attempt in 1..=4 {
            let response = app
                .login("frank", &format!("wrong password {round}.{attempt}"))
                .await;
            assert_eq!(response.status(), 401);
        }
        assert_eq!(stored().await.failure_count, 4, "round {round}");
        assert_eq!(
            app.login("frank", PASSWORD).await.status(),
            200,
            "round {round}: four failures do not lock"
        );
        let user = stored().await;
        assert_eq!(
            user.failure_count, 0,
            "round {round}: the success is stored"
        );
        assert!(user.last_failure_at.is_none() && user.locked_until.is_none());
    }
}

async fn a_hundred_concurrent_failures_are_each_counted_exactly_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let user_id = app.registered_user("frank").await;

    let attempts = (0..100).map(|i| {
        let app = &app;
        async move {
            app.login("frank", &format!("wrong password {i}"))
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert!(statuses.iter().all(|status| *status == 401), "{statuses:?}");

    let counted = login_attempts::Entity::find()
        .filter(login_attempts::Column::UserId.eq(user_id))
        .filter(login_attempts::Column::Outcome.eq("bad_password"))
        .count(&app.db)
        .await
        .unwrap();
    let refused_while_locked = login_attempts::Entity::find()
        .filter(login_attempts::Column::UserId.eq(user_id))
        .filter(login_attempts::Column::Outcome.eq("locked"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(counted, 5, "exactly max_failures failures are counted");
    assert_eq!(
        refused_while_locked, 95,
        "the rest arrive at a locked account"
    );

    let lock_rows = lockouts::Entity::find()
        .filter(lockouts::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(lock_rows.len(), 1, "one lockout, not several");
    assert_eq!(lock_rows[0].sequence, 1);
    let lockout_events = security_events::Entity::find()
        .filter(security_events::Column::UserId.eq(user_id))
        .filter(security_events::Column::EventType.eq("lockout"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(lockout_events, 1);

    let user = users::Entity::find_by_id(user_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.temporary_lockouts, 1);
    assert_eq!(user.failure_count, 0, "the count restarts after a lock");
    let wait = user.locked_until.expect("locked") - lock_rows[0].locked_at;
    assert_eq!(wait.num_seconds(), 300, "lockout.wait is 5 minutes");
}
