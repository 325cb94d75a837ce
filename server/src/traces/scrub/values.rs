//! Value heuristics: does a matched string look like a real secret, or like code, a placeholder or prose?
//!
//! Detectors that key on a *name* (`password = "…"`) or a *context* (`aws … <40 chars>`) cannot
//! trust the value blindly: `token = None`, `password = "<your password here>"` and
//! `commit = "3f2a…"` are not secrets. Each detector names one of the `accept` functions below.

/// Accepts every match: the pattern alone is specific enough (known vendor prefixes, PEM blocks).
pub fn always(_: &str) -> bool {
    true
}

/// A value assigned to a secret-looking name in quotes: `password = "hunter2"`, `{"api_key": "…"}`.
/// Short human words, placeholders, interpolations and code-ish strings are not secrets.
pub fn looks_like_secret(v: &str) -> bool {
    let n = v.chars().count();
    if n < 6 || v.chars().any(char::is_whitespace) || is_placeholder(v) || is_code_like(v) {
        return false;
    }
    n >= 8 || char_classes(v) >= 2
}

/// An unquoted value in `.env`/shell/ini style (`PASSWORD=hunter2secret`): the same as
/// [`looks_like_secret`], but as a bare word could be a Python variable it must be at least
/// 8 chars and either contain a digit/symbol or be long.
pub fn looks_like_unquoted_secret(v: &str) -> bool {
    looks_like_secret(v)
        && v.chars().count() >= 8
        && (has_digit(v) || has_symbol(v) || v.chars().count() >= 12)
        && !is_type_name(v)
}

/// An unquoted YAML value (`password: s3cr3t-Pa55`). Python annotations share the shape
/// (`api_key: SecretStr`), so a digit or symbol is required.
pub fn looks_like_yaml_secret(v: &str) -> bool {
    looks_like_secret(v)
        && v.chars().count() >= 8
        && (has_digit(v) || has_symbol(v))
        && !is_type_name(v)
}

/// A Python type or attribute path as written after `name:` or `name =` (`OAuth2Token`,
/// `_TokenType`, `x25519.X25519PrivateKey`, `SecretStr`): a (dotted) identifier in CamelCase,
/// i.e. every lower-case run is a word of 2+ letters started by a capital (or the segment start)
/// and there is at least one 3+ letter word. Random tokens (`hunter2zTAwzR`, `Xk9mP2qR7vL4`)
/// almost always have a lone lower-case letter or one right after a digit.
fn is_type_name(v: &str) -> bool {
    let is_ident = |s: &str| {
        let mut cs = s.chars();
        matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if !v.split('.').all(is_ident) || !(has_upper(v) || v.starts_with('_')) {
        return false;
    }
    let mut has_word = false;
    for segment in v.split('.').filter(|seg| has_upper(seg)) {
        let chars: Vec<char> = segment.trim_start_matches('_').chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if !chars[i].is_ascii_lowercase() {
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && chars[i].is_ascii_lowercase() {
                i += 1;
            }
            let len = i - start;
            let after_capital = start > 0 && chars[start - 1].is_ascii_uppercase();
            if !(start == 0 || (after_capital && len >= 2)) {
                return false;
            }
            has_word |= len >= 3;
        }
    }
    has_word
}

/// A secret-named variable compared with a literal (`if token == "…"`): lexers compare tokens
/// with words and punctuation (`"#bygroup"`) all the time, so the literal must mix two of
/// lower case, upper case and digits.
pub fn looks_like_compared_secret(v: &str) -> bool {
    looks_like_secret(v)
        && [has_lower(v), has_upper(v), has_digit(v)]
            .iter()
            .filter(|b| **b)
            .count()
            >= 2
}

/// The value where the context already says "credential" (a URL's password, a
/// `login(user, "…")` call, a connection string's `Password=`): anything but a placeholder.
pub fn not_placeholder(v: &str) -> bool {
    !v.trim().is_empty()
        && !is_placeholder(v)
        && !is_common_word(v)
        && !v.starts_with('$')
        && !v.starts_with('%')
}

/// A positional password (`login("me", "pw")`): at least 4 chars and not a placeholder.
pub fn weak_secret(v: &str) -> bool {
    v.chars().count() >= 4
        && !v.chars().any(char::is_whitespace)
        && not_placeholder(v)
        && !is_code_like(v)
}

/// The credential after an `Authorization` header scheme: token-shaped (digits, mixed case or
/// token punctuation), not a word like "required" nor code like `auth_header`.
pub fn token_like(v: &str) -> bool {
    v.chars().count() >= 8
        && not_placeholder(v)
        && !is_code_like(v)
        && (has_digit(v)
            || (has_upper(v) && has_lower(v))
            || v.contains(['+', '/', '=', '.', '_', '~', '-']))
}

/// A bare `Bearer <token>` outside a header: long, with letters and digits, so that prose such as
/// "the bearer of bad news" is left alone.
pub fn bearer_token_like(v: &str) -> bool {
    v.chars().count() >= 16
        && has_digit(v)
        && v.chars().any(|c| c.is_ascii_alphabetic())
        && !is_code_like(v)
}

/// A bare `Basic <base64>`: only if it decodes to printable `user:password`.
pub fn basic_credentials(v: &str) -> bool {
    match decode_base64(v) {
        Some(bytes) => {
            bytes.len() >= 3
                && bytes.contains(&b':')
                && bytes.iter().all(|b| (0x20..0x7f).contains(b))
        }
        None => false,
    }
}

/// A 40-char AWS secret access key: base64 alphabet with both cases and digits (which rules out
/// hex git SHAs and words), and not a path (a random key has ~0.6 slashes, paths have several).
pub fn aws_secret_like(v: &str) -> bool {
    has_upper(v)
        && has_lower(v)
        && has_digit(v)
        && v.matches('/').count() <= 3
        && !is_placeholder(v)
        && !is_words(v)
}

/// Made of words (`AWSEC2CapacityReservationFleetRolePolicy`, `/properties/CaCertificatesBundle`):
/// three or more runs of 5+ lower-case letters, which random base64 almost never has.
fn is_words(v: &str) -> bool {
    let mut runs = 0;
    let mut run = 0;
    for c in v.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_lowercase() {
            run += 1;
        } else {
            if run >= 5 {
                runs += 1;
            }
            run = 0;
        }
    }
    runs >= 3
}

