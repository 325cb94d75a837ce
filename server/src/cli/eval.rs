//! `lore eval ds1000 --data FILE`: retrieval quality on DS-1000 problems, by the same
//! definition as `shared/ds1000/tools/ds1000_eval.py`: the editor document is the problem
//! statement as comments plus its code up to the solution slot; the key APIs of a problem are
//! the attribute, function and keyword names its reference solution uses that neither the
//! problem nor its code mentions (minus builtins and trivial names). hit@k: a key API named in
//! the top-k items (title + first 1000 characters of text); recall@k: the share named;
//! title_hit@k: a key API named in a title.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use regex::Regex;
use tree_sitter::Node;

use crate::analysis::parse;
use crate::documents::Document;
use crate::embeddings::{EmbedderChoice, load_embedder};
use crate::retrieval::context::{self, ContextRequest, Searches};

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Retrieval hit@k, recall@k and title hit@k on DS-1000 problems.
    Ds1000(Ds1000Args),
    /// How often semantic hints would show on DS-1000 reference solutions and model attempts.
    Hints(super::eval_hints::HintsArgs),
}

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

/// Names too common to count as a key API (the reference script's list; builtins count too).
const TRIVIAL: &[&str] = &[
    "result", "df", "a", "b", "x", "y", "np", "pd", "plt", "torch", "tf", "sns", "self", "values",
    "copy", "shape", "T", "name", "index", "columns", "dtype", "size", "data", "sum", "mean",
    "max", "min", "append", "astype", "reshape", "tolist", "to_numpy", "item", "numpy", "g", "f",
    "i", "j", "k", "s", "arr", "A", "B",
];

