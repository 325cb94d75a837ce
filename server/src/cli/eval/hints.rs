//! `lore eval hints --data FILE [--attempts FILE]`: calibrates semantic hints on code nobody here
//! wrote. For each DS-1000 problem, the regions of its reference solution (correct code) and,
//! with `--attempts`, of the models' failing and passing attempts are scored against the lessons
//! without a trigger, as the server scores them; the report gives, per threshold, the share of
//! regions and of solutions that would show a hint.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use super::dataset::{self, split_prompt};
use crate::analysis::{imports, parse};
use crate::cli::common::say;
use crate::embeddings::{Embedder, EmbedderChoice, load_embedder};
use crate::retrieval::hints::{self, HintModel};

#[derive(Debug, Args)]
pub struct HintsArgs {
    /// The problems (JSON lines, as shared/ds1000/dev.jsonl).
    #[arg(long)]
    pub data: PathBuf,
    /// Executed model attempts (JSON lines, as shared/ds1000/attempts-dev.jsonl).
    #[arg(long)]
    pub attempts: Option<PathBuf>,
}

const THRESHOLDS: [f32; 7] = [0.55, 0.6, 0.65, 0.7, 0.72, 0.75, 0.8];

/// Best hint score of every region of `solution` (after the problem's `code`, whose imports
/// decide which lessons apply).
fn scores(model: &HintModel, embedder: &dyn Embedder, code: &str, solution: &str) -> Vec<f32> {
    let text = format!("{code}\n{solution}\n");
    let tree = parse::parse(&text, None);
    let imported: Vec<String> = imports::imports(&tree, &text).modules.into_iter().collect();
    let regions: Vec<hints::Region> = hints::regions(&tree, &text)
        .into_iter()
        .filter(|region| region.range.start > code.len())
        .collect();
    if regions.is_empty() {
        return Vec::new();
    }
    let texts: Vec<String> = regions
        .iter()
        .map(|region| region.text(&tree, &text))
        .collect();
    let Ok(vectors) = embedder.embed(&texts) else {
        return Vec::new();
    };
    vectors
        .iter()
        .map(|vector| {
            model
                .best(vector, &imported)
                .map_or(0.0, |(_, score)| score)
        })
        .collect()
}

/// (regions with a hint, solutions with a hint) at each threshold, as shares.
fn rates(solutions: &[Vec<f32>]) -> Vec<(f32, f64, f64)> {
    let regions: usize = solutions.iter().map(Vec::len).sum();
    THRESHOLDS
        .iter()
        .map(|&threshold| {
            let hinted_regions = solutions
                .iter()
                .flatten()
                .filter(|score| **score >= threshold)
                .count();
            let hinted = solutions
                .iter()
                .filter(|scores| scores.iter().any(|score| *score >= threshold))
                .count();
            (
                threshold,
                hinted_regions as f64 / regions.max(1) as f64,
                hinted as f64 / solutions.len().max(1) as f64,
            )
        })
        .collect()
}

pub fn run(args: &HintsArgs) -> anyhow::Result<ExitCode> {
    let problems = dataset::read_json_lines(&args.data, "problem")?;
    let attempts = match &args.attempts {
        Some(path) => dataset::read_json_lines(path, "attempt")?,
        None => Vec::new(),
    };
    let embedder = load_embedder(EmbedderChoice::Model)
        .context("the embedding model is needed: run `lore doctor`")?;
    let (lessons, _) = crate::lessons::builtin_lessons();
    let model = HintModel::new(lessons.into_iter().map(Arc::new), embedder.as_ref())?;
    let mut code_of = HashMap::new();
    let mut references = Vec::new();
    for problem in &problems {
        let prompt = problem["prompt"].as_str().unwrap_or("");
        let (_, code) = split_prompt(prompt);
        let reference = problem["reference_code"].as_str().unwrap_or("");
        references.push(scores(&model, embedder.as_ref(), &code, reference));
        code_of.insert(
            problem["metadata"]["problem_id"].as_i64().unwrap_or(-1),
            code,
        );
    }
    let (mut failing, mut passing) = (Vec::new(), Vec::new());
    for attempt in &attempts {
        let id = attempt["problem_id"].as_i64().unwrap_or(-2);
        let (Some(code), Some(passed)) = (code_of.get(&id), attempt["passed"].as_bool()) else {
            continue;
        };
        let scored = scores(
            &model,
            embedder.as_ref(),
            code,
            attempt["code"].as_str().unwrap_or(""),
        );
        if passed {
            passing.push(scored)
        } else {
            failing.push(scored)
        }
    }
    say(&format!(
        "threshold  reference regions / solutions ({})  failing attempts ({})  passing attempts ({})",
        references.len(),
        failing.len(),
        passing.len()
    ));
    let (reference_rates, failing_rates, passing_rates) =
        (rates(&references), rates(&failing), rates(&passing));
    for index in 0..THRESHOLDS.len() {
        say(&format!(
            "{:>9.2}  {:>8.2}% / {:>6.2}%                {:>8.2}%              {:>8.2}%",
            reference_rates[index].0,
            100.0 * reference_rates[index].1,
            100.0 * reference_rates[index].2,
            100.0 * failing_rates[index].2,
            100.0 * passing_rates[index].2,
        ));
    }
    say(&format!("default threshold: {}", hints::DEFAULT_THRESHOLD));
    Ok(ExitCode::SUCCESS)
}
