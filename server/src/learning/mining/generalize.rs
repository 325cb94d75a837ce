//! Anti-unification of a cluster's exemplars into a trigger query and a fix template.
//!
//! For each exemplar the changed tokens are located; the node holding them is the
//! *fix* node and the smallest enclosing node that also holds every removed API use
//! is the *lesson* node. The lesson nodes of all exemplars are anti-unified: shared
//! API names, node types and fields are kept, differing parts become captures.
//! The fix template is the after text of the fix node with capture texts replaced
//! by `{name}`. A generalization is only returned when it reproduces every exemplar.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

use tree_sitter::{Node, Query, QueryCursor, StreamingIterator, Tree};

use super::change::sites;
use super::syntax::{self, is_builtin, is_module_name, text};
use crate::analysis::fix::render;
use crate::analysis::query_hazards;

/// A generated trigger query and its fix template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generalization {
    pub query: String,
    pub template: String,
}

/// One fix found by running a query: replace `range` of the code with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub range: Range<usize>,
    pub replacement: String,
}

/// Anti-unifies `(before, after)` exemplars into a validated query and template, or
/// `None` when no generalization reproduces every exemplar exactly.
pub fn generalize(exemplars: &[(&str, &str)]) -> Option<Generalization> {
    if exemplars.is_empty() {
        return None;
    }
    let mut parser = syntax::python_parser()?;
    let mut trees = Vec::with_capacity(exemplars.len());
    for (before, after) in exemplars {
        trees.push((
            syntax::parse(&mut parser, before)?,
            syntax::parse(&mut parser, after)?,
        ));
    }
    let examples = exemplars
        .iter()
        .zip(&trees)
        .map(|((before, after), (bt, at))| Example::locate(before, after, bt, at))
        .collect::<Option<Vec<_>>>()?;
    let lessons: Vec<Node> = examples.iter().map(|e| e.lesson).collect();
    // Coarse holes generalize best; finer ones are needed when the fix reuses parts.
    [true, false].into_iter().find_map(|collapse| {
        let unifier = Unifier {
            examples: &examples,
            collapse,
        };
        let pattern = unifier.unify(&lessons)?.without_root_fix();
        candidate(&pattern, &examples, exemplars)
    })
}

/// The first query/template built from `pattern` that validates on all exemplars.
fn candidate(
    pattern: &Pat,
    examples: &[Example],
    exemplars: &[(&str, &str)],
) -> Option<Generalization> {
    if matches!(pattern, Pat::Hole { .. }) {
        return None;
    }
    let holes = HoleTable::from_pattern(pattern);
    let mut templates: Vec<String> = Vec::new();
    for (index, example) in examples.iter().enumerate() {
        let candidate = example.template(&holes.texts_for(index));
        if !templates.contains(&candidate) {
            templates.push(candidate);
        }
    }
    for typing in [Typing::Wild, Typing::Agreeing] {
        for omit_unused in [true, false] {
            for template in &templates {
                let used = placeholders(template);
                let query = Emitter::new(&holes, &used, typing, omit_unused).emit(pattern);
                if validates(&query, template, exemplars) {
                    return Some(Generalization {
                        query,
                        template: template.clone(),
                    });
                }
            }
        }
    }
    None
}

