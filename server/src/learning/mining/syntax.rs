//! Shared tree-sitter helpers for mining: parsing Python and classifying names.

use std::collections::BTreeSet;
use tree_sitter::{Node, Parser, Tree};

/// A parser configured for tree-sitter-python.
pub fn python_parser() -> Option<Parser> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .ok()?;
    Some(parser)
}

/// Nothing deeper is mined: a real fix nests a few dozen levels, and the generaliser
/// recurses along the trees.
const MAX_MINED_DEPTH: usize = 500;

/// Parses `code` with `parser` (`None` for code nested deeper than anyone's fix).
pub fn parse(parser: &mut Parser, code: &str) -> Option<Tree> {
    parser
        .parse(code, None)
        .filter(|tree| crate::analysis::parse::depth(tree) <= MAX_MINED_DEPTH)
}

/// Text of `node` in `src` (empty on invalid UTF-8 boundaries).
pub fn text<'a>(node: Node, src: &'a str) -> &'a str {
    src.get(node.byte_range()).unwrap_or("")
}

/// Names that are conventionally module aliases even when the import is not in the snippet.
const KNOWN_MODULES: &[&str] = &[
    "np",
    "pd",
    "plt",
    "sns",
    "torch",
    "tf",
    "os",
    "sys",
    "time",
    "logging",
    "datetime",
    "asyncio",
    "inspect",
    "collections",
    "re",
    "json",
    "math",
    "random",
    "Image",
    "scipy",
    "sp",
    "subprocess",
    "shutil",
    "warnings",
    "typing",
    "functools",
    "itertools",
    "requests",
    "yaml",
    "pickle",
    "mpl",
    "nn",
    "F",
    "cv2",
    "sklearn",
    "stats",
    "unittest",
    "pathlib",
    "csv",
];

/// Builtin functions whose plain calls count as API use.
const BUILTINS: &[&str] = &[
    "print",
    "len",
    "open",
    "range",
    "isinstance",
    "issubclass",
    "int",
    "float",
    "str",
    "bool",
    "list",
    "dict",
    "set",
    "tuple",
    "sorted",
    "sum",
    "min",
    "max",
    "zip",
    "enumerate",
    "map",
    "filter",
    "super",
    "type",
    "getattr",
    "setattr",
    "hasattr",
    "iter",
    "next",
    "repr",
    "round",
    "abs",
    "any",
    "all",
    "format",
    "vars",
    "input",
    "eval",
    "exec",
    "reversed",
    "hash",
    "id",
];

/// Whether a plain call of `name` is a builtin.
pub fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// Names bound by import statements anywhere in the tree.
pub fn imported_names(root: Node, src: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "import_statement" => collect_import(node, src, true, &mut names),
            "import_from_statement" => collect_import(node, src, false, &mut names),
            _ => {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
            }
        }
    }
    names
}

fn collect_import(node: Node, src: &str, plain: bool, names: &mut BTreeSet<String>) {
    let mut cursor = node.walk();
    for child in node.children_by_field_name("name", &mut cursor) {
        let bound = match child.kind() {
            "aliased_import" => child.child_by_field_name("alias").map(|a| text(a, src)),
            "dotted_name" => {
                let mut inner = child.walk();
                let parts: Vec<Node> = child.named_children(&mut inner).collect();
                // `import a.b` binds `a`; `from m import b` binds `b`.
                let part = if plain { parts.first() } else { parts.last() };
                part.map(|p| text(*p, src))
            }
            _ => None,
        };
        if let Some(name) = bound {
            names.insert(name.to_string());
        }
    }
}

/// Whether `name` looks like a module (imported in the snippet or a known alias).
pub fn is_module_name(name: &str, imports: &BTreeSet<String>) -> bool {
    imports.contains(name) || KNOWN_MODULES.contains(&name)
}

/// `a.b.c` when `node` is an attribute chain of identifiers rooted at a module-like name.
pub fn module_path(node: Node, src: &str, imports: &BTreeSet<String>) -> Option<String> {
    match node.kind() {
        "identifier" => {
            let name = text(node, src);
            is_module_name(name, imports).then(|| name.to_string())
        }
        "attribute" => {
            let object = node.child_by_field_name("object")?;
            let attr = node.child_by_field_name("attribute")?;
            let base = module_path(object, src, imports)?;
            Some(format!("{base}.{}", text(attr, src)))
        }
        _ => None,
    }
}

/// Whether `parent` holds `node` under `field`.
pub fn is_field(parent: Node, field: &str, node: Node) -> bool {
    parent
        .child_by_field_name(field)
        .is_some_and(|c| c.id() == node.id())
}
