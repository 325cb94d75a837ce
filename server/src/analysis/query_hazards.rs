//! Query shapes that tree-sitter 0.27's `Query::new` never returns from: a check run before
//! any trigger query from a pack, an import or the miner is compiled.
//!
//! tree-sitter compiles a query in C, and two kinds of malformed query defeat it (found by the
//! `query_gates` fuzz target; `tests/fixtures/fuzz/query_gates/found-*.scm` shows each):
//! * a quantifier `+` or `*` on a group or alternation that can match nothing (`[(a) (b)?]+`,
//!   `((a)?)+`) makes `Query::new` loop forever;
//! * something that holds no node but predicates (a predicate, `((#f? ""))`, `[(#f? "")]`) where
//!   a node is needed: as a field's value (`object: (#eq? "x" "y")`), captured
//!   (`((#f? "")) @x`) or quantified (`((#f? ""))?`) fails an assertion in
//!   `ts_query__parse_pattern`, which aborts the process (the `cc` build keeps assertions).
//!
//! A pack holding such a query would hang or kill whoever compiles its lessons: the server at
//! startup, `lore check`, `lore lessons import`. The check errs on the side of caution: a query
//! it flags is reported and left out, never compiled.

/// Why a query is not handed to tree-sitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hazard {
    /// `+` or `*` on a group or alternation that can match nothing: `Query::new` never returns.
    RepeatedOptional,
    /// Only predicates where a node is needed: `Query::new` aborts the process.
    NodeWithoutNode,
}

impl std::fmt::Display for Hazard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Hazard::RepeatedOptional => {
                "a `+` or `*` repeats a group or alternation that can match nothing (tree-sitter would never finish compiling it)"
            }
            Hazard::NodeWithoutNode => {
                "a field value, capture or quantifier applies to predicates alone, not a node (tree-sitter would abort compiling it)"
            }
        })
    }
}

