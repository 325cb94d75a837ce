//! Harvesting documentation from Python source with tree-sitter: module, class, function
//! and method docstrings with their signatures, and the re-exports that give public names.
//! Pure: text in, plain data out.

use tree_sitter::Node;

use crate::analysis::parse;

/// What kind of object a docstring documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Module,
    Class,
    Function,
    Method,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Module => "module",
            DocKind::Class => "class",
            DocKind::Function => "function",
            DocKind::Method => "method",
        }
    }
}

/// One documented object, named where it is defined (`pandas.core.frame.DataFrame.groupby`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocItem {
    pub kind: DocKind,
    /// Dotted path relative to the module: `DataFrame.groupby`, or empty for the module.
    pub path: String,
    /// `(self, by=None, axis=0)` for callables, empty otherwise.
    pub signature: String,
    pub docstring: String,
    /// 1-based line of the definition.
    pub line: usize,
}

/// A `from X import Y as Z` (or `import X as Z`) in a module: `Z` stands for `X.Y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReExport {
    /// The local name (`Z`); `*` for a star import.
    pub local: String,
    /// Absolute dotted target (`X.Y`, or `X` for a star import).
    pub target: String,
}

/// Everything harvested from one module's source.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ModuleDocs {
    pub items: Vec<DocItem>,
    pub reexports: Vec<ReExport>,
    /// Names listed in a literal `__all__`, if any.
    pub all: Option<Vec<String>>,
}

/// Harvests `text`, the source of module `module` (dotted); `is_package` for `__init__.py`.
pub fn harvest_module(text: &str, module: &str, is_package: bool) -> ModuleDocs {
    let tree = parse::parse(text, None);
    let root = tree.root_node();
    let source = text.as_bytes();
    let mut docs = ModuleDocs::default();
    if let Some(docstring) = block_docstring(root, source) {
        docs.items.push(DocItem {
            kind: DocKind::Module,
            path: String::new(),
            signature: String::new(),
            docstring,
            line: 1,
        });
    }
    let package = if is_package {
        module.to_string()
    } else {
        module
            .rsplit_once('.')
            .map(|(parent, _)| parent.to_string())
            .unwrap_or_default()
    };
    let mut cursor = root.walk();
    for statement in root.children(&mut cursor) {
        collect_definitions(statement, source, "", false, &mut docs.items);
        match statement.kind() {
            "import_from_statement" => docs
                .reexports
                .extend(from_import(statement, source, &package)),
            "expression_statement" => {
                if let Some(all) = literal_all(statement, source) {
                    docs.all = Some(all);
                }
            }
            _ => {}
        }
    }
    docs
}

fn text_of<'a>(node: Node, source: &'a [u8]) -> &'a str {
    node.utf8_text(source).unwrap_or("")
}

/// The docstring of a module or of a class/function body block.
fn block_docstring(block: Node, source: &[u8]) -> Option<String> {
    let mut cursor = block.walk();
    let first = block
        .named_children(&mut cursor)
        .find(|child| child.kind() != "comment")?;
    if first.kind() != "expression_statement" {
        return None;
    }
    let string = first.named_child(0)?;
    if string.kind() != "string" && string.kind() != "concatenated_string" {
        return None;
    }
    let cleaned = clean_docstring(&string_value(string, source));
    (!cleaned.is_empty()).then_some(cleaned)
}

/// The contents of a string literal (prefixes and quotes removed; escapes left as written).
fn string_value(node: Node, source: &[u8]) -> String {
    let mut value = String::new();
    let mut cursor = node.walk();
    let parts: Vec<Node> = if node.kind() == "concatenated_string" {
        node.named_children(&mut cursor).collect()
    } else {
        vec![node]
    };
    for part in parts {
        let mut inner = part.walk();
        for child in part.named_children(&mut inner) {
            if child.kind() == "string_content" || child.kind() == "escape_sequence" {
                value.push_str(text_of(child, source));
            }
        }
    }
    value
}

