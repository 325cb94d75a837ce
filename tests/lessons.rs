//! Every built-in lesson fires on its bad example, stays silent on its good one, and its fix
//! (where it has one) gives its `fixed` example and makes the lesson go away.

use std::sync::Arc;

use lore::analysis::fix::apply_fixes;
use lore::analysis::{Matcher, parse};

fn fires(matcher: &Matcher, id: &str, code: &str) -> usize {
    let tree = parse::parse(code, None);
    matcher
        .run(&tree, code, None)
        .iter()
        .filter(|finding| finding.lesson_id() == id)
        .count()
}

#[test]
fn builtin_packs_have_enough_real_lessons() {
    let (lessons, problems) = lore::lessons::builtin_lessons();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(lessons.len() >= 50, "{} lessons", lessons.len());
    let with_fix = lessons.iter().filter(|lesson| lesson.fix.is_some()).count();
    assert!(with_fix >= 20, "{with_fix} lessons with fixes");
    for library in [
        "python",
        "pandas",
        "numpy",
        "matplotlib",
        "scipy",
        "sklearn",
        "torch",
        "tensorflow",
    ] {
        assert!(
            lessons
                .iter()
                .any(|lesson| lesson.libraries.iter().any(|l| l == library)),
            "no lesson for {library}"
        );
    }
    let matcher = Matcher::new(lessons.into_iter().map(Arc::new));
    assert!(matcher.problems().is_empty(), "{:#?}", matcher.problems());
}

#[test]
fn every_lesson_fires_on_bad_and_not_on_good_through_the_combined_query() {
    let (lessons, _) = lore::lessons::builtin_lessons();
    let matcher = Matcher::new(lessons.iter().cloned().map(Arc::new));
    let mut failures = Vec::new();
    // Lessons without a query are surfaced by meaning (semantic hints), tested in tests/lsp.
    for lesson in lessons.iter().filter(|lesson| lesson.query.is_some()) {
        if fires(&matcher, &lesson.id, &lesson.bad) == 0 {
            failures.push(format!("{}: silent on its bad example", lesson.id));
        }
        if fires(&matcher, &lesson.id, &lesson.good) > 0 {
            failures.push(format!("{}: fires on its good example", lesson.id));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_fix_gives_its_fixed_example_and_silences_its_lesson() {
    let (lessons, _) = lore::lessons::builtin_lessons();
    let matcher = Matcher::new(lessons.iter().cloned().map(Arc::new));
    let mut failures = Vec::new();
    for lesson in lessons.iter().filter(|lesson| lesson.fix.is_some()) {
        let tree = parse::parse(&lesson.bad, None);
        let findings = matcher.run(&tree, &lesson.bad, None);
        let fixed = apply_fixes(&lesson.bad, &findings, |finding| {
            finding.lesson_id() == lesson.id
        });
        if findings
            .iter()
            .any(|finding| finding.lesson_id() == lesson.id && finding.fix.is_none())
        {
            failures.push(format!(
                "{}: a finding has no fix (template capture missing?)",
                lesson.id
            ));
        }
        if let Some(expected) = &lesson.fix.as_ref().unwrap().fixed
            && fixed.trim() != expected.trim()
        {
            failures.push(format!(
                "{}: fix gives\n{}\nexpected\n{}",
                lesson.id,
                fixed.trim(),
                expected.trim()
            ));
        }
        if fires(&matcher, &lesson.id, &fixed) > 0 {
            failures.push(format!(
                "{}: still fires after its fix:\n{fixed}",
                lesson.id
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// What `lore check` runs (rare lessons only around their words, absent ones not at all) finds
/// exactly what the single combined query finds, on every example alone and on all of them in
/// one large file (where some words are too frequent to gate around).
#[test]
fn gated_matching_finds_what_the_combined_query_finds() {
    let (lessons, _) = lore::lessons::builtin_lessons();
    let lessons: Vec<Arc<lore::lessons::Lesson>> = lessons.into_iter().map(Arc::new).collect();
    let mut texts: Vec<String> = lessons
        .iter()
        .flat_map(|lesson| [lesson.bad.clone(), lesson.good.clone()])
        .collect();
    let everything = texts.join("\n");
    texts.push(everything.repeat(3));
    let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
    let combined = Matcher::new(lessons.iter().cloned());
    let findings = |matcher: &Matcher, text: &str| -> Vec<(String, std::ops::Range<usize>)> {
        let tree = parse::parse(text, None);
        matcher
            .run(&tree, text, None)
            .into_iter()
            .map(|finding| (finding.lesson_id().to_string(), finding.range))
            .collect()
    };
    // A lesson that relates sibling statements is quadratic in a flat module: on the large
    // text it may run past its time budget in one matcher (a debug build on a busy machine)
    // and be left out from then on. Compare the lessons both matchers still run.
    let compared = |found: Vec<(String, std::ops::Range<usize>)>, skipped: &[String]| {
        found
            .into_iter()
            .filter(|(id, _)| !skipped.contains(id))
            .collect::<Vec<_>>()
    };
    let skipped = |matchers: [&Matcher; 2]| -> Vec<String> {
        matchers
            .iter()
            .flat_map(|matcher| matcher.over_budget())
            .map(|problem| problem.lesson_id)
            .collect()
    };
    // Gate every lesson that can be gated, then the default choice for these texts.
    for hits_per_kib in [f64::INFINITY, 0.05] {
        let gated = Matcher::for_texts_gating(lessons.iter().cloned(), &borrowed, hits_per_kib);
        assert!(gated.problems().is_empty(), "{:#?}", gated.problems());
        if hits_per_kib.is_infinite() {
            assert!(
                gated.gated_lessons() >= 50,
                "{} gated",
                gated.gated_lessons()
            );
        }
        for text in &borrowed {
            let (from_gated, from_combined) = (findings(&gated, text), findings(&combined, text));
            let left_out = skipped([&gated, &combined]);
            assert!(
                left_out.len() <= 2,
                "a budget this tight is wrong: {left_out:?}"
            );
            assert_eq!(
                compared(from_gated, &left_out),
                compared(from_combined, &left_out),
                "{text}"
            );
        }
    }
    assert!(!findings(&combined, &everything).is_empty());
    // Lessons whose words are absent are left out, yet a text with those words is matched alike.
    let only_python: Vec<&str> = lessons
        .iter()
        .filter(|lesson| lesson.id.starts_with("python-"))
        .map(|lesson| lesson.bad.as_str())
        .collect();
    let pruned = Matcher::for_texts(lessons.iter().cloned(), &only_python);
    assert!(pruned.lessons().len() < combined.lessons().len());
    for text in &only_python {
        assert_eq!(findings(&pruned, text), findings(&combined, text), "{text}");
    }
}
