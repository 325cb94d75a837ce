//! Intent from code: what the code around the cursor is about. Imports give the libraries
//! and aliases (`pd` is pandas), calls and attribute chains near the cursor give the APIs in
//! play (`pd.read_csv` is `pandas.read_csv`), and comments, TODOs and the enclosing
//! function's docstring say what the person is trying to do. Pure: text in, data out.

use std::collections::BTreeSet;

use tree_sitter::{Node, Tree};

use crate::analysis::imports::{self, Imports};

/// Lines above the cursor that count as "near".
const WINDOW_LINES: usize = 40;
/// Characters of intent text kept for embedding (the model reads 256 tokens at most).
const MAX_INTENT_CHARS: usize = 1200;

/// Top-level module → the library name lore uses.
pub fn library_of(module: &str) -> &str {
    match module {
        "sklearn" => "sklearn",
        "pd" | "pandas" => "pandas",
        "np" | "numpy" => "numpy",
        "plt" | "matplotlib" | "mpl" => "matplotlib",
        "sns" | "seaborn" => "seaborn",
        "tf" | "tensorflow" | "keras" => "tensorflow",
        "torch" => "torch",
        "scipy" => "scipy",
        other => other,
    }
}

/// What the code says it is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intent {
    /// Libraries the file imports (lore's names: pandas, numpy, sklearn, ...).
    pub libraries: Vec<String>,
    /// Fully qualified APIs used near the cursor, nearest first (`pandas.read_csv`).
    pub apis: Vec<String>,
    /// Method and attribute names used near the cursor on objects of unknown type
    /// (`groupby` in `df.groupby(...)`), nearest first.
    pub methods: Vec<String>,
    /// Comments, TODOs and the enclosing function's docstring, nearest last, trimmed.
    pub text: String,
    /// The enclosing function, if any.
    pub function: Option<String>,
    /// The free-text query, if one was given.
    pub query: Option<String>,
}

fn text_of<'a>(node: Node, source: &'a [u8]) -> &'a str {
    node.utf8_text(source).unwrap_or("")
}

