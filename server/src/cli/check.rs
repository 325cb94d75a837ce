//! `lore check`: the structural matcher over files and folders, in parallel, like a linter.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use rayon::prelude::*;
use serde::Serialize;

use super::common::{EXIT_ERROR, EXIT_FINDINGS, current_thread_runtime, say, warn};
use crate::analysis::{Finding, parse};
use crate::config::WorkspaceConfig;
use crate::documents::{LineIndex, PositionEncoding};
use crate::lessons::{Lesson, LessonSet};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders (folders are walked, honoring .gitignore).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Apply every safe fix in place.
    #[arg(long)]
    pub fix: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// One finding as `lore check --format json` prints it. Lines and columns are 1-based,
/// columns in characters.
#[derive(Debug, Serialize)]
pub struct CheckFinding {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub lesson_id: String,
    pub severity: String,
    pub message: String,
    pub fix: Option<String>,
}

/// Every `.py` file under the paths; a path that does not exist is an error.
pub fn python_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            anyhow::bail!("{}: no such file or directory", path.display());
        }
        for entry in ignore::WalkBuilder::new(path).build() {
            // The walker's message already ends with its cause; as a source, `{:#}` would repeat it.
            let entry = entry.map_err(|error| anyhow::anyhow!("{error}"))?;
            if entry.file_type().is_some_and(|kind| kind.is_file())
                && entry.path().extension().is_some_and(|ext| ext == "py")
            {
                files.push(entry.into_path());
            }
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The lessons `check` uses: the built-in packs and the store's, as the server does.
fn load_lessons(store: &Path) -> Vec<Lesson> {
    let (lessons, problems) = current_thread_runtime().block_on(crate::memory::read_lessons(store));
    for problem in problems {
        warn(&format!("lore: {problem}"));
    }
    lessons
}

/// Checks one file's text.
pub fn check_text(lessons: &LessonSet, text: &str) -> Vec<Finding> {
    let tree = parse::parse(text, None);
    lessons.matcher.run(&tree, text, None)
}

pub fn run(args: &CheckArgs, store: &Path) -> anyhow::Result<ExitCode> {
    let files = python_files(&args.paths)?;
    let mut disabled = std::collections::BTreeSet::new();
    let mut overrides = std::collections::BTreeMap::new();
    if let Some((_, config)) = args
        .paths
        .first()
        .and_then(|path| WorkspaceConfig::find(&std::path::absolute(path).unwrap_or(path.clone())))
    {
        match config {
            Ok(config) => {
                disabled = config.disabled_lessons;
                overrides = config.severity_overrides;
            }
            Err(error) => warn(&format!("lore: ignoring broken workspace config: {error}")),
        }
    }
    // Read every file first: which lessons run only around their words (or not at all) depends
    // on the words of the files.
    let mut texts: Vec<(usize, Result<String, String>)> = files
        .par_iter()
        .map(|file| read(file))
        .enumerate()
        .collect();
    // Largest files first, one task each, so that both cores stay busy to the end.
    texts.sort_by_key(|(_, text)| std::cmp::Reverse(text.as_ref().map_or(0, String::len)));
    let readable: Vec<&str> = texts
        .iter()
        .filter_map(|(_, text)| text.as_deref().ok())
        .collect();
    // Compiling the queries takes a fifth of a second: parse the files meanwhile, on the other
    // core.
    let (lessons, trees) = std::thread::scope(|scope| {
        let compiling = scope.spawn(|| {
            let lessons = load_lessons(store);
            // `--fix` checks the fixed text again: its words come from the files and the fixes.
            let templates: Vec<String> = lessons
                .iter()
                .filter(|_| args.fix)
                .filter_map(|lesson| lesson.fix.as_ref().map(|fix| fix.template.clone()))
                .collect();
            let mut texts = readable.clone();
            texts.extend(templates.iter().map(String::as_str));
            LessonSet::for_texts(lessons, &disabled, &texts)
        });
        let trees: Vec<Option<tree_sitter::Tree>> = texts
            .par_iter()
            .with_max_len(1)
            .map(|(_, text)| text.as_ref().ok().map(|text| parse::parse(text, None)))
            .collect();
        (
            compiling
                .join()
                .expect("compiling the lessons does not panic"),
            trees,
        )
    });
    let lessons = Arc::new(lessons);
    let mut results: Vec<(usize, Result<Vec<CheckFinding>, String>)> = texts
        .into_par_iter()
        .zip(trees)
        .with_max_len(1)
        .map(|((index, text), tree)| {
            let result = text.and_then(|text| {
                let tree = tree.expect("every readable file is parsed");
                check_file(&lessons, &files[index], text, tree, &overrides, args.fix)
            });
            (index, result)
        })
        .collect();
    results.sort_by_key(|(index, _)| *index);
    for problem in lessons.matcher.over_budget() {
        warn(&format!(
            "lore: lesson {} was skipped: {}",
            problem.lesson_id, problem.message
        ));
    }
    // A file that cannot be checked is reported and the others are checked all the same, as a
    // linter does; the exit code says that something failed.
    let mut errors = 0;
    let mut all = Vec::new();
    for (index, result) in results {
        let file = &files[index];
        match result {
            Ok(mut findings) => all.append(&mut findings),
            Err(error) => {
                errors += 1;
                warn(&format!("lore: {}: {error}", file.display()));
            }
        }
    }
    match args.format {
        Format::Json => say(&serde_json::to_string_pretty(&all).unwrap_or_else(|_| "[]".into())),
        Format::Text => {
            for finding in &all {
                say(&format!(
                    "{}:{}:{}: {} {}",
                    finding.file, finding.line, finding.column, finding.lesson_id, finding.message
                ));
            }
            if !all.is_empty() {
                warn(&format!(
                    "Found {} finding{} in {} file{}.",
                    all.len(),
                    if all.len() == 1 { "" } else { "s" },
                    files.len(),
                    if files.len() == 1 { "" } else { "s" }
                ));
            }
        }
    }
    Ok(if errors > 0 {
        ExitCode::from(EXIT_ERROR)
    } else if all.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    })
}

