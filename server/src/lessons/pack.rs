//! Lesson packs: TOML files of `[[lesson]]` tables, parsed lesson by lesson so one bad
//! lesson (or one bad file) is reported with where and why and never hides the others. A
//! lesson's trigger query is written inline (`query`) or in a `.scm` file (`query_file`).

use std::path::Path;

use super::model::Lesson;

/// The packs compiled into the binary, by file name.
const BUILTIN_PACKS: &[(&str, &str)] = &[
    ("python.toml", include_str!("../../packs/python.toml")),
    ("idioms.toml", include_str!("../../packs/idioms.toml")),
    ("pandas.toml", include_str!("../../packs/pandas.toml")),
    ("numpy.toml", include_str!("../../packs/numpy.toml")),
    (
        "matplotlib.toml",
        include_str!("../../packs/matplotlib.toml"),
    ),
    ("scipy.toml", include_str!("../../packs/scipy.toml")),
    ("sklearn.toml", include_str!("../../packs/sklearn.toml")),
    ("torch.toml", include_str!("../../packs/torch.toml")),
    (
        "tensorflow.toml",
        include_str!("../../packs/tensorflow.toml"),
    ),
];

// `BUILTIN_QUERIES`: the built-in packs' query files, compiled in by `server/build.rs`.
include!(concat!(env!("OUT_DIR"), "/builtin_queries.rs"));

/// Where the `query_file` paths of a pack point.
#[derive(Debug, Clone, Copy)]
pub enum QueryFiles<'a> {
    /// The built-in packs' queries, under `queries/python/lessons/` and compiled into the binary.
    Builtin,
    /// A folder on disk: the one holding the pack file.
    Folder(&'a Path),
}

impl QueryFiles<'_> {
    /// The text of the query file at `path` (relative, with `/` between folders).
    fn read(self, path: &str) -> Result<String, String> {
        if Path::new(path).is_absolute() {
            return Err(format!(
                "`{path}` must be relative to the folder of the pack"
            ));
        }
        match self {
            QueryFiles::Builtin => BUILTIN_QUERIES
                .iter()
                .find(|(name, _)| *name == path)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| format!("no file `{path}` under queries/python/lessons/")),
            QueryFiles::Folder(folder) => {
                let file = folder.join(path);
                crate::bounded::read_text(&file, crate::bounded::MAX_QUERY_BYTES)
                    .map_err(|error| format!("cannot read {}: {error}", file.display()))
            }
        }
    }
}

/// A problem with one pack or one lesson in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}:{line}: {message}")]
pub struct PackError {
    pub source_name: String,
    /// 1-based line of the problem in the pack (the lesson's `id` line when known).
    pub line: usize,
    pub message: String,
}

/// Every built-in lesson, with the problems found in the built-in packs (none, as tests check).
pub fn builtin_lessons() -> (Vec<Lesson>, Vec<PackError>) {
    let mut lessons = Vec::new();
    let mut problems = Vec::new();
    for (name, text) in BUILTIN_PACKS {
        let (mut pack_lessons, mut pack_problems) = parse_pack(
            text,
            &format!("builtin:{name}"),
            "builtin",
            QueryFiles::Builtin,
        );
        lessons.append(&mut pack_lessons);
        problems.append(&mut pack_problems);
    }
    (lessons, problems)
}

/// `lessons` as a pack's TOML text (queries inline), which [`parse_pack`] reads back: what
/// `lore lessons export` writes and `lore lessons edit` opens.
pub fn write_pack(lessons: &[Lesson]) -> Result<String, toml::ser::Error> {
    #[derive(serde::Serialize)]
    struct Pack<'a> {
        lesson: &'a [Lesson],
    }
    toml::to_string(&Pack { lesson: lessons })
}

