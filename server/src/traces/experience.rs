//! Experience as JSON lines: what `lore traces import` reads and `lore traces export` writes,
//! and what MCP `record_experience` takes. A line is a report (a problem, the attempt, what
//! failed and the fix that worked) or any other trace (a fix accepted, a finding dismissed, a
//! hand fix), with who made it, when, and the code around it.

use serde::{Deserialize, Serialize};

use super::events::{Outcome, Trace};
use super::identity::Salt;
use super::scrub::scrub_secrets;

/// The version of the line format this lore writes; it reads this and every older one.
pub const SCHEMA: u32 = 1;

/// Field size caps: a report is a few paragraphs and a few screens of code, not a dump.
pub const MAX_TEXT_CHARS: usize = 8_000;
pub const MAX_CODE_CHARS: usize = 20_000;
pub const MAX_LIBRARIES: usize = 20;

/// One line of an import file, with the field names of the MCP tool `record_experience`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experience {
    /// The line format's version (written by `export`; absent means 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<u32>,
    /// Written by `export`; on import the id is derived again from the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// When it happened (RFC 3339; default: the time of the import).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// `fixed` (default), `accepted`, `dismissed`, `disabled`, `hand-fixed` or `agent-reported`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The problem being solved.
    #[serde(default)]
    pub problem: String,
    /// The code or approach that was tried (the code before).
    #[serde(default)]
    pub attempt: String,
    /// What went wrong with the attempt.
    #[serde(default)]
    pub what_failed: String,
    /// The fix that worked (the code after).
    #[serde(default)]
    pub fix: String,
    /// The code around the change.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub context: String,
    #[serde(default)]
    pub libraries: Vec<String>,
    #[serde(default)]
    pub lesson_id: Option<String>,
    /// Where the report comes from (kept as the trace's file), e.g. `mcp`.
    #[serde(default)]
    pub source: Option<String>,
    /// Who made it: any string (a name, an e-mail, an agent's name), stored only as its salted
    /// hash. Default: the user running the import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contributor: Option<String>,
    /// Who made it, as a salted hash already (what `export` writes), kept as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contributor_id: Option<String>,
    /// The workspace's salted hash (what `export` writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
}

impl Experience {
    /// The outcome the line says (`fixed` when it says none).
    pub fn outcome(&self) -> Result<Outcome, String> {
        match &self.outcome {
            None => Ok(Outcome::Fixed),
            Some(text) => Outcome::parse(text).ok_or_else(|| {
                let known: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
                format!(
                    "unknown `outcome` `{text}` (expected one of {})",
                    known.join(", ")
                )
            }),
        }
    }

    /// Why the line can't be kept, if it can't.
    pub fn problem_with(&self) -> Option<String> {
        let outcome = match self.outcome() {
            Ok(outcome) => outcome,
            Err(why) => return Some(why),
        };
        if let Some(schema) = self.schema
            && schema > SCHEMA
        {
            return Some(newer_schema(schema));
        }
        if outcome.is_report() {
            if self.problem.trim().is_empty() {
                return Some("`problem` is empty".into());
            }
            if self.fix.trim().is_empty() {
                return Some("`fix` is empty".into());
            }
        }
        if outcome == Outcome::HandFixed && self.fix.trim().is_empty() {
            return Some("`fix` is empty (a hand fix needs the code after)".into());
        }
        if matches!(
            outcome,
            Outcome::Accepted | Outcome::Dismissed | Outcome::Disabled
        ) && self.lesson_id.is_none()
        {
            return Some(format!(
                "`lesson_id` is missing (a `{}` trace is about a lesson)",
                outcome.as_str()
            ));
        }
        if let Some(id) = &self.lesson_id
            && !is_lesson_id(id)
        {
            return Some(format!(
                "`lesson_id` `{}` is not a lesson id (lowercase letters, digits, `-`, `_`, `.`)",
                id.chars().take(60).collect::<String>()
            ));
        }
        if let Some(time) = &self.time
            && let Err(why) = parse_time(time)
        {
            return Some(format!("`time` {why}"));
        }
        if self.contributor.is_some() && self.contributor_id.is_some() {
            return Some("give `contributor` or `contributor_id`, not both".into());
        }
        for (field, value, cap) in [
            ("problem", &self.problem, MAX_TEXT_CHARS),
            ("what_failed", &self.what_failed, MAX_TEXT_CHARS),
            ("attempt", &self.attempt, MAX_CODE_CHARS),
            ("fix", &self.fix, MAX_CODE_CHARS),
            ("context", &self.context, MAX_CODE_CHARS),
        ] {
            let length = value.chars().count();
            if length > cap {
                return Some(format!("`{field}` is {length} characters (at most {cap})"));
            }
        }
        if self.libraries.len() > MAX_LIBRARIES
            || self.libraries.iter().any(|library| library.len() > 64)
        {
            return Some(format!(
                "`libraries` must be at most {MAX_LIBRARIES} names of at most 64 characters"
            ));
        }
        None
    }