/// PEP 257 indentation handling: strip the common indentation of lines after the first.
pub fn clean_docstring(raw: &str) -> String {
    let lines: Vec<&str> = raw.lines().collect();
    let Some((first, rest)) = lines.split_first() else {
        return String::new();
    };
    let indent = rest
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = vec![first.trim().to_string()];
    out.extend(rest.iter().map(|line| {
        if line.len() >= indent {
            line[indent..].trim_end().to_string()
        } else {
            line.trim().to_string()
        }
    }));
    while out.last().is_some_and(|line| line.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|line| line.is_empty()) {
        out.remove(0);
    }
    out.join("\n")
}

fn is_private(name: &str) -> bool {
    name.starts_with('_')
}

fn collect_definitions(
    node: Node,
    source: &[u8],
    prefix: &str,
    in_class: bool,
    items: &mut Vec<DocItem>,
) {
    let definition = if node.kind() == "decorated_definition" {
        node.child_by_field_name("definition")
    } else {
        Some(node)
    };
    let Some(definition) = definition else { return };
    let Some(name_node) = definition.child_by_field_name("name") else {
        return;
    };
    let name = text_of(name_node, source);
    match definition.kind() {
        "function_definition" => {
            if is_private(name) && name != "__call__" {
                return;
            }
            let Some(body) = definition.child_by_field_name("body") else {
                return;
            };
            let Some(docstring) = block_docstring(body, source) else {
                return;
            };
            let parameters = definition
                .child_by_field_name("parameters")
                .map(|p| text_of(p, source))
                .unwrap_or("()");
            let signature = match definition.child_by_field_name("return_type") {
                Some(returns) => format!("{} -> {}", squash(parameters), text_of(returns, source)),
                None => squash(parameters),
            };
            items.push(DocItem {
                kind: if in_class {
                    DocKind::Method
                } else {
                    DocKind::Function
                },
                path: format!("{prefix}{name}"),
                signature,
                docstring,
                line: definition.start_position().row + 1,
            });
        }
        "class_definition" => {
            if is_private(name) {
                return;
            }
            let Some(body) = definition.child_by_field_name("body") else {
                return;
            };
            let path = format!("{prefix}{name}");
            if let Some(docstring) = block_docstring(body, source) {
                let signature = definition
                    .child_by_field_name("superclasses")
                    .map(|s| squash(text_of(s, source)))
                    .unwrap_or_default();
                items.push(DocItem {
                    kind: DocKind::Class,
                    path: path.clone(),
                    signature,
                    docstring,
                    line: definition.start_position().row + 1,
                });
            }
            let mut cursor = body.walk();
            for member in body.named_children(&mut cursor) {
                collect_definitions(member, source, &format!("{path}."), true, items);
            }
        }
        _ => {}
    }
}