/// Reads a pack from disk, with its query files relative to the pack's folder; an unreadable
/// file is one problem, not a failure of the caller.
pub fn read_pack_file(path: &Path, origin: &str) -> (Vec<Lesson>, Vec<PackError>) {
    let name = path.display().to_string();
    let folder = path.parent().unwrap_or(Path::new(""));
    match crate::bounded::read_text(path, crate::bounded::MAX_PACK_BYTES) {
        Ok(text) => parse_pack(&text, &name, origin, QueryFiles::Folder(folder)),
        Err(error) if error.kind() == std::io::ErrorKind::InvalidData => (
            Vec::new(),
            vec![PackError {
                source_name: name,
                line: 0,
                message: error.to_string(),
            }],
        ),
        Err(error) => (
            Vec::new(),
            vec![PackError {
                source_name: name,
                line: 0,
                message: format!("cannot read: {error}"),
            }],
        ),
    }
}

/// Parses a pack's text, reading `query_file` paths from `query_files`. Lessons that parse and
/// validate are returned; each other lesson gives one `PackError` naming the pack, the line and
/// the field.
pub fn parse_pack(
    text: &str,
    source_name: &str,
    origin: &str,
    query_files: QueryFiles,
) -> (Vec<Lesson>, Vec<PackError>) {
    let problem = |line: usize, message: String| PackError {
        source_name: source_name.to_string(),
        line,
        message,
    };
    let table: toml::Table = match text.parse() {
        Ok(table) => table,
        Err(error) => {
            let line = error
                .span()
                .map(|span| line_of(text, span.start))
                .unwrap_or(0);
            return (Vec::new(), vec![problem(line, error.message().to_string())]);
        }
    };
    let mut lessons: Vec<Lesson> = Vec::new();
    let mut problems = Vec::new();
    for key in table.keys().filter(|key| key.as_str() != "lesson") {
        problems.push(problem(
            0,
            format!("unknown top-level key `{key}` (expected `[[lesson]]` tables)"),
        ));
    }
    let Some(entries) = table.get("lesson") else {
        problems.push(problem(1, "no `[[lesson]]` tables".to_string()));
        return (lessons, problems);
    };
    let Some(entries) = entries.as_array() else {
        problems.push(problem(
            1,
            "`lesson` must be an array of tables: write `[[lesson]]`".to_string(),
        ));
        return (lessons, problems);
    };
    for (index, entry) in entries.iter().enumerate() {
        let id = entry.get("id").and_then(|id| id.as_str()).unwrap_or("");
        let line = lesson_line(text, id, index);
        let label = if id.is_empty() {
            format!("lesson #{}", index + 1)
        } else {
            format!("lesson `{id}`")
        };
        let mut entry = entry.clone();
        if let Err(message) = inline_query_file(&mut entry, query_files) {
            problems.push(problem(line, format!("{label}: {message}")));
            continue;
        }
        // The path names the field: `severity: unknown variant `loud`, expected ...`.
        let mut lesson: Lesson = match serde_path_to_error::deserialize(entry) {
            Ok(lesson) => lesson,
            Err(error) => {
                let path = error.path().to_string();
                let message = error.into_inner().message().to_string();
                let message = if path == "." || message.contains(&format!("`{path}`")) {
                    message
                } else {
                    format!("field `{path}`: {message}")
                };
                problems.push(problem(line, format!("{label}: {message}")));
                continue;
            }
        };
        if let Err(message) = validate(&lesson) {
            problems.push(problem(line, format!("{label}: {message}")));
            continue;
        }
        if lessons.iter().any(|other| other.id == lesson.id) {
            problems.push(problem(line, format!("{label}: duplicate id in this pack")));
            continue;
        }
        // An exported pack carries each lesson's provenance (origin, evidence, approval):
        // keep it, and say where the lesson was read from.
        if lesson.provenance.origin.is_empty() {
            lesson.provenance.origin = origin.to_string();
        }
        lesson.provenance.source = source_name.to_string();
        lessons.push(lesson);
    }
    (lessons, problems)
}

