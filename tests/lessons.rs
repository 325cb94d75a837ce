//! Every built-in lesson fires on its bad example, stays silent on its good one, and its fix
//! (where it has one) gives its `fixed` example and makes the lesson go away.

use std::sync::Arc;

use lore::analysis::matcher::apply_fixes;
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
