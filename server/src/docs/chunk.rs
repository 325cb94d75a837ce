//! Chunking docstrings for embedding: each chunk keeps the qualified name and signature, so
//! it stands alone in search results; long docstrings are split at sections and paragraphs.

use sha2::{Digest, Sha256};

/// Characters per chunk body: about 150–200 model tokens of English prose.
pub const MAX_CHUNK_CHARS: usize = 700;
/// Chunks kept per documented object (the rest is mostly examples and notes).
pub const MAX_CHUNKS_PER_ITEM: usize = 4;

/// One searchable piece of documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocChunk {
    /// Stable id: the qualified name and chunk number.
    pub id: String,
    pub library: String,
    pub qualified_name: String,
    pub kind: String,
    pub signature: String,
    /// Header line plus body: what is embedded and shown.
    pub text: String,
    /// `path:line` of the definition.
    pub source: String,
    /// Hash of everything above: an unchanged chunk is not embedded again.
    pub hash: String,
}

/// Splits a docstring into bodies of at most `MAX_CHUNK_CHARS` (a paragraph longer than
/// that is cut at line ends).
pub fn split_docstring(docstring: &str) -> Vec<String> {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    let lines: Vec<&str> = docstring.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        let next_is_rule = lines.get(index + 1).is_some_and(|next| {
            let trimmed = next.trim();
            trimmed.len() >= 3 && trimmed.chars().all(|c| c == '-' || c == '=')
        });
        if line.trim().is_empty() || next_is_rule {
            if !current.trim().is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            current.clear();
            if line.trim().is_empty() {
                continue;
            }
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line.trim_end());
    }
    if !current.trim().is_empty() {
        paragraphs.push(current);
    }
    let mut bodies: Vec<String> = Vec::new();
    let mut body = String::new();
    for paragraph in paragraphs {
        for piece in cut(&paragraph) {
            if !body.is_empty() && body.len() + piece.len() + 2 > MAX_CHUNK_CHARS {
                bodies.push(std::mem::take(&mut body));
            }
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(&piece);
        }
    }
    if !body.trim().is_empty() {
        bodies.push(body);
    }
    bodies
}

/// A paragraph cut at line ends into pieces of at most `MAX_CHUNK_CHARS`.
fn cut(paragraph: &str) -> Vec<String> {
    if paragraph.len() <= MAX_CHUNK_CHARS {
        return vec![paragraph.to_string()];
    }
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for line in paragraph.lines() {
        let line: String = line.chars().take(MAX_CHUNK_CHARS).collect();
        if !piece.is_empty() && piece.len() + line.len() + 1 > MAX_CHUNK_CHARS {
            pieces.push(std::mem::take(&mut piece));
        }
        if !piece.is_empty() {
            piece.push('\n');
        }
        piece.push_str(&line);
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// The chunks of one documented object.
pub fn chunks_for(
    library: &str,
    qualified_name: &str,
    kind: &str,
    signature: &str,
    docstring: &str,
    source: &str,
) -> Vec<DocChunk> {
    let header = format!("{qualified_name}{signature}");
    split_docstring(docstring)
        .into_iter()
        .take(MAX_CHUNKS_PER_ITEM)
        .enumerate()
        .map(|(index, body)| {
            let text = format!("{header}\n{body}");
            let id = format!("{qualified_name}#{index}");
            let hash = hex(&Sha256::digest(
                format!("{id}\u{0}{kind}\u{0}{source}\u{0}{text}").as_bytes(),
            ));
            DocChunk {
                id,
                library: library.to_string(),
                qualified_name: qualified_name.to_string(),
                kind: kind.to_string(),
                signature: signature.to_string(),
                text,
                source: source.to_string(),
                hash,
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chunk_keeps_the_name_and_signature_and_stays_short() {
        let docstring = format!(
            "Group rows.\n\nParameters\n----------\nby : str\n    Column.\n\n{}\n\nExamples\n--------\n>>> df.groupby('a').sum()\n",
            "A long paragraph line. ".repeat(60)
        );
        let chunks = chunks_for(
            "pandas",
            "pandas.DataFrame.groupby",
            "method",
            "(self, by=None)",
            &docstring,
            "frame.py:10",
        );
        assert!(chunks.len() >= 3, "{chunks:#?}");
        for chunk in &chunks {
            assert!(
                chunk
                    .text
                    .starts_with("pandas.DataFrame.groupby(self, by=None)\n")
            );
            assert!(
                chunk.text.len() <= MAX_CHUNK_CHARS + 60,
                "{}",
                chunk.text.len()
            );
        }
        assert!(chunks[0].text.contains("Group rows.") && chunks[0].text.contains("Parameters"));
        assert_ne!(chunks[0].hash, chunks[1].hash);
        assert_eq!(
            chunks,
            chunks_for(
                "pandas",
                "pandas.DataFrame.groupby",
                "method",
                "(self, by=None)",
                &docstring,
                "frame.py:10"
            )
        );
    }
}
