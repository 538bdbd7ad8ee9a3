//! The figures of one run as a Markdown table (pasted into BENCHMARKS.md as measured), one
//! row per step, with the generator's and the server's CPU share and the machine's load
//! beside each figure.

use std::fmt::Write;

use crate::stats::{SATURATED_CPU_SHARE, Summary};

/// One measured step.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// What was measured, e.g. `REST verify`.
    pub step: String,
    /// The load offered, e.g. `concurrency 8` or `1000 sessions × 20 ev/s`.
    pub load: String,
    /// The figure and its unit, e.g. (20150.0, "req/s").
    pub figure: Option<(f64, &'static str)>,
    pub latency: Option<Summary>,
    /// CPU the generator used, as a share of the cores it may use (1.0 = all of them).
    pub generator_cpu: Option<f64>,
    /// CPU the server used, as a share of one core.
    pub server_cpu: Option<f64>,
    /// `uptime`'s 1-minute load average when the step ended.
    pub load_average: Option<f64>,
    /// Anything the reader must know (saturated generator, errors, the target).
    pub note: String,
}

impl Row {
    /// The generator used (nearly) all its cores: the figure may be the generator's limit.
    pub fn generator_saturated(&self) -> bool {
        self.generator_cpu
            .is_some_and(|share| share >= SATURATED_CPU_SHARE)
    }
}

/// A note of the parts present, `; ` between them.
pub fn joined(parts: impl IntoIterator<Item = Option<String>>) -> String {
    parts.into_iter().flatten().collect::<Vec<_>>().join("; ")
}

fn millis(micros: u64) -> String {
    format!("{:.2}", micros as f64 / 1000.0)
}

fn figure(value: f64, unit: &str) -> String {
    if value >= 100.0 {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.2} {unit}")
    }
}

fn share(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |share| format!("{:.0} %", share * 100.0))
}

/// The rows as a Markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| step | load | figure | p50 ms | p99 ms | p99.9 ms | generator CPU | server CPU | load avg | note |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for row in rows {
        let (p50, p99, p999) = row.latency.map_or_else(
            || ("–".into(), "–".into(), "–".into()),
            |s| (millis(s.p50_us), millis(s.p99_us), millis(s.p999_us)),
        );
        let mut note = row.note.clone();
        if row.generator_saturated() {
            if !note.is_empty() {
                note.push_str("; ");
            }
            note.push_str("**generator saturated: figure is a lower bound**");
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {p50} | {p99} | {p999} | {} | {} | {} | {} |",
            row.step,
            row.load,
            row.figure
                .map_or_else(|| "–".into(), |(value, unit)| figure(value, unit)),
            share(row.generator_cpu),
            share(row.server_cpu),
            row.load_average
                .map_or_else(|| "–".into(), |load| format!("{load:.2}")),
            note,
        );
    }
    out
}

/// The 1-minute load average from `/proc/loadavg`.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_prints_its_figure_latencies_in_milliseconds_and_its_context() {
        let rows = [Row {
            step: "REST verify".into(),
            load: "concurrency 8".into(),
            figure: Some((20_150.4, "req/s")),
            latency: Some(Summary {
                count: 10,
                p50_us: 350,
                p99_us: 1_250,
                p999_us: 4_000,
                max_us: 9_000,
            }),
            generator_cpu: Some(0.5),
            server_cpu: Some(0.99),
            load_average: Some(2.5),
            note: String::new(),
        }];
        let table = table(&rows);
        assert!(
            table.contains(
                "| REST verify | concurrency 8 | 20150 req/s | 0.35 | 1.25 | 4.00 | 50 % | 99 % | 2.50 |  |"
            ),
            "{table}"
        );
    }

    #[test]
    fn a_saturated_generator_is_called_out_in_the_note() {
        let row = Row {
            step: "echo".into(),
            figure: Some((12.345, "KiB")),
            generator_cpu: Some(0.95),
            note: "anchor".into(),
            ..Row::default()
        };
        let table = table(&[row]);
        assert!(table.contains("12.35 KiB"), "{table}");
        assert!(
            table.contains("anchor; **generator saturated: figure is a lower bound**"),
            "{table}"
        );
        assert!(table.contains("| – | – | – |"), "{table}");
    }
}
