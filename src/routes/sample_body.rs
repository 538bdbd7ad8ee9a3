//! [`SampleBody`]: a [`Sample`] request body read by the events' fast path where it can.
//!
//! serde_json's general decoding of a sample (a visitor call per value, field names matched
//! as they come) was a tenth of the server's core in the benchmark's REST verify step, some
//! 0.2 µs per event where the live session's [`scan`] reads one in a tenth of that. The body
//! is read as `web::Json` reads one — the content type (415), the scope's size limit
//! ([`SampleBodyLimit`], 413), answered by [`error::json_payload_error`] — and its bytes go to
//! [`scan::sample`] first. The fast path reads a subset of JSON, so what it reads is JSON
//! (the `sample_extraction` fuzz target and the tests below hold it to serde_json), and the
//! body is not checked a second time; checking it first as `web::Json<Box<RawValue>>` did
//! cost more than the fast path itself (2.7 % of the server's core against 1.5 % in the REST
//! verify step). A body the fast path does not read is answered as before: checked as JSON
//! text (`Box<RawValue>`, malformed → 400), then read by serde_json, whose error is
//! answered as `web::Json<Sample>` answered it ([`error::json_error`]). Two differences from
//! `web::Json<Sample>`, both in errors: JSON text is checked whole before its shape, so a
//! body that is malformed further on is a 400 where an error of shape before the malformed
//! part was a 422; and an error's line and column count from the body's first character
//! that is not whitespace.

use actix_web::dev::Payload;
use actix_web::error::JsonPayloadError;
use actix_web::http::header::{ContentLength, Header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, mime};
use bytes::BytesMut;
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde_json::value::RawValue;

use crate::error;
use crate::events::{Sample, scan};

/// The largest sample body a scope accepts, in bytes (its `app_data`); without one, the
/// limit `web::Json` has by default.
#[derive(Debug, Clone, Copy)]
pub struct SampleBodyLimit(pub usize);

/// `web::JsonConfig`'s default limit.
const DEFAULT_LIMIT_BYTES: usize = 2_097_152;

/// A request body holding one [`Sample`].
#[derive(Debug)]
pub struct SampleBody(pub Sample);

impl SampleBody {
    /// The sample in `body` (one JSON value): the fast path's, or serde_json's.
    fn read(body: &[u8]) -> Result<SampleBody, JsonPayloadError> {
        if let Some(sample) = std::str::from_utf8(body).ok().and_then(scan::sample) {
            return Ok(SampleBody(sample));
        }
        let text: Box<RawValue> =
            serde_json::from_slice(body).map_err(JsonPayloadError::Deserialize)?;
        serde_json::from_str(text.get())
            .map(SampleBody)
            .map_err(JsonPayloadError::Deserialize)
    }
}

/// What `web::Json` refuses before reading a body: a content type that is not JSON, or a
/// declared length over `limit`.
fn refused_before_reading(request: &HttpRequest, limit: usize) -> Option<JsonPayloadError> {
    let json = matches!(
        request.mime_type(),
        Ok(Some(mime)) if mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON)
    );
    if !json {
        return Some(JsonPayloadError::ContentType);
    }
    let length = ContentLength::parse(request).ok().map(|length| length.0);
    length
        .filter(|&length| length > limit)
        .map(|length| JsonPayloadError::OverflowKnownLength { length, limit })
}