/// The fixes `query` + `template` propose in `code`, one per flagged node.
pub fn fixes(query: &str, template: &str, code: &str) -> Result<Vec<Fix>, String> {
    if let Some(hazard) = query_hazards::hazard(query) {
        return Err(hazard.to_string());
    }
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    let query = Query::new(&language, query).map_err(|e| e.to_string())?;
    let mut parser = syntax::python_parser().ok_or("python grammar unavailable")?;
    let tree = syntax::parse(&mut parser, code).ok_or("parse failed")?;
    let names = query.capture_names();
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(&query, tree.root_node(), code.as_bytes());
    let mut out: Vec<Fix> = Vec::new();
    while let Some(m) = matches.next() {
        let mut captured: HashMap<&str, Node> = HashMap::new();
        for capture in m.captures() {
            if let Some(name) = names.get(capture.index as usize) {
                captured.entry(name).or_insert(capture.node);
            }
        }
        let Some(target) = captured.get("fix").or_else(|| captured.get("lesson")) else {
            continue;
        };
        let rendered = render(template, |name| {
            captured.get(name).map(|n| text(*n, code).to_string())
        });
        if let Ok(replacement) = rendered {
            let fix = Fix {
                range: target.byte_range(),
                replacement,
            };
            if !out.iter().any(|f| f.range == fix.range) {
                out.push(fix);
            }
        }
    }
    Ok(out)
}

/// Number of matches of `query` in `code` (0 when the query does not compile).
pub fn match_count(query: &str, code: &str) -> usize {
    if query_hazards::hazard(query).is_some() {
        return 0;
    }
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    let (Ok(query), Some(mut parser)) = (Query::new(&language, query), syntax::python_parser())
    else {
        return 0;
    };
    let Some(tree) = syntax::parse(&mut parser, code) else {
        return 0;
    };
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(&query, tree.root_node(), code.as_bytes());
    let mut count = 0;
    while matches.next().is_some() {
        count += 1;
    }
    count
}

/// `code` fixed at each flagged place separately (one result per fix).
pub fn apply(query: &str, template: &str, code: &str) -> Vec<String> {
    fixes(query, template, code)
        .unwrap_or_default()
        .iter()
        .filter_map(|fix| apply_fix(code, fix))
        .collect()
}

/// `code` with every non-overlapping fix applied at once.
pub fn apply_all(query: &str, template: &str, code: &str) -> String {
    let mut all = fixes(query, template, code).unwrap_or_default();
    all.sort_by_key(|f| f.range.start);
    let mut out = String::with_capacity(code.len());
    let mut at = 0;
    for fix in &all {
        if fix.range.start < at {
            continue;
        }
        out.push_str(code.get(at..fix.range.start).unwrap_or(""));
        out.push_str(&fix.replacement);
        at = fix.range.end;
    }
    out.push_str(code.get(at..).unwrap_or(""));
    out
}

fn apply_fix(code: &str, fix: &Fix) -> Option<String> {
    Some(format!(
        "{}{}{}",
        code.get(..fix.range.start)?,
        fix.replacement,
        code.get(fix.range.end..)?
    ))
}

/// Capture names used as `{name}` in `template`.
fn placeholders(template: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|&ch| ch != '}').collect();
                names.insert(name);
            }
            _ => {}
        }
    }
    names
}

fn escape_template(code: &str) -> String {
    code.replace('{', "{{").replace('}', "}}")
}

/// The exact checks a candidate must pass.
fn validates(query: &str, template: &str, exemplars: &[(&str, &str)]) -> bool {
    exemplars.iter().all(|(before, after)| {
        let Ok(found) = fixes(query, template, before) else {
            return false;
        };
        let reproduces = found
            .iter()
            .any(|f| apply_fix(before, f).as_deref() == Some(*after))
            || apply_all(query, template, before) == *after;
        !found.is_empty() && reproduces && match_count(query, after) == 0
    })
}

/// One exemplar with its located lesson and fix nodes.
struct Example<'t> {
    before: &'t str,
    after: &'t str,
    after_tree: &'t Tree,
    imports: BTreeSet<String>,
    lesson: Node<'t>,
    fix: Node<'t>,
    after_span: Range<usize>,
}

