//! Sending one alert: an email over SMTP (lettre) or a signed webhook POST (awc). The notifier
//! actor calls these; they know nothing of the outbox.
//!
//! Webhooks carry the Standard Webhooks headers: `webhook-id` (the alert's message id, the
//! same on every retry, so receivers can deduplicate), `webhook-timestamp` (unix seconds) and
//! `webhook-signature` (see [`crate::webhooks::signature`]).

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::configuration::{SmtpSettings, SmtpTls};
use crate::webhooks;

/// An attempt that did not deliver: the HTTP status if there was an answer, and why.
#[derive(Debug)]
pub struct Failure {
    pub status: Option<u16>,
    pub error: String,
}

impl Failure {
    fn new(error: impl std::fmt::Display) -> Self {
        Failure {
            status: None,
            error: error.to_string(),
        }
    }
}

/// A pooled SMTP connection and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<Self> {
        let builder = match settings.tls {
            SmtpTls::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)?,
        };
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(Duration::from_secs(settings.timeout_secs)));
        if let Some(username) = &settings.username {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                settings.password.clone().unwrap_or_default(),
            ));
        }
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|error| anyhow::anyhow!("smtp.from is not an address: {error}"))?;
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one plain-text email.
    #[tracing::instrument(name = "send_email", skip(self, to, subject, text))]
    pub async fn send(
        &self,
        to: &str,
        message_id: &str,
        subject: &str,
        text: &str,
    ) -> Result<(), Failure> {
        let to = to.parse::<Mailbox>().map_err(Failure::new)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text.to_owned())
            .map_err(Failure::new)?;
        self.transport.send(message).await.map_err(Failure::new)?;
        Ok(())
    }
}

/// A webhook to POST.
pub struct Webhook<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    pub message_id: &'a str,
    pub body: &'a str,
}

/// POSTs one webhook; a 2xx answer delivers it, anything else is a failure. The target is
/// checked again first (a name may resolve to a private address by now).
#[tracing::instrument(name = "send_webhook", skip(client, webhook), fields(message_id = webhook.message_id, status))]
pub async fn send_webhook(
    client: &awc::Client,
    webhook: Webhook<'_>,
    allow_private: bool,
) -> Result<u16, Failure> {
    let url = webhooks::check_target(webhook.url, allow_private)
        .await
        .map_err(Failure::new)?;
    let timestamp = chrono::Utc::now().timestamp();
    let signature =
        webhooks::signature(webhook.secret, webhook.message_id, timestamp, webhook.body);
    let response = client
        .post(url.as_str())
        .insert_header(("webhook-id", webhook.message_id))
        .insert_header(("webhook-timestamp", timestamp.to_string()))
        .insert_header(("webhook-signature", signature))
        .content_type("application/json")
        .send_body(webhook.body.to_owned())
        .await
        .map_err(Failure::new)?;
    let status = response.status().as_u16();
    tracing::Span::current().record("status", status);
    if response.status().is_success() {
        Ok(status)
    } else {
        Err(Failure {
            status: Some(status),
            error: format!("the receiver answered {status}"),
        })
    }
}
