//! Secrets never enter the store: scrub credentials out of code before it is recorded.

use std::sync::OnceLock;

use regex::Regex;

fn patterns() -> &'static [(Regex, &'static str)] {
    static PATTERNS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        [
            // name = "value" where the name says it is a secret.
            (
                r#"(?i)((?:password|passwd|pwd|secret|token|api_?key|access_?key|private_?key|auth)[A-Za-z0-9_]*\s*[:=]\s*)(['"])[^'"]+(['"])"#,
                "${1}${2}<redacted>${3}",
            ),
            // Well-known key formats.
            (r"AKIA[0-9A-Z]{16}", "<redacted-aws-key>"),
            (r"gh[pousr]_[A-Za-z0-9]{20,}", "<redacted-github-token>"),
            (r"sk-[A-Za-z0-9_\-]{20,}", "<redacted-api-key>"),
            (r"xox[baprs]-[A-Za-z0-9\-]{10,}", "<redacted-slack-token>"),
            (r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----", "<redacted-private-key>"),
            // Credentials inside URLs.
            (r"(?i)([a-z][a-z0-9+.\-]*://[^/\s:@]+:)[^@\s/]+@", "${1}<redacted>@"),
        ]
        .into_iter()
        .map(|(pattern, replacement)| (Regex::new(pattern).expect("scrub patterns are valid"), replacement))
        .collect()
    })
}

/// Replaces credentials in `text` with `<redacted…>` markers.
pub fn scrub_secrets(text: &str) -> String {
    let mut out = text.to_string();
    for (pattern, replacement) in patterns() {
        out = pattern.replace_all(&out, *replacement).into_owned();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_common_secrets_and_keeps_code() {
        let code = "api_key = \"abc123\"\nurl = 'postgres://me:hunter2@db/x'\nk = 'AKIAABCDEFGHIJKLMNOP'\ndf = pd.read_csv('a.csv')";
        let scrubbed = scrub_secrets(code);
        assert!(
            !scrubbed.contains("abc123")
                && !scrubbed.contains("hunter2")
                && !scrubbed.contains("AKIAABCD"),
            "{scrubbed}"
        );
        assert!(scrubbed.contains("df = pd.read_csv('a.csv')"));
        assert!(scrubbed.contains("api_key = \"<redacted>\""));
    }
}
