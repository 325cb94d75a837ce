//! `lore check`: the structural matcher over files and folders, in parallel, like a linter.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::{Finding, parse};
use crate::config::WorkspaceConfig;
use crate::documents::{LineIndex, PositionEncoding};
use crate::lessons::{Lesson, LessonSet};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders (folders are walked, honouring .gitignore).
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
pub fn python_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            return Err(format!("{}: no such file or directory", path.display()));
        }
        for entry in ignore::WalkBuilder::new(path).build() {
            let entry = entry.map_err(|error| error.to_string())?;
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    let (lessons, problems) = runtime.block_on(crate::memory::read_lessons(store));
    for problem in problems {
        super::warn(&format!("lore: {problem}"));
    }
    lessons
}

/// Checks one file's text.
pub fn check_text(lessons: &LessonSet, text: &str) -> Vec<Finding> {
    let tree = parse::parse(text, None);
    lessons.matcher.run(&tree, text, None)
}

pub fn run(args: &CheckArgs, store: &Path) -> ExitCode {
    let files = match python_files(&args.paths) {
        Ok(files) => files,
        Err(error) => {
            super::warn(&format!("lore: {error}"));
            return ExitCode::from(2);
        }
    };
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
            Err(error) => super::warn(&format!("lore: ignoring broken workspace config: {error}")),
        }
    }
    // Compiling the combined query takes a fifth of a second: read and parse the files
    // meanwhile, on the other core.
    let (lessons, parsed) = std::thread::scope(|scope| {
        let compiling = scope.spawn(|| LessonSet::new(load_lessons(store), &disabled));
        let parsed: Vec<(PathBuf, Result<Source, String>)> = files
            .par_iter()
            .map(|file| (file.clone(), read_and_parse(file)))
            .collect();
        (
            compiling
                .join()
                .expect("compiling the lessons does not panic"),
            parsed,
        )
    });
    let lessons = Arc::new(lessons);
    let results: Vec<(PathBuf, Result<Vec<CheckFinding>, String>)> = parsed
        .into_par_iter()
        .map(|(file, source)| {
            let result = source.and_then(|(text, tree)| {
                check_file(&lessons, &file, text, tree, &overrides, args.fix)
            });
            (file, result)
        })
        .collect();
    let mut errors = 0;
    let mut all = Vec::new();
    for (file, result) in results {
        match result {
            Ok(mut findings) => all.append(&mut findings),
            Err(error) => {
                errors += 1;
                super::warn(&format!("lore: {}: {error}", file.display()));
            }
        }
    }
    match args.format {
        Format::Json => {
            super::say(&serde_json::to_string_pretty(&all).unwrap_or_else(|_| "[]".into()))
        }
        Format::Text => {
            for finding in &all {
                super::say(&format!(
                    "{}:{}:{}: {} {}",
                    finding.file, finding.line, finding.column, finding.lesson_id, finding.message
                ));
            }
            if !all.is_empty() {
                super::warn(&format!(
                    "Found {} finding{} in {} file{}.",
                    all.len(),
                    if all.len() == 1 { "" } else { "s" },
                    files.len(),
                    if files.len() == 1 { "" } else { "s" }
                ));
            }
        }
    }
    if errors > 0 {
        ExitCode::from(2)
    } else if all.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// A file's text and its tree.
type Source = (String, tree_sitter::Tree);

/// Reads and parses a file; a file that cannot be read, is too large or is not UTF-8 is an error.
fn read_and_parse(file: &Path) -> Result<Source, String> {
    let bytes = std::fs::read(file).map_err(|error| format!("cannot read: {error}"))?;
    if bytes.len() > crate::documents::MAX_ANALYSED_BYTES {
        return Err(format!(
            "larger than {} bytes; skipped",
            crate::documents::MAX_ANALYSED_BYTES
        ));
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        format!(
            "not UTF-8 (byte {}); skipped",
            error.utf8_error().valid_up_to()
        )
    })?;
    let tree = parse::parse(&text, None);
    Ok((text, tree))
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
        let fixed = crate::analysis::matcher::apply_fixes(&text, &findings, |finding| {
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
                    .unwrap_or(lesson.severity)
                    .as_str()
                    .to_string(),
                message: lesson.message.clone(),
                fix: finding.fix.as_ref().map(|edit| edit.replacement.clone()),
            }
        })
        .collect())
}
