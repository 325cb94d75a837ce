//! A small reader of the tree-sitter query language: splits a query source into its top-level
//! patterns and tells, for each, its predicates, the captures every match makes and how deep
//! each capture sits.
//!
//! tree-sitter compiles a query but does not say which predicate belongs to which node or
//! whether a capture sits under an optional quantifier, and `gates.rs` needs both to know which
//! words a pattern cannot match without. A source this reader does not understand gives `None`;
//! its callers then treat the query as opaque, which is always correct, only slower.

use std::ops::Range;

/// One top-level pattern of a query source.
#[derive(Debug)]
pub struct Pattern {
    /// Byte range of the pattern in the source.
    pub span: Range<usize>,
    item: Item,
}

/// An argument of a predicate such as `(#eq? @name "read_csv")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PredicateArg {
    /// `@name`, without the `@`.
    Capture(String),
    /// A string; `None` when it holds escapes this reader does not decode. Anything else in a
    /// predicate (a bare word) is also `Str(None)`.
    Str(Option<String>),
}

/// One predicate of a pattern: its name without the `#` (`eq?`) and its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Predicate<'pattern> {
    pub name: &'pattern str,
    pub args: &'pattern [PredicateArg],
}

/// Splits `source` into its top-level patterns; `None` when the source is not understood.
pub fn patterns(source: &str) -> Option<Vec<Pattern>> {
    let tokens = tokenize(source)?;
    let mut parser = Parser { tokens, at: 0 };
    let mut patterns = Vec::new();
    while parser.at < parser.tokens.len() {
        let start = parser.tokens[parser.at].span.start;
        let item = parser.item()?;
        if matches!(item.expr, Expr::Predicate { .. }) {
            // A predicate outside any pattern: not a shape this reader understands.
            return None;
        }
        let end = parser.tokens[parser.at - 1].span.end;
        patterns.push(Pattern {
            span: start..end,
            item,
        });
    }
    Some(patterns)
}

impl Pattern {
    /// The captures that every match of the pattern makes: not under an optional or repeated
    /// quantifier, and in every branch of an alternation.
    pub fn mandatory_captures(&self) -> Vec<String> {
        mandatory_captures(&self.item)
    }

    /// Every predicate of the pattern, at any depth, in source order.
    pub fn predicates(&self) -> Vec<Predicate<'_>> {
        let mut predicates = Vec::new();
        collect_predicates(&self.item, &mut predicates);
        predicates
    }

    /// Every capture with the number of nodes between it and the pattern's start (a node
    /// pattern `(call ...)` puts its children one level down; groups and alternations add none).
    pub fn capture_levels(&self) -> Vec<(String, usize)> {
        let mut levels = Vec::new();
        capture_levels(&self.item, 0, &mut levels);
        levels
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open(char),
    Close(char),
    /// A string; `None` when it holds escapes we do not read.
    Str(Option<String>),
    Capture(String),
    Predicate(String),
    Quantifier(char),
    /// Node names, fields (`name:`), `_`, `.`, `!field`.
    Word,
}

#[derive(Debug)]
struct Spanned {
    token: Token,
    span: Range<usize>,
}

fn tokenize(source: &str) -> Option<Vec<Spanned>> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    let name_char =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'?' | b'!');
    while at < bytes.len() {
        let start = at;
        let token = match bytes[at] {
            b if b.is_ascii_whitespace() => {
                at += 1;
                continue;
            }
            b';' => {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
                continue;
            }
            b'(' | b'[' => {
                at += 1;
                Token::Open(bytes[start] as char)
            }
            b')' | b']' => {
                at += 1;
                Token::Close(bytes[start] as char)
            }
            b'?' | b'*' | b'+' => {
                at += 1;
                Token::Quantifier(bytes[start] as char)
            }
            b'"' => {
                at += 1;
                let mut plain = true;
                while at < bytes.len() && bytes[at] != b'"' {
                    if bytes[at] == b'\\' {
                        plain = false;
                        at += 1;
                    }
                    at += 1;
                }
                if at >= bytes.len() {
                    return None;
                }
                at += 1;
                Token::Str(plain.then(|| source[start + 1..at - 1].to_string()))
            }
            b'@' | b'#' => {
                at += 1;
                while at < bytes.len() && name_char(bytes[at]) {
                    at += 1;
                }
                let name = source[start + 1..at].to_string();
                if bytes[start] == b'@' {
                    Token::Capture(name)
                } else {
                    Token::Predicate(name)
                }
            }
            _ => {
                while at < bytes.len()
                    && !bytes[at].is_ascii_whitespace()
                    && !matches!(bytes[at], b'(' | b')' | b'[' | b']' | b'"' | b'@' | b';')
                {
                    at += 1;
                }
                // A quantifier may follow a bare word such as `_` or a node name directly.
                while at > start + 1 && matches!(bytes[at - 1], b'?' | b'*' | b'+') {
                    at -= 1;
                }
                if at == start {
                    return None;
                }
                Token::Word
            }
        };
        tokens.push(Spanned {
            token,
            span: start..at,
        });
    }
    Some(tokens)
}