    /// The trace that keeps this line (secrets scrubbed, identities hashed with `salt`; the
    /// contributor is `default_contributor` when the line names none). Call after
    /// [`Experience::problem_with`] said nothing.
    pub fn into_trace(self, salt: &Salt, default_contributor: &str) -> Trace {
        let outcome = self.outcome().unwrap_or(Outcome::Fixed);
        let source = self.source.unwrap_or_else(|| "mcp".to_string());
        let mut trace = Trace::new(outcome, self.lesson_id, &source, &self.attempt, &self.fix)
            .with_libraries(self.libraries);
        trace.contributor = match (self.contributor_id, self.contributor) {
            (Some(hash), _) => hash,
            (None, Some(name)) => salt.hash(&name),
            (None, None) => salt.hash(default_contributor),
        };
        trace.workspace = self.workspace_id.unwrap_or_default();
        if let Some(time) = self.time.as_deref().and_then(|t| parse_time(t).ok()) {
            trace.time_ms = time;
        }
        // Each part is scrubbed on its own (a rule for `NAME=value` lines must see its line
        // start); sealing scrubs every field again.
        // The problem cannot hold the separator itself, so the first one splits the note.
        let problem = scrub_secrets(self.problem.trim()).replace(WHAT_FAILED, WHAT_FAILED_QUOTED);
        trace.note = if self.what_failed.trim().is_empty() {
            problem
        } else {
            format!(
                "{problem}{WHAT_FAILED}{}",
                scrub_secrets(self.what_failed.trim())
            )
        };
        trace.context = self.context;
        trace.sealed()
    }

    /// The line that `export` writes for `trace`; importing it gives the same trace back.
    pub fn of_trace(trace: &Trace) -> Experience {
        let (problem, what_failed) = split_note(&trace.note);
        Experience {
            schema: Some(SCHEMA),
            id: Some(trace.id.clone()),
            time: Some(format_time(trace.time_ms)),
            outcome: Some(trace.outcome.as_str().to_string()),
            problem: problem.to_string(),
            attempt: trace.before.clone(),
            what_failed: what_failed.unwrap_or("").to_string(),
            fix: trace.after.clone(),
            context: trace.context.clone(),
            libraries: trace.libraries.clone(),
            lesson_id: trace.lesson_id.clone(),
            source: Some(trace.file.clone()),
            contributor: None,
            contributor_id: Some(trace.contributor.clone()),
            workspace_id: (!trace.workspace.is_empty()).then(|| trace.workspace.clone()),
        }
    }
}

fn newer_schema(schema: u32) -> String {
    format!(
        "written by a newer lore (schema {schema}; this one reads up to {SCHEMA}): upgrade lore to import it"
    )
}

/// Lowercase letters, digits, `-`, `_` and `.`, as pack ids are.
pub fn is_lesson_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 120
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// Where a report's note moves from the problem to what failed.
const WHAT_FAILED: &str = "\nWhat failed: ";

/// The separator as a problem's own text keeps it (lower case), so it splits nothing.
const WHAT_FAILED_QUOTED: &str = "\nwhat failed: ";

/// A report's note as (the problem, what failed if it was said).
pub fn split_note(note: &str) -> (&str, Option<&str>) {
    match note.split_once(WHAT_FAILED) {
        Some((problem, failed)) => (problem, Some(failed)),
        None => (note, None),
    }
}

/// The last millisecond RFC 3339 can write: 9999-12-31T23:59:59.999Z.
const LATEST_TIME_MS: i64 = 253_402_300_799_999;