/// A PEM/PGP block with an actual key body (a base64 run of 40+ chars), not just a header
/// quoted in documentation or a parser constant.
pub fn has_key_body(v: &str) -> bool {
    let mut run = 0;
    for c in v.chars() {
        if c.is_ascii_alphanumeric() || c == '+' || c == '/' {
            run += 1;
            if run >= 40 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// A 32-hex-char value near Twilio context: letters and digits both present (not `000…`).
pub fn hex_token_like(v: &str) -> bool {
    has_digit(v) && v.chars().any(|c| c.is_ascii_alphabetic())
}

/// A `sk-…` key of unknown vendor: must mix letters and digits (not `sk-learn-…` style words).
pub fn letters_and_digits(v: &str) -> bool {
    has_digit(v) && v.chars().any(|c| c.is_ascii_alphabetic())
}

/// Placeholders and templates: `<your key>`, `[PAD]`, `{token}`, `${API_KEY}`, `xxxxxxxx`,
/// `********`, `changeme`, `your-api-key-here`, `<redacted…>` (our own markers).
pub fn is_placeholder(v: &str) -> bool {
    let t = v.trim();
    if t.is_empty() {
        return true;
    }
    let wrapped = |open: char, close: char| t.starts_with(open) && t.ends_with(close);
    if wrapped('<', '>')
        || wrapped('[', ']')
        || wrapped('{', '}')
        || wrapped('%', '%')
        || wrapped('(', ')')
    {
        return true;
    }
    if t.contains("${")
        || t.contains("{{")
        || t.contains("%(")
        || (t.contains('{') && t.contains('}'))
    {
        return true;
    }
    let first = t.chars().next().unwrap_or(' ');
    if t.chars().all(|c| c == first) {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    const PLACEHOLDER_WORDS: &[&str] = &[
        "your",
        "example",
        "placeholder",
        "changeme",
        "change_me",
        "change-me",
        "redacted",
        "dummy",
        "fake",
        "sample",
        "mock",
        "xxxx",
        "***",
        "...",
        "todo",
        "fixme",
        "replace",
        "insert_",
        "_here",
        "-here",
        "here_",
    ];
    PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w))
}

/// Words that appear as values of secret-named keys without being secrets (`"token": "string"`).
fn is_common_word(v: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "pass",
        "pw",
        "secret",
        "token",
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "string",
        "str",
        "bytes",
        "bearer",
        "basic",
        "required",
        "optional",
        "default",
        "hidden",
        "masked",
    ];
    WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
}

/// Looks like code or configuration, not a credential: keywords, identifiers (`db_password`,
/// `DB_PASSWORD`, `SecretStr`, `accessToken`), dotted paths (`settings.SECRET_KEY`), calls,
/// file paths and names, plain URLs, environment references.
pub fn is_code_like(v: &str) -> bool {
    let t = v.trim();
    if is_common_word(t) {
        return true;
    }
    const KEYWORDS: &[&str] = &[
        "lambda", "await", "yield", "return", "import", "self", "cls", "input", "getpass",
    ];
    if KEYWORDS.contains(&t) {
        return true;
    }
    let is_ident = |s: &str| {
        let mut cs = s.chars();
        matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    // snake_case identifier: db_password, user_password2
    if is_ident(t) && t.contains('_') && !has_upper(t) {
        return true;
    }
    // SCREAMING_SNAKE identifier (usually an environment variable name): DB_PASSWORD
    if is_ident(t) && t.contains('_') && !has_lower(t) && t.chars().any(|c| c.is_ascii_alphabetic())
    {
        return true;
    }
    // CamelCase / camelCase identifier made only of letters: SecretStr, accessToken
    if t.chars().all(|c| c.is_ascii_alphabetic()) && has_upper(t) && has_lower(t) {
        let first_upper = t.starts_with(|c: char| c.is_ascii_uppercase());
        let inner_upper = t.chars().skip(1).any(|c| c.is_ascii_uppercase());
        if first_upper || inner_upper {
            return true;
        }
    }
    // dotted path: settings.SECRET_KEY, os.environ, django.contrib.auth, rust_openssl.hpke.X25519Key
    // (digits only if some segment is a plain lower-case word, unlike a token `abc123.def456`)
    if t.contains('.') && t.split('.').all(is_ident) {
        let word_segment = t
            .split('.')
            .any(|seg| seg.len() >= 3 && seg.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        if !has_digit(t) || word_segment {
            return true;
        }
    }
    // ARNs and URNs: arn:aws:kms:us-west-2:123456789012:alias/aws/s3
    if t.starts_with("arn:") || t.starts_with("urn:") {
        return true;
    }
    // descriptive words: smb-file-server-password, no-password-required, my_Bitbucket_password
    let segments: Vec<&str> = t.split(['-', '_']).collect();
    if segments.len() >= 3
        && segments
            .iter()
            .all(|seg| !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return true;
    }
    // HTTP header names: Access-Control-Allow-Credentials, X-Api-Key
    if t.contains('-')
        && t.split('-').all(|seg| {
            let mut cs = seg.chars();
            matches!(cs.next(), Some(c) if c.is_ascii_uppercase())
                && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_uppercase())
        })
        && t.split('-')
            .filter(|seg| seg.chars().skip(1).any(|c| c.is_ascii_lowercase()))
            .count()
            >= 2
    {
        return true;
    }
    // colours: #cccccc, #ABB2BF
    if t.starts_with('#')
        && matches!(t.len(), 4 | 5 | 7 | 9)
        && t[1..].chars().all(|c| c.is_ascii_hexdigit())
    {
        return true;
    }
    // regular expressions: r'[^\W\d]\w*', r"^\s*(\d+)"
    if [
        "\\w", "\\d", "\\s", "\\b", "\\W", "\\D", "\\S", "[^", "(?", ".*", ".+",
    ]
    .iter()
    .any(|p| t.contains(p))
        || t.starts_with('^')
    {
        return true;
    }
    // calls and indexing: get_token(), tokens[0]
    if t.ends_with(')') || t.ends_with(']') {
        return true;
    }
    // environment references: $TOKEN, %TOKEN%, os.environ/API_KEY
    if t.starts_with('$') || t.contains("environ") {
        return true;
    }
    // file paths and names: /run/secrets/db, ./keys/id_rsa, C:\keys, service-account.json
    if t.starts_with('/') || t.starts_with("./") || t.starts_with("../") || t.starts_with("~/") {
        return true;
    }
    if t.len() > 3
        && t.as_bytes()[1] == b':'
        && (t.as_bytes()[2] == b'\\' || t.as_bytes()[2] == b'/')
    {
        return true;
    }
    const FILE_EXTENSIONS: &[&str] = &[
        ".json", ".pem", ".key", ".txt", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".env", ".p12",
        ".pfx", ".crt", ".cer", ".der", ".jks", ".gpg", ".asc", ".pub",
    ];
    let lower = t.to_ascii_lowercase();
    if FILE_EXTENSIONS.iter().any(|e| lower.ends_with(e))
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c))
    {
        return true;
    }
    // URLs without credentials (credentials in URLs have their own detector)
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return true;
    }
    false
}