fn words(text: &str) -> HashSet<String> {
    static WORD: OnceLock<Regex> = OnceLock::new();
    let word = WORD.get_or_init(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").expect("valid regex"));
    word.find_iter(text)
        .map(|m| m.as_str().to_string())
        .collect()
}

/// (problem text, code before the solution slot), as the reference script splits them.
pub fn split_prompt(prompt: &str) -> (String, String) {
    let mut text = prompt;
    for marker in ["BEGIN SOLUTION", "# SOLUTION START", "### BEGIN SOLUTION"] {
        if let Some(at) = text.rfind(marker) {
            text = &text[..at];
            break;
        }
    }
    static CODE: OnceLock<Regex> = OnceLock::new();
    let code_block =
        CODE.get_or_init(|| Regex::new(r"(?s)<code>\n?(.*?)(</code>|$)").expect("valid regex"));
    let (problem, code) = match code_block.captures_iter(text).last() {
        Some(last) => {
            let whole = last.get(0).expect("a match has group 0");
            let code = format!("{}{}", &last[1], &text[whole.end()..]);
            (text[..whole.start()].to_string(), code)
        }
        None => (String::new(), text.to_string()),
    };
    let mut problem = problem
        .replace("<code>", "")
        .replace("</code>", "")
        .replace("Problem:", "")
        .trim()
        .to_string();
    if problem.ends_with("A:") {
        problem.truncate(problem.len() - 2);
    }
    (problem.trim().to_string(), format!("{}\n", code.trim_end()))
}

/// The key APIs of a reference solution.
pub fn key_apis(reference: &str, prompt: &str) -> HashSet<String> {
    // The reference script skips what Python's `ast` cannot parse: code with syntax errors, and
    // code whose first statement is indented (a function body, perhaps under a comment line),
    // which tree-sitter would accept.
    let indented = reference
        .lines()
        .find(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .is_some_and(|line| line.starts_with([' ', '\t']));
    let tree = parse::parse(reference, None);
    if indented || tree.root_node().has_error() {
        return HashSet::new();
    }
    let mut names = HashSet::new();
    let mut stack: Vec<Node> = vec![tree.root_node()];
    let source = reference.as_bytes();
    while let Some(node) = stack.pop() {
        match node.kind() {
            "attribute" => {
                if let Some(attribute) = node.child_by_field_name("attribute") {
                    names.insert(attribute.utf8_text(source).unwrap_or("").to_string());
                }
            }
            "call" => {
                if let Some(function) = node.child_by_field_name("function")
                    && function.kind() == "identifier"
                {
                    names.insert(function.utf8_text(source).unwrap_or("").to_string());
                }
            }
            "keyword_argument" => {
                if let Some(name) = node.child_by_field_name("name") {
                    names.insert(name.utf8_text(source).unwrap_or("").to_string());
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    let mentioned = words(prompt);
    names
        .into_iter()
        .filter(|name| {
            name.len() > 2
                && !TRIVIAL.contains(&name.as_str())
                && !crate::analysis::builtins::is_builtin(name)
                && !mentioned.contains(name)
        })
        .collect()
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

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    problems: usize,
    hits: usize,
    recall: f64,
    title_hits: usize,
}

pub fn run(command: EvalCommand, store_path: &Path) -> ExitCode {
    let args = match command {
        EvalCommand::Ds1000(args) => args,
        EvalCommand::Hints(args) => return super::eval_hints::run(args),
    };
    let text = match std::fs::read_to_string(&args.data) {
        Ok(text) => text,
        Err(error) => {
            super::warn(&format!("lore: {}: {error}", args.data.display()));
            return ExitCode::from(2);
        }
    };
    let mut problems = Vec::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
    {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(problem) => problems.push(problem),
            Err(error) => {
                super::warn(&format!(
                    "lore: {}:{}: not a JSON problem: {error}",
                    args.data.display(),
                    number + 1
                ));
                return ExitCode::from(2);
            }
        }
    }
    if let Some(limit) = args.limit {
        problems.truncate(limit);
    }
    let Some(embedder) = load_embedder(EmbedderChoice::Model) else {
        super::warn("lore: the embedding model is needed: run `lore doctor`");
        return ExitCode::from(2);
    };
    let searches = match args.searches {
        Ablation::Hybrid => Searches::ALL,
        Ablation::Text => Searches {
            vector: false,
            ..Searches::ALL
        },
        Ablation::Vector => Searches {
            text: false,
            ..Searches::ALL
        },
    };
    let result = super::runtime().block_on(async {
        let open = crate::memory::open(store_path, embedder.as_ref()).await?;
        let memory = open.memory(embedder.as_ref());
        let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
        let mut latencies = Vec::new();
        let mut ranker_rows = match &args.ranker_rows {
            Some(path) => Some(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write {}", path.display()))?,
            )),
            None => None,
        };
        for problem in &problems {
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
            let (result, _) = context::context_with(&memory, &request, searches).await?;
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
        Ok::<_, anyhow::Error>((tallies, latencies))
    });
    let (tallies, mut latencies) = match result {
        Ok(result) => result,
        Err(error) => {
            super::warn(&format!("lore: eval failed: {error:#}"));
            return ExitCode::from(2);
        }
    };
    latencies.sort_by(f64::total_cmp);
    let p50 = latencies
        .get(latencies.len() / 2)
        .copied()
        .unwrap_or(f64::NAN);
    let k = args.k;
    let mut total = Tally::default();
    let mut rows = Vec::new();
    for (library, tally) in &tallies {
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
        super::say(&serde_json::to_string_pretty(&serde_json::json!({"k": k, "searches": format!("{:?}", args.searches).to_lowercase(), "context_p50_ms": p50, "rows": json})).unwrap_or_default());
    } else {
        for (library, tally) in &rows {
            let n = tally.problems.max(1) as f64;
            super::say(&format!(
                "{library:12} n={:4} hit@{k}={:.3} recall@{k}={:.3} title_hit@{k}={:.3}",
                tally.problems,
                tally.hits as f64 / n,
                tally.recall / n,
                tally.title_hits as f64 / n
            ));
        }
        super::say(&format!(
            "searches={:?} context_p50={p50:.1}ms",
            args.searches
        ));
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_prompts_and_finds_key_apis_like_the_reference_script() {
        let prompt = "Problem:\nI want the rolling mean.\nA:\n<code>\nimport pandas as pd\ndf = load()\n</code>\nresult = ... # put solution in this variable\nBEGIN SOLUTION\n<code>\n";
        let (problem, code) = split_prompt(prompt);
        assert_eq!(problem, "I want the rolling mean.");
        assert_eq!(
            code,
            "import pandas as pd\ndf = load()\n\nresult = ... # put solution in this variable\n"
        );
        let keys = key_apis("result = df.rolling(window=3).mean().fillna(0)", prompt);
        let mut keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["fillna", "window"]);
        // Python's `ast` rejects an indented body, also under a comment line: no keys.
        assert!(key_apis("    r = df.cumsum()\n", prompt).is_empty());
        assert!(key_apis("# def solve(df):\n    r = df.cumsum()\n", prompt).is_empty());
        assert_eq!(key_apis("# a note\nr = df.cumsum()\n", prompt).len(), 1);
        assert_eq!(
            document_for("line one\n\nline two", "x = 1\n"),
            "# line one\n#\n# line two\nx = 1\n"
        );
    }
}