/// Reads intent from `text` (parsed as `tree`) for a cursor at byte `cursor`.
pub fn intent(tree: &Tree, text: &str, cursor: usize, query: Option<&str>) -> Intent {
    let source = text.as_bytes();
    let cursor = cursor.min(text.len());
    let file_imports = imports::imports(tree, text);
    let mut libraries: BTreeSet<String> = BTreeSet::new();
    for module in &file_imports.modules {
        libraries.insert(library_of(module).to_string());
    }
    let cursor_row = text[..cursor].matches('\n').count();
    let first_row = cursor_row.saturating_sub(WINDOW_LINES);
    let window_start = text
        .split_inclusive('\n')
        .take(first_row)
        .map(str::len)
        .sum::<usize>();
    // Calls and attributes in the window, nearest (latest) first.
    let mut apis: Vec<String> = Vec::new();
    let mut methods: Vec<String> = Vec::new();
    let mut comments: Vec<String> = Vec::new();
    let mut stack = vec![tree.root_node()];
    let mut attributes: Vec<(usize, Node)> = Vec::new();
    while let Some(node) = stack.pop() {
        if node.end_byte() < window_start || node.start_byte() > cursor.max(window_start) + 1 {
            continue;
        }
        match node.kind() {
            "attribute" => attributes.push((node.start_byte(), node)),
            "call" => {
                if let Some(function) = node.child_by_field_name("function")
                    && function.kind() == "identifier"
                {
                    attributes.push((node.start_byte(), function));
                }
            }
            "comment" if node.start_byte() >= window_start => {
                let comment = text_of(node, source).trim_start_matches('#').trim();
                if !comment.is_empty() {
                    comments.push(comment.to_string());
                }
            }
            _ => {}
        }
        let mut walker = node.walk();
        stack.extend(node.children(&mut walker));
    }
    attributes.sort_by_key(|(start, _)| std::cmp::Reverse(*start));
    for (_, node) in attributes {
        let chain = text_of(node, source);
        if chain.contains('\n') || chain.len() > 120 {
            continue;
        }
        match resolve(chain, &file_imports) {
            Some(api) => push_unique(&mut apis, api),
            None => {
                if let Some(name) = chain.rsplit('.').next()
                    && chain.contains('.')
                    && !name.starts_with('_')
                {
                    push_unique(&mut methods, name.to_string());
                }
            }
        }
    }
    // The enclosing function and its docstring: the innermost definition that holds the
    // cursor, or that only whitespace separates from it (the cursor on a blank line after it).
    let mut function = None;
    let mut docstring = String::new();
    let mut best: Option<Node> = None;
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.start_byte() >= cursor {
            continue;
        }
        if node.kind() == "function_definition" {
            let holds =
                node.end_byte() >= cursor || text[node.end_byte()..cursor].trim().is_empty();
            if holds && best.is_none_or(|current| node.start_byte() > current.start_byte()) {
                best = Some(node);
            }
        }
        let mut walker = node.walk();
        stack.extend(node.children(&mut walker));
    }
    if let Some(definition) = best {
        function = definition
            .child_by_field_name("name")
            .map(|name| text_of(name, source).to_string());
        if let Some(body) = definition.child_by_field_name("body")
            && let Some(first) = body.named_child(0)
            && first.kind() == "expression_statement"
            && let Some(string) = first.named_child(0)
            && string.kind() == "string"
        {
            docstring = text_of(string, source)
                .trim_matches(|c| c == '"' || c == '\'')
                .trim()
                .to_string();
        }
    }
    let mut intent_text = String::new();
    if let Some(query) = query {
        intent_text.push_str(query.trim());
        intent_text.push('\n');
    }
    if !docstring.is_empty() {
        intent_text.push_str(&docstring);
        intent_text.push('\n');
    }
    // Nearest comments matter most: keep the tail of the comment text.
    let all_comments = comments
        .iter()
        .rev()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    intent_text.push_str(&all_comments);
    Intent {
        libraries: libraries.into_iter().collect(),
        apis,
        methods,
        text: clip(&intent_text, MAX_INTENT_CHARS),
        function,
        query: query.map(str::to_string),
    }
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Resolves `pd.read_csv` (or `read_csv` imported from pandas) to `pandas.read_csv`.
fn resolve(chain: &str, file_imports: &Imports) -> Option<String> {
    let (head, rest) = chain
        .split_once('.')
        .map(|(head, rest)| (head, Some(rest)))
        .unwrap_or((chain, None));
    let target = file_imports.aliases.get(head)?;
    // Only call chains that stay on the module: `pd.read_csv(...).groupby` keeps `pandas.read_csv`.
    let rest = rest.map(|rest| rest.split('(').next().unwrap_or(rest).to_string());
    Some(match rest {
        Some(rest) if !rest.is_empty() => format!("{target}.{rest}"),
        _ => target.clone(),
    })
}

/// The last `max` bytes of `text` (at a character boundary): the part nearest the cursor.
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::parse;

    #[test]
    fn reads_libraries_apis_methods_and_comments_near_the_cursor() {
        let text = "import pandas as pd\nimport numpy as np\nfrom sklearn.model_selection import train_test_split\n\ndef load(path):\n    \"\"\"Load sales and keep the latest row per customer.\"\"\"\n    # TODO: drop duplicates by customer\n    df = pd.read_csv(path)\n    df = df.sort_values('date').groupby('customer').tail(1)\n    x = np.where(df.a > 0, 1, 0)\n    train_test_split(df)\n    \n";
        let tree = parse::parse(text, None);
        let found = intent(&tree, text, text.len() - 1, Some("keep last"));
        assert_eq!(found.libraries, ["numpy", "pandas", "sklearn"]);
        assert_eq!(
            found.apis,
            [
                "sklearn.model_selection.train_test_split",
                "numpy.where",
                "pandas.read_csv"
            ]
        );
        assert!(
            found.methods.starts_with(&[
                "a".to_string(),
                "tail".to_string(),
                "groupby".to_string(),
                "sort_values".to_string()
            ]),
            "{:?}",
            found.methods
        );
        assert_eq!(found.function.as_deref(), Some("load"));
        assert!(
            found
                .text
                .starts_with("keep last\nLoad sales and keep the latest row per customer."),
            "{}",
            found.text
        );
        assert!(found.text.contains("TODO: drop duplicates by customer"));
    }
}
