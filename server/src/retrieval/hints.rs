//! Semantic hints: lessons without a structural trigger, surfaced on the statements whose code
//! closely resembles the lesson's bad example. Splitting code into regions and scoring vectors
//! is pure; the session embeds the regions off the typing path and caches them by content.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use crate::analysis::{Finding, suppression};
use crate::embeddings::Embedder;
use crate::lessons::Lesson;

/// Cosine similarity a region needs to earn a hint: calibrated on DS-1000 reference solutions
/// (correct code nobody here wrote) so that hints fire on few of their regions; see the README.
pub const DEFAULT_THRESHOLD: f32 = 0.80;
/// Hints kept per screen (`SCREEN_LINES` lines) of a document, best first.
pub const MAX_PER_SCREEN: usize = 2;
pub const SCREEN_LINES: usize = 50;
/// Simple statements grouped into one region, and the largest compound statement kept whole.
const GROUP_STATEMENTS: usize = 3;
const MAX_REGION_LINES: usize = 10;
/// Characters of a region's text that are embedded.
const MAX_REGION_CHARS: usize = 1000;

/// A piece of code scored as a whole: a few consecutive statements, or a small compound one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub range: Range<usize>,
    /// Hash of the region's text: the cache key, and how a hint finds its region again.
    pub hash: u64,
}

impl Region {
    /// What is embedded: the region's code with local names and string contents made generic
    /// (`customers['city']` reads `x['s']`), so that what it does — the library calls, methods
    /// and keywords it uses — decides the match, not what its variables are called.
    pub fn text(&self, tree: &Tree, text: &str) -> String {
        let mut out = generic_code(tree, text, self.range.clone());
        if out.len() > MAX_REGION_CHARS {
            let mut cut = MAX_REGION_CHARS;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
        }
        out
    }
}

/// `text[range]` with every plain identifier (a variable, parameter or function of the user)
/// written `x` and every string's content written `s`; attribute names, keyword-argument names
/// and the names bound by imports (`pd`, `np`, `train_test_split`) are kept.
pub fn generic_code(tree: &Tree, text: &str, range: Range<usize>) -> String {
    let imported = crate::analysis::imports::imports(tree, text);
    let mut replacements: Vec<(Range<usize>, &str)> = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.end_byte() <= range.start || node.start_byte() >= range.end {
            continue;
        }
        match node.kind() {
            "string_content" => replacements.push((node.byte_range(), "s")),
            "identifier" => {
                let name = &text[node.byte_range()];
                let kept = imported.aliases.contains_key(name)
                    || node.parent().is_some_and(|parent| {
                        let field = |field: &str| {
                            parent
                                .child_by_field_name(field)
                                .is_some_and(|child| child.id() == node.id())
                        };
                        (parent.kind() == "attribute" && field("attribute"))
                            || (parent.kind() == "keyword_argument" && field("name"))
                    });
                if !kept {
                    replacements.push((node.byte_range(), "x"));
                }
            }
            _ => {
                let mut walker = node.walk();
                stack.extend(node.children(&mut walker));
            }
        }
    }
    replacements.sort_by_key(|(range, _)| range.start);
    let mut out = String::new();
    let mut at = range.start;
    for (replaced, with) in replacements {
        if replaced.start < at || replaced.end > range.end {
            continue;
        }
        out.push_str(&text[at..replaced.start]);
        out.push_str(with);
        at = replaced.end;
    }
    out.push_str(&text[at..range.end]);
    out
}

fn is_compound(node: Node) -> bool {
    matches!(
        node.kind(),
        "function_definition"
            | "class_definition"
            | "decorated_definition"
            | "for_statement"
            | "while_statement"
            | "if_statement"
            | "with_statement"
            | "try_statement"
            | "match_statement"
    )
}

fn lines(node: Node) -> usize {
    node.end_position().row - node.start_position().row + 1
}

/// The regions of a document, in order. Imports and comments are left out: they say nothing a
/// lesson's example would match.
pub fn regions(tree: &Tree, text: &str) -> Vec<Region> {
    let mut out = Vec::new();
    collect(tree.root_node(), text, &mut out);
    out
}

fn collect(block: Node, text: &str, out: &mut Vec<Region>) {
    let mut group: Vec<Node> = Vec::new();
    let flush = |group: &mut Vec<Node>, out: &mut Vec<Region>| {
        if let (Some(first), Some(last)) = (group.first(), group.last()) {
            push(first.start_byte()..last.end_byte(), text, out);
        }
        group.clear();
    };
    let mut walker = block.walk();
    for child in block.named_children(&mut walker) {
        let kind = child.kind();
        if kind == "comment" || kind.starts_with("import") || kind == "future_import_statement" {
            continue;
        }
        if is_compound(child) {
            flush(&mut group, out);
            if lines(child) <= MAX_REGION_LINES && !kind.contains("definition") {
                push(child.byte_range(), text, out);
            } else {
                // Too big to score as one: score the blocks inside it.
                let mut inner = child.walk();
                for part in child.named_children(&mut inner) {
                    visit_blocks(part, text, out);
                }
            }
            continue;
        }
        group.push(child);
        if group.len() == GROUP_STATEMENTS {
            flush(&mut group, out);
        }
    }
    flush(&mut group, out);
}

