//! `lore eval hints --data FILE [--attempts FILE]`: calibrates semantic hints on code nobody here
//! wrote. For each DS-1000 problem, the regions of its reference solution (correct code) and,
//! with `--attempts`, of the models' failing and passing attempts are scored against the lessons
//! without a trigger, as the server scores them; the report gives, per threshold, the share of
//! regions and of solutions that would show a hint.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use crate::analysis::{imports, parse};
use crate::embeddings::{EmbedderChoice, load_embedder};
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
fn scores(
    model: &HintModel,
    embedder: &dyn crate::embeddings::Embedder,
    code: &str,
    solution: &str,
) -> Vec<f32> {
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

fn read_lines(path: &PathBuf) -> Result<Vec<serde_json::Value>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            serde_json::from_str(line)
                .map_err(|error| format!("{}:{}: {error}", path.display(), number + 1))
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

pub fn run(args: HintsArgs) -> ExitCode {
    let problems = match read_lines(&args.data) {
        Ok(problems) => problems,
        Err(error) => {
            super::warn(&format!("lore: {error}"));
            return ExitCode::from(2);
        }
    };
    let attempts = match args.attempts.as_ref().map(read_lines).transpose() {
        Ok(attempts) => attempts.unwrap_or_default(),
        Err(error) => {
            super::warn(&format!("lore: {error}"));
            return ExitCode::from(2);
        }
    };
    let Some(embedder) = load_embedder(EmbedderChoice::Model) else {
        super::warn("lore: the embedding model is needed: run `lore doctor`");
        return ExitCode::from(2);
    };
    let (lessons, _) = crate::lessons::builtin_lessons();
    let model = match HintModel::new(lessons.into_iter().map(Arc::new), embedder.as_ref()) {
        Ok(model) => model,
        Err(error) => {
            super::warn(&format!("lore: {error:#}"));
            return ExitCode::from(2);
        }
    };
    let mut code_of = std::collections::HashMap::new();
    let mut references = Vec::new();
    for problem in &problems {
        let prompt = problem["prompt"].as_str().unwrap_or("");
        let (_, code) = super::eval::split_prompt(prompt);
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
    super::say(&format!(
        "threshold  reference regions / solutions ({})  failing attempts ({})  passing attempts ({})",
        references.len(),
        failing.len(),
        passing.len()
    ));
    let (r, f, p) = (rates(&references), rates(&failing), rates(&passing));
    for index in 0..THRESHOLDS.len() {
        super::say(&format!(
            "{:>9.2}  {:>8.2}% / {:>6.2}%                {:>8.2}%              {:>8.2}%",
            r[index].0,
            100.0 * r[index].1,
            100.0 * r[index].2,
            100.0 * f[index].2,
            100.0 * p[index].2,
        ));
    }
    super::say(&format!("default threshold: {}", hints::DEFAULT_THRESHOLD));
    ExitCode::SUCCESS
}
