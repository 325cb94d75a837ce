//! Reading DS-1000 data as `shared/ds1000/tools/ds1000_eval.py` reads it: the JSON-lines
//! files, a problem's prompt split into its statement and its code, and the key APIs of a
//! reference solution.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::Context;
use regex::Regex;
use tree_sitter::Node;

use crate::analysis::parse;

/// Names too common to count as a key API (the reference script's list; builtins count too).
const TRIVIAL: &[&str] = &[
    "result", "df", "a", "b", "x", "y", "np", "pd", "plt", "torch", "tf", "sns", "self", "values",
    "copy", "shape", "T", "name", "index", "columns", "dtype", "size", "data", "sum", "mean",
    "max", "min", "append", "astype", "reshape", "tolist", "to_numpy", "item", "numpy", "g", "f",
    "i", "j", "k", "s", "arr", "A", "B",
];

/// The records of a JSON-lines file, skipping blank lines. A line that is not JSON is an error
/// that names the file, the line and what the record should have been (`what`: "problem").
pub fn read_json_lines(path: &Path, what: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a JSON {what}", path.display(), number + 1))
        })
        .collect()
}

/// The identifiers in `text`.
pub fn words(text: &str) -> HashSet<String> {
    static WORD: OnceLock<Regex> = OnceLock::new();
    let word = WORD.get_or_init(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").expect("valid regex"));
    word.find_iter(text)
        .map(|m| m.as_str().to_string())
        .collect()
}

/// (problem text, code before the solution slot), as the reference script splits them.
pub fn split_prompt(prompt: &str) -> (String, String) {
    let mut text = prompt;
    for marker in ["BEGIN SOLUTION", "# SOLUTION START", "### BEGIN SOLUTION"] {
        if let Some(at) = text.rfind(marker) {
            text = &text[..at];
            break;
        }
    }
    static CODE: OnceLock<Regex> = OnceLock::new();
    let code_block =
        CODE.get_or_init(|| Regex::new(r"(?s)<code>\n?(.*?)(</code>|$)").expect("valid regex"));
    let (problem, code) = match code_block.captures_iter(text).last() {
        Some(last) => {
            let whole = last.get(0).expect("a match has group 0");
            let code = format!("{}{}", &last[1], &text[whole.end()..]);
            (text[..whole.start()].to_string(), code)
        }
        None => (String::new(), text.to_string()),
    };
    let mut problem = problem
        .replace("<code>", "")
        .replace("</code>", "")
        .replace("Problem:", "")
        .trim()
        .to_string();
    if problem.ends_with("A:") {
        problem.truncate(problem.len() - 2);
    }
    (problem.trim().to_string(), format!("{}\n", code.trim_end()))
}

/// The key APIs of a reference solution: the attribute, function and keyword names it uses
/// that neither the problem nor its code mentions (minus builtins and trivial names).
pub fn key_apis(reference: &str, prompt: &str) -> HashSet<String> {
    // The reference script skips what Python's `ast` cannot parse: code with syntax errors, and
    // code whose first statement is indented (a function body, perhaps under a comment line),
    // which tree-sitter would accept.
    let indented = reference
        .lines()
        .find(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .is_some_and(|line| line.starts_with([' ', '\t']));
    let tree = parse::parse(reference, None);
    if indented || tree.root_node().has_error() {
        return HashSet::new();
    }
    let mut names = HashSet::new();
    let mut stack: Vec<Node> = vec![tree.root_node()];
    let source = reference.as_bytes();
    while let Some(node) = stack.pop() {
        match node.kind() {
            "attribute" => {
                if let Some(attribute) = node.child_by_field_name("attribute") {
                    names.insert(attribute.utf8_text(source).unwrap_or("").to_string());
                }
            }
            "call" => {
                if let Some(function) = node.child_by_field_name("function")
                    && function.kind() == "identifier"
                {
                    names.insert(function.utf8_text(source).unwrap_or("").to_string());
                }
            }
            "keyword_argument" => {
                if let Some(name) = node.child_by_field_name("name") {
                    names.insert(name.utf8_text(source).unwrap_or("").to_string());
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    let mentioned = words(prompt);
    names
        .into_iter()
        .filter(|name| {
            name.len() > 2
                && !TRIVIAL.contains(&name.as_str())
                && !crate::analysis::builtins::is_builtin(name)
                && !mentioned.contains(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_prompts_and_finds_key_apis_like_the_reference_script() {
        let prompt = "Problem:\nI want the rolling mean.\nA:\n<code>\nimport pandas as pd\ndf = load()\n</code>\nresult = ... # put solution in this variable\nBEGIN SOLUTION\n<code>\n";
        let (problem, code) = split_prompt(prompt);
        assert_eq!(problem, "I want the rolling mean.");
        assert_eq!(
            code,
            "import pandas as pd\ndf = load()\n\nresult = ... # put solution in this variable\n"
        );
        let keys = key_apis("result = df.rolling(window=3).mean().fillna(0)", prompt);
        let mut keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["fillna", "window"]);
        // Python's `ast` rejects an indented body, also under a comment line: no keys.
        assert!(key_apis("    r = df.cumsum()\n", prompt).is_empty());
        assert!(key_apis("# def solve(df):\n    r = df.cumsum()\n", prompt).is_empty());
        assert_eq!(key_apis("# a note\nr = df.cumsum()\n", prompt).len(), 1);
    }
}
