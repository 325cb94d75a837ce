//! What changed between a before and an after snippet, at the level of API names.
//!
//! A snippet's *features* are the API calls (`np.foo()`, `.method()`, `print()`),
//! attribute uses (`Image.ANTIALIAS`, `.values`) and keyword arguments (`kw:name`)
//! it contains. Variable names and literals are not features, so the same edit made
//! in code with different names yields the same [`Change`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use tree_sitter::{Node, Parser};

use super::syntax::{self, is_builtin, is_field, module_path, text};

/// The API-level difference between a before and an after snippet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Change {
    pub removed: BTreeSet<String>,
    pub added: BTreeSet<String>,
}

impl Change {
    /// A stable textual key, equal for equal changes.
    pub fn key(&self) -> String {
        let removed: Vec<&str> = self.removed.iter().map(String::as_str).collect();
        let added: Vec<&str> = self.added.iter().map(String::as_str).collect();
        format!("-{} +{}", removed.join(","), added.join(","))
    }
}

/// A feature and the byte range of the node it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub feature: String,
    pub range: Range<usize>,
}

/// The change between `before` and `after`, or `None` when nothing API-level changed
/// (only literals, whitespace or variable names) or a snippet cannot be parsed.
pub fn change_of(before: &str, after: &str) -> Option<Change> {
    let mut parser = syntax::python_parser()?;
    change_with(&mut parser, before, after)
}

/// Like [`change_of`], reusing `parser`.
pub fn change_with(parser: &mut Parser, before: &str, after: &str) -> Option<Change> {
    let before_tree = syntax::parse(parser, before)?;
    let after_tree = syntax::parse(parser, after)?;
    let old_sites = sites(before_tree.root_node(), before);
    let new_sites = sites(after_tree.root_node(), after);
    let old = feature_counts(&old_sites);
    let new = feature_counts(&new_sites);
    let change = Change {
        removed: excess(&old, &new),
        added: excess(&new, &old),
    };
    (!change.removed.is_empty() || !change.added.is_empty()).then_some(change)
}

fn feature_counts(sites: &[Site]) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for site in sites {
        *counts.entry(site.feature.as_str()).or_insert(0) += 1;
    }
    counts
}

/// Features occurring more often in `a` than in `b`.
fn excess(a: &BTreeMap<&str, usize>, b: &BTreeMap<&str, usize>) -> BTreeSet<String> {
    a.iter()
        .filter(|(name, n)| **n > b.get(*name).copied().unwrap_or(0))
        .map(|(name, _)| name.to_string())
        .collect()
}