#[derive(Debug)]
enum Expr {
    /// `( ... )` (a node when it starts with a node name or `_`, else a group of siblings) or
    /// `[ ... ]` (an alternation).
    Group {
        alternation: bool,
        node: bool,
        items: Vec<Item>,
    },
    Predicate {
        name: String,
        args: Vec<PredicateArg>,
    },
    /// A string (anonymous node) or a bare word.
    Leaf,
}

#[derive(Debug)]
struct Item {
    expr: Expr,
    quantifier: Option<char>,
    captures: Vec<String>,
}

struct Parser {
    tokens: Vec<Spanned>,
    at: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at)?.token.clone();
        self.at += 1;
        Some(token)
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|spanned| &spanned.token)
    }

    fn item(&mut self) -> Option<Item> {
        let expr = match self.next()? {
            Token::Open('(') if matches!(self.peek(), Some(Token::Predicate(_))) => {
                let Some(Token::Predicate(name)) = self.next() else {
                    return None;
                };
                let mut args = Vec::new();
                loop {
                    match self.next()? {
                        Token::Close(')') => break,
                        Token::Capture(name) => args.push(PredicateArg::Capture(name)),
                        Token::Str(text) => args.push(PredicateArg::Str(text)),
                        _ => args.push(PredicateArg::Str(None)),
                    }
                }
                return Some(Item {
                    expr: Expr::Predicate { name, args },
                    quantifier: None,
                    captures: Vec::new(),
                });
            }
            Token::Open(open) => {
                let close = if open == '(' { ')' } else { ']' };
                let node = open == '(' && matches!(self.peek(), Some(Token::Word));
                let mut items = Vec::new();
                loop {
                    match self.peek()? {
                        Token::Close(found) if *found == close => {
                            self.at += 1;
                            break;
                        }
                        Token::Close(_) => return None,
                        _ => items.push(self.item()?),
                    }
                }
                Expr::Group {
                    alternation: open == '[',
                    node,
                    items,
                }
            }
            Token::Str(_) | Token::Word => Expr::Leaf,
            Token::Close(_) | Token::Capture(_) | Token::Predicate(_) | Token::Quantifier(_) => {
                return None;
            }
        };
        let mut quantifier = None;
        if let Some(Token::Quantifier(q)) = self.peek() {
            quantifier = Some(*q);
            self.at += 1;
        }
        let mut captures = Vec::new();
        while let Some(Token::Capture(name)) = self.peek() {
            captures.push(name.clone());
            self.at += 1;
        }
        Some(Item {
            expr,
            quantifier,
            captures,
        })
    }
}

fn mandatory_captures(item: &Item) -> Vec<String> {
    if matches!(item.quantifier, Some('?' | '*')) {
        return Vec::new();
    }
    let mut captures = item.captures.clone();
    match &item.expr {
        Expr::Group {
            alternation: false,
            items,
            ..
        } => captures.extend(items.iter().flat_map(mandatory_captures)),
        Expr::Group {
            alternation: true,
            items,
            ..
        } => {
            let mut branches = items
                .iter()
                .filter(|branch| !matches!(branch.expr, Expr::Predicate { .. }))
                .map(mandatory_captures);
            if let Some(first) = branches.next() {
                let common = branches.fold(first, |common, branch| {
                    common
                        .into_iter()
                        .filter(|name| branch.contains(name))
                        .collect()
                });
                captures.extend(common);
            }
        }
        Expr::Predicate { .. } | Expr::Leaf => {}
    }
    captures
}