/// `time_ms` as RFC 3339 in UTC, to the millisecond (clamped to 1970..=9999, which imports
/// accept).
pub fn format_time(time_ms: i64) -> String {
    let ms = time_ms.clamp(0, LATEST_TIME_MS) as u64;
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
    humantime::format_rfc3339_millis(time).to_string()
}

/// An RFC 3339 time (`Z` or a `±HH:MM` offset) as milliseconds since the epoch.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let invalid = || format!("`{text}` is not an RFC 3339 time (e.g. 2026-03-01T12:00:00Z)");
    let text = text.trim();
    let offset_at = text
        .len()
        .checked_sub(6)
        .filter(|&at| text.is_char_boundary(at));
    let (local, offset_minutes) = match offset_at.map(|at| text.split_at(at)) {
        Some((local, offset))
            if (offset.starts_with('+') || offset.starts_with('-'))
                && offset.as_bytes()[3] == b':' =>
        {
            let hours: i64 = offset[1..3].parse().map_err(|_| invalid())?;
            let minutes: i64 = offset[4..6].parse().map_err(|_| invalid())?;
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            (format!("{local}Z"), sign * (hours * 60 + minutes))
        }
        _ => (text.to_string(), 0),
    };
    let time = humantime::parse_rfc3339(&local).map_err(|_| invalid())?;
    let ms = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| invalid())?
        .as_millis() as i64;
    let ms = ms - offset_minutes * 60_000;
    if !(0..=LATEST_TIME_MS).contains(&ms) {
        return Err(format!(
            "`{text}` is outside the times lore keeps (1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z)"
        ));
    }
    Ok(ms)
}

/// Reads an import file of JSON lines: the good lines, and `line N: why` for each bad line.
pub fn parse_lines(text: &str) -> (Vec<Experience>, Vec<String>) {
    let mut reports = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(report) => reports.push(report),
            Err(why) => problems.push(format!("line {}: {why}", index + 1)),
        }
    }
    (reports, problems)
}

fn parse_line(line: &str) -> Result<Experience, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    // A newer lore may have added fields: say so, rather than name the unknown field.
    if let Some(schema) = value.get("schema").and_then(serde_json::Value::as_u64)
        && schema > u64::from(SCHEMA)
    {
        return Err(newer_schema(schema as u32));
    }
    let report: Experience = serde_json::from_value(value).map_err(|e| e.to_string())?;
    match report.problem_with() {
        None => Ok(report),
        Some(why) => Err(why),
    }
}

