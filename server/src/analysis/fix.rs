//! Fixes: templates whose `{capture}` placeholders are filled with the text of the matched
//! nodes, and applying the rendered edits of findings to a text.

use std::ops::Range;

use super::findings::Finding;

/// Checks that braces balance and placeholders are plain capture names.
pub fn check_template(template: &str) -> Result<(), String> {
    render(template, |_| Some(String::new())).map(|_| ())
}

/// Fills `template`; `lookup` gives the text of a capture. `{{` and `}}` are literal braces.
pub fn render(template: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|&(_, next)| next) == Some('{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek().map(|&(_, next)| next) == Some('}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let rest = &template[index + 1..];
                let Some(end) = rest.find('}') else {
                    return Err(format!("unclosed `{{` at byte {index}"));
                };
                let name = &rest[..end];
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    return Err(format!("`{{{name}}}` is not a capture name"));
                }
                let value =
                    lookup(name).ok_or_else(|| format!("no capture `@{name}` in the match"))?;
                out.push_str(&value);
                for _ in 0..name.chars().count() + 1 {
                    chars.next();
                }
            }
            '}' => return Err(format!("unmatched `}}` at byte {index}")),
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// Applies every fix of `findings` that `choose` accepts (non-overlapping ones in one pass).
pub fn apply_fixes(text: &str, findings: &[Finding], choose: impl Fn(&Finding) -> bool) -> String {
    let edits: Vec<(Range<usize>, String)> = findings
        .iter()
        .filter(|finding| choose(finding))
        .filter_map(|finding| {
            finding
                .fix
                .as_ref()
                .map(|edit| (edit.range.clone(), edit.replacement.clone()))
        })
        .collect();
    apply_edits(text, &edits)
}

/// Applies non-overlapping byte-range replacements to `text`.
pub fn apply_edits(text: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut sorted: Vec<&(Range<usize>, String)> = edits.iter().collect();
    sorted.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    let mut out = text.to_string();
    let mut last_start = usize::MAX;
    for (range, replacement) in sorted {
        if range.end > last_start {
            continue; // Overlaps an edit already applied: leave it for the next pass.
        }
        out.replace_range(range.clone(), replacement);
        last_start = range.start;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_captures_and_literal_braces() {
        let lookup = |name: &str| (name == "frame").then(|| "df".to_string());
        assert_eq!(
            render("pd.concat([{frame}]) {{}}", lookup).unwrap(),
            "pd.concat([df]) {}"
        );
        assert!(render("{missing}", lookup).is_err());
        assert!(render("{unclosed", lookup).is_err());
        assert!(check_template("x }").is_err());
    }

    #[test]
    fn applies_edits_from_last_to_first() {
        let text = "a b c";
        let edits = vec![(0..1, "x".to_string()), (4..5, "zz".to_string())];
        assert_eq!(apply_edits(text, &edits), "x b zz");
    }
}