fn visit_blocks(node: Node, text: &str, out: &mut Vec<Region>) {
    if node.kind() == "block" {
        collect(node, text, out);
        return;
    }
    let mut walker = node.walk();
    for child in node.named_children(&mut walker) {
        if child.kind() == "block" || is_clause(child) || child.kind().contains("definition") {
            visit_blocks(child, text, out);
        }
    }
}

fn is_clause(node: Node) -> bool {
    node.kind().ends_with("_clause")
}

fn push(range: Range<usize>, text: &str, out: &mut Vec<Region>) {
    let body = &text[range.clone()];
    if body.trim().len() < 12 {
        return;
    }
    let mut hasher = DefaultHasher::new();
    body.hash(&mut hasher);
    out.push(Region {
        range,
        hash: hasher.finish(),
    });
}

/// The lessons that only meaning can surface, with the vectors of their bad examples.
pub struct HintModel {
    lessons: Vec<(Arc<Lesson>, Vec<f32>)>,
}

impl std::fmt::Debug for HintModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HintModel")
            .field("lessons", &self.lessons.len())
            .finish()
    }
}

/// A lesson's bad example as it is embedded: its regions' code made generic, imports left out.
fn example_text(lesson: &Lesson) -> String {
    let tree = crate::analysis::parse::parse(&lesson.bad, None);
    let pieces: Vec<String> = regions(&tree, &lesson.bad)
        .iter()
        .map(|region| generic_code(&tree, &lesson.bad, region.range.clone()))
        .collect();
    pieces.join("\n")
}

