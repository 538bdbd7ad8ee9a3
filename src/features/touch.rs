//! Touchalytics-style per-stroke features (Frank et al., 2013) from touch events.
//!
//! A stroke is one finger's `touch_start … touch_move* … touch_end`, grouped by touch id.
//! Each complete stroke gives one vector of [`STROKE_FEATURE_NAMES`]; positions are in the
//! client's CSS pixels, times in seconds, pressure and size as the browser reports them.

use super::stats::{mean, median, quantile};
use super::{FeatureError, MS_PER_S};
use crate::events::{Modality, RawEvent, Sample};
use std::collections::HashMap;

/// Feature names of one stroke, in vector order.
pub const STROKE_FEATURE_NAMES: [&str; 22] = [
    "duration_s",
    "start_x",
    "start_y",
    "end_x",
    "end_y",
    "end_to_end_distance",
    "path_length",
    "straightness",
    "direction_rad",
    "max_deviation_from_chord",
    "velocity_p20",
    "velocity_p50",
    "velocity_p80",
    "mean_velocity",
    "acceleration_median",
    "velocity_first_5_points",
    "pressure_mean",
    "pressure_median",
    "pressure_mid_stroke",
    "size_mean",
    "size_mid_stroke",
    "point_count",
];

/// One touch point of a stroke (ms, px).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    x: f64,
    y: f64,
    pressure: f64,
    size: f64,
    t: f64,
}

/// One vector per complete stroke, in the order the strokes ended.
pub fn extract_strokes(sample: &Sample) -> Result<Vec<Vec<f64>>, FeatureError> {
    if sample.modality != Modality::Touch {
        return Err(FeatureError::WrongModality {
            expected: Modality::Touch,
            found: sample.modality,
        });
    }
    let mut open: HashMap<u32, Vec<Point>> = HashMap::new();
    let mut strokes = Vec::new();
    for event in &sample.events {
        match *event {
            RawEvent::TouchStart {
                id,
                x,
                y,
                pressure,
                size,
                t,
            } => {
                open.insert(
                    id,
                    vec![Point {
                        x,
                        y,
                        pressure,
                        size,
                        t,
                    }],
                );
            }
            RawEvent::TouchMove {
                id,
                x,
                y,
                pressure,
                size,
                t,
            } => {
                if let Some(points) = open.get_mut(&id) {
                    points.push(Point {
                        x,
                        y,
                        pressure,
                        size,
                        t,
                    });
                }
            }
            RawEvent::TouchEnd {
                id,
                x,
                y,
                pressure,
                size,
                t,
            } => {
                if let Some(mut points) = open.remove(&id) {
                    points.push(Point {
                        x,
                        y,
                        pressure,
                        size,
                        t,
                    });
                    strokes.push(stroke_features(&points));
                }
            }
            _ => {}
        }
    }
    if strokes.is_empty() {
        Err(FeatureError::NoStroke)
    } else {
        Ok(strokes)
    }
}

/// Features of one stroke with at least one point.
fn stroke_features(points: &[Point]) -> Vec<f64> {
    let (first, last) = (points[0], points[points.len() - 1]);
    let duration_s = (last.t - first.t) / MS_PER_S;
    let (dx, dy) = (last.x - first.x, last.y - first.y);
    let chord = dx.hypot(dy);
    let steps: Vec<(f64, f64)> = points
        .windows(2)
        .map(|w| {
            (
                (w[1].x - w[0].x).hypot(w[1].y - w[0].y),
                (w[1].t - w[0].t) / MS_PER_S,
            )
        })
        .collect();
    let path_length: f64 = steps.iter().map(|(d, _)| d).sum();
    // Browsers can deliver two moves in the same millisecond; those steps carry no speed.
    let velocities: Vec<f64> = steps
        .iter()
        .filter(|(_, dt)| *dt > 0.0)
        .map(|(d, dt)| d / dt)
        .collect();
    let step_times: Vec<f64> = steps
        .iter()
        .filter(|(_, dt)| *dt > 0.0)
        .map(|(_, dt)| *dt)
        .collect();
    let accelerations: Vec<f64> = velocities
        .windows(2)
        .zip(step_times.iter().skip(1))
        .map(|(v, dt)| (v[1] - v[0]) / dt)
        .collect();
    let max_deviation = if chord > 0.0 {
        points
            .iter()
            .map(|p| ((p.x - first.x) * dy - (p.y - first.y) * dx).abs() / chord)
            .fold(0.0, f64::max)
    } else {
        0.0
    };
    let mid = points[points.len() / 2];
    let pressures: Vec<f64> = points.iter().map(|p| p.pressure).collect();
    let sizes: Vec<f64> = points.iter().map(|p| p.size).collect();
    let first_five = &velocities[..velocities.len().min(5)];
    vec![
        duration_s,
        first.x,
        first.y,
        last.x,
        last.y,
        chord,
        path_length,
        if path_length > 0.0 {
            chord / path_length
        } else {
            1.0
        },
        dy.atan2(dx),
        max_deviation,
        quantile(&velocities, 0.2).unwrap_or(0.0),
        quantile(&velocities, 0.5).unwrap_or(0.0),
        quantile(&velocities, 0.8).unwrap_or(0.0),
        if duration_s > 0.0 {
            path_length / duration_s
        } else {
            0.0
        },
        median(&accelerations).unwrap_or(0.0),
        median(first_five).unwrap_or(0.0),
        mean(&pressures).unwrap_or(0.0),
        median(&pressures).unwrap_or(0.0),
        mid.pressure,
        mean(&sizes).unwrap_or(0.0),
        mid.size,
        points.len() as f64,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::DeviceClass;

    #[test]
    fn straight_horizontal_swipe() {
        let mut events = vec![RawEvent::TouchStart {
            id: 1,
            x: 0.0,
            y: 100.0,
            pressure: 0.5,
            size: 0.2,
            t: 0.0,
        }];
        for i in 1..10 {
            events.push(RawEvent::TouchMove {
                id: 1,
                x: 10.0 * i as f64,
                y: 100.0,
                pressure: 0.5,
                size: 0.2,
                t: 10.0 * i as f64,
            });
        }
        events.push(RawEvent::TouchEnd {
            id: 1,
            x: 100.0,
            y: 100.0,
            pressure: 0.5,
            size: 0.2,
            t: 100.0,
        });
        events.push(RawEvent::TouchStart {
            id: 2,
            x: 0.0,
            y: 0.0,
            pressure: 0.5,
            size: 0.2,
            t: 200.0,
        });
        let sample = Sample {
            modality: Modality::Touch,
            device: DeviceClass::Mobile,
            text_id: None,
            typed_chars: None,
            typingdna_pattern: None,
            events,
        };
        let strokes = extract_strokes(&sample).unwrap();
        assert_eq!(strokes.len(), 1, "the unfinished second stroke is skipped");
        let f = &strokes[0];
        assert_eq!(f.len(), STROKE_FEATURE_NAMES.len());
        assert!(
            (f[0] - 0.1).abs() < 1e-12 && (f[5] - 100.0).abs() < 1e-9 && (f[7] - 1.0).abs() < 1e-12
        );
        assert!(f[8].abs() < 1e-12, "direction is +x");
        assert!((f[11] - 1000.0).abs() < 1e-6, "1000 px/s");
    }
}
