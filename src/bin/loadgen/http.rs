//! A lean HTTP/1.1 client (hyper's connection API, one keep-alive connection per task) so
//! that the generator spends as little CPU per request as it can.

use std::net::SocketAddr;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{SendRequest, handshake};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// One keep-alive connection to the server.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    host: HeaderValue,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(addr).await.context("connecting")?;
        stream.set_nodelay(true)?;
        let (sender, connection) = handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Connection {
            sender,
            host: HeaderValue::from_str(&addr.to_string())?,
        })
    }

    /// Sends one request and reads the whole answer.
    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        bearer: Option<&HeaderValue>,
        body: Bytes,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        self.sender.ready().await?;
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, self.host.clone())
            .header(CONTENT_TYPE, "application/json");
        if let Some(bearer) = bearer {
            request = request.header(AUTHORIZATION, bearer.clone());
        }
        let response = self
            .sender
            .send_request(request.body(Full::new(body))?)
            .await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    /// POSTs a JSON value and parses the JSON answer.
    pub async fn post_json(
        &mut self,
        path: &str,
        bearer: Option<&HeaderValue>,
        body: &serde_json::Value,
    ) -> anyhow::Result<(StatusCode, serde_json::Value)> {
        let (status, body) = self
            .request(Method::POST, path, bearer, Bytes::from(body.to_string()))
            .await?;
        Ok((status, serde_json::from_slice(&body).unwrap_or_default()))
    }

    pub async fn get_json(
        &mut self,
        path: &str,
        bearer: Option<&HeaderValue>,
    ) -> anyhow::Result<(StatusCode, serde_json::Value)> {
        let (status, body) = self
            .request(Method::GET, path, bearer, Bytes::new())
            .await?;
        Ok((status, serde_json::from_slice(&body).unwrap_or_default()))
    }
}

/// `Bearer TOKEN` as a header value.
pub fn bearer(token: &str) -> anyhow::Result<HeaderValue> {
    Ok(HeaderValue::from_str(&format!("Bearer {token}"))?)
}
