//! Open documents: text, version and tree-sitter tree per file, updated incrementally.

mod line_index;

use std::ops::Range;

use tree_sitter::Tree;

use crate::analysis::parse;
pub use line_index::{LineIndex, PositionEncoding, PositionError, TextPosition};

/// Files larger than this are kept in sync but neither parsed nor analyzed (parsing tens of
/// megabytes takes seconds, and the parse happens on the typing path).
pub const MAX_ANALYZED_BYTES: usize = 8 * 1024 * 1024;

/// The tree of `text`: reusing `old_tree` when given, and empty for a file too large to analyze.
fn parse_within_limit(text: &str, old_tree: Option<&Tree>) -> Tree {
    if text.len() > MAX_ANALYZED_BYTES {
        parse::parse("", None)
    } else {
        parse::parse(text, old_tree)
    }
}

/// One change from the client: a range in the negotiated encoding (or the whole text).
#[derive(Debug, Clone)]
pub struct TextChange {
    pub range: Option<(TextPosition, TextPosition)>,
    pub text: String,
}

/// One edit as applied: `start..old_end` of the text before it became `start..new_end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedEdit {
    pub start: usize,
    pub old_end: usize,
    pub new_end: usize,
}

impl AppliedEdit {
    pub fn delta(&self) -> isize {
        self.new_end as isize - self.old_end as isize
    }
}

/// An open document. Cloning it is the snapshot that analysis runs on.
#[derive(Clone)]
pub struct Document {
    pub version: i32,
    pub text: String,
    pub tree: Tree,
    pub line_index: LineIndex,
    /// Byte ranges (current coordinates) written or re-parsed differently since the last
    /// analysis took them (`Session::analyze` clears them).
    pub dirty: Vec<Range<usize>>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("version", &self.version)
            .field("bytes", &self.text.len())
            .finish()
    }
}

impl Document {
    pub fn new(text: String, version: i32) -> Document {
        let tree = parse_within_limit(&text, None);
        let line_index = LineIndex::new(&text);
        let dirty = std::iter::once(0..text.len()).collect();
        Document {
            version,
            text,
            tree,
            line_index,
            dirty,
        }
    }

    pub fn is_too_large(&self) -> bool {
        self.text.len() > MAX_ANALYZED_BYTES
    }

    /// Applies the changes in order and re-parses incrementally. Returns the edits, each in
    /// the coordinates of the text it applied to. On error nothing is changed.
    pub fn apply_changes(
        &mut self,
        changes: &[TextChange],
        version: i32,
        encoding: PositionEncoding,
    ) -> Result<Vec<AppliedEdit>, PositionError> {
        if let [change] = changes
            && let Some((start, end)) = change.range
        {
            return self.apply_one(start, end, &change.text, version, encoding);
        }
        let mut text = self.text.clone();
        let mut tree = self.tree.clone();
        let mut line_index = self.line_index.clone();
        let mut applied: Vec<AppliedEdit> = Vec::new();
        let mut dirty = self.dirty.clone();
        let mut full_replace = false;
        for change in changes {
            match change.range {
                None => {
                    dirty = std::iter::once(0..change.text.len()).collect();
                    applied.push(AppliedEdit {
                        start: 0,
                        old_end: text.len(),
                        new_end: change.text.len(),
                    });
                    text = change.text.clone();
                    line_index = LineIndex::new(&text);
                    full_replace = true;
                }
                Some((start, end)) => {
                    let start_byte = line_index.offset(&text, start, encoding)?;
                    let end_byte = line_index.offset(&text, end, encoding)?;
                    if end_byte < start_byte {
                        return Err(PositionError::Reversed { start, end });
                    }
                    let edit = parse::input_edit(&text, start_byte, end_byte, &change.text);
                    tree.edit(&edit);
                    text.replace_range(start_byte..end_byte, &change.text);
                    line_index.apply_edit(&text, start_byte, end_byte, change.text.len());
                    for range in &mut dirty {
                        *range = shift_range(
                            range.clone(),
                            start_byte,
                            end_byte,
                            change.text.len() as isize - (end_byte - start_byte) as isize,
                        );
                    }
                    dirty.push(start_byte..start_byte + change.text.len());
                    applied.push(AppliedEdit {
                        start: start_byte,
                        old_end: end_byte,
                        new_end: start_byte + change.text.len(),
                    });
                }
            }
        }
        // An old tree of a text that was too large is empty: no base for an incremental parse.
        let incremental = !full_replace && self.text.len() <= MAX_ANALYZED_BYTES;
        let new_tree = parse_within_limit(&text, incremental.then_some(&tree));
        if !full_replace && !incremental {
            // Shrunk below the limit: all of it is new to analysis.
            dirty = std::iter::once(0..text.len()).collect();
        }
        if incremental && text.len() <= MAX_ANALYZED_BYTES {
            // Where the parse itself changed (e.g. an opened string swallowing what follows).
            dirty.extend(
                tree.changed_ranges(&new_tree)
                    .map(|range| range.start_byte..range.end_byte),
            );
        }
        self.tree = new_tree;
        self.dirty = dirty;
        self.text = text;
        self.line_index = line_index;
        self.version = version;
        Ok(applied)
    }

