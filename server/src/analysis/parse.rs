//! tree-sitter parsing of Python text, full or incremental.

use tree_sitter::{InputEdit, Language, Parser, Point, QueryCursor, Tree};

/// The Python grammar every query in lore is written against.
pub fn python() -> Language {
    tree_sitter_python::LANGUAGE.into()
}

/// Query matches start at most this many levels below the node a query runs on. tree-sitter
/// 0.27 keeps a match's start depth in 16 bits: a match starting deeper than 65,535 levels
/// corrupts its state and aborts the process (a file of 100,000 nested parentheses did so).
/// Real code nests a few dozen levels.
pub const MAX_MATCH_START_DEPTH: u32 = 30_000;

/// A query cursor that every query over Python text runs with: safe on any tree.
pub fn query_cursor() -> QueryCursor {
    let mut cursor = QueryCursor::new();
    cursor.set_max_start_depth(Some(MAX_MATCH_START_DEPTH));
    cursor
}

/// How many levels deep `tree` goes (its root is level 1), walked without recursion.
pub fn depth(tree: &Tree) -> usize {
    let mut cursor = tree.walk();
    let (mut level, mut deepest) = (1, 1);
    loop {
        if cursor.goto_first_child() {
            level += 1;
            deepest = deepest.max(level);
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return deepest;
            }
            level -= 1;
        }
    }
}

/// Parses `text`, reusing `old_tree` (already `edit`ed to match `text`) when given.
pub fn parse(text: &str, old_tree: Option<&Tree>) -> Tree {
    thread_local! {
        static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new({
            let mut parser = Parser::new();
            parser.set_language(&python()).expect("the bundled Python grammar is compatible");
            parser
        });
    }
    PARSER.with(|parser| {
        parser
            .borrow_mut()
            .parse(text, old_tree)
            .expect("parsing without a timeout or cancellation always returns a tree")
    })
}

/// The tree-sitter point (row, byte column) of a byte offset in `text`.
pub fn point_at(text: &str, byte: usize) -> Point {
    let before = &text.as_bytes()[..byte];
    let row = before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    Point {
        row,
        column: byte - line_start,
    }
}

/// The `InputEdit` for replacing `start..old_end` of `old_text` with `new_text_piece`.
pub fn input_edit(old_text: &str, start: usize, old_end: usize, new_text_piece: &str) -> InputEdit {
    let start_position = point_at(old_text, start);
    let old_end_position = point_at(old_text, old_end);
    let new_end_byte = start + new_text_piece.len();
    let rows_added = new_text_piece.matches('\n').count();
    let new_end_position = if rows_added == 0 {
        Point {
            row: start_position.row,
            column: start_position.column + new_text_piece.len(),
        }
    } else {
        let last_line = new_text_piece.rsplit('\n').next().unwrap_or("");
        Point {
            row: start_position.row + rows_added,
            column: last_line.len(),
        }
    };
    InputEdit {
        start_byte: start,
        old_end_byte: old_end,
        new_end_byte,
        start_position,
        old_end_position,
        new_end_position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_levels_without_recursion() {
        assert_eq!(depth(&parse("", None)), 1);
        let shallow = depth(&parse("x = 1\n", None));
        let nested = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
        let deep = depth(&parse(&nested, None));
        assert!(shallow < 6, "{shallow}");
        assert!(deep > 100_000, "{deep}");
    }

    #[test]
    fn queries_on_trees_deeper_than_sixteen_bits_neither_abort_nor_miss_shallow_matches() {
        use tree_sitter::StreamingIterator;
        let text = format!(
            "x = {}1{}\ntry:\n    pass\nexcept:\n    pass\n",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        let tree = parse(&text, None);
        let query = tree_sitter::Query::new(&python(), "(except_clause) @e").unwrap();
        let mut cursor = query_cursor();
        let mut matches = cursor.matches(&query, tree.root_node(), text.as_bytes());
        let mut found = 0;
        while matches.next().is_some() {
            found += 1;
        }
        assert_eq!(found, 1);
    }

    #[test]
    fn incremental_parse_matches_full_parse() {
        let old_text = "import pandas as pd\nx = 1\n";
        let mut tree = parse(old_text, None);
        let start = old_text.find('1').unwrap();
        let new_text = old_text.replace("x = 1", "x = foo(\n  2)");
        tree.edit(&input_edit(old_text, start, start + 1, "foo(\n  2)"));
        let incremental = parse(&new_text, Some(&tree));
        assert_eq!(
            incremental.root_node().to_sexp(),
            parse(&new_text, None).root_node().to_sexp()
        );
    }
}
