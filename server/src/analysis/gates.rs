//! Literal gates: the words a query pattern cannot match without, read from its `#eq?` and
//! `#any-of?` predicates, so that patterns whose words are rare run only where those words occur.
//!
//! A pattern with `(#eq? @name "read_csv")` on a capture it always makes can only match where
//! the text holds `read_csv` as a whole word: the captured node's text is that word. Running
//! such a pattern over the whole tree costs as much as any other pattern; running it only around
//! the word's occurrences (a tree-sitter byte range that the match must intersect) costs next to
//! nothing when the word is rare. `lore check` uses this for the lessons whose words are rare in
//! the files it checks; the result is the same as a full pass, which tests check.

use std::ops::Range;

use aho_corasick::AhoCorasick;
use tree_sitter::{CaptureQuantifier, Node, Query, Tree};

use super::query_syntax::{self, Predicate, PredicateArg};

/// One top-level pattern of a query source, with the literal sets that gate it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternWords {
    /// Byte range of the pattern in the source.
    pub span: Range<usize>,
    /// Each set comes from one predicate on a capture the pattern always makes: one of the set's
    /// words must occur in the text for the pattern to match.
    pub sets: Vec<WordSet>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordSet {
    pub capture: String,
    pub words: Vec<String>,
    /// How many levels below the node where the pattern starts the capture can sit, at most.
    pub level: usize,
}

/// Splits a query source into its top-level patterns and reads the literal sets of each; `None`
/// when the source is not understood (such a lesson is simply never gated).
pub fn patterns(source: &str) -> Option<Vec<PatternWords>> {
    let patterns = query_syntax::patterns(source)?;
    Some(
        patterns
            .iter()
            .map(|pattern| {
                let captures = pattern.mandatory_captures();
                let levels = pattern.capture_levels();
                let sets = pattern
                    .predicates()
                    .into_iter()
                    .filter_map(word_set)
                    .filter(|set| captures.contains(&set.capture))
                    .map(|mut set| {
                        set.level = levels
                            .iter()
                            .filter(|(name, _)| *name == set.capture)
                            .map(|(_, level)| *level)
                            .max()
                            .unwrap_or(0);
                        set
                    })
                    .collect();
                PatternWords {
                    span: pattern.span.clone(),
                    sets,
                }
            })
            .collect(),
    )
}

