//! lore's own query predicates, checked on each match after tree-sitter's built-in ones.
//!
//! `(#lore-has-parameter? @params @name)`: the `parameters` node `@params` declares a parameter
//! (plain, with a default, typed, or typed with a default) named by the text of `@name`. Saying
//! "some parameter equals this name" in the query itself forks one match state per parameter,
//! and those states live through the whole function body; asking it of the one `parameters` node
//! costs a fraction of that.
//!
//! Predicates lore does not know are left to tree-sitter, which ignores them.

use tree_sitter::{Node, QueryCapture, QueryPredicate, QueryPredicateArg};

/// Whether `predicate` holds for a match with `captures` over `text`.
pub fn holds(predicate: &QueryPredicate, captures: &[QueryCapture], text: &str) -> bool {
    let nodes = |arg: Option<&QueryPredicateArg>| -> Vec<Node> {
        match arg {
            Some(QueryPredicateArg::Capture(index)) => captures
                .iter()
                .filter(|capture| capture.index == *index)
                .map(|capture| capture.node)
                .collect(),
            _ => Vec::new(),
        }
    };
    match &*predicate.operator {
        "lore-has-parameter?" => {
            let names: Vec<&str> = nodes(predicate.args.get(1))
                .into_iter()
                .filter_map(|node| node.utf8_text(text.as_bytes()).ok())
                .collect();
            nodes(predicate.args.first()).into_iter().any(|parameters| {
                parameter_names(parameters, text).any(|parameter| names.contains(&parameter))
            })
        }
        _ => true,
    }
}

/// The names a `parameters` node declares, in the four forms `#lore-has-parameter?` knows.
fn parameter_names<'a>(parameters: Node<'a>, text: &'a str) -> impl Iterator<Item = &'a str> {
    let mut walker = parameters.walk();
    let children: Vec<Node<'a>> = parameters.named_children(&mut walker).collect();
    children.into_iter().filter_map(move |parameter| {
        let name = match parameter.kind() {
            "identifier" => Some(parameter),
            "default_parameter" | "typed_default_parameter" => {
                parameter.child_by_field_name("name")
            }
            "typed_parameter" => parameter
                .named_child(0)
                .filter(|first| first.kind() == "identifier"),
            _ => None,
        }?;
        name.utf8_text(text.as_bytes()).ok()
    })
}

#[cfg(test)]
mod tests {
    use tree_sitter::{Query, QueryCursor, StreamingIterator};

    use super::*;
    use crate::analysis::parse;

    #[test]
    fn has_parameter_knows_the_four_forms() {
        let text = "def f(a, b=1, c: int, d: int = 2, *e, **g):\n    return a, b, c, d, e, g, h\n";
        let tree = parse::parse(text, None);
        let query = Query::new(
            &parse::python(),
            "(function_definition parameters: (parameters) @p body: (block (return_statement (expression_list (identifier) @n))) (#lore-has-parameter? @p @n))",
        )
        .unwrap();
        let mut cursor = QueryCursor::new();
        let mut matches = cursor.matches(&query, tree.root_node(), text.as_bytes());
        let mut declared = Vec::new();
        while let Some(found) = matches.next() {
            let predicate = &query.general_predicates(found.pattern_index)[0];
            let name = found.captures()[1].node.utf8_text(text.as_bytes()).unwrap();
            if holds(predicate, found.captures(), text) {
                declared.push(name.to_string());
            }
        }
        assert_eq!(declared, ["a", "b", "c", "d"]);
    }
}
