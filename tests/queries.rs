//! Queries are code: every `.scm` under queries/ compiles against tree-sitter-python, and
//! caret fixtures check what they capture.

use std::path::Path;

use tree_sitter::{Query, QueryCursor, StreamingIterator};

fn scm_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scm_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "scm") {
            out.push(path);
        }
    }
}

#[test]
fn every_query_file_compiles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../queries");
    let mut files = Vec::new();
    scm_files(&root, &mut files);
    assert!(!files.is_empty());
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        if let Err(error) = Query::new(&lore::analysis::parse::python(), &source) {
            panic!(
                "{}:{}:{}: {}",
                file.display(),
                error.row + 1,
                error.column + 1,
                error.message
            );
        }
    }
}

/// Checks `# ^ @capture` caret lines: the capture must start at the caret's column on the
/// line above.
fn check_carets(query_file: &str, fixture: &str) {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../queries")
            .join(query_file),
    )
    .unwrap();
    let query = Query::new(&lore::analysis::parse::python(), &source).unwrap();
    let tree = lore::analysis::parse::parse(fixture, None);
    let mut captured = Vec::new();
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(&query, tree.root_node(), fixture.as_bytes());
    while let Some(found) = matches.next() {
        for capture in found.captures() {
            let point = capture.node.start_position();
            captured.push((
                point.row,
                point.column,
                query.capture_names()[capture.index as usize].to_string(),
            ));
        }
    }
    let lines: Vec<&str> = fixture.lines().collect();
    let mut expectations = 0;
    let mut code_row = 0;
    for (row, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if !trimmed.starts_with('#') || !trimmed.contains('^') {
            code_row = row;
            continue;
        }
        // A caret line points into the nearest code line above it.
        let column = line.find('^').unwrap();
        let name = line[column..].split('@').nth(1).unwrap().trim();
        expectations += 1;
        assert!(
            captured.contains(&(code_row, column, name.to_string())),
            "no @{name} at line {}, column {column}; captured {captured:?}",
            code_row + 1
        );
    }
    assert!(expectations > 0);
}

#[test]
fn import_query_captures_modules_names_and_aliases() {
    check_carets(
        "python/imports.scm",
        "import pandas as pd
#      ^ @import.module
#                ^ @import.alias
from sklearn.model_selection import train_test_split as tts
#    ^ @import.module
#                                   ^ @import.name
#                                                       ^ @import.alias
import os.path
#      ^ @import.module
",
    );
}
