//! The OpenAPI document parses, is 3.1, and lists every route the server serves; Swagger UI is
//! served from the binary.

use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

/// Every (method, path) the server serves under the API. A route added without being listed
/// here — or served but missing from the document — fails this test.
const SERVED_ROUTES: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/ready"),
    ("get", "/metrics"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/nonce"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/admin/users"),
    ("post", "/api/v1/admin/users/{id}/unlock"),
    ("get", "/api/v1/admin/security-events"),
    ("post", "/api/v1/admin/samples/{id}/label"),
    ("post", "/api/v1/admin/users/{id}/retrain"),
    ("delete", "/api/v1/admin/users/{id}/biometrics"),
    ("post", "/api/v1/admin/webhooks"),
    ("get", "/api/v1/admin/webhooks"),
    ("get", "/api/v1/admin/webhooks/{id}"),
    ("delete", "/api/v1/admin/webhooks/{id}"),
    ("get", "/api/v1/admin/webhooks/{id}/deliveries"),
    ("post", "/api/v1/biometrics/enrollments"),
    ("post", "/api/v1/biometrics/verify"),
    ("get", "/api/v1/biometrics/profile"),
    ("delete", "/api/v1/biometrics/profile"),
    ("get", "/api/v1/biometrics/profile/export"),
    ("get", "/api/v1/biometrics/config"),
    ("post", "/api/v1/sessions"),
    ("get", "/api/v1/sessions/live"),
    ("post", "/api/v1/sessions/{id}/step-up"),
    ("get", "/api/v1/admin/sessions"),
    ("delete", "/api/v1/admin/sessions/{id}"),
    ("get", "/api/v1/admin/sessions/{id}/scores"),
    ("get", "/api/v1/admin/stats/logins"),
    ("get", "/api/v1/admin/stats/lockouts"),
    ("get", "/api/v1/admin/stats/sessions"),
    ("get", "/api/v1/admin/stats/scores"),
    ("get", "/api/v1/admin/users/export"),
    ("get", "/api/v1/admin/security-events/export"),
];

#[actix_web::test]
async fn the_document_lists_every_served_route_with_errors_and_security() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let response = app
        .client
        .get(app.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.expect("the document is JSON");

    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    let paths = document["paths"].as_object().expect("paths");
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flat_map(|methods| methods.keys())
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    documented.sort();
    let mut served: Vec<(String, String)> = SERVED_ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    served.sort();
    assert_eq!(documented, served);

    for (method, path) in SERVED_ROUTES {
        let operation = &document["paths"][path][method];
        assert!(
            operation["operationId"].is_string(),
            "{method} {path} has an operationId"
        );
        assert!(
            operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{method} {path} is tagged"
        );
        let id = if path.contains("/samples/") {
            "12345".to_owned()
        } else {
            uuid::Uuid::new_v4().to_string()
        };
        let concrete = path.replace("{id}", &id);
        let request = match *method {
            "get" => app.client.get(app.url(&concrete)),
            "delete" => app.client.delete(app.url(&concrete)),
            _ => app.client.post(app.url(&concrete)),
        };
        let response = request.send().await.unwrap();
        if response.status() == 404 {
            let body: Value = response.json().await.unwrap();
            assert!(
                !body["message"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("no route"),
                "{method} {path} is documented but not served"
            );
        }
        if operation["security"].is_array() {
            assert!(
                operation["responses"]["401"].is_object(),
                "{method} {path} needs a bearer token, so it documents its 401"
            );
        }
    }

    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
}

#[actix_web::test]
async fn swagger_ui_is_served_from_the_binary() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let page = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "the Swagger UI page");
    assert!(!html.contains("https://"), "no asset from another host");

    let config = app
        .client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(config.status(), 200);
    assert!(
        config
            .text()
            .await
            .unwrap()
            .contains("/api-docs/openapi.json")
    );
    let bundle = app
        .client
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), 200);
}

/// What a generated client needs from each operation: a unique `operationId` (its method
/// name), a tag (its module), bodies that name a component schema (its type names, stable
/// across releases) and an example for every request and response body (its docs, and the
/// seeds schemathesis starts from).
#[actix_web::test]
async fn every_operation_has_an_id_a_tag_examples_and_named_schemas() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let document: Value = app
        .client
        .get(app.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .expect("the document is JSON");
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("component schemas");
    for name in schemas.keys() {
        assert!(
            name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric()),
            "schema `{name}` has a plain type name (no module path, no generic arguments)"
        );
    }

    let mut problems = Vec::new();
    let mut operation_ids = std::collections::BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let at = format!("{method} {path}");
            match operation["operationId"].as_str() {
                Some(id) if !operation_ids.insert(id.to_owned()) => {
                    problems.push(format!("{at}: operationId `{id}` is used twice"))
                }
                Some(_) => {}
                None => problems.push(format!("{at}: no operationId")),
            }
            if operation["tags"].as_array().is_none_or(|t| t.is_empty()) {
                problems.push(format!("{at}: no tag"));
            }
            let bodies = operation["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(media, content)| (format!("request {media}"), content));
            let responses = operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .flat_map(|(status, response)| {
                    response["content"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(move |(media, content)| (format!("{status} {media}"), content))
                });
            for (what, content) in bodies.chain(responses) {
                if let Some(problem) = body_problem(schemas, &what, content) {
                    problems.push(format!("{at}: {problem}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Why a request or response body falls short: a JSON body must be a named schema (or an
/// array of one), and every body needs an example — on the media type or on its schema.
fn body_problem(
    schemas: &serde_json::Map<String, Value>,
    what: &str,
    content: &Value,
) -> Option<String> {
    let schema = &content["schema"];
    let named = |schema: &Value| {
        schema["$ref"]
            .as_str()
            .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
            .map(str::to_owned)
    };
    let name = named(schema).or_else(|| {
        (schema["type"] == "array")
            .then(|| named(&schema["items"]))
            .flatten()
    });
    let has_example =
        |value: &Value| value.get("example").is_some() || value.get("examples").is_some();
    if what.ends_with("json") && name.is_none() {
        return Some(format!("{what} body is an inline schema, not a named one"));
    }
    let documented = has_example(content)
        || has_example(schema)
        || name
            .as_ref()
            .and_then(|name| schemas.get(name))
            .is_some_and(has_example);
    (!documented).then(|| format!("{what} body has no example"))
}