/// A predicate's literal set, when it is `#eq?` or `#any-of?` of a capture against plain strings.
fn word_set(predicate: Predicate) -> Option<WordSet> {
    let Predicate { name, args } = predicate;
    if name != "eq?" && name != "any-of?" {
        return None;
    }
    let (PredicateArg::Capture(capture), rest) = args.split_first()? else {
        return None;
    };
    if rest.is_empty() || (name == "eq?" && rest.len() != 1) {
        return None;
    }
    let words = rest
        .iter()
        .map(|arg| match arg {
            PredicateArg::Str(Some(word)) if !word.is_empty() => Some(word.clone()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(WordSet {
        capture: capture.clone(),
        words,
        level: 0,
    })
}

/// A pattern's word sets: each as word indices, with how many levels above a word's node the
/// match starts at most.
type WordSets = Vec<(Vec<usize>, usize)>;

/// The gates of a compiled query: for each of its patterns, the literal sets of which every one
/// must be present, or `None` when the pattern runs everywhere.
#[derive(Debug)]
pub struct Gates {
    finder: WordFinder,
    /// Per pattern: its word sets (word indices, and how many levels above a word's node the
    /// match starts at most), or `None` when it runs everywhere.
    patterns: Vec<Option<WordSets>>,
}

/// With more occurrences than one per this many bytes of text, one pass over the whole tree
/// is cheaper than a small one around each.
const BYTES_PER_OCCURRENCE: usize = 256;

impl Gates {
    /// Gates for `query`, whose source's patterns `patterns` read as `source_patterns`. Literal
    /// sets are kept only for captures that tree-sitter itself says every match makes.
    pub fn new(query: &Query, source_patterns: &[PatternWords]) -> Option<Gates> {
        let mut words: Vec<String> = Vec::new();
        let mut patterns = Vec::with_capacity(query.pattern_count());
        for index in 0..query.pattern_count() {
            let start = query.start_byte_for_pattern(index);
            let described = source_patterns
                .iter()
                .find(|pattern| pattern.span.start <= start && start < pattern.span.end);
            let quantifiers = query.capture_quantifiers(index);
            let sets: WordSets = described
                .map(|pattern| {
                    pattern
                        .sets
                        .iter()
                        .filter(|set| {
                            query
                                .capture_index_for_name(&set.capture)
                                .is_some_and(|capture| {
                                    matches!(
                                        quantifiers.get(capture as usize),
                                        Some(CaptureQuantifier::One | CaptureQuantifier::OneOrMore)
                                    )
                                })
                        })
                        .map(|set| {
                            let indices = set
                                .words
                                .iter()
                                .map(|word| match words.iter().position(|known| known == word) {
                                    Some(position) => position,
                                    None => {
                                        words.push(word.clone());
                                        words.len() - 1
                                    }
                                })
                                .collect();
                            // One more level for a pattern of siblings: it starts at their parent.
                            let rooted = query.is_pattern_rooted(index);
                            (indices, set.level + usize::from(!rooted))
                        })
                        .collect()
                })
                .unwrap_or_default();
            patterns.push((!sets.is_empty()).then_some(sets));
        }
        Some(Gates {
            finder: WordFinder::new(words)?,
            patterns,
        })
    }

    /// Whether every pattern has a gate (else the query runs everywhere).
    fn all_gated(&self) -> bool {
        self.patterns.iter().all(Option::is_some)
    }

    /// Where the query must run, or `None` when it must run over the whole tree: for each
    /// occurrence of a gating word, the node as many levels up as a match can start above it,
    /// and the word's range, which the match must contain.
    pub fn subtrees<'tree>(
        &self,
        tree: &'tree Tree,
        text: &str,
    ) -> Option<Vec<(Node<'tree>, Range<usize>)>> {
        let ranges = self.occurrences(text)?;
        let mut roots: Vec<(Node<'tree>, Range<usize>)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (range, climb) in ranges {
            let Some(mut node) = tree
                .root_node()
                .descendant_for_byte_range(range.start, range.end)
            else {
                continue;
            };
            // The smallest node spanning the word may be a child of the captured node with the
            // same range (the `pass` keyword of a `pass_statement`): start from the largest.
            while let Some(parent) = node.parent()
                && parent.byte_range() == node.byte_range()
            {
                node = parent;
            }
            for _ in 0..climb {
                match node.parent() {
                    Some(parent) => node = parent,
                    None => break,
                }
            }
            if seen.insert((node.id(), range.start, range.end)) {
                roots.push((node, range));
            }
        }
        Some(roots)
    }

    /// The byte ranges of the gating words' occurrences in `text` (for each pattern, those of its
    /// rarest word set) with how far above them a match can start, or `None` when the query
    /// must run over the whole text.
    pub fn occurrences(&self, text: &str) -> Option<Vec<(Range<usize>, usize)>> {
        if !self.all_gated() {
            return None;
        }
        let words = self.finder.words();
        let mut hits: Vec<Vec<usize>> = vec![Vec::new(); words.len()];
        for (word, start) in self.finder.hits(text) {
            hits[word].push(start);
        }
        let mut ranges = Vec::new();
        for sets in self.patterns.iter().flatten() {
            // Every set must be present; the rarest one bounds where the pattern can match.
            let Some((rarest, climb)) = sets
                .iter()
                .min_by_key(|(set, _)| set.iter().map(|&word| hits[word].len()).sum::<usize>())
            else {
                continue;
            };
            for &word in rarest {
                let length = words[word].len();
                ranges.extend(
                    hits[word]
                        .iter()
                        .map(|&start| (start..start + length, *climb)),
                );
            }
            if ranges.len() * BYTES_PER_OCCURRENCE > text.len().max(BYTES_PER_OCCURRENCE) {
                return None;
            }
        }
        ranges.sort_by_key(|(range, climb)| (range.start, range.end, *climb));
        ranges.dedup();
        Some(ranges)
    }
}

/// Finds whole-word occurrences of a set of words.
#[derive(Debug)]
pub struct WordFinder {
    words: Vec<String>,
    /// Words made only of identifier characters cannot hide a whole-word occurrence of another
    /// inside themselves, so a leftmost-longest scan finds every one, several times faster than
    /// one reporting overlaps.
    identifiers: Option<(AhoCorasick, Vec<usize>)>,
    /// The same words found with overlaps, for the runs where that premise fails: a run of
    /// identifier characters led by a digit (`0x1fNone`), which Python splits into a number and
    /// what follows, at a place that depends on the number's form.
    identifiers_overlapping: Option<(AhoCorasick, Vec<usize>)>,
    /// The other words (operators, `()`), found with overlaps.
    others: Option<(AhoCorasick, Vec<usize>)>,
}

impl WordFinder {
    pub fn new(words: Vec<String>) -> Option<WordFinder> {
        let (identifiers, others): (Vec<usize>, Vec<usize>) =
            (0..words.len()).partition(|&index| words[index].chars().all(identifier_char));
        let build = |indices: &[usize], kind| {
            if indices.is_empty() {
                return Ok(None);
            }
            AhoCorasick::builder()
                .match_kind(kind)
                .build(indices.iter().map(|&index| &words[index]))
                .map(|automaton| Some((automaton, indices.to_vec())))
        };
        Some(WordFinder {
            identifiers: build(&identifiers, aho_corasick::MatchKind::LeftmostLongest).ok()?,
            identifiers_overlapping: build(&identifiers, aho_corasick::MatchKind::Standard).ok()?,
            others: build(&others, aho_corasick::MatchKind::Standard).ok()?,
            words,
        })
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Every occurrence in `text` that can be a token of its own, as (word index, byte): whole
    /// words, and any occurrence inside a run of identifier characters led by a digit.
    pub fn hits<'a>(&'a self, text: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
        let identifiers = self
            .identifiers
            .iter()
            .flat_map(move |(automaton, indices)| {
                automaton
                    .find_iter(text)
                    .filter(move |found| number_run(text, found.start()).is_none())
                    .map(|found| (indices[found.pattern().as_usize()], found))
                    .filter(move |(word, found)| {
                        whole_word(text, found.start(), found.end(), &self.words[*word])
                    })
                    .map(|(word, found)| (word, found.start()))
            });
        let in_number_runs =
            self.identifiers_overlapping
                .iter()
                .flat_map(move |(automaton, indices)| {
                    digit_led_runs(text).flat_map(move |run| {
                        automaton
                            .find_overlapping_iter(&text[run.clone()])
                            .map(move |found| {
                                (
                                    indices[found.pattern().as_usize()],
                                    run.start + found.start(),
                                )
                            })
                    })
                });
        let others = self.others.iter().flat_map(move |(automaton, indices)| {
            automaton
                .find_overlapping_iter(text)
                .map(|found| (indices[found.pattern().as_usize()], found))
                .filter(move |(word, found)| {
                    whole_word(text, found.start(), found.end(), &self.words[*word])
                })
                .map(|(word, found)| (word, found.start()))
        });
        identifiers.chain(in_number_runs).chain(others)
    }
}

fn identifier_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The run of identifier characters through byte `at` of `text` (those before it and those from
/// it on), when it starts with a digit and
/// holds more than digits (`1if`, `0x1fNone`): Python splits such a run into a number and what
/// follows, at a place that depends on the number's form.
fn number_run(text: &str, at: usize) -> Option<std::ops::Range<usize>> {
    let start = text[..at].trim_end_matches(identifier_char).len();
    let end = at
        + text[at..]
            .find(|c: char| !identifier_char(c))
            .unwrap_or(text.len() - at);
    let run = &text[start..end];
    (run.starts_with(|c: char| c.is_ascii_digit()) && !run.bytes().all(|b| b.is_ascii_digit()))
        .then_some(start..end)
}

/// Every [`number_run`] of `text`, in order.
fn digit_led_runs(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let start = at;
            at += 1;
            if !bytes[start].is_ascii_digit()
                || text[..start]
                    .chars()
                    .next_back()
                    .is_some_and(identifier_char)
            {
                continue;
            }
            let end = start
                + text[start..]
                    .find(|c: char| !identifier_char(c))
                    .unwrap_or(text.len() - start);
            at = end;
            if !text[start..end].bytes().all(|b| b.is_ascii_digit()) {
                return Some(start..end);
            }
        }
        None
    })
}

