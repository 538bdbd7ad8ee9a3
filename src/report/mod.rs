//! `behavioral-auth evaluate`: the accuracy report. It runs the evaluation protocols of
//! `evaluation` — the same extraction and detector code the server uses, on the public
//! datasets in `../shared/data` — with a progress bar, prints a table per protocol (CMU beside
//! the published detectors), and writes `evaluation.json` and a DET plot per dataset.

pub mod det_plot;

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::evaluation::report::{ProtocolResult, table};
use crate::evaluation::{EvaluationError, aalto, antal, cmu_protocols, holdtap};
use crate::scoring::config::ModelConfig;

/// Published EERs of the CMU benchmark paper (Killourhy & Maxion 2009, table 2), best four.
pub const CMU_PAPER: &[(&str, f64)] = &[
    ("Scaled Manhattan", 0.0962),
    ("Nearest Neighbor (Mahalanobis)", 0.0996),
    ("Outlier Count (z-score)", 0.1022),
    ("SVM (one-class)", 0.1025),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    /// CMU keystroke benchmark (fixed password `.tie5Roanl`).
    Cmu,
    /// Aalto 136M keystrokes subset (free text).
    Aalto,
    /// Hold & Tap (mobile touch typing timings).
    Holdtap,
    /// Antal et al. swipes (touch strokes).
    Antal,
}

impl Dataset {
    pub const ALL: [Dataset; 4] = [
        Dataset::Cmu,
        Dataset::Aalto,
        Dataset::Holdtap,
        Dataset::Antal,
    ];

    fn name(self) -> &'static str {
        match self {
            Dataset::Cmu => "cmu",
            Dataset::Aalto => "aalto",
            Dataset::Holdtap => "holdtap",
            Dataset::Antal => "antal",
        }
    }
}

#[derive(Debug, Clone)]
pub struct EvaluateOptions {
    pub datasets: Vec<Dataset>,
    /// Worker threads for the per-subject runs.
    pub threads: usize,
    /// Where `evaluation.json` and the `det-*.svg` plots go.
    pub out_dir: PathBuf,
    /// Use only the first N subjects of CMU and Aalto (a quick check of the pipeline).
    pub max_subjects: Option<usize>,
}

#[derive(Serialize)]
struct ReportFile<'a> {
    generated_at: chrono::DateTime<Utc>,
    max_subjects: Option<usize>,
    cmu_paper: Vec<(&'static str, f64)>,
    results: &'a [(Dataset, ProtocolResult)],
}

fn run_dataset(
    dataset: Dataset,
    options: &EvaluateOptions,
    progress: &ProgressBar,
) -> Result<Vec<ProtocolResult>, EvaluationError> {
    let threads = options.threads;
    let mut results = Vec::new();
    match dataset {
        Dataset::Cmu => {
            progress.set_message("CMU: loading and extracting");
            let data = cmu_protocols::load_features(options.max_subjects)?;
            progress.set_message("CMU: genuine-only protocol");
            results.push(cmu_protocols::genuine_only(
                &data,
                &ModelConfig::fixed_text(),
                threads,
            )?);
            progress.set_message("CMU: background-users protocol");
            results.push(cmu_protocols::with_background(
                &data,
                &ModelConfig::fixed_text(),
                threads,
            )?);
        }
        Dataset::Aalto => {
            progress.set_message("Aalto: loading and extracting");
            let participants = aalto::load_participants(options.max_subjects)?;
            progress.set_message("Aalto: genuine-only protocol");
            results.extend(aalto::enrol_five(
                &participants,
                &ModelConfig::free_text(),
                threads,
            )?);
            progress.set_message("Aalto: background protocol");
            results.extend(aalto::enrol_five_with_background(
                &participants,
                &ModelConfig::free_text(),
                threads,
            )?);
        }
        Dataset::Holdtap => {
            for posture in holdtap::POSTURES {
                progress.set_message(format!("Hold & Tap: {posture}"));
                let data = holdtap::load_posture(posture)?;
                results.push(cmu_protocols::genuine_only(
                    &data,
                    &ModelConfig::fixed_text(),
                    threads,
                )?);
                results.push(cmu_protocols::with_background(
                    &data,
                    &ModelConfig::fixed_text(),
                    threads,
                )?);
            }
        }
        Dataset::Antal => {
            progress.set_message("Antal swipes");
            let data = antal::load()?;
            results.push(cmu_protocols::genuine_only(
                &data,
                &ModelConfig::strokes(),
                threads,
            )?);
            results.push(cmu_protocols::with_background(
                &data,
                &ModelConfig::strokes(),
                threads,
            )?);
        }
    }
    Ok(results)
}

/// Runs every requested dataset, prints the tables, writes the files; returns the results.
pub fn run(options: &EvaluateOptions) -> anyhow::Result<Vec<(Dataset, ProtocolResult)>> {
    std::fs::create_dir_all(&options.out_dir)?;
    let progress = ProgressBar::new(options.datasets.len() as u64);
    progress.set_style(ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} datasets  {msg}",
    )?);
    progress.enable_steady_tick(Duration::from_millis(200));

    let mut all = Vec::new();
    for &dataset in &options.datasets {
        let results = run_dataset(dataset, options, &progress)
            .map_err(|error| anyhow::anyhow!("{} evaluation failed: {error}", dataset.name()))?;
        let curves: Vec<(String, Vec<_>)> = results
            .iter()
            .map(|result| (result.protocol.clone(), result.det.clone()))
            .collect();
        let svg_path = options.out_dir.join(format!("det-{}.svg", dataset.name()));
        std::fs::write(
            &svg_path,
            det_plot::det_svg(&format!("DET, {} (fused score)", dataset.name()), &curves),
        )?;
        all.extend(results.into_iter().map(|result| (dataset, result)));
        progress.inc(1);
    }
    progress.finish_and_clear();

    for (dataset, result) in &all {
        println!("{}", table(result));
        if *dataset == Dataset::Cmu && result.protocol.to_lowercase().contains("genuine") {
            println!("Killourhy & Maxion 2009, same protocol:");
            for (detector, eer) in CMU_PAPER {
                println!("  {detector:<31} {eer:.4}");
            }
            println!();
        }
    }
    let json_path = options.out_dir.join("evaluation.json");
    let report = ReportFile {
        generated_at: Utc::now(),
        max_subjects: options.max_subjects,
        cmu_paper: CMU_PAPER.to_vec(),
        results: &all,
    };
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)?)?;
    println!(
        "wrote {} and det-*.svg in {}",
        json_path.display(),
        options.out_dir.display()
    );
    Ok(all)
}
