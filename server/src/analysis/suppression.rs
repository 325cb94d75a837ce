//! Inline suppressions: `# lore: ignore[lesson-id, ...]` or `# lore: ignore` on a line.

/// The comment a "dismiss here" action appends to a line.
pub fn suppression_comment(lesson_id: &str) -> String {
    format!("# lore: ignore[{lesson_id}]")
}

/// True when `line` carries a suppression that covers `lesson_id`.
pub fn is_suppressed(line: &str, lesson_id: &str) -> bool {
    let Some(hash) = line.find('#') else {
        return false;
    };
    let mut rest = &line[hash..];
    while let Some(at) = rest.find("lore:") {
        let after = rest[at + "lore:".len()..].trim_start();
        if let Some(tail) = after.strip_prefix("ignore") {
            let tail = tail.trim_start();
            match tail.strip_prefix('[') {
                None => return true,
                Some(list) => {
                    let list = list.split(']').next().unwrap_or("");
                    if list.split(',').any(|id| id.trim() == lesson_id) {
                        return true;
                    }
                }
            }
        }
        rest = &rest[at + 1..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honors_specific_and_blanket_suppressions() {
        assert!(is_suppressed("x = 1  # lore: ignore[a-b]", "a-b"));
        assert!(is_suppressed("x = 1  # lore: ignore[c, a-b]", "a-b"));
        assert!(!is_suppressed("x = 1  # lore: ignore[c]", "a-b"));
        assert!(is_suppressed("x = 1  #lore:ignore", "a-b"));
        assert!(!is_suppressed("x = 'lore: ignore'", "a-b"));
        assert!(is_suppressed(
            &format!("y  {}", suppression_comment("z")),
            "z"
        ));
    }
}