/// All feature sites of a parsed snippet, in document order. Import statements only
/// contribute the names they bind.
pub fn sites(root: Node, src: &str) -> Vec<Site> {
    let imports = syntax::imported_names(root, src);
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if matches!(
            node.kind(),
            "import_statement" | "import_from_statement" | "future_import_statement"
        ) {
            continue;
        }
        if let Some(feature) = feature_of(node, src, &imports) {
            out.push(Site {
                feature,
                range: node.byte_range(),
            });
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

fn feature_of(node: Node, src: &str, imports: &BTreeSet<String>) -> Option<String> {
    match node.kind() {
        "call" => callee_name(node.child_by_field_name("function")?, src, imports)
            .map(|name| format!("{name}()")),
        "attribute" => {
            let parent = node.parent();
            let consumed = parent.is_some_and(|p| {
                (p.kind() == "call" && is_field(p, "function", node))
                    || (p.kind() == "attribute"
                        && is_field(p, "object", node)
                        && module_path(p, src, imports).is_some())
            });
            if consumed {
                None
            } else {
                Some(attribute_name(node, src, imports)?)
            }
        }
        "keyword_argument" => {
            let name = node.child_by_field_name("name")?;
            Some(format!("kw:{}", text(name, src)))
        }
        _ => None,
    }
}

/// `np.foo` for module-rooted chains, `.foo` for attributes of anything else.
fn attribute_name(node: Node, src: &str, imports: &BTreeSet<String>) -> Option<String> {
    if let Some(path) = module_path(node, src, imports) {
        return Some(path);
    }
    let attr = node.child_by_field_name("attribute")?;
    Some(format!(".{}", text(attr, src)))
}

fn callee_name(function: Node, src: &str, imports: &BTreeSet<String>) -> Option<String> {
    match function.kind() {
        "identifier" => {
            let name = text(function, src);
            (is_builtin(name) || imports.contains(name)).then(|| name.to_string())
        }
        "attribute" => attribute_name(function, src, imports),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn append_to_concat_ignores_variable_names() {
        let a = change_of(
            "df2 = df.append(row, ignore_index=True)",
            "df2 = pd.concat([df, row], ignore_index=True)",
        )
        .unwrap();
        let b = change_of(
            "out = frame.append(extra, ignore_index=True)\nprint(out)",
            "out = pd.concat([frame, extra], ignore_index=True)\nprint(out)",
        )
        .unwrap();
        assert_eq!(a.removed, set(&[".append()"]));
        assert_eq!(a.added, set(&["pd.concat()"]));
        assert_eq!(a.key(), b.key());
    }

    #[test]
    fn module_chains_are_dotted() {
        let c = change_of(
            "with torch.cuda.amp.autocast():\n    y = model(x)",
            "with torch.amp.autocast(\"cuda\"):\n    y = model(x)",
        )
        .unwrap();
        assert_eq!(c.removed, set(&["torch.cuda.amp.autocast()"]));
        assert_eq!(c.added, set(&["torch.amp.autocast()"]));
    }

    #[test]
    fn imported_receiver_counts_as_module() {
        let c = change_of(
            "from PIL import Image\nim = im.resize(size, Image.ANTIALIAS)",
            "from PIL import Image\nim = im.resize(size, Image.LANCZOS)",
        )
        .unwrap();
        assert_eq!(c.removed, set(&["Image.ANTIALIAS"]));
        assert_eq!(c.added, set(&["Image.LANCZOS"]));
    }

    #[test]
    fn method_on_arbitrary_receiver_is_dot_method() {
        let c = change_of("self.assertEquals(a, b)", "self.assertEqual(a, b)").unwrap();
        assert_eq!(c.removed, set(&[".assertEquals()"]));
        assert_eq!(c.added, set(&[".assertEqual()"]));
    }

    #[test]
    fn keyword_rename_and_added_keyword() {
        let c = change_of(
            "x = pd.read_excel(p, sheetname=\"A\")",
            "x = pd.read_excel(p, sheet_name=\"A\")",
        )
        .unwrap();
        assert_eq!(c.key(), "-kw:sheetname +kw:sheet_name");
        let d = change_of("df.to_csv(path)", "df.to_csv(path, index=False)").unwrap();
        assert!(d.removed.is_empty());
        assert_eq!(d.added, set(&["kw:index"]));
    }

    #[test]
    fn literal_or_name_only_changes_are_noise() {
        assert_eq!(change_of("x = f(1, 'a')", "x = f(2, 'b')"), None);
        assert_eq!(change_of("total = a.sum()", "grand_total = b.sum()"), None);
        assert_eq!(change_of("y = np.zeros(3)", "y  =  np.zeros( 4 )"), None);
        assert_eq!(change_of("helper(x)", "other_helper(x)"), None);
    }

    #[test]
    fn repeated_feature_removed_once_is_seen() {
        let c = change_of(
            "a = x.append(1)\nb = y.append(2)",
            "a = x.append(1)\nb = pd.concat([y, 2])",
        )
        .unwrap();
        assert_eq!(c.removed, set(&[".append()"]));
    }

    #[test]
    fn different_changes_have_different_keys() {
        let a = change_of("logging.warn(m)", "logging.warning(m)").unwrap();
        let b = change_of("log.warn(m)", "log.warning(m)").unwrap();
        assert_eq!(a.key(), "-logging.warn() +logging.warning()");
        assert_ne!(a.key(), b.key());
    }
}
