//! DET plots as self-contained SVG: false-reject against false-accept rate on normal-deviate
//! (probit) axes, the standard way biometric error trade-offs are drawn. Written directly as
//! SVG text so the report needs no font files or plotting backend.

use std::fmt::Write;

use crate::scoring::metrics::OperatingPoint;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 560.0;
const MARGIN_LEFT: f64 = 70.0;
const MARGIN_RIGHT: f64 = 20.0;
const MARGIN_TOP: f64 = 40.0;
const MARGIN_BOTTOM: f64 = 150.0;
/// Axis ticks, as rates.
const TICKS: &[f64] = &[0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4];
const LOWEST_RATE: f64 = 0.0005;
const HIGHEST_RATE: f64 = 0.6;
const COLOURS: &[&str] = &[
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
];

/// Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9).
pub fn probit(p: f64) -> f64 {
    const A: [f64; 6] = [
        -39.696_830_286_653_76,
        220.946_098_424_520_5,
        -275.928_510_446_968_7,
        138.357_751_867_269,
        -30.664_798_066_147_16,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -54.476_098_798_224_06,
        161.585_836_858_040_9,
        -155.698_979_859_886_6,
        66.801_311_887_719_72,
        -13.280_681_552_885_72,
    ];
    const C: [f64; 6] = [
        -0.007_784_894_002_430_293,
        -0.322_396_458_041_136_4,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        0.007_784_695_709_041_462,
        0.322_467_129_070_039_8,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    if p < LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -probit(1.0 - p)
    }
}

fn scale(rate: f64, from: f64, to: f64) -> f64 {
    let (low, high) = (probit(LOWEST_RATE), probit(HIGHEST_RATE));
    let clamped = rate.clamp(LOWEST_RATE, HIGHEST_RATE);
    from + (probit(clamped) - low) / (high - low) * (to - from)
}

fn x_of(rate: f64) -> f64 {
    scale(rate, MARGIN_LEFT, WIDTH - MARGIN_RIGHT)
}

fn y_of(rate: f64) -> f64 {
    scale(rate, HEIGHT - MARGIN_BOTTOM, MARGIN_TOP)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One SVG document with a curve per `(label, points)`.
pub fn det_svg(title: &str, curves: &[(String, Vec<OperatingPoint>)]) -> String {
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="24" font-size="15" text-anchor="middle">{}</text>"#,
        WIDTH / 2.0,
        escape(title)
    );
    for &tick in TICKS {
        let (x, y) = (x_of(tick), y_of(tick));
        let label = format!("{}%", tick * 100.0);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{MARGIN_TOP}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/>"##,
            HEIGHT - MARGIN_BOTTOM
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{MARGIN_LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/>"##,
            WIDTH - MARGIN_RIGHT
        );
        let _ = writeln!(
            svg,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{label}</text>"#,
            HEIGHT - MARGIN_BOTTOM + 16.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"#,
            MARGIN_LEFT - 6.0,
            y + 4.0
        );
    }
    let (x0, y0, x1, y1) = (
        MARGIN_LEFT,
        MARGIN_TOP,
        WIDTH - MARGIN_RIGHT,
        HEIGHT - MARGIN_BOTTOM,
    );
    let _ = writeln!(
        svg,
        r#"<rect x="{x0}" y="{y0}" width="{:.1}" height="{:.1}" fill="none" stroke="black"/>"#,
        x1 - x0,
        y1 - y0
    );
    let _ = writeln!(
        svg,
        r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="4 4"/>"##,
        x_of(LOWEST_RATE),
        y_of(LOWEST_RATE),
        x_of(HIGHEST_RATE),
        y_of(HIGHEST_RATE)
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">false accept rate (impostors let in)</text>"#,
        (x0 + x1) / 2.0,
        y1 + 36.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="16" y="{:.1}" text-anchor="middle" transform="rotate(-90 16 {:.1})">false reject rate (genuine turned away)</text>"#,
        (y0 + y1) / 2.0,
        (y0 + y1) / 2.0
    );
    for (index, (label, points)) in curves.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let path: Vec<String> = points
            .iter()
            .map(|p| {
                format!(
                    "{:.1},{:.1}",
                    x_of(p.false_accept_rate),
                    y_of(p.false_reject_rate)
                )
            })
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            path.join(" ")
        );
        let legend_y = y1 + 58.0 + 16.0 * index as f64;
        let _ = writeln!(
            svg,
            r#"<line x1="{x0}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="3"/>"#,
            legend_y - 4.0,
            x0 + 24.0,
            legend_y - 4.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{legend_y:.1}">{}</text>"#,
            x0 + 30.0,
            escape(label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probit_inverts_the_normal_cdf_at_known_points() {
        assert!(probit(0.5).abs() < 1e-9);
        assert!((probit(0.975) - 1.959_963_985).abs() < 1e-6);
        assert!((probit(0.01) + 2.326_347_874).abs() < 1e-6);
    }

    #[test]
    fn the_svg_has_one_curve_per_detector_and_escapes_labels() {
        let points = vec![
            OperatingPoint {
                threshold: 0.1,
                false_accept_rate: 0.5,
                false_reject_rate: 0.01,
            },
            OperatingPoint {
                threshold: 0.9,
                false_accept_rate: 0.01,
                false_reject_rate: 0.3,
            },
        ];
        let svg = det_svg(
            "CMU <genuine-only>",
            &[("fused".into(), points.clone()), ("svm".into(), points)],
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("CMU &lt;genuine-only&gt;"));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }
}
