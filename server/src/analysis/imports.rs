//! What a file imports: top-level module names and the aliases they are bound to.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use tree_sitter::{Node, Query, QueryCursor, StreamingIterator, Tree};

/// The modules a file imports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imports {
    /// Top-level module names (`pandas` for `import pandas.api.types`).
    pub modules: BTreeSet<String>,
    /// Local name → full dotted module or object path (`pd` → `pandas`, `np` → `numpy`,
    /// `train_test_split` → `sklearn.model_selection.train_test_split`).
    pub aliases: BTreeMap<String, String>,
}

impl Imports {
    pub fn imports_any(&self, modules: &[String]) -> bool {
        modules.is_empty() || modules.iter().any(|module| self.modules.contains(module))
    }
}

fn import_query() -> &'static Query {
    static QUERY: OnceLock<Query> = OnceLock::new();
    QUERY.get_or_init(|| {
        Query::new(
            &super::parse::python(),
            include_str!("../../../queries/python/imports.scm"),
        )
        .expect("queries/python/imports.scm compiles (checked by tests)")
    })
}

/// Collects every import statement in the tree, at any depth. Rather than walk the tree, this
/// looks at each `import` keyword in the text: walking every node of a large file cost a third as
/// much as matching all the lessons.
pub fn imports(tree: &Tree, text: &str) -> Imports {
    let mut result = Imports::default();
    let mut cursor = super::parse::query_cursor();
    for (start, _) in text.match_indices("import") {
        let Some(keyword) = tree.root_node().descendant_for_byte_range(start, start + 6) else {
            continue;
        };
        if keyword.kind() != "import" || keyword.is_named() {
            continue;
        }
        if let Some(statement) = keyword
            .parent()
            .filter(|parent| matches!(parent.kind(), "import_statement" | "import_from_statement"))
        {
            collect(&mut cursor, statement, text, &mut result);
        }
    }
    result
}

/// Adds what one import statement (or a whole tree) imports.
fn collect(cursor: &mut QueryCursor, node: Node, text: &str, result: &mut Imports) {
    let query = import_query();
    let names = query.capture_names();
    let mut matches = cursor.matches(query, node, text.as_bytes());
    while let Some(found) = matches.next() {
        let mut module = None;
        let mut name = None;
        let mut alias = None;
        for capture in found.captures() {
            let node_text = capture
                .node
                .utf8_text(text.as_bytes())
                .unwrap_or("")
                .to_string();
            match names[capture.index as usize] {
                "import.module" => module = Some(node_text),
                "import.name" => name = Some(node_text),
                "import.alias" => alias = Some(node_text),
                _ => {}
            }
        }
        let Some(module) = module else { continue };
        let module = module.split_whitespace().collect::<String>();
        if module.starts_with('.') {
            continue;
        }
        if let Some(top) = module.split('.').next() {
            result.modules.insert(top.to_string());
        }
        let (local, target) = match (name, alias) {
            (Some(name), Some(alias)) => (alias, format!("{module}.{name}")),
            (Some(name), None) => (name.clone(), format!("{module}.{name}")),
            (None, Some(alias)) => (alias, module.clone()),
            (None, None) => (
                module.split('.').next().unwrap_or("").to_string(),
                module.split('.').next().unwrap_or("").to_string(),
            ),
        };
        result.aliases.insert(local, target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_modules_and_aliases() {
        let text = "import pandas as pd\nimport numpy\nimport matplotlib.pyplot as plt\nfrom sklearn.model_selection import train_test_split as tts, KFold\nfrom . import local\nimport os.path\ndef f():\n    import torch\n";
        let tree = super::super::parse::parse(text, None);
        let found = imports(&tree, text);
        let modules: Vec<&str> = found.modules.iter().map(String::as_str).collect();
        assert_eq!(
            modules,
            ["matplotlib", "numpy", "os", "pandas", "sklearn", "torch"]
        );
        assert_eq!(found.aliases["pd"], "pandas");
        assert_eq!(found.aliases["plt"], "matplotlib.pyplot");
        assert_eq!(
            found.aliases["tts"],
            "sklearn.model_selection.train_test_split"
        );
        assert_eq!(found.aliases["KFold"], "sklearn.model_selection.KFold");
        assert_eq!(found.aliases["numpy"], "numpy");
        assert_eq!(found.aliases["os"], "os");
    }

    #[test]
    fn the_statement_walk_finds_what_the_query_finds_everywhere() {
        let text = "import a\nif x:\n    import b\nelif y:\n    import c\nelse:\n    from d import e as f\ntry:\n    import g\nexcept ImportError:\n    import h\nfinally:\n    import i\nwith w:\n    import j\nfor k in l:\n    import m\nwhile n:\n    import o\nclass P:\n    import q\n    @dec\n    def r(self):\n        import s\nmatch t:\n    case 1:\n        import u\ndef broken(:\n    import v\nx = (lambda: 1)\n";
        let tree = super::super::parse::parse(text, None);
        let mut everywhere = Imports::default();
        collect(
            &mut QueryCursor::new(),
            tree.root_node(),
            text,
            &mut everywhere,
        );
        assert_eq!(everywhere.modules.len(), 14, "{everywhere:?}");
        assert_eq!(imports(&tree, text), everywhere);
    }
}