impl<'t> Example<'t> {
    fn locate(before: &'t str, after: &'t str, bt: &'t Tree, at: &'t Tree) -> Option<Self> {
        let root = bt.root_node();
        let old = leaves(root);
        let new = leaves(at.root_node());
        let same = |a: &Node, b: &Node| a.kind() == b.kind() && text(*a, before) == text(*b, after);
        let prefix = old.iter().zip(&new).take_while(|(a, b)| same(a, b)).count();
        let room = old.len().min(new.len()) - prefix;
        let suffix = old
            .iter()
            .rev()
            .zip(new.iter().rev())
            .take(room)
            .take_while(|(a, b)| same(a, b))
            .count();
        if prefix + suffix == old.len() && prefix + suffix == new.len() {
            return None;
        }
        let (fix, inner) = if prefix + suffix < old.len() {
            let start = old.get(prefix)?.start_byte();
            let end = old.get(old.len() - suffix - 1)?.end_byte();
            let fix = root.named_descendant_for_byte_range(start, end)?;
            (fix, fix)
        } else {
            let point = match prefix.checked_sub(1) {
                Some(i) => old.get(i)?.end_byte(),
                None => old.first()?.start_byte(),
            };
            let inner = strict_container(root, point)?;
            let fix = prefix
                .checked_sub(1)
                .and_then(|i| old.get(i))
                .and_then(|leaf| ending_operand(*leaf, point))
                .unwrap_or(inner);
            (fix, inner)
        };
        let after_span = after_span(before, after, fix.byte_range())?;
        let lesson = lesson_node(root, before, at.root_node(), after, inner, fix)?;
        Some(Example {
            before,
            after,
            after_tree: at,
            imports: syntax::imported_names(root, before),
            lesson,
            fix,
            after_span,
        })
    }

    /// The after text of the fix node with hole texts replaced by `{name}`.
    fn template(&self, holes: &[(String, String)]) -> String {
        let mut replaced: Vec<(Range<usize>, &str)> = Vec::new();
        let span = self.after_span.clone();
        let mut stack = vec![self.after_tree.root_node()];
        while let Some(node) = stack.pop() {
            let range = node.byte_range();
            if range.end <= span.start || range.start >= span.end {
                continue;
            }
            let inside = range.start >= span.start && range.end <= span.end;
            let hole = holes
                .iter()
                .find(|(_, t)| !t.is_empty() && t == text(node, self.after));
            match hole {
                Some((name, _)) if inside && node.is_named() => replaced.push((range, name)),
                _ => {
                    let mut cursor = node.walk();
                    let children: Vec<Node> = node.children(&mut cursor).collect();
                    stack.extend(children.into_iter().rev());
                }
            }
        }
        replaced.sort_by_key(|(r, _)| r.start);
        let mut out = String::new();
        let mut at = span.start;
        for (range, name) in replaced {
            out.push_str(&escape_template(
                self.after.get(at..range.start).unwrap_or(""),
            ));
            out.push('{');
            out.push_str(name);
            out.push('}');
            at = range.end;
        }
        out.push_str(&escape_template(self.after.get(at..span.end).unwrap_or("")));
        out
    }
}

