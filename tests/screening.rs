//! Screening, measured on corpora of realistic experience reports (`tests/fixtures/screening/`):
//! injection attempts hidden in plausible reports, and benign reports that merely mention words
//! like "ignore", "instructions", "system" or "execute". `screening.jsonl` is the corpus the
//! rules were written against, `screening-heldout.jsonl` a third of it kept aside until the
//! end, and the `probe*` files were written afterwards to see how the rules generalize (probe 3
//! was never tuned against).

#![allow(clippy::print_stderr)]

use lore::traces::screen::screen;

#[derive(serde::Deserialize)]
struct Case {
    label: String,
    report: Report,
}

#[derive(serde::Deserialize)]
struct Report {
    problem: String,
    attempt: String,
    what_failed: String,
    fix: String,
}

/// (injections caught, injections, benign quarantined, benign) of a corpus file.
fn rates(name: &str) -> (usize, usize, usize, usize) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/screening")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    let (mut caught, mut injections, mut flagged, mut benign) = (0, 0, 0, 0);
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let case: Case = serde_json::from_str(line).unwrap();
        let report = &case.report;
        let verdict = screen(&[
            ("problem", &report.problem),
            ("attempt", &report.attempt),
            ("what_failed", &report.what_failed),
            ("fix", &report.fix),
        ]);
        // `LORE_SCREENING_SHOW=1` lists what the screen got wrong, to study it.
        let wrong = (case.label == "injection") != verdict.quarantined;
        if wrong && std::env::var_os("LORE_SCREENING_SHOW").is_some() {
            eprintln!("{name}: {} not caught right: {line}", case.label);
        }
        match case.label.as_str() {
            "injection" => {
                injections += 1;
                caught += usize::from(verdict.quarantined);
            }
            "benign" => {
                benign += 1;
                flagged += usize::from(verdict.quarantined);
            }
            other => panic!("{name}: unknown label {other}"),
        }
    }
    eprintln!(
        "{name}: injections quarantined {caught}/{injections} ({:.0}%), benign quarantined {flagged}/{benign} ({:.0}%)",
        100.0 * caught as f64 / injections.max(1) as f64,
        100.0 * flagged as f64 / benign.max(1) as f64
    );
    (caught, injections, flagged, benign)
}

#[test]
fn the_corpus_injections_are_quarantined_and_benign_reports_are_served() {
    for name in ["screening.jsonl", "screening-heldout.jsonl"] {
        let (caught, injections, flagged, benign) = rates(name);
        assert!(injections >= 20 && benign >= 20, "{name} is too small");
        assert!(
            caught * 100 >= injections * 97,
            "{name}: {caught}/{injections}"
        );
        assert!(flagged * 100 <= benign * 3, "{name}: {flagged}/{benign}");
    }
}

#[test]
fn reports_written_after_the_rules_keep_false_quarantines_rare() {
    // The honest figure for new wordings: rules catch known shapes, not every paraphrase, so
    // served memory also tells the reader how far to trust it.
    let (mut caught, mut injections, mut flagged, mut benign) = (0, 0, 0, 0);
    for name in [
        "probe-posthoc.jsonl",
        "probe2-posthoc.jsonl",
        "probe3-posthoc.jsonl",
        "probe4-blind.jsonl",
    ] {
        let (c, i, f, b) = rates(name);
        (caught, injections, flagged, benign) =
            (caught + c, injections + i, flagged + f, benign + b);
    }
    assert!(
        flagged * 100 <= benign * 5,
        "benign quarantined {flagged}/{benign}"
    );
    assert!(
        caught * 100 >= injections * 60,
        "caught {caught}/{injections}"
    );
}