impl HintModel {
    /// Embeds the bad examples of the `lessons` that have no trigger query, in one model call.
    pub fn new(
        lessons: impl IntoIterator<Item = Arc<Lesson>>,
        embedder: &dyn Embedder,
    ) -> anyhow::Result<HintModel> {
        let semantic: Vec<Arc<Lesson>> = lessons
            .into_iter()
            .filter(|lesson| lesson.query.is_none())
            .collect();
        if semantic.is_empty() {
            return Ok(HintModel {
                lessons: Vec::new(),
            });
        }
        let texts: Vec<String> = semantic.iter().map(|lesson| example_text(lesson)).collect();
        let vectors = embedder.embed(&texts)?;
        Ok(HintModel {
            lessons: semantic.into_iter().zip(vectors).collect(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.lessons.is_empty()
    }

    /// The closest lesson whose `requires` the file meets (`imported` top-level modules), with
    /// its cosine similarity.
    pub fn best(&self, vector: &[f32], imported: &[String]) -> Option<(Arc<Lesson>, f32)> {
        self.lessons
            .iter()
            .filter(|(lesson, _)| {
                lesson.requires.is_empty()
                    || lesson
                        .requires
                        .iter()
                        .any(|module| imported.iter().any(|have| have == module))
            })
            .map(|(lesson, example)| (lesson.clone(), cosine(vector, example)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let denominator = norm(a) * norm(b);
    if denominator == 0.0 {
        0.0
    } else {
        dot / denominator
    }
}

/// One hint on a region.
#[derive(Debug, Clone)]
pub struct Hint {
    pub range: Range<usize>,
    pub lesson: Arc<Lesson>,
    pub score: f32,
}

/// Keeps the hints at or above `threshold`, at most `MAX_PER_SCREEN` per screen of lines (the
/// best ones), one per lesson per screen, in document order.
pub fn thin(mut hints: Vec<Hint>, text: &str, threshold: f32) -> Vec<Hint> {
    hints.retain(|hint| hint.score >= threshold);
    hints.sort_by(|a, b| b.score.total_cmp(&a.score));
    let line_of = |byte: usize| text[..byte.min(text.len())].matches('\n').count();
    let mut kept: Vec<(usize, Hint)> = Vec::new();
    for hint in hints {
        let screen = line_of(hint.range.start) / SCREEN_LINES;
        let same_screen: Vec<&Hint> = kept
            .iter()
            .filter(|(other, _)| *other == screen)
            .map(|(_, hint)| hint)
            .collect();
        if same_screen.len() >= MAX_PER_SCREEN
            || same_screen
                .iter()
                .any(|other| other.lesson.id == hint.lesson.id)
        {
            continue;
        }
        kept.push((screen, hint));
    }
    let mut kept: Vec<Hint> = kept.into_iter().map(|(_, hint)| hint).collect();
    kept.sort_by_key(|hint| hint.range.start);
    kept
}

/// Region hash → the closest semantic lesson and its score (`None`: none applies).
pub type HintCache = HashMap<u64, Option<(Arc<Lesson>, f32)>>;

/// The hints to show on `text` from the cached scores: active lessons only, not suppressed on
/// the region's first line, thinned to a few per screen above `threshold`.
pub fn hint_findings(
    tree: &Tree,
    text: &str,
    cache: &HintCache,
    active: &HashMap<String, Arc<Lesson>>,
    threshold: f32,
) -> Vec<Finding> {
    if cache.is_empty() {
        return Vec::new();
    }
    let candidates: Vec<Hint> = regions(tree, text)
        .into_iter()
        .filter_map(|region| {
            let (lesson, score) = cache.get(&region.hash)?.as_ref()?;
            let lesson = active.get(&lesson.id)?;
            let line_end = text[region.range.start..]
                .find('\n')
                .map_or(text.len(), |end| region.range.start + end);
            if suppression::is_suppressed(&text[region.range.start..line_end], &lesson.id) {
                return None;
            }
            Some(Hint {
                range: region.range,
                lesson: lesson.clone(),
                score: *score,
            })
        })
        .collect();
    thin(candidates, text, threshold)
        .into_iter()
        .map(|hint| Finding {
            lesson: hint.lesson,
            extent: hint.range.clone(),
            range: hint.range,
            fix: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::parse;

    #[test]
    fn regions_group_simple_statements_and_split_big_definitions() {
        let text = "import pandas as pd\n# load\na = pd.read_csv('a.csv')\nb = a.dropna()\nc = b.head()\nd = c.tail()\nfor x in range(3):\n    print(x)\ndef f(df):\n    y = df.sum()\n    return y\n";
        let tree = parse::parse(text, None);
        let found: Vec<&str> = regions(&tree, text)
            .iter()
            .map(|region| &text[region.range.clone()])
            .collect();
        assert_eq!(
            found,
            [
                "a = pd.read_csv('a.csv')\nb = a.dropna()\nc = b.head()",
                "d = c.tail()",
                "for x in range(3):\n    print(x)",
                "y = df.sum()\n    return y",
            ]
        );
    }

    #[test]
    fn generic_code_keeps_what_the_code_does_and_drops_what_it_names() {
        let text = "import pandas as pd\nfrom numpy import where\ncustomers['city'] = customers['city'].apply(lambda c: c.strip(), axis=0)\nn = where(pd.isna(v))\n";
        let tree = parse::parse(text, None);
        let start = text.find("customers").unwrap();
        assert_eq!(
            generic_code(&tree, text, start..text.len()),
            "x['s'] = x['s'].apply(lambda x: x.strip(), axis=0)\nx = where(pd.isna(x))\n"
        );
    }

    #[test]
    fn thinning_keeps_the_best_few_per_screen_above_the_threshold() {
        let lesson = |id: &str| {
            let lesson: Lesson = toml::from_str(&format!(
                "id = '{id}'\nversion = 1\ntitle = 't'\nmessage = 'm'\nseverity = 'hint'\nlibraries = []\nexplanation = 'e'\nbad = 'b'\ngood = 'g'\n"
            ))
            .unwrap();
            Arc::new(lesson)
        };
        let text = "x\n".repeat(120);
        let hint = |line: usize, id: &str, score: f32| Hint {
            range: line * 2..line * 2 + 1,
            lesson: lesson(id),
            score,
        };
        let kept = thin(
            vec![
                hint(1, "a", 0.9),
                hint(2, "b", 0.8),
                hint(3, "c", 0.95),
                hint(4, "a", 0.99),
                hint(60, "a", 0.5),
                hint(70, "a", 0.8),
            ],
            &text,
            0.7,
        );
        let ids: Vec<(&str, usize)> = kept
            .iter()
            .map(|hint| (hint.lesson.id.as_str(), hint.range.start / 2))
            .collect();
        assert_eq!(ids, [("c", 3), ("a", 4), ("a", 70)]);
    }

    #[test]
    fn cached_scores_become_findings_unless_inactive_or_suppressed() {
        let lesson: Lesson = toml::from_str(
            "id = 'idiom'\nversion = 1\ntitle = 't'\nmessage = 'm'\nseverity = 'hint'\nlibraries = []\nexplanation = 'e'\nbad = 'b'\ngood = 'g'\n",
        )
        .unwrap();
        let lesson = Arc::new(lesson);
        let active: HashMap<String, Arc<Lesson>> =
            HashMap::from([(lesson.id.clone(), lesson.clone())]);
        let findings = |text: &str, active: &HashMap<String, Arc<Lesson>>| {
            let tree = parse::parse(text, None);
            let cache: HintCache = regions(&tree, text)
                .into_iter()
                .map(|region| (region.hash, Some((lesson.clone(), 0.9))))
                .collect();
            hint_findings(&tree, text, &cache, active, 0.8)
                .into_iter()
                .map(|finding| text[finding.range].to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            findings("total = frame.sum(axis=1)\n", &active),
            ["total = frame.sum(axis=1)"]
        );
        assert!(
            findings(
                "total = frame.sum(axis=1)  # lore: ignore[idiom]\n",
                &active
            )
            .is_empty()
        );
        assert!(findings("total = frame.sum(axis=1)\n", &HashMap::new()).is_empty());
    }
}
