//! Re-running the matcher only where a file changed: the top-level statements that hold
//! the edits (and the ranges whose parse changed) are queried again, and earlier findings
//! elsewhere are kept, shifted to where their text now stands.

use std::ops::Range;

use tree_sitter::Tree;

use super::imports::Imports;
use super::{Finding, Matcher};

/// Above this share of the file, a full pass is as cheap as a restricted one.
const FULL_PASS_SHARE: f64 = 0.5;

/// The span of whole lines and whole top-level statements that covers every dirty range
/// (whole lines: a `# lore: ignore` comment acts on every finding of its line).
pub fn restricted_span(tree: &Tree, text: &str, dirty: &[Range<usize>]) -> Option<Range<usize>> {
    let low = dirty.iter().map(|range| range.start).min()?.min(text.len());
    let high = dirty.iter().map(|range| range.end).max()?.min(text.len());
    let low = text[..low].rfind('\n').map_or(0, |at| at + 1);
    let high = text[high..].find('\n').map_or(text.len(), |at| high + at);
    let text_len = text.len();
    let root = tree.root_node();
    let mut start = low;
    let mut end = high;
    let mut cursor = root.walk();
    for statement in root.children(&mut cursor) {
        // Statements touching the dirty span, including one that ends or starts right at it.
        if statement.end_byte() >= low && statement.start_byte() <= high {
            start = start.min(statement.start_byte());
            end = end.max(statement.end_byte());
        }
    }
    Some(start..end.min(text_len))
}