fn has_digit(v: &str) -> bool {
    v.chars().any(|c| c.is_ascii_digit())
}

fn has_upper(v: &str) -> bool {
    v.chars().any(|c| c.is_ascii_uppercase())
}

fn has_lower(v: &str) -> bool {
    v.chars().any(|c| c.is_ascii_lowercase())
}

fn has_symbol(v: &str) -> bool {
    v.chars().any(|c| !c.is_alphanumeric())
}

/// How many of lower / upper / digit / other appear.
fn char_classes(v: &str) -> usize {
    [has_lower(v), has_upper(v), has_digit(v), has_symbol(v)]
        .iter()
        .filter(|b| **b)
        .count()
}

/// Standard or URL-safe base64 (padding optional); `None` if `v` is not base64.
pub(crate) fn decode_base64(v: &str) -> Option<Vec<u8>> {
    let digits = v.trim_end_matches('=');
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in digits.bytes() {
        let d = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(d);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values() {
        for v in [
            "hunter2",
            "abc123",
            "s3cr3t-Pa55",
            "supersecretpassword",
            "wJalrXUtnFEMI/K7MDENG",
        ] {
            assert!(looks_like_secret(v), "{v}");
        }
    }

    #[test]
    fn non_secret_values() {
        for v in [
            "",
            "alice",
            "None",
            "<your password here>",
            "[PAD]",
            "<|endoftext|>",
            "{token}",
            "${API_KEY}",
            "********",
            "xxxxxxxx",
            "changeme",
            "your-api-key-here",
            "db_password",
            "DB_PASSWORD",
            "SecretStr",
            "settings.SECRET_KEY",
            "/run/secrets/db",
            "service-account.json",
            "https://example.com/token",
            "<redacted-stripe-key>",
            "Jane Doe",
        ] {
            assert!(!looks_like_secret(v), "{v}");
        }
    }

    #[test]
    fn type_names_versus_random_tokens() {
        for v in [
            "OAuth2Token",
            "_TokenType",
            "x25519.X25519PrivateKey",
            "SecretStr",
            "HTTPAuthorizationCredentials",
        ] {
            assert!(is_type_name(v), "{v}");
        }
        for v in [
            "hunter2zTAwzR",
            "JQ1YEJh846DK2L",
            "AE51kN8AqTG99",
            "Xk9mP2qR7vL4nB8w",
            "s3cr3t-Pa55",
        ] {
            assert!(!is_type_name(v), "{v}");
        }
    }

    #[test]
    fn basic_auth_decoding() {
        assert!(basic_credentials("YWxhZGRpbjpvcGVuc2VzYW1l")); // aladdin:opensesame
        assert!(!basic_credentials("authentication"));
        assert!(!basic_credentials("auth"));
    }

    #[test]
    fn aws_secret_shape() {
        assert!(aws_secret_like("q7Rk2N/vZ0pLw9XcB4mT+8sJdH3yFgA6uE1oKiYb"));
        assert!(!aws_secret_like("AWSEC2CapacityReservationFleetRolePolicy"));
        assert!(!aws_secret_like("3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a"));
    }
}