/// All leaf tokens with non-zero width, in order.
fn leaves(root: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.child_count() == 0 {
            if node.end_byte() > node.start_byte() {
                out.push(node);
            }
            continue;
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// Smallest named node that strictly surrounds byte `point`.
fn strict_container(root: Node, point: usize) -> Option<Node> {
    let mut node = root.named_descendant_for_byte_range(point, point)?;
    while !(node.start_byte() < point && point < node.end_byte() && node.is_named()) {
        node = node.parent()?;
    }
    Some(node)
}

/// The largest named node ending at `point` that contains `leaf` and whose parent
/// continues past `point` (e.g. the last argument before an inserted one).
fn ending_operand(leaf: Node, point: usize) -> Option<Node> {
    let mut node = leaf;
    while let Some(parent) = node.parent() {
        if parent.end_byte() != point {
            break;
        }
        node = parent;
    }
    node.is_named().then_some(node)
}

/// Where the before range `fix` ends up in `after`, when only that range changed.
fn after_span(before: &str, after: &str, fix: Range<usize>) -> Option<Range<usize>> {
    let tail = before.len() - fix.end;
    let end = after.len().checked_sub(tail)?;
    let same_head = before.get(..fix.start)? == after.get(..fix.start)?;
    let same_tail = before.get(fix.end..)? == after.get(end..)?;
    (same_head && same_tail && end >= fix.start).then_some(fix.start..end)
}

/// Smallest node around `inner` and `fix` holding one use of each removed feature
/// (or the enclosing call when nothing was removed).
fn lesson_node<'t>(
    root: Node<'t>,
    before: &str,
    after_root: Node,
    after: &str,
    inner: Node<'t>,
    fix: Node<'t>,
) -> Option<Node<'t>> {
    let old = sites(root, before);
    let new = sites(after_root, after);
    let count =
        |list: &[super::change::Site], f: &str| list.iter().filter(|s| s.feature == f).count();
    let removed: BTreeSet<&str> = old
        .iter()
        .map(|s| s.feature.as_str())
        .filter(|f| count(&old, f) > count(&new, f))
        .collect();
    let mut node = inner;
    loop {
        let range = node.byte_range();
        let holds = |r: &Range<usize>| range.start <= r.start && r.end <= range.end;
        let has_removed = removed
            .iter()
            .all(|f| old.iter().any(|s| s.feature == *f && holds(&s.range)));
        let shaped = !removed.is_empty() || node.kind() == "call";
        if node.is_named() && holds(&fix.byte_range()) && has_removed && shaped {
            return (node.kind() != "module").then_some(node);
        }
        node = node.parent()?;
    }
}

fn is_ancestor(ancestor: Node, node: Node) -> bool {
    let mut current = node.parent();
    while let Some(c) = current {
        if c.id() == ancestor.id() {
            return true;
        }
        current = c.parent();
    }
    false
}

/// Whether an identifier names an API (kept literally) rather than a variable.
fn is_api_identifier(node: Node, src: &str, imports: &BTreeSet<String>) -> bool {
    let name = text(node, src);
    let Some(parent) = node.parent() else {
        return false;
    };
    (parent.kind() == "attribute" && syntax::is_field(parent, "attribute", node))
        || (parent.kind() == "keyword_argument" && syntax::is_field(parent, "name", node))
        || (parent.kind() == "call"
            && syntax::is_field(parent, "function", node)
            && is_builtin(name))
        || is_module_name(name, imports)
}

const ATOMS: &[&str] = &["true", "false", "none", "ellipsis"];
const LITERALS: &[&str] = &["string", "concatenated_string", "integer", "float"];
const LISTS: &[&str] = &["argument_list", "list", "tuple", "set", "expression_list"];

/// An anti-unified pattern.
#[derive(Debug, Clone)]
enum Pat {
    /// Differs across exemplars: the text and kind each exemplar has here.
    Hole {
        texts: Vec<String>,
        kinds: Vec<String>,
        fix: bool,
    },
    /// The same API identifier everywhere.
    Ident { name: String, fix: bool },
    /// The same atom (`True`, `None`, …) everywhere.
    Atom { kind: String, fix: bool },
    Node {
        kind: String,
        children: Vec<(Option<String>, Pat)>,
        anchor: Anchor,
        fix: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Free,
    Exact,
    First,
    Last,
}

impl Pat {
    /// The lesson node itself is replaced when no smaller fix node is marked.
    fn without_root_fix(self) -> Pat {
        match self {
            Pat::Node {
                kind,
                children,
                anchor,
                ..
            } => Pat::Node {
                kind,
                children,
                anchor,
                fix: false,
            },
            other => other,
        }
    }

    fn has_literal(&self) -> bool {
        match self {
            Pat::Hole { .. } => false,
            Pat::Ident { .. } | Pat::Atom { .. } => true,
            Pat::Node { children, .. } => children.iter().any(|(_, c)| c.has_literal()),
        }
    }