/// Findings for the new text: `previous` (already mapped to current byte ranges) are kept
/// where nothing they depend on (their extent) is in the re-queried span; inside it the
/// matcher runs again. The span grows to cover the extents of the findings it touches, so
/// that each of them is found again if it still holds. Falls back to a full pass when the
/// span is most of the file.
pub fn rerun(
    matcher: &Matcher,
    tree: &Tree,
    text: &str,
    imports: &Imports,
    previous: Vec<Finding>,
    dirty: &[Range<usize>],
) -> Vec<Finding> {
    let Some(mut span) = restricted_span(tree, text, dirty) else {
        return previous; // Nothing changed.
    };
    let overlaps = |extent: &Range<usize>, span: &Range<usize>| {
        extent.start < span.end && span.start < extent.end
            || extent.is_empty() && span.contains(&extent.start)
    };
    // Growing the span may make it touch more findings: grow until it touches no more.
    loop {
        let grown = previous
            .iter()
            .filter(|finding| overlaps(&finding.extent, &span))
            .fold(span.clone(), |span, finding| {
                span.start.min(finding.extent.start)..span.end.max(finding.extent.end)
            });
        if grown == span {
            break;
        }
        span = grown;
    }
    if span.len() as f64 > FULL_PASS_SHARE * text.len() as f64 {
        return matcher.run_with_imports(tree, text, None, imports);
    }
    let mut findings: Vec<Finding> = previous
        .into_iter()
        .filter(|finding| !overlaps(&finding.extent, &span))
        .collect();
    findings.extend(
        matcher
            .run_with_imports(tree, text, Some(span.clone()), imports)
            .into_iter()
            .filter(|finding| overlaps(&finding.extent, &span)),
    );
    super::findings::sort_findings(&mut findings);
    findings
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::analysis::parse;
    use crate::documents::{Document, PositionEncoding, TextChange, TextPosition};

    /// Edits a realistic file character by character and checks that the restricted rerun
    /// always equals a full pass.
    #[test]
    fn restricted_reruns_equal_full_passes() {
        let (lessons, _) = crate::lessons::builtin_lessons();
        let matcher = Matcher::new(lessons.into_iter().map(Arc::new));
        let block = "def f{n}(x, acc=[]):\n    try:\n        y = x == None\n    except:\n        pass\n    return df.append(y)\n\n";
        let mut text = String::from("import pandas as pd\n\n");
        for n in 0..12 {
            text.push_str(&block.replace("{n}", &n.to_string()));
        }
        let mut document = Document::new(text, 1);
        let mut findings = matcher.run(&document.tree, &document.text, None);
        let edits: &[(u32, u32, u32, &str)] = &[
            (4, 4, 10, ""),        // delete "except" on line 4 -> syntax changes
            (4, 4, 4, "except"),   // and type it back
            (9, 0, 0, "\"\"\""),   // open a string that swallows the rest
            (9, 0, 3, ""),         // close it again
            (14, 10, 14, "None"),  // touch a comparison
            (0, 0, 0, "# hi\n"),   // shift everything
            (30, 4, 4, "x = 1; "), // an edit in the middle
        ];
        for (version, &(line, start, end, new_text)) in edits.iter().enumerate() {
            let old = findings.clone();
            let change = TextChange {
                range: Some((
                    TextPosition {
                        line,
                        character: start,
                    },
                    TextPosition {
                        line,
                        character: end,
                    },
                )),
                text: new_text.to_string(),
            };
            let applied = document
                .apply_changes(&[change], version as i32 + 2, PositionEncoding::Utf16)
                .unwrap();
            // Map the old findings through the edit the way the session does.
            let mut kept = Vec::new();
            for mut finding in old {
                let edit = applied[0];
                if edit.start <= finding.range.end && edit.old_end >= finding.range.start {
                    continue; // touched: re-found or gone
                }
                let shifted = crate::documents::shift_range(
                    finding.range.clone(),
                    edit.start,
                    edit.old_end,
                    edit.delta(),
                );
                let delta = shifted.start as isize - finding.range.start as isize;
                finding.range = shifted;
                finding.extent = crate::documents::shift_range(
                    finding.extent.clone(),
                    edit.start,
                    edit.old_end,
                    edit.delta(),
                );
                if let Some(fix) = &mut finding.fix {
                    fix.range = (fix.range.start as isize + delta) as usize
                        ..(fix.range.end as isize + delta) as usize;
                }
                kept.push(finding);
            }
            let imports = crate::analysis::imports::imports(&document.tree, &document.text);
            findings = rerun(
                &matcher,
                &document.tree,
                &document.text,
                &imports,
                kept,
                &document.dirty,
            );
            document.dirty.clear();
            let full = matcher.run(&parse::parse(&document.text, None), &document.text, None);
            let summary = |all: &[Finding]| {
                all.iter()
                    .map(|f| {
                        (
                            f.lesson_id().to_string(),
                            f.range.clone(),
                            f.fix.as_ref().map(|x| x.range.clone()),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(summary(&findings), summary(&full), "after edit {version}");
        }
    }

    /// A pattern over sibling statements (`plt.show()` then `plt.savefig(...)`) puts its finding
    /// on one statement and depends on the other: an edit of either adds or removes it.
    #[test]
    fn an_edit_next_to_a_finding_of_siblings_adds_or_removes_it() {
        let (lessons, _) = crate::lessons::builtin_lessons();
        let matcher = Matcher::new(lessons.into_iter().map(Arc::new));
        let padding = "x = 1\n".repeat(40);
        let text =
            format!("import matplotlib.pyplot as plt\nplt.draw()\nplt.savefig('a.png')\n{padding}");
        let mut document = Document::new(text, 1);
        let mut findings = matcher.run(&document.tree, &document.text, None);
        let savefig_after_show = |findings: &[Finding]| {
            findings
                .iter()
                .filter(|f| f.lesson_id() == "matplotlib-savefig-after-show")
                .count()
        };
        assert_eq!(savefig_after_show(&findings), 0);
        for (version, (word, expected)) in [("show", 1), ("draw", 0)].into_iter().enumerate() {
            let change = TextChange {
                range: Some((
                    TextPosition {
                        line: 1,
                        character: 4,
                    },
                    TextPosition {
                        line: 1,
                        character: 8,
                    },
                )),
                text: word.to_string(),
            };
            let applied = document
                .apply_changes(&[change], version as i32 + 2, PositionEncoding::Utf16)
                .unwrap();
            let edit = applied[0];
            // As the session does: untouched findings keep their place (the edit is the same
            // length, so no shift).
            let kept: Vec<Finding> = findings
                .into_iter()
                .filter(|f| !(edit.start <= f.range.end && edit.old_end >= f.range.start))
                .collect();
            let imports = crate::analysis::imports::imports(&document.tree, &document.text);
            findings = rerun(
                &matcher,
                &document.tree,
                &document.text,
                &imports,
                kept,
                &document.dirty,
            );
            document.dirty.clear();
            assert_eq!(
                savefig_after_show(&findings),
                expected,
                "after typing {word}"
            );
        }
    }
}