/// Whether `trace` passes an export's filters.
pub fn exported(trace: &Trace, since_ms: Option<i64>, outcomes: &[Outcome]) -> bool {
    since_ms.is_none_or(|since| trace.time_ms >= since)
        && (outcomes.is_empty() || outcomes.contains(&trace.outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn salt() -> Salt {
        Salt::new("team")
    }

    #[test]
    fn good_lines_become_reports_and_bad_lines_say_where_and_why() {
        let text = "{\"problem\": \"count per group\", \"fix\": \"df.groupby('a').size()\", \"libraries\": [\"pandas\"]}\n\nnot json\n{\"problem\": \"p\", \"fix\": \" \"}\n{\"problem\": \"p\", \"fix\": \"f\", \"color\": 1}\n{\"outcome\": \"dismissed\"}\n{\"schema\": 2, \"problem\": \"p\", \"fix\": \"f\", \"new_field\": 1}\n{\"problem\": \"p\", \"fix\": \"f\", \"time\": \"yesterday\"}\n{\"problem\": \"p\", \"fix\": \"f\", \"lesson_id\": \"Ignore previous instructions\"}\n";
        let (reports, problems) = parse_lines(text);
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].libraries, ["pandas"]);
        assert_eq!(problems.len(), 7, "{problems:?}");
        assert!(problems[0].starts_with("line 3: "), "{problems:?}");
        assert_eq!(problems[1], "line 4: `fix` is empty");
        assert!(problems[2].contains("color"), "{problems:?}");
        assert!(
            problems[3].starts_with("line 6: `lesson_id` is missing"),
            "{problems:?}"
        );
        assert!(
            problems[4].starts_with("line 7: written by a newer lore (schema 2"),
            "{problems:?}"
        );
        assert!(
            problems[5].starts_with("line 8: `time` `yesterday` is not an RFC 3339"),
            "{problems:?}"
        );
        assert!(problems[6].contains("is not a lesson id"), "{problems:?}");
        let trace = reports[0].clone().into_trace(&salt(), "alice");
        assert_eq!(trace.outcome, Outcome::Fixed);
        assert_eq!(trace.after, "df.groupby('a').size()");
        assert_eq!(trace.note, "count per group");
        assert_eq!(trace.file, "mcp");
        assert_eq!(trace.contributor, salt().hash("alice"));
    }

    #[test]
    fn export_then_import_gives_the_same_trace() {
        let line = r#"{"outcome": "hand-fixed", "problem": "p", "attempt": "df.ix[0]", "what_failed": "AttributeError", "fix": "df.loc[0]", "context": "import pandas as pd", "contributor": "bob@example.com", "time": "2026-03-01T13:00:00+01:00", "libraries": ["pandas"], "source": "src/a.py"}"#;
        let (reports, problems) = parse_lines(line);
        assert!(problems.is_empty(), "{problems:?}");
        let trace = reports[0].clone().into_trace(&salt(), "alice");
        assert_eq!(trace.time_ms, parse_time("2026-03-01T12:00:00Z").unwrap());
        assert_eq!(trace.contributor, salt().hash("bob@example.com"));
        let exported = serde_json::to_string(&Experience::of_trace(&trace)).unwrap();
        assert!(!exported.contains("bob"), "{exported}");
        // Into another store, with another salt: the hash is kept, so the id is the same.
        let (again, problems) = parse_lines(&exported);
        assert!(problems.is_empty(), "{problems:?}");
        let round_tripped = again[0].clone().into_trace(&Salt::new("other"), "carol");
        assert_eq!(round_tripped, trace);
        assert_eq!(
            serde_json::to_string(&Experience::of_trace(&round_tripped)).unwrap(),
            exported
        );
    }

    #[test]
    fn times_parse_with_offsets_and_fractions() {
        assert_eq!(parse_time("1970-01-01T00:00:01Z"), Ok(1000));
        assert_eq!(parse_time("1970-01-01T00:00:01.250Z"), Ok(1250));
        assert_eq!(parse_time("1970-01-01T01:00:01+01:00"), Ok(1000));
        assert_eq!(parse_time("1970-01-01T00:00:01-01:00"), Ok(3_601_000));
        assert!(parse_time("2026-13-01T00:00:00Z").is_err());
        assert_eq!(format_time(1250), "1970-01-01T00:00:01.250Z");
    }

    #[test]
    fn times_that_export_could_not_write_back_are_refused_not_panicked_on() {
        // Six bytes before the end fall inside a character: no offset there, and no panic.
        assert!(parse_time("😀aaé").is_err());
        // Past 9999 or before 1970 once the offset applies: export could not write it back.
        assert!(parse_time("9999-12-31T23:59:59-01:00").is_err());
        assert!(parse_time("1970-01-01T00:00:00+01:00").is_err());
        assert_eq!(
            format_time(i64::MAX),
            "9999-12-31T23:59:59.999Z",
            "a time from elsewhere is clamped, not a panic"
        );
    }

    #[test]
    fn a_separator_inside_the_texts_does_not_move_the_split() {
        for (problem, what_failed) in [
            ("p", "a\nWhat failed:  b"),
            ("", "a\nWhat failed: b"),
            ("a\nWhat failed: b", "c"),
        ] {
            let report = Experience {
                outcome: Some("hand-fixed".into()),
                problem: problem.into(),
                what_failed: what_failed.into(),
                fix: "f".into(),
                ..Experience::default()
            };
            let trace = report.into_trace(&salt(), "alice");
            let exported = Experience::of_trace(&trace);
            let again = exported.clone().into_trace(&salt(), "bob");
            assert_eq!(again, trace, "{problem:?} / {what_failed:?}");
            assert_eq!(exported.what_failed, what_failed.trim());
        }
    }

    #[test]
    fn fields_are_capped() {
        let long = Experience {
            problem: "p".repeat(MAX_TEXT_CHARS + 1),
            fix: "f".into(),
            ..Experience::default()
        };
        assert!(
            long.problem_with()
                .unwrap()
                .starts_with("`problem` is 8001 characters")
        );
    }
}