/// Replaces a lesson's `query_file` with the `query` that file holds, so that the rest of lore
/// (the store, the matcher) only ever sees inline queries.
fn inline_query_file(entry: &mut toml::Value, query_files: QueryFiles) -> Result<(), String> {
    // An entry that is not a table is reported by serde.
    let Some(table) = entry.as_table_mut() else {
        return Ok(());
    };
    let Some(path) = table.remove("query_file") else {
        return Ok(());
    };
    let Some(path) = path.as_str() else {
        return Err("field `query_file` must be a string: a path to a `.scm` file".into());
    };
    if table.contains_key("query") {
        return Err("give either `query` or `query_file`, not both".into());
    }
    let query = query_files
        .read(path)
        .map_err(|message| format!("field `query_file`: {message}"))?;
    table.insert("query".to_string(), toml::Value::String(query));
    Ok(())
}

/// Field-level checks that serde cannot express.
fn validate(lesson: &Lesson) -> Result<(), String> {
    let id_ok = !lesson.id.is_empty()
        && lesson.id.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.'
        });
    if !id_ok {
        return Err(
            "field `id` must be non-empty lowercase letters, digits, `-`, `_` or `.`".into(),
        );
    }
    for (field, value) in [
        ("title", &lesson.title),
        ("message", &lesson.message),
        ("explanation", &lesson.explanation),
    ] {
        if value.trim().is_empty() {
            return Err(format!("field `{field}` is empty"));
        }
    }
    if lesson.version == 0 {
        return Err("field `version` must be at least 1".into());
    }
    if let Some(query) = &lesson.query
        && !query.contains("@lesson")
    {
        return Err("field `query` has no `@lesson` capture".into());
    }
    if let Some(fix) = &lesson.fix {
        if lesson.query.is_none() {
            return Err("field `fix` needs a `query` to say where it applies".into());
        }
        crate::analysis::fix::check_template(&fix.template)
            .map_err(|message| format!("field `fix.template`: {message}"))?;
    }
    Ok(())
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

