//! `lore eval ds1000 --data FILE`: retrieval quality on DS-1000 problems, by the same
//! definition as `shared/ds1000/tools/ds1000_eval.py`: the editor document is the problem
//! statement as comments plus its code up to the solution slot; the key APIs of a problem are
//! the attribute, function and keyword names its reference solution uses that neither the
//! problem nor its code mentions (minus builtins and trivial names). hit@k: a key API named in
//! the top-k items (title + first 1000 characters of text); recall@k: the share named;
//! title_hit@k: a key API named in a title.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::dataset::{self, key_apis, split_prompt, words};
use crate::cli::common::{runtime, say};
use crate::documents::Document;
use crate::embeddings::{EmbedderChoice, load_embedder};
use crate::retrieval::context::{self, ContextRequest, Memory, Searches};

#[derive(Debug, Args)]
pub struct Ds1000Args {
    /// The problems (JSON lines, as shared/ds1000/dev.jsonl).
    #[arg(long)]
    pub data: PathBuf,
    #[arg(long, default_value_t = 5)]
    pub k: usize,
    /// Which searches run: all of them (hybrid), full-text only, or vectors only.
    #[arg(long, value_enum, default_value_t = Ablation::Hybrid)]
    pub searches: Ablation,
    /// Evaluate only the first N problems.
    #[arg(long)]
    pub limit: Option<usize>,
    #[arg(long)]
    pub json: bool,
    /// Also write every name the API ranking weighed, with its features and whether the
    /// reference solution needed it (JSON lines): what `tests/bench/api_ranker.py` fits.
    #[arg(long, value_name = "FILE")]
    pub ranker_rows: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ablation {
    Hybrid,
    Text,
    Vector,
}

impl Ablation {
    fn searches(self) -> Searches {
        match self {
            Ablation::Hybrid => Searches::ALL,
            Ablation::Text => Searches {
                vector: false,
                ..Searches::ALL
            },
            Ablation::Vector => Searches {
                text: false,
                ..Searches::ALL
            },
        }
    }
}

/// The editor document: the problem as comments, then the code.
pub fn document_for(problem: &str, code: &str) -> String {
    let lines: Vec<String> = problem
        .lines()
        .map(|line| {
            if line.trim().is_empty() {
                "#".to_string()
            } else {
                format!("# {line}")
            }
        })
        .collect();
    format!("{}\n{code}", lines.join("\n"))
}

/// The sums behind one row of the report: problems, problems with a hit, recall summed over
/// problems, problems with a title hit.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    problems: usize,
    hits: usize,
    recall: f64,
    title_hits: usize,
}

pub fn run(
    args: &Ds1000Args,
    store_path: &Path,
    reads: &[crate::config::ReadStore],
) -> anyhow::Result<ExitCode> {
    let mut problems = dataset::read_json_lines(&args.data, "problem")?;
    if let Some(limit) = args.limit {
        problems.truncate(limit);
    }
    let embedder = load_embedder(EmbedderChoice::Model)
        .context("the embedding model is needed: run `lore doctor`")?;
    let (tallies, mut latencies) = runtime()
        .block_on(async {
            let open =
                crate::cli::common::open_memory(store_path, reads, embedder.as_ref()).await?;
            let memory = open.memory(embedder.as_ref());
            measure(args, &memory, &problems).await
        })
        .context("eval failed")?;
    latencies.sort_by(f64::total_cmp);
    let p50 = latencies
        .get(latencies.len() / 2)
        .copied()
        .unwrap_or(f64::NAN);
    report(args, &tallies, p50);
    Ok(ExitCode::SUCCESS)
}

