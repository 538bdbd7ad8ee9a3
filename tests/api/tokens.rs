//! Access tokens: everything but a well-signed, current, unrevoked token of ours is a 401.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use behavioral_auth::auth::tokens::Claims;
use behavioral_auth::configuration::Settings;
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app, spawn_app_with, status_and_json};
use crate::on_both_databases;

on_both_databases!(
    forged_expired_and_foreign_tokens_are_refused,
    a_rotated_out_signing_key_still_verifies_its_tokens
);

fn claims_for(user_id: &str, settings: &Settings) -> Claims {
    let now = Utc::now().timestamp();
    Claims {
        sub: user_id.to_owned(),
        role: "admin".into(),
        iss: settings.auth.issuer.clone(),
        aud: settings.auth.audience.clone(),
        exp: now + 600,
        iat: now,
        nbf: now,
        jti: uuid::Uuid::new_v4().to_string(),
    }
}

fn sign(claims: &Claims, kid: &str, secret: &str, algorithm: Algorithm) -> String {
    let mut header = Header::new(algorithm);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    let (status, body) = status_and_json(app.get_with_token("/api/v1/me", token).await).await;
    if status == 401 {
        assert_eq!(body["code"], "unauthorized");
    }
    status
}

async fn forged_expired_and_foreign_tokens_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let user_id = app.registered_user("leo").await.to_string();
    let settings = Settings::defaults().unwrap();
    let secret = settings.auth.jwt_keys["dev"].clone();
    let valid = claims_for(&user_id, &settings);

    let good = sign(&valid, "dev", &secret, Algorithm::HS256);
    assert_eq!(
        me_status(&app, &good).await,
        200,
        "the control token is accepted"
    );

    let none_header =
        URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "JWT", "kid": "dev" }).to_string());
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_string(&valid).unwrap());
    let now = Utc::now().timestamp();
    let cases = [
        ("alg none", format!("{none_header}.{payload}.")),
        (
            "wrong key",
            sign(&valid, "dev", "some-other-secret", Algorithm::HS256),
        ),
        (
            "unknown kid",
            sign(&valid, "other", &secret, Algorithm::HS256),
        ),
        (
            "other algorithm",
            sign(&valid, "dev", &secret, Algorithm::HS512),
        ),
        (
            "expired",
            sign(
                &Claims {
                    exp: now - 60,
                    iat: now - 700,
                    nbf: now - 700,
                    ..valid.clone()
                },
                "dev",
                &secret,
                Algorithm::HS256,
            ),
        ),
        (
            "not yet valid",
            sign(
                &Claims {
                    nbf: now + 300,
                    ..valid.clone()
                },
                "dev",
                &secret,
                Algorithm::HS256,
            ),
        ),
        (
            "wrong audience",
            sign(
                &Claims {
                    aud: "someone-else".into(),
                    ..valid.clone()
                },
                "dev",
                &secret,
                Algorithm::HS256,
            ),
        ),
        (
            "wrong issuer",
            sign(
                &Claims {
                    iss: "evil".into(),
                    ..valid.clone()
                },
                "dev",
                &secret,
                Algorithm::HS256,
            ),
        ),
        (
            "unknown subject",
            sign(
                &Claims {
                    sub: uuid::Uuid::new_v4().to_string(),
                    ..valid.clone()
                },
                "dev",
                &secret,
                Algorithm::HS256,
            ),
        ),
        ("tampered payload", {
            let mut parts = good.split('.');
            let (header, _, signature) =
                (parts.next().unwrap(), parts.next(), parts.next().unwrap());
            let longer = Claims {
                exp: valid.exp + 86_400,
                ..valid.clone()
            };
            format!(
                "{header}.{}.{signature}",
                URL_SAFE_NO_PAD.encode(serde_json::to_string(&longer).unwrap())
            )
        }),
    ];
    for (name, token) in cases {
        assert_eq!(me_status(&app, &token).await, 401, "{name}");
    }

    let token = app.token_for("leo", PASSWORD).await;
    assert_eq!(
        app.post_with_token("/api/v1/auth/logout", &token)
            .await
            .status(),
        204
    );
    assert_eq!(me_status(&app, &token).await, 401, "revoked");
    assert_eq!(
        app.post_with_token("/api/v1/auth/logout", &token)
            .await
            .status(),
        401,
        "revoked twice"
    );
}

async fn a_rotated_out_signing_key_still_verifies_its_tokens(backend: Backend) {
    let old_secret = "the-old-signing-key-still-listed-for-verification";
    let Some(app) = spawn_app_with(backend, |settings| {
        settings
            .auth
            .jwt_keys
            .insert("k2026a".into(), old_secret.into());
        settings.auth.jwt_keys.insert(
            "k2026b".into(),
            "the-new-signing-key-that-signs-new-tokens".into(),
        );
        settings.auth.active_kid = "k2026b".into();
    })
    .await
    else {
        return;
    };
    let user_id = app.registered_user("mia").await.to_string();
    let settings = Settings::defaults().unwrap();
    let old_token = sign(
        &claims_for(&user_id, &settings),
        "k2026a",
        old_secret,
        Algorithm::HS256,
    );
    assert_eq!(me_status(&app, &old_token).await, 200);

    let new_token = app.token_for("mia", PASSWORD).await;
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(new_token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], "k2026b");
    assert_eq!(header["alg"], "HS256");
}
