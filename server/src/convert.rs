//! Conversion between lore's plain types and LSP types: the only module (with `lsp_ext`
//! and the handlers) that knows about the protocol.

use tower_lsp_server::ls_types::{self as lsp, NumberOrString};

use crate::analysis::Finding;
use crate::analysis::suppression::suppression_comment;
use crate::documents::{Document, PositionEncoding, TextPosition};
use crate::lessons::Severity;
use crate::lsp_ext::{DiagnosticData, DismissData, FixData};

pub fn position(text_position: TextPosition) -> lsp::Position {
    lsp::Position {
        line: text_position.line,
        character: text_position.character,
    }
}

pub fn text_position(position: lsp::Position) -> TextPosition {
    TextPosition {
        line: position.line,
        character: position.character,
    }
}

pub fn byte_range_to_lsp(
    document: &Document,
    range: std::ops::Range<usize>,
    encoding: PositionEncoding,
) -> lsp::Range {
    lsp::Range {
        start: position(
            document
                .line_index
                .position(&document.text, range.start, encoding),
        ),
        end: position(
            document
                .line_index
                .position(&document.text, range.end, encoding),
        ),
    }
}

pub fn severity(severity: Severity) -> lsp::DiagnosticSeverity {
    match severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

pub fn encoding_kind(encoding: PositionEncoding) -> lsp::PositionEncodingKind {
    match encoding {
        PositionEncoding::Utf8 => lsp::PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => lsp::PositionEncodingKind::UTF16,
        PositionEncoding::Utf32 => lsp::PositionEncodingKind::UTF32,
    }
}

/// The full lines a byte range touches.
pub fn lines_of(document: &Document, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let text = &document.text;
    let start = text[..range.start.min(text.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let end = range.end.min(text.len());
    let end = text[end..]
        .find('\n')
        .map(|i| end + i)
        .unwrap_or(text.len());
    start..end
}

/// A finding as a diagnostic. `override_severity` comes from the settings.
pub fn diagnostic(
    document: &Document,
    finding: &Finding,
    override_severity: Option<Severity>,
    encoding: PositionEncoding,
) -> lsp::Diagnostic {
    let lesson = &finding.lesson;
    let lines = lines_of(document, finding.range.clone());
    let line_text = &document.text[lines.clone()];
    let fix = finding
        .fix
        .as_ref()
        .zip(lesson.fix.as_ref())
        .map(|(edit, lesson_fix)| {
            // The finding's lines with the fix spliced in (the fix lies within or across them).
            let start = lines.start.min(edit.range.start);
            let end = lines.end.max(edit.range.end);
            let text = &document.text;
            let after = format!(
                "{}{}{}",
                &text[start..edit.range.start],
                edit.replacement,
                &text[edit.range.end..end]
            );
            FixData {
                title: lesson_fix.title.clone(),
                safe: lesson_fix.safe,
                range: byte_range_to_lsp(document, edit.range.clone(), encoding),
                new_text: edit.replacement.clone(),
                before: line_text.to_string(),
                after,
            }
        });
    let first_line_end = document.text[finding.range.start..]
        .find('\n')
        .map(|i| finding.range.start + i)
        .unwrap_or(document.text.len());
    let first_line_end = if document.text[..first_line_end].ends_with('\r') {
        first_line_end - 1
    } else {
        first_line_end
    };
    let dismiss = DismissData {
        position: position(
            document
                .line_index
                .position(&document.text, first_line_end, encoding),
        ),
        new_text: format!("  {}", suppression_comment(&lesson.id)),
        line: line_text.to_string(),
    };
    let data = DiagnosticData {
        lesson_id: lesson.id.clone(),
        lesson_version: lesson.version,
        fix,
        dismiss,
    };
    lsp::Diagnostic {
        range: byte_range_to_lsp(document, finding.range.clone(), encoding),
        severity: Some(severity(override_severity.unwrap_or(lesson.severity_now()))),
        code: Some(NumberOrString::String(lesson.id.clone())),
        code_description: lesson
            .references
            .first()
            .and_then(|url| url.parse().ok())
            .map(|href| lsp::CodeDescription { href }),
        source: Some("lore".to_string()),
        message: lesson.message.clone(),
        related_information: None,
        tags: lesson
            .tags
            .iter()
            .any(|tag| tag == "deprecated" || tag == "removed-api")
            .then(|| vec![lsp::DiagnosticTag::DEPRECATED]),
        data: serde_json::to_value(data).ok(),
    }
}