/// Asks for context on every problem: the tallies per library, and the latency of each request
/// in milliseconds. Problems without key APIs are skipped, as the reference script skips them.
async fn measure(
    args: &Ds1000Args,
    memory: &Memory<'_>,
    problems: &[serde_json::Value],
) -> anyhow::Result<(BTreeMap<String, Tally>, Vec<f64>)> {
    let searches = args.searches.searches();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut latencies = Vec::new();
    let mut ranker_rows = match &args.ranker_rows {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => None,
    };
    for problem in problems {
        let prompt = problem["prompt"].as_str().unwrap_or("");
        let reference = problem["reference_code"].as_str().unwrap_or("");
        let library = problem["metadata"]["library"]
            .as_str()
            .unwrap_or("unknown")
            .to_string();
        let (problem_text, code) = split_prompt(prompt);
        let keys = key_apis(reference, prompt);
        if keys.is_empty() {
            continue;
        }
        let document = Document::new(document_for(&problem_text, &code), 0);
        let request = ContextRequest {
            text: &document.text,
            tree: &document.tree,
            cursor: document.text.len(),
            query: None,
            limit: args.k,
        };
        let started = std::time::Instant::now();
        let (result, _) = context::context_with(memory, &request, searches).await?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        if let Some(out) = ranker_rows.as_mut() {
            let problem_id = &problem["metadata"]["problem_id"];
            for api in &result.ranking {
                let row = serde_json::json!({
                    "problem_id": problem_id,
                    "library": library,
                    "name": api.name,
                    "features": api.features,
                    "needed": keys.contains(&api.name),
                });
                writeln!(out, "{row}")?;
            }
        }
        let blob: String = result
            .items
            .iter()
            .map(|item| {
                format!(
                    "{} {} ",
                    item.title,
                    item.text.chars().take(1000).collect::<String>()
                )
            })
            .collect();
        let found = words(&blob);
        let titles = words(
            &result
                .items
                .iter()
                .map(|item| item.title.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        let named = keys.iter().filter(|key| found.contains(*key)).count();
        let tally = tallies.entry(library).or_default();
        tally.problems += 1;
        tally.hits += usize::from(named > 0);
        tally.recall += named as f64 / keys.len() as f64;
        tally.title_hits += usize::from(keys.iter().any(|key| titles.contains(key)));
    }
    if let Some(mut out) = ranker_rows {
        out.flush()?;
    }
    Ok((tallies, latencies))
}

/// Prints one row per library and one for all of them, as text or JSON.
fn report(args: &Ds1000Args, tallies: &BTreeMap<String, Tally>, p50: f64) {
    let k = args.k;
    let mut total = Tally::default();
    let mut rows = Vec::new();
    for (library, tally) in tallies {
        total.problems += tally.problems;
        total.hits += tally.hits;
        total.recall += tally.recall;
        total.title_hits += tally.title_hits;
        rows.push((library.clone(), *tally));
    }
    rows.push(("all".to_string(), total));
    if args.json {
        let json: Vec<serde_json::Value> = rows
            .iter()
            .map(|(library, tally)| {
                let n = tally.problems.max(1) as f64;
                serde_json::json!({"library": library, "n": tally.problems, "hit": tally.hits as f64 / n, "recall": tally.recall / n, "title_hit": tally.title_hits as f64 / n})
            })
            .collect();
        say(&serde_json::to_string_pretty(&serde_json::json!({"k": k, "searches": format!("{:?}", args.searches).to_lowercase(), "context_p50_ms": p50, "rows": json})).unwrap_or_default());
    } else {
        for (library, tally) in &rows {
            let n = tally.problems.max(1) as f64;
            say(&format!(
                "{library:12} n={:4} hit@{k}={:.3} recall@{k}={:.3} title_hit@{k}={:.3}",
                tally.problems,
                tally.hits as f64 / n,
                tally.recall / n,
                tally.title_hits as f64 / n
            ));
        }
        say(&format!(
            "searches={:?} context_p50={p50:.1}ms",
            args.searches
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_the_problem_as_comments_then_the_code() {
        assert_eq!(
            document_for("line one\n\nline two", "x = 1\n"),
            "# line one\n#\n# line two\nx = 1\n"
        );
    }
}