    /// One ranged change (what editors send as a person types), applied in place: checked
    /// first, so that an error changes nothing, without copying the text or its line index (a
    /// copy of each per keystroke cost a 50 MB file 100 ms).
    fn apply_one(
        &mut self,
        start: TextPosition,
        end: TextPosition,
        inserted: &str,
        version: i32,
        encoding: PositionEncoding,
    ) -> Result<Vec<AppliedEdit>, PositionError> {
        let start_byte = self.line_index.offset(&self.text, start, encoding)?;
        let end_byte = self.line_index.offset(&self.text, end, encoding)?;
        if end_byte < start_byte {
            return Err(PositionError::Reversed { start, end });
        }
        let was_analyzed = self.text.len() <= MAX_ANALYZED_BYTES;
        let old_tree = was_analyzed.then(|| {
            let mut tree = self.tree.clone();
            tree.edit(&parse::input_edit(
                &self.text, start_byte, end_byte, inserted,
            ));
            tree
        });
        self.text.replace_range(start_byte..end_byte, inserted);
        self.line_index
            .apply_edit(&self.text, start_byte, end_byte, inserted.len());
        let delta = inserted.len() as isize - (end_byte - start_byte) as isize;
        for range in &mut self.dirty {
            *range = shift_range(range.clone(), start_byte, end_byte, delta);
        }
        self.dirty.push(start_byte..start_byte + inserted.len());
        self.tree = parse_within_limit(&self.text, old_tree.as_ref());
        match &old_tree {
            // Where the parse itself changed (e.g. an opened string swallowing what follows).
            Some(old) if self.text.len() <= MAX_ANALYZED_BYTES => self.dirty.extend(
                old.changed_ranges(&self.tree)
                    .map(|range| range.start_byte..range.end_byte),
            ),
            Some(_) => {}
            // Shrunk below the limit: all of it is new to analysis.
            None if self.text.len() <= MAX_ANALYZED_BYTES => {
                self.dirty = std::iter::once(0..self.text.len()).collect();
            }
            None => {}
        }
        self.version = version;
        Ok(vec![AppliedEdit {
            start: start_byte,
            old_end: end_byte,
            new_end: start_byte + inserted.len(),
        }])
    }
}

/// Maps a range of the old text through the replacement of `start..end` (growing by `delta`).
pub fn shift_range(range: Range<usize>, start: usize, end: usize, delta: isize) -> Range<usize> {
    let shift = |byte: usize| -> usize {
        if byte >= end {
            (byte as isize + delta).max(0) as usize
        } else if byte > start {
            start
        } else {
            byte
        }
    };
    let new_start = shift(range.start);
    let new_end = if range.end > start && range.end <= end {
        (end as isize + delta) as usize
    } else {
        shift(range.end)
    };
    new_start..new_end.max(new_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(line: u32, character: u32) -> TextPosition {
        TextPosition { line, character }
    }

    #[test]
    fn applies_incremental_changes_in_order() {
        let mut document = Document::new("a = 1\nb = 2\n".into(), 1);
        let changes = vec![
            TextChange {
                range: Some((position(0, 4), position(0, 5))),
                text: "10".into(),
            },
            TextChange {
                range: Some((position(1, 0), position(1, 0))),
                text: "# é\n".into(),
            },
        ];
        let applied = document
            .apply_changes(&changes, 2, PositionEncoding::Utf16)
            .unwrap();
        assert_eq!(document.text, "a = 10\n# é\nb = 2\n");
        assert_eq!(
            applied,
            vec![
                AppliedEdit {
                    start: 4,
                    old_end: 5,
                    new_end: 6
                },
                AppliedEdit {
                    start: 7,
                    old_end: 7,
                    new_end: 12
                }
            ]
        );
        assert_eq!(document.version, 2);
        assert_eq!(
            document.tree.root_node().to_sexp(),
            parse::parse(&document.text, None).root_node().to_sexp()
        );
    }

    #[test]
    fn out_of_range_changes_are_rejected_and_change_nothing() {
        let mut document = Document::new("a = 1\n".into(), 1);
        let changes = vec![TextChange {
            range: Some((position(7, 0), position(7, 1))),
            text: "x".into(),
        }];
        assert!(
            document
                .apply_changes(&changes, 2, PositionEncoding::Utf16)
                .is_err()
        );
        assert_eq!(document.text, "a = 1\n");
        assert_eq!(document.version, 1);
    }

    #[test]
    fn shift_range_maps_through_edits() {
        assert_eq!(shift_range(10..20, 0, 5, 3), 13..23);
        assert_eq!(shift_range(10..20, 25, 30, 3), 10..20);
        assert_eq!(shift_range(10..20, 12, 15, -3), 10..17);
    }
}
