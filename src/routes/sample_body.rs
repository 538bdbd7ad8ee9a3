//! [`SampleBody`]: a [`Sample`] request body read by the events' fast path where it can.
//!
//! serde_json's general decoding of a sample (a visitor call per value, field names matched
//! as they come) was a tenth of the server's core in the benchmark's REST verify step, some
//! 0.2 µs per event where the live session's [`scan`] reads one in a tenth of that. The body
//! is taken as JSON text first (`web::Json<Box<RawValue>>`: the scope's content type, size
//! limit and malformed-JSON answers, unchanged), then read by [`scan::sample`]; a sample it
//! does not read is read by serde_json, whose error is answered as `web::Json<Sample>`
//! answered it ([`error::json_error`]). Two differences, both in errors: JSON text is checked
//! whole before its shape, so a body that is malformed further on is a 400 where an error
//! of shape before the malformed part was a 422; and an error's line and column count from
//! the body's first character that is not whitespace.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde_json::value::RawValue;

use crate::error::{self, ApiError};
use crate::events::{Sample, scan};

/// A request body holding one [`Sample`].
#[derive(Debug)]
pub struct SampleBody(pub Sample);

impl SampleBody {
    /// The sample in `text` (one JSON value): the fast path's, or serde_json's.
    fn read(text: &str) -> Result<SampleBody, ApiError> {
        match scan::sample(text) {
            Some(sample) => Ok(SampleBody(sample)),
            None => serde_json::from_str(text)
                .map(SampleBody)
                .map_err(|cause| error::json_error(&cause)),
        }
    }
}

impl FromRequest for SampleBody {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let text = web::Json::<Box<RawValue>>::from_request(request, payload);
        Box::pin(async move {
            let web::Json(text) = text.await?;
            Ok(SampleBody::read(text.get())?)
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use proptest::prelude::*;

    use super::*;
    use crate::features::properties::{any_odd_value, any_sample, near_event};

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
        /// text, the body reads as `web::Json<Sample>` read it, to the error message.
        #[test]
        fn a_sample_body_reads_what_serde_json_reads(text in near_sample()) {
            let general = as_json_sample(&text);
            if let Some(fast) = scan::sample(&text) {
                let general = general.as_ref().expect("serde_json reads what the fast path read");
                prop_assert!(same(&fast, general), "{text}: {fast:?} vs {general:?}");
            }
            // The body as `web::Json<Box<RawValue>>` hands it over: without the whitespace
            // around it (from which the error's line and column count).
            let trimmed = text.trim_matches([' ', '\n']);
            match (SampleBody::read(trimmed), as_json_sample(trimmed)) {
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
                let body = SampleBody::read(&text).expect("a finite sample reads back");
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
        let error = SampleBody::read(&unknown).expect_err("refused");
        assert_eq!(error.status_code().as_u16(), 422);
        assert!(
            error.to_string().contains("unknown field `typed`"),
            "{error}"
        );
    }
}