/// Whether `query` has a shape that tree-sitter's `Query::new` hangs or aborts on.
pub fn hazard(query: &str) -> Option<Hazard> {
    /// One open bracket: a predicate `(#...)`, or a group, node or alternation.
    struct Frame {
        predicate: bool,
        /// Holds a node (a name, `_`, a string) rather than only predicates.
        has_node: bool,
        /// Holds a `?` or `*` quantifier at any depth.
        optional_inside: bool,
        after_field: bool,
    }
    let bytes = query.as_bytes();
    // The next byte that is not whitespace or inside a `;` comment (tree-sitter skips both).
    let next_non_space = |from: usize| {
        let mut at = from;
        while at < bytes.len() {
            match bytes[at] {
                b';' => {
                    while at < bytes.len() && bytes[at] != b'\n' {
                        at += 1;
                    }
                }
                byte if byte.is_ascii_whitespace() => at += 1,
                byte => return Some(byte),
            }
        }
        None
    };
    let mut frames: Vec<Frame> = Vec::new();
    let mut after_field = false;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        let in_predicate = frames.last().is_some_and(|frame| frame.predicate);
        match byte {
            b'"' => {
                at += 1;
                while at < bytes.len() && bytes[at] != b'"' {
                    at += if bytes[at] == b'\\' { 2 } else { 1 };
                }
                if let Some(frame) = frames.last_mut().filter(|frame| !frame.predicate) {
                    frame.has_node = true;
                }
                after_field = false;
            }
            b';' => {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
            }
            b'(' | b'[' => {
                let predicate = byte == b'(' && next_non_space(at + 1) == Some(b'#');
                if predicate && after_field {
                    return Some(Hazard::NodeWithoutNode);
                }
                frames.push(Frame {
                    predicate,
                    has_node: false,
                    optional_inside: false,
                    after_field,
                });
                after_field = false;
            }
            b')' | b']' => {
                let Some(frame) = frames.pop() else {
                    at += 1;
                    continue;
                };
                // tree-sitter reads a quantifier after whitespace and comments too.
                let suffix = next_non_space(at + 1);
                if !frame.predicate {
                    let needs_node = frame.after_field
                        || matches!(next_non_space(at + 1), Some(b'@' | b'?' | b'*' | b'+'));
                    if !frame.has_node && needs_node {
                        return Some(Hazard::NodeWithoutNode);
                    }
                    if frame.optional_inside && matches!(suffix, Some(b'+' | b'*')) {
                        return Some(Hazard::RepeatedOptional);
                    }
                }
                if let Some(parent) = frames.last_mut() {
                    parent.has_node |= !frame.predicate && frame.has_node;
                    parent.optional_inside |=
                        frame.optional_inside || matches!(suffix, Some(b'?' | b'*'));
                }
                after_field = false;
            }
            b'?' | b'*' if !in_predicate => {
                if let Some(frame) = frames.last_mut() {
                    frame.optional_inside = true;
                }
            }
            b'@' => {
                // A capture's name.
                at += 1;
                while at < bytes.len()
                    && (bytes[at].is_ascii_alphanumeric() || b"_-.".contains(&bytes[at]))
                {
                    at += 1;
                }
                after_field = false;
                continue;
            }
            b':' if !in_predicate => after_field = true,
            byte if byte.is_ascii_whitespace() => {}
            _ => {
                if !in_predicate {
                    if let Some(frame) = frames.last_mut() {
                        frame.has_node = true;
                    }
                    // A field name ends with `:`; any other word ends the field.
                    after_field = false;
                }
            }
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::Hazard;

    #[test]
    fn the_shapes_that_hang_or_abort_tree_sitter_are_flagged() {
        for (query, hazard) in [
            (
                "[(expression_statement) (return_statement)?]+ @lesson",
                Hazard::RepeatedOptional,
            ),
            ("((call)?)* @lesson", Hazard::RepeatedOptional),
            (
                "[(expression_statement) (return_statement)?]\n; a comment\n+ @lesson",
                Hazard::RepeatedOptional,
            ),
            (
                "(attribute object: (#eq? \"x\" \"y\")) @lesson",
                Hazard::NodeWithoutNode,
            ),
            (
                "((identifier) @lesson ((#eq? \"a\" \"b\")) @x)",
                Hazard::NodeWithoutNode,
            ),
            ("((#match? \"a\"))? @lesson", Hazard::NodeWithoutNode),
            // Found by the fuzzer: a comment between `(` and `#` hides that it is a predicate.
            (
                "(call (;c\n(;c\n#eq? @_fn \"x\")\n(#not-match? @_a \"y\")) @x) @lesson",
                Hazard::NodeWithoutNode,
            ),
            (
                "n:(identifier(attribute attribute:(identifier)s:(argument_list((#n?\"\"))@e",
                Hazard::NodeWithoutNode,
            ),
        ] {
            assert_eq!(super::hazard(query), Some(hazard), "{query}");
        }
    }

    #[test]
    fn the_builtin_queries_and_ordinary_shapes_pass() {
        for query in [
            "(call function: (attribute object: (identifier) @o attribute: (identifier) @a) (#eq? @a \"fit\")) @lesson",
            "(module (_)* @a (_)* @b) @lesson",
            "[(expression_statement) (return_statement)]+ @lesson",
            "((identifier) @lesson (#eq? @lesson \"x\"))",
            "; a comment with ( and ?\n(pass_statement) @lesson",
            "(string \"(#eq?\") @lesson",
        ] {
            assert_eq!(super::hazard(query), None, "{query}");
        }
        let (lessons, problems) = crate::lessons::builtin_lessons();
        assert!(problems.is_empty(), "{problems:?}");
        for lesson in lessons {
            if let Some(query) = &lesson.query {
                assert_eq!(super::hazard(query), None, "{}", lesson.id);
            }
        }
    }
}