/// Whether `text[start..end]` (equal to `word`) is not part of a longer identifier: a node whose
/// text is `word` is a whole token, so its neighbors cannot continue it. Inside a run led by a
/// digit (`1if` is `1` and `if` to Python) any occurrence counts.
fn whole_word(text: &str, start: usize, end: usize, word: &str) -> bool {
    let starts_identifier = word.chars().next().is_some_and(identifier_char);
    let ends_identifier = word.chars().next_back().is_some_and(identifier_char);
    let glued_before = starts_identifier
        && text[..start]
            .chars()
            .next_back()
            .is_some_and(identifier_char);
    let glued_after = ends_identifier && text[end..].chars().next().is_some_and(identifier_char);
    (!glued_before || number_run(text, start).is_some())
        && (!glued_after || number_run(text, end).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(source: &str) -> Vec<Vec<Vec<String>>> {
        patterns(source)
            .expect("understood")
            .into_iter()
            .map(|pattern| pattern.sets.into_iter().map(|set| set.words).collect())
            .collect()
    }

    #[test]
    fn reads_the_words_of_mandatory_captures() {
        let source = r#"
            ; removed aliases
            ((attribute object: (identifier) @_np attribute: (identifier) @_a) @lesson
              (#any-of? @_np "np" "numpy") (#eq? @_a "NaN"))
            (call function: (identifier) @_f (#match? @_f "^ev") ) @lesson
        "#;
        assert_eq!(
            sets(source),
            vec![
                vec![
                    vec!["np".to_string(), "numpy".to_string()],
                    vec!["NaN".to_string()]
                ],
                vec![]
            ]
        );
    }

    #[test]
    fn optional_and_alternative_captures_do_not_gate() {
        assert_eq!(
            sets(r#"((call (identifier)? @_f) @lesson (#eq? @_f "eval"))"#),
            vec![Vec::<Vec<String>>::new()]
        );
        assert_eq!(
            sets(r#"((call function: [(identifier) @_f (attribute)]) @lesson (#eq? @_f "eval"))"#),
            vec![Vec::<Vec<String>>::new()]
        );
        // A capture in every branch is always made.
        assert_eq!(
            sets(
                r#"((call function: [(identifier) @_f (attribute attribute: (identifier) @_f)]) @lesson (#eq? @_f "eval"))"#
            ),
            vec![vec![vec!["eval".to_string()]]]
        );
        // Escaped strings are not read.
        assert_eq!(
            sets(r#"((string) @s (#eq? @s "\"x\""))"#),
            vec![Vec::<Vec<String>>::new()]
        );
        assert_eq!(patterns("(call (#eq? @x"), None);
    }

    #[test]
    fn levels_count_nodes_not_groups_or_alternations() {
        let source = r#"((call function: [(identifier) @_f (attribute attribute: (identifier) @_f)]) @lesson (#eq? @_f "x"))"#;
        let levels: Vec<usize> = patterns(source).unwrap()[0]
            .sets
            .iter()
            .map(|set| set.level)
            .collect();
        // `call` → `attribute` → `identifier`: the deepest place the capture can be.
        assert_eq!(levels, [2]);
    }

    #[test]
    fn a_word_glued_after_a_number_is_still_a_token() {
        let text = "x = 1if y1 else 2x1 + 0x1fNone + 123";
        let words = ["1", "if", "y", "x1", "None", "12"]
            .map(String::from)
            .to_vec();
        let finder = WordFinder::new(words).unwrap();
        let mut hits: Vec<(usize, usize)> = finder.hits(text).collect();
        hits.sort_by_key(|hit| hit.1);
        // Any occurrence in a run led by a digit that holds more than digits (`1if`, `2x1`,
        // `0x1fNone`); not the `y` of `y1`, nor the `12` of `123`.
        assert_eq!(
            hits,
            vec![(0, 4), (1, 5), (3, 17), (0, 18), (3, 23), (0, 24), (4, 26)]
        );
    }

    #[test]
    fn whole_words_only() {
        let text = "np.NaN + isNaN(x) + np.nan_to_num + nan + nan.x";
        for words in [vec!["NaN", "nan"], vec!["NaN", "nan", "np.nan"]] {
            let finder = WordFinder::new(words.iter().map(|w| w.to_string()).collect()).unwrap();
            let mut hits: Vec<(usize, usize)> = finder.hits(text).filter(|hit| hit.0 < 2).collect();
            hits.sort_by_key(|hit| hit.1);
            assert_eq!(hits, vec![(0, 3), (1, 36), (1, 42)], "{words:?}");
        }
    }

    #[test]
    fn ranges_surround_the_rarest_words_and_agree_with_tree_sitter_on_patterns() {
        let source = r#"((attribute object: (identifier) @_np attribute: (identifier) @_a) @lesson
              (#any-of? @_np "np" "numpy") (#eq? @_a "NaN"))"#;
        let query = Query::new(&super::super::parse::python(), source).unwrap();
        let gates = Gates::new(&query, &patterns(source).unwrap()).unwrap();
        let text = format!(
            "import numpy as np\n{}x = np.NaN\n",
            "y = np.zeros(3)\n".repeat(200)
        );
        let at = text.find("NaN").unwrap();
        // `NaN` is captured one level below the `attribute` node where the pattern starts.
        assert_eq!(gates.occurrences(&text), Some(vec![(at..at + 3, 1)]));
        assert_eq!(gates.occurrences("x = 1\n"), Some(vec![]));
        let tree = super::super::parse::parse(&text, None);
        let subtrees = gates.subtrees(&tree, &text).unwrap();
        assert_eq!(subtrees.len(), 1);
        assert_eq!(subtrees[0].0.utf8_text(text.as_bytes()).unwrap(), "np.NaN");
    }

    #[test]
    fn a_captured_node_with_a_child_of_its_own_range_is_where_the_query_runs() {
        let source = r#"((pass_statement) @lesson (#eq? @lesson "pass"))"#;
        let query = Query::new(&super::super::parse::python(), source).unwrap();
        let gates = Gates::new(&query, &patterns(source).unwrap()).unwrap();
        let text = "def f():\n    pass\n";
        let tree = super::super::parse::parse(text, None);
        let subtrees = gates.subtrees(&tree, text).unwrap();
        // Not the `pass` keyword inside the statement, where the pattern could not match: the
        // statement, or a node of the same range above it.
        assert_eq!(subtrees.len(), 1);
        let root = subtrees[0].0;
        assert_ne!(root.kind(), "pass");
        assert!(
            root.child(0)
                .is_some_and(|child| child.kind() == "pass_statement")
        );
    }
}