/// Reads a file; a file that cannot be read, is too large or is not UTF-8 is an error.
fn read(file: &Path) -> Result<String, String> {
    let bytes = std::fs::read(file).map_err(|error| format!("cannot read: {error}"))?;
    if bytes.len() > crate::documents::MAX_ANALYZED_BYTES {
        return Err(format!(
            "larger than {} bytes; skipped",
            crate::documents::MAX_ANALYZED_BYTES
        ));
    }
    String::from_utf8(bytes).map_err(|error| {
        format!(
            "not UTF-8 (byte {}); skipped",
            error.utf8_error().valid_up_to()
        )
    })
}

fn check_file(
    lessons: &LessonSet,
    file: &Path,
    mut text: String,
    tree: tree_sitter::Tree,
    overrides: &std::collections::BTreeMap<String, crate::lessons::Severity>,
    fix: bool,
) -> Result<Vec<CheckFinding>, String> {
    let mut findings = lessons.matcher.run(&tree, &text, None);
    if fix {
        let fixed = crate::analysis::fix::apply_fixes(&text, &findings, |finding| {
            finding.lesson.fix.as_ref().is_some_and(|f| f.safe)
        });
        if fixed != text {
            std::fs::write(file, &fixed).map_err(|error| format!("cannot write fixes: {error}"))?;
            text = fixed;
            findings = check_text(lessons, &text);
        }
    }
    let index = LineIndex::new(&text);
    let name = file.display().to_string();
    Ok(findings
        .into_iter()
        .map(|finding| {
            let start = index.position(&text, finding.range.start, PositionEncoding::Utf32);
            let end = index.position(&text, finding.range.end, PositionEncoding::Utf32);
            let lesson = &finding.lesson;
            CheckFinding {
                file: name.clone(),
                line: start.line as usize + 1,
                column: start.character as usize + 1,
                end_line: end.line as usize + 1,
                end_column: end.character as usize + 1,
                lesson_id: lesson.id.clone(),
                severity: overrides
                    .get(&lesson.id)
                    .copied()
                    .unwrap_or(lesson.severity_now())
                    .as_str()
                    .to_string(),
                message: lesson.message.clone(),
                fix: finding.fix.as_ref().map(|edit| edit.replacement.clone()),
            }
        })
        .collect())
}