/// Collapses whitespace runs (multi-line signatures) to single spaces.
fn squash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() && !out.ends_with('(') && !word.starts_with(')') {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn from_import(statement: Node, source: &[u8], package: &str) -> Vec<ReExport> {
    let Some(module_node) = statement.child_by_field_name("module_name") else {
        return Vec::new();
    };
    let written = text_of(module_node, source);
    let target_module = if let Some(relative) = written.strip_prefix('.') {
        // `.x` is package.x, `..x` the parent's x, and so on.
        let dots = 1 + relative.chars().take_while(|&c| c == '.').count();
        let rest = relative.trim_start_matches('.');
        let mut base: Vec<&str> = package.split('.').filter(|part| !part.is_empty()).collect();
        for _ in 1..dots {
            base.pop();
        }
        if !rest.is_empty() {
            base.push(rest);
        }
        base.join(".")
    } else {
        written.to_string()
    };
    let mut reexports = Vec::new();
    let mut cursor = statement.walk();
    for child in statement.children(&mut cursor) {
        if child == module_node {
            continue;
        }
        match child.kind() {
            "wildcard_import" => reexports.push(ReExport {
                local: "*".into(),
                target: target_module.clone(),
            }),
            "dotted_name" => {
                let name = text_of(child, source);
                reexports.push(ReExport {
                    local: name.to_string(),
                    target: format!("{target_module}.{name}"),
                });
            }
            "aliased_import" => {
                let name = child
                    .child_by_field_name("name")
                    .map(|n| text_of(n, source))
                    .unwrap_or("");
                let alias = child
                    .child_by_field_name("alias")
                    .map(|n| text_of(n, source))
                    .unwrap_or(name);
                reexports.push(ReExport {
                    local: alias.to_string(),
                    target: format!("{target_module}.{name}"),
                });
            }
            _ => {}
        }
    }
    reexports
}

/// `__all__ = ["a", "b"]` (or a tuple) as a list of names.
fn literal_all(statement: Node, source: &[u8]) -> Option<Vec<String>> {
    let assignment = statement.named_child(0)?;
    if assignment.kind() != "assignment"
        || text_of(assignment.child_by_field_name("left")?, source) != "__all__"
    {
        return None;
    }
    let right = assignment.child_by_field_name("right")?;
    if right.kind() != "list" && right.kind() != "tuple" {
        return None;
    }
    let mut cursor = right.walk();
    Some(
        right
            .named_children(&mut cursor)
            .filter(|item| item.kind() == "string")
            .map(|item| string_value(item, source))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#""""Frame module."""
from pandas.core.generic import NDFrame
from .groupby import GroupBy as GB, transform
from ..util import *

__all__ = ["DataFrame", "merge"]


class DataFrame(NDFrame):
    """
    Two-dimensional tabular data.

        Indented example.
    """

    def groupby(
        self, by=None,
        axis=0,
    ) -> "GroupBy":
        """Group by columns."""
        return None

    def _private(self):
        """Hidden."""

    @property
    def shape(self):
        """Rows and columns."""


def merge(left, right, how: str = "inner"):
    '''Merge two frames.'''


def undocumented():
    pass
"#;

    #[test]
    fn harvests_docstrings_signatures_and_reexports() {
        let docs = harvest_module(SOURCE, "pandas.core.frame", false);
        let summary: Vec<(&str, &str, &str)> = docs
            .items
            .iter()
            .map(|item| {
                (
                    item.kind.as_str(),
                    item.path.as_str(),
                    item.signature.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("module", "", ""),
                ("class", "DataFrame", "(NDFrame)"),
                (
                    "method",
                    "DataFrame.groupby",
                    "(self, by=None, axis=0,) -> \"GroupBy\""
                ),
                ("method", "DataFrame.shape", "(self)"),
                ("function", "merge", "(left, right, how: str = \"inner\")"),
            ]
        );
        assert_eq!(
            docs.items[1].docstring,
            "Two-dimensional tabular data.\n\n    Indented example."
        );
        assert_eq!(docs.items[4].docstring, "Merge two frames.");
        assert_eq!(
            docs.reexports,
            [
                ReExport {
                    local: "NDFrame".into(),
                    target: "pandas.core.generic.NDFrame".into()
                },
                ReExport {
                    local: "GB".into(),
                    target: "pandas.core.groupby.GroupBy".into()
                },
                ReExport {
                    local: "transform".into(),
                    target: "pandas.core.groupby.transform".into()
                },
                ReExport {
                    local: "*".into(),
                    target: "pandas.util".into()
                },
            ]
        );
        assert_eq!(
            docs.all,
            Some(vec!["DataFrame".to_string(), "merge".to_string()])
        );
    }

    #[test]
    fn relative_imports_in_a_package_resolve_from_the_package() {
        let docs = harvest_module("from .frame import DataFrame\n", "pandas.core", true);
        assert_eq!(docs.reexports[0].target, "pandas.core.frame.DataFrame");
    }
}
