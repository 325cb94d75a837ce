//! Mining, measured on a corpus of real-looking fixes (`tests/fixtures/mining/`): a dozen API
//! migrations and bug fixes, each made by 2–4 people in different code with different names,
//! among one-off fixes and unrelated changes. The candidates' generated triggers and fixes run
//! through lore's own matcher on held-out code written by people the miner never saw.

#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use lore::analysis::{Matcher, fix::apply_fixes, parse::parse};
use lore::learning::mining;
use lore::lessons::{Lesson, LessonStatus};
use lore::traces::{Outcome, Salt, Trace};

#[derive(serde::Deserialize)]
struct Row {
    contributor: String,
    change: String,
    before: String,
    after: String,
}

fn rows(name: &str) -> Vec<Row> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/mining")
        .join(name);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The corpus as hand-fixed traces (no lesson named), and each trace's change label.
fn corpus() -> (Vec<Trace>, BTreeMap<String, String>) {
    let salt = Salt::new("team");
    let mut labels = BTreeMap::new();
    let traces = rows("traces.jsonl")
        .into_iter()
        .map(|row| {
            let trace = Trace::new(Outcome::HandFixed, None, "x.py", &row.before, &row.after)
                .with_identity(&salt.identity(&row.contributor, "/repo"));
            labels.insert(trace.id.clone(), row.change);
            trace
        })
        .collect();
    (traces, labels)
}

/// A candidate's change label: the one all its evidence has, or `noise`.
fn label_of(candidate: &Lesson, labels: &BTreeMap<String, String>) -> String {
    let found: BTreeSet<&String> = candidate
        .provenance
        .evidence
        .iter()
        .map(|id| &labels[id])
        .collect();
    match found.into_iter().collect::<Vec<_>>().as_slice() {
        [one] if one.as_str() != "noise" => (*one).clone(),
        _ => "noise".into(),
    }
}

#[test]
fn mining_finds_the_teams_changes_and_their_triggers_hold_on_unseen_code() {
    let (traces, labels) = corpus();
    let refs: Vec<&Trace> = traces.iter().collect();
    let started = std::time::Instant::now();
    let mined = mining::mine(&refs, &[], 2);
    let elapsed = started.elapsed();
    let changes: BTreeSet<&String> = labels.values().filter(|l| *l != "noise").collect();
    let mut mined_changes = BTreeSet::new();
    let mut noise = 0;
    for candidate in &mined.candidates {
        assert_eq!(candidate.status, LessonStatus::Candidate);
        match label_of(candidate, &labels).as_str() {
            "noise" => noise += 1,
            label => {
                mined_changes.insert(label.to_string());
            }
        }
    }
    let held_out = rows("heldout.jsonl");
    let (mut flagged, mut fixed, mut false_alarms, mut total) = (0, 0, 0, 0);
    for candidate in &mined.candidates {
        let label = label_of(candidate, &labels);
        if candidate.query.is_none() || label == "noise" {
            continue;
        }
        let mut active = candidate.clone();
        active.status = LessonStatus::Active;
        let matcher = Matcher::new([Arc::new(active)]);
        assert!(matcher.problems().is_empty(), "{:?}", matcher.problems());
        for row in held_out.iter().filter(|row| row.change == label) {
            total += 1;
            let findings = matcher.run(&parse(&row.before, None), &row.before, None);
            if !findings.is_empty() {
                flagged += 1;
            }
            if apply_fixes(&row.before, &findings, |_| true) == row.after {
                fixed += 1;
            }
            false_alarms += matcher
                .run(&parse(&row.after, None), &row.after, None)
                .len();
        }
    }
    let share = |n: usize| n as f64 / total.max(1) as f64;
    eprintln!(
        "mining: {}/{} changes mined, {noise} noise candidates, held-out flagged {flagged}/{total} ({:.1}%), exact fixes {fixed}/{total} ({:.1}%), false alarms {false_alarms}, {} traces in {:.0} ms",
        mined_changes.len(),
        changes.len(),
        100.0 * share(flagged),
        100.0 * share(fixed),
        traces.len(),
        elapsed.as_secs_f64() * 1000.0
    );
    assert!(
        mined_changes.len() * 8 >= changes.len() * 7,
        "{mined_changes:?}"
    );
    assert_eq!(noise, 0);
    assert!(share(flagged) >= 0.90);
    assert!(share(fixed) >= 0.75);
    assert_eq!(false_alarms, 0);
}
