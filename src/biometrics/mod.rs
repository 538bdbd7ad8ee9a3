//! Biometric flows: enrol a sample, verify one, train a profile's model, and manage profiles.
//! The pure work (validation, features, detectors) is in `events`, `features` and `scoring`;
//! this layer only moves data between them, the store and the caller.
//!
//! A *profile* is one user's data for one (modality, device class, text): e.g.
//! `keystroke/desktop/password` or `touch/mobile/*`. Desktop and mobile never mix.

pub mod bot_defence;
pub mod enrollment;
pub mod extraction;
pub mod fingerprints;
pub mod login;
pub mod models;
pub mod profile;
pub mod training;
pub mod verification;
pub mod verification_log;

use crate::events::{DeviceClass, Modality, Sample};

/// Where the fixed-text key of the password field lives; login typing samples use it.
pub const PASSWORD_TEXT_ID: &str = "password";
const MAX_TEXT_ID_CHARS: usize = 64;

pub fn modality_name(modality: Modality) -> &'static str {
    match modality {
        Modality::Keystroke => "keystroke",
        Modality::Touch => "touch",
        Modality::Motion => "motion",
    }
}

pub fn device_name(device: DeviceClass) -> &'static str {
    match device {
        DeviceClass::Desktop => "desktop",
        DeviceClass::Mobile => "mobile",
    }
}

/// `modality/device/text_id`, with `*` for samples without a fixed text.
pub fn profile_key(sample: &Sample) -> String {
    format!(
        "{}/{}/{}",
        modality_name(sample.modality),
        device_name(sample.device),
        sample.text_id.as_deref().unwrap_or("*")
    )
}

/// A text id names a fixed text (`password`, `passphrase-1`); it is an identifier, not the text.
pub fn check_text_id(text_id: Option<&str>) -> Result<(), String> {
    let Some(text_id) = text_id else {
        return Ok(());
    };
    let valid = (1..=MAX_TEXT_ID_CHARS).contains(&text_id.chars().count())
        && text_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "text_id must be 1-{MAX_TEXT_ID_CHARS} letters, digits, '-', '_' or '.'"
        ))
    }
}

/// The inverse of [`profile_key`]: `keystroke/desktop/*` → (keystroke, desktop, no text).
pub fn parse_profile_key(key: &str) -> Option<(Modality, DeviceClass, Option<String>)> {
    let mut parts = key.splitn(3, '/');
    let modality = match parts.next()? {
        "keystroke" => Modality::Keystroke,
        "touch" => Modality::Touch,
        "motion" => Modality::Motion,
        _ => return None,
    };
    let device = match parts.next()? {
        "desktop" => DeviceClass::Desktop,
        "mobile" => DeviceClass::Mobile,
        _ => return None,
    };
    let text_id = match parts.next()? {
        "*" => None,
        text_id => Some(text_id.to_owned()),
    };
    Some((modality, device, text_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_keys_parse_back_into_their_parts() {
        assert_eq!(
            parse_profile_key("keystroke/desktop/*"),
            Some((Modality::Keystroke, DeviceClass::Desktop, None))
        );
        assert_eq!(
            parse_profile_key("touch/mobile/passphrase"),
            Some((
                Modality::Touch,
                DeviceClass::Mobile,
                Some("passphrase".into())
            ))
        );
        assert_eq!(parse_profile_key("keystroke/desktop"), None);
        assert_eq!(parse_profile_key("smell/desktop/*"), None);
    }
}
