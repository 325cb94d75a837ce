//! Line starts of a text, and conversion between byte offsets and LSP-style positions in
//! UTF-16 (the LSP default), UTF-8 or UTF-32 code units.

/// How the client counts columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionEncoding {
    Utf8,
    #[default]
    Utf16,
    Utf32,
}

/// A zero-based line and column, in code units of a `PositionEncoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TextPosition {
    pub line: u32,
    pub character: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PositionError {
    #[error("line {line} is past the end of the document ({line_count} lines)")]
    LineOutOfRange { line: u32, line_count: usize },
    #[error("range end {end:?} comes before its start {start:?}")]
    Reversed {
        start: TextPosition,
        end: TextPosition,
    },
}

/// Byte offsets where each line starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        // Rebuilt on every change: memchr keeps it to milliseconds on a file of megabytes.
        // A line ends at `\n`, `\r\n` or a lone `\r`, as the LSP specification says.
        let bytes = text.as_bytes();
        line_starts.extend(
            memchr::memchr2_iter(b'\n', b'\r', bytes)
                .filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'))
                .map(|i| i + 1),
        );
        LineIndex { line_starts }
    }

    /// Keeps the index in step with the replacement of `start..old_end` by `inserted_len`
    /// bytes; `text` is the new text. Only the lines around the edit are scanned again (a lone
    /// `\r` before the edit may have become the `\r` of a `\r\n`), the rest move by the
    /// change in length: on a file of megabytes this is much cheaper than [`LineIndex::new`].
    pub fn apply_edit(&mut self, text: &str, start: usize, old_end: usize, inserted_len: usize) {
        let bytes = text.as_bytes();
        let new_end = start + inserted_len;
        let delta = new_end as isize - old_end as isize;
        // Line starts a break at byte `i` makes are `i + 1`; breaks at `start - 1` up to the
        // last inserted byte are read again, the others are kept (those after, moved).
        let first = self.line_starts.partition_point(|&p| p < start.max(1));
        let after = self.line_starts.partition_point(|&p| p <= old_end);
        let scan_from = start.saturating_sub(1);
        let rescanned: Vec<usize> = memchr::memchr2_iter(b'\n', b'\r', &bytes[scan_from..new_end])
            .map(|i| i + scan_from)
            .filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'))
            .map(|i| i + 1)
            .collect();
        for p in &mut self.line_starts[after..] {
            *p = (*p as isize + delta) as usize;
        }
        self.line_starts.splice(first..after, rescanned);
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte offset of `position`. A column past the end of its line means the end of the
    /// line (as the LSP specification says); a line past the end is an error.
    pub fn offset(
        &self,
        text: &str,
        position: TextPosition,
        encoding: PositionEncoding,
    ) -> Result<usize, PositionError> {
        let line = position.line as usize;
        let Some(&line_start) = self.line_starts.get(line) else {
            return Err(PositionError::LineOutOfRange {
                line: position.line,
                line_count: self.line_count(),
            });
        };
        let line_end = self
            .line_starts
            .get(line + 1)
            .map(|&next| next - 1)
            .unwrap_or(text.len());
        let line_text = &text[line_start..line_end];
        let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
        let mut units = 0u32;
        for (byte, c) in line_text.char_indices() {
            if units >= position.character {
                return Ok(line_start + byte);
            }
            units += match encoding {
                PositionEncoding::Utf8 => c.len_utf8() as u32,
                PositionEncoding::Utf16 => c.len_utf16() as u32,
                PositionEncoding::Utf32 => 1,
            };
        }
        Ok(line_start + line_text.len())
    }

    /// The position of a byte offset (clamped to the text, and to a character boundary).
    pub fn position(&self, text: &str, byte: usize, encoding: PositionEncoding) -> TextPosition {
        let mut byte = byte.min(text.len());
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= byte) - 1;
        let prefix = &text[self.line_starts[line]..byte];
        let character = match encoding {
            PositionEncoding::Utf8 => prefix.len(),
            PositionEncoding::Utf16 => prefix.chars().map(char::len_utf16).sum(),
            PositionEncoding::Utf32 => prefix.chars().count(),
        };
        TextPosition {
            line: line as u32,
            character: character as u32,
        }
    }

    /// The byte range of line `line` without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.line_starts.get(line)?;
        let end = self
            .line_starts
            .get(line + 1)
            .map(|&next| next - 1)
            .unwrap_or(text.len());
        let end = if text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        Some(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_counts_astral_characters_twice() {
        let text = "a😀b\r\nç\n";
        let index = LineIndex::new(text);
        let pos = |line, character| TextPosition { line, character };
        assert_eq!(
            index.offset(text, pos(0, 3), PositionEncoding::Utf16),
            Ok(5)
        );
        assert_eq!(index.offset(text, pos(0, 5), PositionEncoding::Utf8), Ok(5));
        assert_eq!(
            index.offset(text, pos(0, 2), PositionEncoding::Utf32),
            Ok(5)
        );
        assert_eq!(index.position(text, 5, PositionEncoding::Utf16), pos(0, 3));
        // A column past the end of the line stops before the CRLF.
        assert_eq!(
            index.offset(text, pos(0, 99), PositionEncoding::Utf16),
            Ok(6)
        );
        assert_eq!(
            index.offset(text, pos(1, 1), PositionEncoding::Utf16),
            Ok(10)
        );
        assert_eq!(index.position(text, 10, PositionEncoding::Utf8), pos(1, 2));
        assert!(
            index
                .offset(text, pos(5, 0), PositionEncoding::Utf16)
                .is_err()
        );
        assert_eq!(index.line_range(text, 0), Some(0..6));
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let text = "a\rb\r\r\nc\n";
        let index = LineIndex::new(text);
        let pos = |line, character| TextPosition { line, character };
        assert_eq!(index.line_count(), 5);
        assert_eq!(
            index.offset(text, pos(1, 0), PositionEncoding::Utf16),
            Ok(2)
        );
        assert_eq!(
            index.offset(text, pos(1, 9), PositionEncoding::Utf16),
            Ok(3)
        );
        assert_eq!(index.line_range(text, 2), Some(4..4));
        assert_eq!(index.position(text, 6, PositionEncoding::Utf16), pos(3, 0));
    }

    #[test]
    fn edits_keep_the_index_as_a_fresh_one() {
        let cases: &[(&str, usize, usize, &str)] = &[
            ("a\nb\nc\n", 2, 3, "x\ny\n"),
            ("a\rb\nc", 2, 2, "\n"),
            ("a\r\nb", 2, 3, ""),
            ("a\r", 2, 2, "\n"),
            ("abc", 0, 3, "\r\r\n"),
            ("\n\n\n", 0, 1, ""),
            ("x\ny", 1, 2, "\r"),
            ("", 0, 0, "a\nb"),
        ];
        for &(before, start, end, inserted) in cases {
            let mut index = LineIndex::new(before);
            let mut text = before.to_string();
            text.replace_range(start..end, inserted);
            index.apply_edit(&text, start, end, inserted.len());
            assert_eq!(
                index,
                LineIndex::new(&text),
                "{before:?} {start}..{end} {inserted:?}"
            );
        }
    }
}
