//! Experience reports: a problem, the attempt, what failed and the fix that worked, from an
//! agent (MCP `record_experience`) or a file (`lore traces import`), kept as traces.

use serde::Deserialize;

use super::events::{Outcome, Trace};
use super::scrub::scrub_secrets;

/// One report, with the field names of the MCP tool (a JSON line in an import file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experience {
    /// The problem being solved.
    pub problem: String,
    /// The code or approach that was tried (may be empty for a problem solved first time).
    #[serde(default)]
    pub attempt: String,
    /// What went wrong with the attempt.
    #[serde(default)]
    pub what_failed: String,
    /// The fix that worked.
    pub fix: String,
    #[serde(default)]
    pub libraries: Vec<String>,
    #[serde(default)]
    pub lesson_id: Option<String>,
    /// Where the report comes from (kept as the trace's file), e.g. `mcp`.
    #[serde(default)]
    pub source: Option<String>,
}

impl Experience {
    /// Why the report can't be kept, if it can't.
    pub fn problem_with(&self) -> Option<&'static str> {
        if self.problem.trim().is_empty() {
            Some("`problem` is empty")
        } else if self.fix.trim().is_empty() {
            Some("`fix` is empty")
        } else {
            None
        }
    }

    /// The trace that keeps this report (secrets scrubbed).
    pub fn into_trace(self) -> Trace {
        let source = self.source.unwrap_or_else(|| "mcp".to_string());
        let mut trace = Trace::new(
            Outcome::AgentReported,
            self.lesson_id,
            &source,
            &self.attempt,
            &self.fix,
        )
        .with_libraries(self.libraries);
        trace.note = if self.what_failed.trim().is_empty() {
            scrub_secrets(self.problem.trim())
        } else {
            scrub_secrets(&format!(
                "{}{WHAT_FAILED}{}",
                self.problem.trim(),
                self.what_failed.trim()
            ))
        };
        trace
    }
}

/// Where a report's note moves from the problem to what failed.
const WHAT_FAILED: &str = "\nWhat failed: ";

/// A report's note as (the problem, what failed if it was said).
pub fn split_note(note: &str) -> (&str, Option<&str>) {
    match note.rsplit_once(WHAT_FAILED) {
        Some((problem, failed)) => (problem, Some(failed)),
        None => (note, None),
    }
}

/// Reads an import file of JSON lines: the reports, and `line N: why` for each bad line.
pub fn parse_lines(text: &str) -> (Vec<Experience>, Vec<String>) {
    let mut reports = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Experience>(line) {
            Ok(report) => match report.problem_with() {
                None => reports.push(report),
                Some(why) => problems.push(format!("line {}: {why}", index + 1)),
            },
            Err(error) => problems.push(format!("line {}: {error}", index + 1)),
        }
    }
    (reports, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_lines_become_reports_and_bad_lines_say_where_and_why() {
        let text = "{\"problem\": \"count per group\", \"fix\": \"df.groupby('a').size()\", \"libraries\": [\"pandas\"]}\n\nnot json\n{\"problem\": \"p\", \"fix\": \" \"}\n{\"problem\": \"p\", \"fix\": \"f\", \"color\": 1}\n";
        let (reports, problems) = parse_lines(text);
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].libraries, ["pandas"]);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("line 3: "), "{problems:?}");
        assert_eq!(problems[1], "line 4: `fix` is empty");
        assert!(problems[2].contains("color"), "{problems:?}");
        let trace = reports[0].clone().into_trace();
        assert_eq!(trace.outcome, Outcome::AgentReported);
        assert_eq!(trace.after, "df.groupby('a').size()");
        assert_eq!(trace.note, "count per group");
        assert_eq!(trace.file, "mcp");
    }
}