/// The line of a lesson's `id = "..."` (or of its `[[lesson]]` header when the id is missing).
fn lesson_line(text: &str, id: &str, index: usize) -> usize {
    if !id.is_empty() {
        for (number, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("id") && trimmed.contains(&format!("\"{id}\"")) {
                return number + 1;
            }
        }
    }
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.trim() == "[[lesson]]")
        .nth(index)
        .map(|(number, _)| number + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` as a pack file in the current folder (none of these use `query_file`).
    fn parse_pack_text(text: &str, source_name: &str) -> (Vec<Lesson>, Vec<PackError>) {
        parse_pack(
            text,
            source_name,
            "imported",
            QueryFiles::Folder(Path::new(".")),
        )
    }

    const GOOD: &str = r#"
[[lesson]]
id = "python-demo"
version = 1
title = "Demo"
message = "Demo message."
severity = "warning"
libraries = ["python"]
explanation = "Why."
query = "(call) @lesson"
bad = "f()"
good = "x"
"#;

    #[test]
    fn a_valid_pack_parses() {
        let (lessons, problems) = parse_pack_text(GOOD, "demo.toml");
        assert_eq!(problems, vec![]);
        assert_eq!(lessons.len(), 1);
        assert_eq!(lessons[0].provenance.origin, "imported");
    }

    #[test]
    fn a_bad_lesson_names_file_line_and_field_and_keeps_the_others() {
        let text =
            format!("{GOOD}\n[[lesson]]\nid = \"python-broken\"\nversion = 1\ntitle = \"t\"\n");
        let (lessons, problems) = parse_pack_text(&text, "demo.toml");
        assert_eq!(lessons.len(), 1);
        assert_eq!(problems.len(), 1);
        let problem = problems[0].to_string();
        assert!(
            problem.starts_with("demo.toml:15: lesson `python-broken`: missing field"),
            "{problem}"
        );
    }

    #[test]
    fn a_syntax_error_names_the_line() {
        let (lessons, problems) =
            parse_pack_text("[[lesson]]\nid = \"x\nversion = 1\n", "broken.toml");
        assert!(lessons.is_empty());
        assert_eq!(problems[0].line, 2, "{:?}", problems);
    }

    #[test]
    fn unknown_fields_and_bad_severity_are_reported() {
        let text = GOOD.replace("severity = \"warning\"", "severity = \"loud\"\ncolor = 1");
        let (_, problems) = parse_pack_text(&text, "demo.toml");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.contains("severity") || problems[0].message.contains("color"),
            "{:?}",
            problems
        );
    }

    #[test]
    fn builtin_packs_parse_without_problems() {
        let (lessons, problems) = builtin_lessons();
        assert_eq!(problems, vec![]);
        assert!(
            lessons.len() >= 50,
            "only {} built-in lessons",
            lessons.len()
        );
    }

    #[test]
    fn a_query_file_is_read_next_to_the_pack() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::create_dir(folder.path().join("queries")).unwrap();
        std::fs::write(folder.path().join("queries/demo.scm"), "(call) @lesson\n").unwrap();
        let pack = folder.path().join("team.toml");
        let text = GOOD.replace(
            "query = \"(call) @lesson\"",
            "query_file = \"queries/demo.scm\"",
        );
        std::fs::write(&pack, text).unwrap();
        let (lessons, problems) = read_pack_file(&pack, "imported");
        assert_eq!(problems, vec![]);
        assert_eq!(lessons[0].query.as_deref(), Some("(call) @lesson\n"));
    }

    #[test]
    fn a_missing_doubled_or_absolute_query_file_is_reported() {
        let folder = tempfile::tempdir().unwrap();
        let parse = |replacement: &str| {
            let text = GOOD.replace("query = \"(call) @lesson\"", replacement);
            let (lessons, problems) = parse_pack(
                &text,
                "demo.toml",
                "imported",
                QueryFiles::Folder(folder.path()),
            );
            assert!(lessons.is_empty());
            assert_eq!(problems.len(), 1, "{problems:?}");
            problems[0].to_string()
        };
        let missing = parse("query_file = \"missing.scm\"");
        assert!(
            missing
                .starts_with("demo.toml:3: lesson `python-demo`: field `query_file`: cannot read"),
            "{missing}"
        );
        let doubled = parse("query = \"(call) @lesson\"\nquery_file = \"demo.scm\"");
        assert!(doubled.ends_with("not both"), "{doubled}");
        let absolute = parse("query_file = \"/etc/demo.scm\"");
        assert!(absolute.contains("must be relative"), "{absolute}");
        let builtin = parse_pack(
            &GOOD.replace(
                "query = \"(call) @lesson\"",
                "query_file = \"x/missing.scm\"",
            ),
            "builtin:demo.toml",
            "builtin",
            QueryFiles::Builtin,
        );
        assert!(
            builtin.1[0]
                .message
                .contains("no file `x/missing.scm` under queries/python/lessons/"),
            "{builtin:?}"
        );
    }

    #[test]
    fn every_builtin_query_file_belongs_to_its_lesson() {
        let mut used: Vec<String> = Vec::new();
        for (name, text) in BUILTIN_PACKS {
            let table: toml::Table = text.parse().unwrap();
            for entry in table["lesson"].as_array().unwrap() {
                if let Some(path) = entry.get("query_file").and_then(|path| path.as_str()) {
                    let id = entry["id"].as_str().unwrap();
                    let pack = name.trim_end_matches(".toml");
                    // The layout queries/README.md describes: <pack>/<lesson id>.scm.
                    assert_eq!(path, format!("{pack}/{id}.scm"), "{name}");
                    used.push(path.to_string());
                }
            }
        }
        // A lesson naming a missing file is a pack problem (`builtin_packs_parse_without_problems`).
        let orphans: Vec<&str> = BUILTIN_QUERIES
            .iter()
            .map(|(path, _)| *path)
            .filter(|path| !used.iter().any(|used| used == path))
            .collect();
        assert!(
            orphans.is_empty(),
            "query files no lesson names: {orphans:?}"
        );
    }
}
