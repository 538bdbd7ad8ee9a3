//! Per-window accelerometer and gyroscope statistics.
//!
//! For each of the channels in [`CHANNELS`] (three axes and the magnitude of each sensor) the
//! vector holds mean, standard deviation, skewness and excess kurtosis: 32 values per window.

use super::FeatureError;
use super::stats::moments;
use crate::events::{Modality, RawEvent, Sample};

/// Fewest readings a window must hold for higher moments to mean anything.
pub const MIN_MOTION_READINGS: usize = 8;
/// Channel names in vector order; each contributes mean, std, skewness, kurtosis.
pub const CHANNELS: [&str; 8] = [
    "ax",
    "ay",
    "az",
    "a_magnitude",
    "gx",
    "gy",
    "gz",
    "g_magnitude",
];

/// Feature names in vector order.
pub fn feature_names() -> Vec<String> {
    CHANNELS
        .iter()
        .flat_map(|c| ["mean", "std", "skewness", "kurtosis"].map(|m| format!("{c}_{m}")))
        .collect()
}

/// Statistics of one motion window (the whole sample).
pub fn extract_window(sample: &Sample) -> Result<Vec<f64>, FeatureError> {
    if sample.modality != Modality::Motion {
        return Err(FeatureError::WrongModality {
            expected: Modality::Motion,
            found: sample.modality,
        });
    }
    let mut channels: [Vec<f64>; 8] = Default::default();
    for event in &sample.events {
        if let RawEvent::Motion {
            ax,
            ay,
            az,
            gx,
            gy,
            gz,
            ..
        } = *event
        {
            let values = [
                ax,
                ay,
                az,
                (ax * ax + ay * ay + az * az).sqrt(),
                gx,
                gy,
                gz,
                (gx * gx + gy * gy + gz * gz).sqrt(),
            ];
            for (channel, value) in channels.iter_mut().zip(values) {
                channel.push(value);
            }
        }
    }
    if channels[0].len() < MIN_MOTION_READINGS {
        return Err(FeatureError::TooFewReadings {
            found: channels[0].len(),
            needed: MIN_MOTION_READINGS,
        });
    }
    Ok(channels.iter().flat_map(|c| moments(c)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::DeviceClass;

    #[test]
    fn device_lying_still_has_gravity_magnitude_and_no_spread() {
        let events = (0..10)
            .map(|i| RawEvent::Motion {
                ax: 0.0,
                ay: 0.0,
                az: 9.81,
                gx: 0.0,
                gy: 0.0,
                gz: 0.0,
                t: i as f64 * 10.0,
            })
            .collect();
        let sample = Sample {
            modality: Modality::Motion,
            device: DeviceClass::Mobile,
            text_id: None,
            typed_chars: None,
            typingdna_pattern: None,
            events,
        };
        let f = extract_window(&sample).unwrap();
        assert_eq!(f.len(), 32);
        assert_eq!(feature_names().len(), 32);
        assert!((f[12] - 9.81).abs() < 1e-12 && f[13] == 0.0);
    }
}