fn capture_levels(item: &Item, level: usize, out: &mut Vec<(String, usize)>) {
    out.extend(item.captures.iter().map(|name| (name.clone(), level)));
    if let Expr::Group { node, items, .. } = &item.expr {
        let below = level + usize::from(*node);
        for child in items {
            capture_levels(child, below, out);
        }
    }
}

fn collect_predicates<'item>(item: &'item Item, out: &mut Vec<Predicate<'item>>) {
    match &item.expr {
        Expr::Predicate { name, args } => out.push(Predicate { name, args }),
        Expr::Group { items, .. } => {
            for child in items {
                collect_predicates(child, out);
            }
        }
        Expr::Leaf => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only_pattern(source: &str) -> Pattern {
        let mut patterns = patterns(source).expect("understood");
        assert_eq!(patterns.len(), 1, "{source}");
        patterns.remove(0)
    }

    #[test]
    fn splits_top_level_patterns_and_skips_comments() {
        let source = "; a comment (call)\n(call) @lesson\n\n((identifier) @x (#eq? @x \"y\"))\n";
        let spans: Vec<&str> = patterns(source)
            .unwrap()
            .iter()
            .map(|pattern| &source[pattern.span.clone()])
            .collect();
        assert_eq!(
            spans,
            ["(call) @lesson", "((identifier) @x (#eq? @x \"y\"))"]
        );
    }

    #[test]
    fn reads_predicates_with_their_arguments() {
        let pattern = only_pattern(
            r#"((call function: (identifier) @_f arguments: (_) @_a) @lesson (#any-of? @_f "eval" "exec") (#match? @_a "\\d"))"#,
        );
        let capture = |name: &str| PredicateArg::Capture(name.to_string());
        let word = |text: &str| PredicateArg::Str(Some(text.to_string()));
        assert_eq!(
            pattern.predicates(),
            [
                Predicate {
                    name: "any-of?",
                    args: &[capture("_f"), word("eval"), word("exec")],
                },
                // An escaped string is not decoded.
                Predicate {
                    name: "match?",
                    args: &[capture("_a"), PredicateArg::Str(None)],
                },
            ]
        );
    }

    #[test]
    fn optional_repeated_and_alternative_captures_are_not_mandatory() {
        let mandatory = |source: &str| only_pattern(source).mandatory_captures();
        assert_eq!(
            mandatory("((call (identifier)? @_f) @lesson (#eq? @_f \"eval\"))"),
            ["lesson"]
        );
        assert_eq!(
            mandatory("(block (expression_statement)* @_s) @lesson"),
            ["lesson"]
        );
        assert_eq!(
            mandatory("((call function: [(identifier) @_f (attribute)]) @lesson)"),
            ["lesson"]
        );
        // A capture in every branch is always made.
        assert_eq!(
            mandatory(
                "((call function: [(identifier) @_f (attribute attribute: (identifier) @_f)]) @lesson)"
            ),
            ["lesson", "_f"]
        );
    }

    #[test]
    fn levels_count_nodes_not_groups_or_alternations() {
        let pattern = only_pattern(
            r#"((call function: [(identifier) @_f (attribute attribute: (identifier) @_f)]) @lesson (#eq? @_f "x"))"#,
        );
        // `call` → `identifier`, or `call` → `attribute` → `identifier`.
        assert_eq!(
            pattern.capture_levels(),
            [
                ("lesson".to_string(), 0),
                ("_f".to_string(), 1),
                ("_f".to_string(), 2)
            ]
        );
    }

    #[test]
    fn sources_it_cannot_read_give_none() {
        assert!(patterns("(call (#eq? @x").is_none());
        assert!(patterns("(call))").is_none());
        assert!(patterns("(#eq? @x \"y\")").is_none());
        assert!(patterns("((string) @s (#eq? @s \"unterminated))").is_none());
    }
}