    fn visit_holes<'p>(&'p self, out: &mut Vec<&'p [String]>) {
        match self {
            Pat::Hole { texts, .. } => out.push(texts),
            Pat::Node { children, .. } => children.iter().for_each(|(_, c)| c.visit_holes(out)),
            _ => {}
        }
    }
}

struct Unifier<'a, 't> {
    examples: &'a [Example<'t>],
    /// Whether subtrees without API names collapse into one hole.
    collapse: bool,
}

impl<'t> Unifier<'_, 't> {
    fn unify(&self, nodes: &[Node<'t>]) -> Option<Pat> {
        let fix = self.all_or_none(nodes, |n, e| n.id() == e.fix.id())?;
        let on_path = !fix && self.all_or_none(nodes, |n, e| is_ancestor(n, e.fix))?;
        let first = nodes.first()?;
        let kind = first.kind();
        let same_kind = nodes.iter().all(|n| n.kind() == kind);
        let hole = || {
            (!on_path).then(|| Pat::Hole {
                texts: self.texts(nodes),
                kinds: nodes.iter().map(|n| n.kind().to_string()).collect(),
                fix,
            })
        };
        if same_kind && kind == "identifier" {
            let names = self.texts(nodes);
            let api = nodes
                .iter()
                .zip(self.examples)
                .all(|(n, e)| is_api_identifier(*n, e.before, &e.imports));
            if api && names.iter().all(|t| *t == names[0]) {
                return Some(Pat::Ident {
                    name: names[0].clone(),
                    fix,
                });
            }
            return hole();
        }
        if same_kind && ATOMS.contains(&kind) {
            return Some(Pat::Atom {
                kind: kind.to_string(),
                fix,
            });
        }
        if !same_kind || nodes.iter().any(|n| LITERALS.contains(&n.kind())) {
            return hole();
        }
        let lists: Vec<Vec<(Option<String>, Node<'t>)>> =
            nodes.iter().map(|n| named_children(*n)).collect();
        let shape =
            |l: &Vec<(Option<String>, Node)>| l.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>();
        let same_shape = lists.iter().all(|l| shape(l) == shape(&lists[0]));
        let pattern = if same_shape {
            let children = (0..lists[0].len())
                .map(|i| {
                    let column: Vec<Node> = lists.iter().map(|l| l[i].1).collect();
                    Some((lists[0][i].0.clone(), self.unify(&column)?))
                })
                .collect::<Option<Vec<_>>>()?;
            let anchor = if on_path && LISTS.contains(&kind) {
                Anchor::Exact
            } else {
                Anchor::Free
            };
            Pat::Node {
                kind: kind.to_string(),
                children,
                anchor,
                fix,
            }
        } else if on_path {
            self.unify_on_path(nodes, &lists)?
        } else {
            return hole();
        };
        if self.collapse && !on_path && !pattern.has_literal() {
            return hole();
        }
        Some(pattern)
    }

    /// Children lists of different lengths on the way to the fix: keep only the
    /// child leading to the fix, anchored first or last.
    fn unify_on_path(
        &self,
        nodes: &[Node<'t>],
        lists: &[Vec<(Option<String>, Node<'t>)>],
    ) -> Option<Pat> {
        let mut column = Vec::new();
        let mut first = true;
        let mut last = true;
        let mut field = None;
        for (list, example) in lists.iter().zip(self.examples) {
            let index = list
                .iter()
                .position(|(_, c)| c.id() == example.fix.id() || is_ancestor(*c, example.fix))?;
            first &= index == 0;
            last &= index + 1 == list.len();
            field = list[index].0.clone();
            column.push(list[index].1);
        }
        let anchor = match (first, last) {
            (true, _) => Anchor::First,
            (_, true) => Anchor::Last,
            _ => return None,
        };
        Some(Pat::Node {
            kind: nodes.first()?.kind().to_string(),
            children: vec![(field, self.unify(&column)?)],
            anchor,
            fix: false,
        })
    }

    fn texts(&self, nodes: &[Node]) -> Vec<String> {
        nodes
            .iter()
            .zip(self.examples)
            .map(|(n, e)| text(*n, e.before).to_string())
            .collect()
    }

    /// `Some(v)` when the test gives `v` for every exemplar, `None` when they disagree.
    fn all_or_none(
        &self,
        nodes: &[Node<'t>],
        test: impl Fn(Node<'t>, &Example<'t>) -> bool,
    ) -> Option<bool> {
        let results: Vec<bool> = nodes
            .iter()
            .zip(self.examples)
            .map(|(n, e)| test(*n, e))
            .collect();
        let first = *results.first()?;
        results.iter().all(|r| *r == first).then_some(first)
    }
}

/// Named children except comments, with their field names.
fn named_children(node: Node) -> Vec<(Option<String>, Node)> {
    let mut out = Vec::new();
    for i in 0..node.named_child_count() {
        if let Some(child) = node.named_child(i as u32)
            && child.kind() != "comment"
        {
            out.push((
                node.field_name_for_named_child(i as u32).map(String::from),
                child,
            ));
        }
    }
    out
}

/// Capture names for holes; holes with the same texts in every exemplar share a name.
struct HoleTable {
    names: BTreeMap<Vec<String>, String>,
    order: Vec<Vec<String>>,
    /// Holes occurring more than once in the pattern.
    repeated: BTreeSet<Vec<String>>,
}

impl HoleTable {
    fn from_pattern(pattern: &Pat) -> Self {
        let mut all = Vec::new();
        pattern.visit_holes(&mut all);
        let mut names = BTreeMap::new();
        let mut order = Vec::new();
        let mut repeated = BTreeSet::new();
        for texts in all {
            if names.contains_key(texts) {
                repeated.insert(texts.to_vec());
            } else {
                let name = hole_name(order.len());
                names.insert(texts.to_vec(), name);
                order.push(texts.to_vec());
            }
        }
        HoleTable {
            names,
            order,
            repeated,
        }
    }

    /// `(name, text)` of each hole in exemplar `index`, in pattern order.
    fn texts_for(&self, index: usize) -> Vec<(String, String)> {
        self.order
            .iter()
            .filter_map(|texts| Some((self.names.get(texts)?.clone(), texts.get(index)?.clone())))
            .collect()
    }
}

fn hole_name(index: usize) -> String {
    let letters = "abcdefghijklmnopqrstuvwxyz";
    match letters.get(index..index + 1) {
        Some(letter) => letter.to_string(),
        None => format!("h{index}"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Typing {
    /// Holes are `(_)` except for literals whose type all exemplars share.
    Wild,
    /// Holes keep the node type whenever all exemplars agree on it.
    Agreeing,
}

struct Emitter<'h> {
    holes: &'h HoleTable,
    used: &'h BTreeSet<String>,
    typing: Typing,
    omit_unused: bool,
    seen: HashMap<String, usize>,
    api_count: usize,
    equalities: Vec<String>,
}

impl<'h> Emitter<'h> {
    fn new(
        holes: &'h HoleTable,
        used: &'h BTreeSet<String>,
        typing: Typing,
        omit_unused: bool,
    ) -> Self {
        Emitter {
            holes,
            used,
            typing,
            omit_unused,
            seen: HashMap::new(),
            api_count: 0,
            equalities: Vec::new(),
        }
    }

    fn emit(mut self, pattern: &Pat) -> String {
        let body = self.pattern(pattern);
        let mut out = format!("({body} @lesson");
        for eq in &self.equalities {
            out.push(' ');
            out.push_str(eq);
        }
        out.push(')');
        out
    }

    /// Whether a child pattern can be left out without losing anything needed.
    fn omittable(&self, pattern: &Pat) -> bool {
        let Pat::Hole {
            texts, fix: false, ..
        } = pattern
        else {
            return false;
        };
        let Some(name) = self.holes.names.get(texts) else {
            return false;
        };
        // A hole repeated elsewhere carries an equality constraint: keep it.
        let repeated = self.holes.repeated.contains(texts);
        self.omit_unused && !self.used.contains(name) && !repeated
    }

    fn pattern(&mut self, pattern: &Pat) -> String {
        match pattern {
            Pat::Hole { texts, kinds, fix } => {
                let base = self
                    .holes
                    .names
                    .get(texts)
                    .cloned()
                    .unwrap_or_else(|| "x".into());
                let n = self.seen.entry(base.clone()).or_insert(0);
                *n += 1;
                let name = if *n == 1 {
                    base.clone()
                } else {
                    format!("{base}_{n}")
                };
                if name != base {
                    self.equalities.push(format!("(#eq? @{base} @{name})"));
                }
                let kind = self.hole_kind(kinds);
                format!("({kind}) @{name}{}", fix_capture(*fix))
            }
            Pat::Ident { name, fix } => {
                self.api_count += 1;
                let cap = format!("api{}", self.api_count);
                format!(
                    "(identifier) @{cap}{} (#eq? @{cap} \"{name}\")",
                    fix_capture(*fix)
                )
            }
            Pat::Atom { kind, fix } => format!("({kind}){}", fix_capture(*fix)),
            Pat::Node {
                kind,
                children,
                anchor,
                fix,
            } => {
                let mut parts: Vec<String> = Vec::new();
                for (field, child) in children {
                    if *anchor == Anchor::Free && self.omittable(child) {
                        continue;
                    }
                    let body = self.pattern(child);
                    parts.push(match field {
                        Some(f) => format!("{f}: {body}"),
                        None => body,
                    });
                }
                let inner = match anchor {
                    Anchor::Free => parts.join(" "),
                    Anchor::Exact => format!(". {} .", parts.join(" . ")),
                    Anchor::First => format!(". {}", parts.join(" ")),
                    Anchor::Last => format!("{} .", parts.join(" ")),
                };
                let inner = if inner.trim() == "." || inner.trim() == ". ." {
                    String::new()
                } else {
                    inner
                };
                let sep = if inner.is_empty() { "" } else { " " };
                format!("({kind}{sep}{inner}){}", fix_capture(*fix))
            }
        }
    }

    fn hole_kind<'k>(&self, kinds: &'k [String]) -> &'k str {
        let first = kinds.first().map(String::as_str).unwrap_or("_");
        let agree = kinds.iter().all(|k| k == first);
        match self.typing {
            Typing::Agreeing if agree => first,
            Typing::Wild if agree && LITERALS.contains(&first) => first,
            _ => "_",
        }
    }
}

fn fix_capture(fix: bool) -> &'static str {
    if fix { " @fix" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(g: &Generalization, before: &str, after: &str) {
        assert!(
            match_count(&g.query, before) > 0,
            "no match on {before}\n{}",
            g.query
        );
        assert_eq!(
            match_count(&g.query, after),
            0,
            "matches fixed {after}\n{}",
            g.query
        );
        assert!(
            apply(&g.query, &g.template, before).contains(&after.to_string()),
            "{g:?}"
        );
    }

    #[test]
    fn append_to_concat_holes_the_names() {
        let g = generalize(&[
            (
                "df2 = df.append(row, ignore_index=True)",
                "df2 = pd.concat([df, row], ignore_index=True)",
            ),
            (
                "out = frame.append(extra, ignore_index=True)",
                "out = pd.concat([frame, extra], ignore_index=True)",
            ),
        ])
        .unwrap();
        assert!(
            g.query.contains("(#eq? @api1 \"append\")") || g.query.contains("\"append\""),
            "{}",
            g.query
        );
        check(
            &g,
            "res = table.append(new_rows, ignore_index=True)",
            "res = pd.concat([table, new_rows], ignore_index=True)",
        );
    }

    #[test]
    fn attribute_rename_fixes_only_the_name() {
        let g = generalize(&[
            (
                "im = im.resize((w, h), Image.ANTIALIAS)",
                "im = im.resize((w, h), Image.LANCZOS)",
            ),
            (
                "thumb = pic.resize(size, resample=Image.ANTIALIAS)",
                "thumb = pic.resize(size, resample=Image.LANCZOS)",
            ),
        ])
        .unwrap();
        assert_eq!(g.template, "LANCZOS");
        assert!(g.query.contains("@fix"));
        check(&g, "x = Image.ANTIALIAS", "x = Image.LANCZOS");
    }

    #[test]
    fn added_keyword_uses_the_last_argument() {
        let g = generalize(&[
            ("df.to_csv(out_path)", "df.to_csv(out_path, index=False)"),
            (
                "summary.to_csv(\"s.csv\")",
                "summary.to_csv(\"s.csv\", index=False)",
            ),
        ])
        .unwrap();
        check(
            &g,
            "table.to_csv(os.path.join(d, 'x.csv'))",
            "table.to_csv(os.path.join(d, 'x.csv'), index=False)",
        );
    }

    #[test]
    fn repeated_names_share_a_hole() {
        let g = generalize(&[
            ("a = a.append(b)", "a = pd.concat([a, b])"),
            ("xs = xs.append(ys)", "xs = pd.concat([xs, ys])"),
        ])
        .unwrap();
        assert!(g.template.contains("{"), "{g:?}");
    }

    #[test]
    fn inconsistent_fixes_yield_none() {
        let g = generalize(&[
            ("t = time.clock()", "t = time.perf_counter()"),
            ("s = time.clock()", "s = time.process_time()"),
        ]);
        assert_eq!(g, None);
    }

    #[test]
    fn unchanged_pair_yields_none() {
        assert_eq!(generalize(&[("x = 1", "x = 1")]), None);
    }
}

#[cfg(test)]
mod specificity_tests {
    use super::*;

    #[test]
    fn module_call_query_ignores_other_receivers_and_names() {
        let g = generalize(&[
            ("logging.warn('a')", "logging.warning('a')"),
            (
                "if x:\n    logging.warn(msg, 3)",
                "if x:\n    logging.warning(msg, 3)",
            ),
        ])
        .unwrap();
        assert_eq!(g.template, "warning");
        assert_eq!(
            match_count(
                &g.query,
                "warnings.warn('x')\nlogger.warn('y')\nlogging.warning('z')"
            ),
            0
        );
        assert_eq!(
            match_count(&g.query, "def f():\n    logging.warn(u, v, w)"),
            1
        );
    }

    #[test]
    fn call_rewrite_keeps_the_argument_as_a_hole() {
        let g = generalize(&[
            (
                "asyncio.get_event_loop().run_until_complete(main())",
                "asyncio.run(main())",
            ),
            (
                "r = asyncio.get_event_loop().run_until_complete(go(a, b))",
                "r = asyncio.run(go(a, b))",
            ),
        ])
        .unwrap();
        let fixed = apply(
            &g.query,
            &g.template,
            "asyncio.get_event_loop().run_until_complete(job)",
        );
        assert_eq!(fixed, vec!["asyncio.run(job)".to_string()]);
        assert_eq!(match_count(&g.query, "loop.run_until_complete(job)"), 0);
    }

    #[test]
    fn fix_text_with_braces_is_escaped() {
        let g = generalize(&[
            ("cfg = dict.fromkeys(keys)", "cfg = {k: None for k in keys}"),
            (
                "opts = dict.fromkeys(names)",
                "opts = {k: None for k in names}",
            ),
        ])
        .unwrap();
        assert!(g.template.contains("{{"), "{g:?}");
        assert_eq!(
            apply(&g.query, &g.template, "m = dict.fromkeys(ids)"),
            vec!["{k: None for k in ids}".replace("{k", "m = {k")]
        );
    }
}