impl FromRequest for SampleBody {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = request
            .app_data::<SampleBodyLimit>()
            .map_or(DEFAULT_LIMIT_BYTES, |limit| limit.0);
        let refused = refused_before_reading(request, limit);
        let mut payload = payload.take();
        Box::pin(async move {
            let read = async {
                if let Some(refused) = refused {
                    return Err(refused);
                }
                let mut body = BytesMut::with_capacity(8192);
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(JsonPayloadError::Payload)?;
                    if body.len() + chunk.len() > limit {
                        return Err(JsonPayloadError::Overflow { limit });
                    }
                    body.extend_from_slice(&chunk);
                }
                SampleBody::read(&body)
            };
            read.await
                .map_err(|refused| error::json_payload_error(&refused, limit).into())
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use proptest::prelude::*;

    use super::*;
    use crate::error::ApiError;
    use crate::features::properties::{any_odd_value, any_sample, near_event};

    /// How the body `text` is answered: its sample, or the error.
    fn answer(text: &str) -> Result<SampleBody, ApiError> {
        SampleBody::read(text.as_bytes())
            .map_err(|refused| error::json_payload_error(&refused, DEFAULT_LIMIT_BYTES))
    }

    /// Alike to the bit (`Debug` tells -0.0 from 0.0, and shows NaN).
    fn same(fast: &Sample, general: &Sample) -> bool {
        format!("{fast:?}") == format!("{general:?}")
    }

    /// What `web::Json<Sample>` answered for `text` (the same error message and status), or
    /// the sample.
    fn as_json_sample(text: &str) -> Result<Sample, (String, u16)> {
        serde_json::from_str::<Sample>(text).map_err(|cause| {
            let error = error::json_error(&cause);
            (error.to_string(), error.status_code().as_u16())
        })
    }

    /// What the body was answered when it was taken as `web::Json<Box<RawValue>>` and then
    /// read: text that is not JSON refused first (400), then the text without the whitespace
    /// around it as `web::Json<Sample>` read it.
    fn as_json_text_then_sample(text: &str) -> Result<Sample, (String, u16)> {
        match serde_json::from_str::<Box<RawValue>>(text) {
            Err(cause) => {
                let error = error::json_error(&cause);
                Err((error.to_string(), error.status_code().as_u16()))
            }
            Ok(raw) => as_json_sample(raw.get()),
        }
    }

    /// A sample's JSON as a client might write it: its fields in any order, the optional ones
    /// absent, `null` or given, now and then one repeated, unknown or odd, with events near
    /// what the SDK writes.
    fn near_sample() -> impl Strategy<Value = String> {
        let string = |values: Vec<&'static str>| {
            prop::sample::select(values).prop_map(|value| format!("\"{value}\""))
        };
        let fields = (
            string(vec!["keystroke", "touch", "motion", "typing"]),
            string(vec!["desktop", "mobile", "fridge"]),
            prop_oneof![
                string(vec!["password", "cmu", "é"]),
                Just("null".to_owned())
            ],
            prop_oneof![
                (0..200u32).prop_map(|count| count.to_string()),
                Just("null".to_owned()),
                Just("-1".to_owned()),
            ],
            prop_oneof![string(vec!["0,1.5|2,3", ""]), Just("null".to_owned())],
            prop::collection::vec(near_event(), 0..6).prop_map(|events| events.join(",")),
        );
        let space = prop::sample::select(vec!["", "", "", " ", "\n"]);
        (
            fields,
            prop::collection::vec(any::<bool>(), 4),
            prop::option::weighted(0.15, (0..7usize, any_odd_value())),
            prop::option::weighted(0.15, (any::<prop::sample::Index>(), any::<bool>())),
            any::<prop::sample::Index>(),
            space,
        )
            .prop_map(|(fields, given, odd, extra, turn, space)| {
                let (modality, device, text_id, typed_chars, pattern, events) = fields;
                let mut entries = vec![
                    ("modality", modality),
                    ("device", device),
                    ("events", format!("[{events}]")),
                ];
                for ((name, value), given) in [
                    ("text_id", text_id),
                    ("typed_chars", typed_chars),
                    ("typingdna_pattern", pattern),
                ]
                .into_iter()
                .zip(given)
                {
                    if given {
                        entries.push((name, value));
                    }
                }
                if let Some((at, value)) = odd
                    && let Some(entry) = entries.get_mut(at)
                {
                    entry.1 = value;
                }
                // A field repeated, or an unknown one.
                match extra {
                    Some((which, true)) => {
                        entries.push(entries[which.index(entries.len())].clone());
                    }
                    Some((_, false)) => entries.push(("colour", "[]".to_owned())),
                    None => {}
                }
                let turn = turn.index(entries.len());
                entries.rotate_left(turn);
                let entries: Vec<String> = entries
                    .into_iter()
                    .map(|(name, value)| format!(r#"{space}"{name}"{space}:{space}{value}"#))
                    .collect();
                format!("{space}{{{}}}{space}", entries.join(","))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Where the fast path reads a sample, serde_json reads the same one; whatever the
        /// text, the body is answered as it was when it was taken as JSON text first, to the
        /// error message.
        #[test]
        fn a_sample_body_reads_what_serde_json_reads(text in near_sample()) {
            let general = as_json_sample(&text);
            if let Some(fast) = scan::sample(&text) {
                let general = general.as_ref().expect("serde_json reads what the fast path read");
                prop_assert!(same(&fast, general), "{text}: {fast:?} vs {general:?}");
            }
            match (answer(&text), as_json_text_then_sample(&text)) {
                (Ok(body), Ok(general)) => prop_assert!(same(&body.0, &general), "{text}"),
                (Err(error), Err(general)) => {
                    prop_assert_eq!((error.to_string(), error.status_code().as_u16()), general);
                }
                (body, general) => prop_assert!(false, "{text}: {body:?} vs {general:?}"),
            }
        }

        /// Every sample a client can build with finite times (JSON has no NaN) reads back as
        /// itself, by the fast path too where it answers.
        #[test]
        fn samples_round_trip_through_a_sample_body(sample in any_sample()) {
            let finite = sample.events.iter().all(|e| e.numbers().all(|(_, v)| v.is_finite()));
            let text = serde_json::to_string(&sample).expect("samples serialise");
            if finite {
                let body = answer(&text).expect("a finite sample reads back");
                prop_assert!(same(&body.0, &sample), "{text}");
                if let Some(fast) = scan::sample(&text) {
                    prop_assert!(same(&fast, &sample), "{text}");
                }
            }
        }
    }

    #[test]
    fn the_sdk_s_sample_is_read_by_the_fast_path() {
        let text = r#"{"modality":"keystroke","device":"desktop","text_id":"password",
            "typed_chars":2,"events":[{"kind":"key_down","code":"KeyT","t":0},
            {"kind":"key_up","code":"KeyT","t":92.5}]}"#;
        let sample = scan::sample(text).expect("the fast path reads it");
        assert_eq!(sample.text_id.as_deref(), Some("password"));
        assert_eq!(sample.typed_chars, Some(2));
        assert_eq!(sample.events.len(), 2);
        assert_eq!(
            serde_json::from_str::<Sample>(text).expect("serde_json reads it"),
            sample
        );
        // Free text: `text_id` null, as `Sample` serialises it.
        let free = text.replace(r#""password""#, "null");
        assert_eq!(scan::sample(&free).expect("read").text_id, None);
        // An unknown field is left to serde_json, which refuses it (422).
        let unknown = text.replace(r#""typed_chars""#, r#""typed""#);
        assert!(scan::sample(&unknown).is_none());
        let error = answer(&unknown).expect_err("refused");
        assert_eq!(error.status_code().as_u16(), 422);
        assert!(
            error.to_string().contains("unknown field `typed`"),
            "{error}"
        );
    }
}
