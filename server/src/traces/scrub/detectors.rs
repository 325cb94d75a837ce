//! The table of secret detectors: one row per shape of credential, applied in order.
//!
//! Each row says what it catches (a comment with an example shape), the regex, what to replace
//! (the whole match, or only the named `value`/`value2` groups so that `password = "…"` keeps its
//! name and quotes), the marker, an `accept` check on the replaced text (see `values.rs`), and an
//! optional context pattern that must occur near the match.
//!
//! Order matters: specific vendor shapes come first so their markers are informative
//! (`<redacted-stripe-key>`), and the name-based rules at the end skip values that are already
//! markers. Patterns are compiled with `\b` as an ASCII word boundary (see `lib.rs`).

use super::values::*;

/// What part of a match is replaced by the marker.
pub enum Redact {
    /// The whole match: `sk_live_…` becomes `<redacted-stripe-key>`.
    Whole,
    /// Only the named groups `value` / `value2` (alternatives, e.g. double or single quotes).
    Value,
}

/// One row of the table.
pub struct Detector {
    /// Shown by `detected_shapes` and in test failures.
    pub name: &'static str,
    pub pattern: &'static str,
    pub redact: Redact,
    pub marker: &'static str,
    /// Checked on the text to be replaced; a rejected match is left as it is.
    pub accept: fn(&str) -> bool,
    /// If set, this pattern must occur within `CONTEXT_BEFORE`/`CONTEXT_AFTER` bytes of the value.
    pub context: Option<&'static str>,
    /// Exceptions: a match in which this pattern occurs is left alone.
    pub skip_if: Option<&'static str>,
}

/// Bytes before / after a value that are searched for a detector's `context` pattern.
pub const CONTEXT_BEFORE: usize = 240;
pub const CONTEXT_AFTER: usize = 80;

use Redact::{Value, Whole};

/// Secret-looking names for the name-based rules below. A name must *end* with one of these
/// (so `tokenizer`, `token_type_ids`, `max_tokens`, `password_field`, `author` don't match);
/// `secret` also covers `client_secret`, `token` covers `auth_token`/`access_token`.
macro_rules! secret_name {
    () => {
        r"(?:secret|token|password|passwd|passphrase|pwd|(?:db|user|admin|root|smtp|mail|email|ftp|redis|mysql|pg|postgres|sql|ldap|app|api)[_-]?pass|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|subscription[_-]?key|license[_-]?key|session[_-]?key|client[_-]?key|auth[_-]?key|credentials?)"
    };
}

/// Tokens that are not credentials: pagination cursors, idempotency and lock tokens, lexer and
/// tokenizer tokens (`NextToken`, `ClientRequestToken`, `LockToken`, `nextSequenceToken`, `pad_token`).
macro_rules! not_secret_token {
    () => {
        Some(r"(?i)(?:next|prev|previous|page|continuation|pagination|cursor|client|request|change|creation|idempotency|input|output|sync|resume|lock|sequence|forward|backward|marker|lexer|parser|stop|start|end|eos|bos|pad|unk|sep|cls|mask|special)[_-]?tokens?\b")
    };
}

/// A quoted string literal (optionally `r`/`b`/`u`/`f`-prefixed); its content is `value` or `value2`.
macro_rules! quoted_value {
    () => {
        r#"[rbuf]{0,2}(?:"(?P<value>(?:[^"\\\r\n]|\\.)*)"|'(?P<value2>(?:[^'\\\r\n]|\\.)*)')"#
    };
}

pub const DETECTORS: &[Detector] = &[
    // ---------------------------------------------------------------- private key blocks
    // -----BEGIN RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP PRIVATE KEY( BLOCK)?----- … -----END …-----,
    // also inside a string with `\n` escapes. A header with no base64 body (docs, parser constants) is kept.
    Detector {
        name: "private-key",
        pattern: r"(?s)-{4,5} ?BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)? ?-{4,5}.*?-{4,5} ?END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)? ?-{4,5}",
        redact: Whole,
        marker: "<redacted-private-key>",
        accept: has_key_body,
        context: None,
        skip_if: None,
    },
    // A truncated block (no END line, e.g. a pasted head of a key file): the header and the base64
    // lines after it. A separate row, not an alternative above, so each search stays linear.
    Detector {
        name: "private-key-unterminated",
        pattern: r"-{4,5} ?BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)? ?-{4,5}(?:[A-Za-z0-9+/=:,.\s-]|\\[nr])*",
        redact: Whole,
        marker: "<redacted-private-key>",
        accept: has_key_body,
        context: None,
        skip_if: None,
    },
    // PuTTY .ppk: `Private-Lines: 14` followed by base64 lines.
    Detector {
        name: "putty-private-key",
        pattern: r"Private-Lines: *[0-9]+\r?\n(?:[A-Za-z0-9+/=]+(?:\r?\n|$))+",
        redact: Whole,
        marker: "<redacted-private-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // age: AGE-SECRET-KEY-1 + 58 bech32 chars.
    Detector {
        name: "age-secret-key",
        pattern: r"AGE-SECRET-KEY-1[0-9A-Z]{58}",
        redact: Whole,
        marker: "<redacted-private-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // ---------------------------------------------------------------- JSON Web Tokens
    // eyJhbGciOi….eyJzdWIiOi….<signature> (the signature may be empty for alg=none).
    Detector {
        name: "jwt",
        pattern: r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
        redact: Whole,
        marker: "<redacted-jwt>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // ---------------------------------------------------------------- source hosting
    // ghp_ / gho_ / ghu_ / ghs_ / ghr_ + 36 alphanumerics (classic, OAuth, user, server, refresh).
    Detector {
        name: "github-token",
        pattern: r"\bgh[pousr]_[A-Za-z0-9]{30,255}\b",
        redact: Whole,
        marker: "<redacted-github-token>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // github_pat_ + 22 chars + _ + 59 chars (fine-grained personal access token).
    Detector {
        name: "github-fine-grained-token",
        pattern: r"\bgithub_pat_[A-Za-z0-9_]{50,255}\b",
        redact: Whole,
        marker: "<redacted-github-token>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // glpat-… (and deploy/runner/trigger/feed/… tokens: gldt-, glrt-, glptt-, glcbt-, glft-, glsoat-).
    Detector {
        name: "gitlab-token",
        pattern: r"\bgl(?:pat|dt|rt|ptt|cbt|ft|imt|oas|soat|agent)-[A-Za-z0-9_-]{20,}",
        redact: Whole,
        marker: "<redacted-gitlab-token>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // ---------------------------------------------------------------- AI providers
    // sk-ant-api03-… / sk-ant-admin01-… (Anthropic).
    Detector {
        name: "anthropic-key",
        pattern: r"\bsk-ant-[A-Za-z0-9_-]{20,}",
        redact: Whole,
        marker: "<redacted-anthropic-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // sk-proj-… / sk-svcacct-… / sk-admin-… (OpenAI project, service-account and admin keys).
    Detector {
        name: "openai-key",
        pattern: r"\bsk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}",
        redact: Whole,
        marker: "<redacted-openai-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // sk- + 32 or more alphanumerics (legacy OpenAI `…T3BlbkFJ…`, DeepSeek, Moonshot, many others).
    Detector {
        name: "sk-api-key",
        pattern: r"\bsk-[A-Za-z0-9]{32,}\b",
        redact: Whole,
        marker: "<redacted-api-key>",
        accept: letters_and_digits,
        context: None,
        skip_if: None,
    },
    // hf_ + 34 alphanumerics (Hugging Face).
    Detector {
        name: "huggingface-token",
        pattern: r"\bhf_[A-Za-z0-9]{30,}\b",
        redact: Whole,
        marker: "<redacted-huggingface-token>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // gsk_ + 52 (Groq), r8_ + 37 (Replicate).
    Detector {
        name: "ai-provider-token",
        pattern: r"\b(?:gsk_[A-Za-z0-9]{48,}|r8_[A-Za-z0-9]{37})\b",
        redact: Whole,
        marker: "<redacted-api-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // ---------------------------------------------------------------- package registries
    // npm_ + 36 alphanumerics.
    Detector {
        name: "npm-token",
        pattern: r"\bnpm_[A-Za-z0-9]{36}\b",
        redact: Whole,
        marker: "<redacted-npm-token>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // pypi-AgEIcHlwaS5vcmc… (PyPI and TestPyPI macaroons).
    Detector {
        name: "pypi-token",
        pattern: r"\bpypi-AgE[A-Za-z0-9_-]{50,}",
        redact: Whole,
        marker: "<redacted-pypi-token>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // ---------------------------------------------------------------- payments and commerce
    // sk_live_ / sk_test_ / rk_live_ / rk_test_ + 24..99 alphanumerics (Stripe secret and restricted keys).
    Detector {
        name: "stripe-key",
        pattern: r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b",
        redact: Whole,
        marker: "<redacted-stripe-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // whsec_ + 32 base64 chars (Stripe webhook signing secret).
    Detector {
        name: "stripe-webhook-secret",
        pattern: r"\bwhsec_[A-Za-z0-9+/=]{24,}",
        redact: Whole,
        marker: "<redacted-stripe-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // sq0atp-… / sq0csp-… (Square access token / OAuth secret).
    Detector {
        name: "square-token",
        pattern: r"\bsq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}",
        redact: Whole,
        marker: "<redacted-square-token>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // shpat_ / shpca_ / shppa_ / shpss_ + 32 hex (Shopify).
    Detector {
        name: "shopify-token",
        pattern: r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b",
        redact: Whole,
        marker: "<redacted-shopify-token>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // ---------------------------------------------------------------- messaging and e-mail
    // xoxb- / xoxp- / xoxa- / xoxo- / xoxs- / xoxr- tokens and xapp-1-… app tokens (Slack).
    Detector {
        name: "slack-token",
        pattern: r"\b(?:xox[abposr]-[0-9A-Za-z-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{10,})",
        redact: Whole,
        marker: "<redacted-slack-token>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // https://hooks.slack.com/services/T…/B…/… (the path is the secret; the host is kept).
    Detector {
        name: "slack-webhook",
        pattern: r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<value>[A-Za-z0-9_/-]{20,})",
        redact: Value,
        marker: "<redacted-slack-webhook>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // https://discord.com/api/webhooks/<id>/<68-char token>.
    Detector {
        name: "discord-webhook",
        pattern: r"discord(?:app)?\.com/api/webhooks/(?P<value>[0-9]{15,22}/[A-Za-z0-9_-]{40,})",
        redact: Value,
        marker: "<redacted-discord-webhook>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // Discord bot token: base64(user id) . 6 chars . 27+ chars, e.g. MTA5…Gx.AbCdEf.…
    Detector {
        name: "discord-bot-token",
        pattern: r"\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}\b",
        redact: Whole,
        marker: "<redacted-discord-token>",
        accept: letters_and_digits,
        context: None,
        skip_if: None,
    },
    // Telegram bot token: <bot id>:AA + 33 chars.
    Detector {
        name: "telegram-bot-token",
        pattern: r"\b[0-9]{8,10}:AA[0-9A-Za-z_-]{33}",
        redact: Whole,
        marker: "<redacted-telegram-token>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // SK + 32 hex (Twilio API key SID).
    Detector {
        name: "twilio-api-key",
        pattern: r"\bSK[0-9a-fA-F]{32}\b",
        redact: Whole,
        marker: "<redacted-twilio-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // AC + 32 hex (Twilio account SID: an identifier, but it pairs with the auth token below).
    Detector {
        name: "twilio-account-sid",
        pattern: r"\bAC[0-9a-f]{32}\b",
        redact: Whole,
        marker: "<redacted-twilio-sid>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // SG. + 22 . 43 (SendGrid).
    Detector {
        name: "sendgrid-key",
        pattern: r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}",
        redact: Whole,
        marker: "<redacted-sendgrid-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // key- + 32 chars (Mailgun private API key).
    Detector {
        name: "mailgun-key",
        pattern: r"\bkey-[0-9a-zA-Z]{32}\b",
        redact: Whole,
        marker: "<redacted-mailgun-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // 32 hex + -us + datacenter (Mailchimp).
    Detector {
        name: "mailchimp-key",
        pattern: r"\b[0-9a-f]{32}-us[0-9]{1,2}\b",
        redact: Whole,
        marker: "<redacted-mailchimp-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // ---------------------------------------------------------------- cloud and infrastructure
    // AKIA / ASIA + 16 (AWS access key id, long-term and temporary).
    Detector {
        name: "aws-access-key-id",
        pattern: r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
        redact: Whole,
        marker: "<redacted-aws-access-key-id>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // AIza + 35 (Google API key), GOCSPX- + 28 (Google OAuth client secret),
    // ya29.… (Google OAuth access token), 1//0… (Google refresh token).
    Detector {
        name: "google-credential",
        pattern: r"\b(?:AIza[0-9A-Za-z_-]{35}|GOCSPX-[A-Za-z0-9_-]{28}|ya29\.[0-9A-Za-z_-]{20,}|1//0[0-9A-Za-z_-]{40,})",
        redact: Whole,
        marker: "<redacted-google-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // AccountKey=<base64>; / SharedAccessKey=<base64> (Azure storage / Service Bus connection strings).
    Detector {
        name: "azure-account-key",
        pattern: r"(?i)\b(?:AccountKey|SharedAccessKey)\s*=\s*(?P<value>[A-Za-z0-9+/]{20,}={0,2})",
        redact: Value,
        marker: "<redacted-azure-key>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // SharedAccessSignature=sv=…&sig=… (the whole SAS token up to `;` or a quote).
    Detector {
        name: "azure-sas",
        pattern: r#"(?i)\bSharedAccessSignature\s*=\s*(?P<value>[^;'"\s]+)"#,
        redact: Value,
        marker: "<redacted-azure-sas>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // …?sv=2022-11-02&…&sig=<url-encoded base64> (Azure SAS signature in a URL or token).
    Detector {
        name: "azure-sas-signature",
        pattern: r"(?i)(?:^|[?&;])sig=(?P<value>[A-Za-z0-9%+/]{20,}(?:%3D|=){0,2})",
        redact: Value,
        marker: "<redacted-azure-sas>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // abc8Q~ + 31..34 chars (Azure AD / Entra client secret).
    Detector {
        name: "azure-client-secret",
        pattern: r"\b[A-Za-z0-9_.-]{3}[0-9]Q~[A-Za-z0-9_.~-]{31,34}",
        redact: Whole,
        marker: "<redacted-azure-secret>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // dop_v1_ / doo_v1_ / dor_v1_ + 64 hex (DigitalOcean), dapi + 32 hex (Databricks),
    // hvs./hvb. (Vault), sbp_ + 40 hex (Supabase), NRAK- (New Relic), PMAK- (Postman),
    // glsa_/glc_ (Grafana), sntrys_/sntryu_ (Sentry), dp.pt. (Doppler), lin_api_ (Linear),
    // ntn_/secret_ + 43 (Notion), ATATT3… (Atlassian).
    Detector {
        name: "service-token",
        pattern: r"\b(?:do[opr]_v1_[a-f0-9]{64}|dapi[a-f0-9]{32}(?:-[0-9]+)?|hv[sb]\.[A-Za-z0-9_-]{24,}|sbp_[a-f0-9]{40}|NRAK-[A-Z0-9]{27}|PMAK-[a-f0-9]{24}-[a-f0-9]{34}|glsa_[A-Za-z0-9]{32}_[a-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2}|sntry[su]_[A-Za-z0-9+/=_-]{40,}|dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}|lin_api_[A-Za-z0-9]{40}|(?:ntn|secret)_[A-Za-z0-9]{43,46}|ATATT3[A-Za-z0-9_=-]{100,})\b",
        redact: Whole,
        marker: "<redacted-api-token>",
        accept: always,
        context: None,
        skip_if: None,
    },
    // ---------------------------------------------------------------- credentials in URLs and headers
    // scheme://user:PASSWORD@host (postgres, redis://:pw@, mongodb+srv, amqp, https…); a user alone is fine.
    Detector {
        name: "url-password",
        pattern: r#"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@'"]*:(?P<value>[^@\s/?#'"]+)@"#,
        redact: Value,
        marker: "<redacted>",
        accept: not_placeholder,
        context: None,
        skip_if: None,
    },
    // Authorization: Bearer <token> / "Authorization": "Basic <b64>" / ("Authorization", "Token …").
    // After a comma (a header list or add_header call) the scheme is required; a value followed by
    // `(` is a call (`authorization = base64.decodebytes(…)`), not a credential.
    Detector {
        name: "authorization-header",
        pattern: r#"(?i)\b(?:proxy-)?authorization["']?\s*(?:[:=]\s*(?:[rbuf]?["'])?\s*(?:(?:bearer|basic|token|bot|apikey|sso-key|key|digest|negotiate|aws4-hmac-sha256)\s+)?|,\s*[rbuf]?["']\s*(?:bearer|basic|token|bot|apikey|sso-key|key|digest|negotiate|aws4-hmac-sha256)\s+)(?P<value>[A-Za-z0-9._~+/=:-]+)(?:[^A-Za-z0-9._~+/=:(-]|$)"#,
        redact: Value,
        marker: "<redacted>",
        accept: token_like,
        context: None,
        skip_if: None,
    },
    // A bare `Bearer <long token>` elsewhere (curl lines, docs); prose and `{token}` are skipped.
    Detector {
        name: "bearer-token",
        pattern: r"(?i)\bbearer\s+(?P<value>[A-Za-z0-9._~+/-]{16,}=*)",
        redact: Value,
        marker: "<redacted>",
        accept: bearer_token_like,
        context: None,
        skip_if: None,
    },
    // A bare `Basic <base64 of user:password>`.
    Detector {
        name: "basic-auth",
        pattern: r"\bBasic\s+(?P<value>[A-Za-z0-9+/]{6,}={0,2})",
        redact: Value,
        marker: "<redacted>",
        accept: basic_credentials,
        context: None,
        skip_if: None,
    },
    // …;Password=…; / ;Pwd=… in ADO.NET / ODBC / JDBC connection strings.
    Detector {
        name: "connection-string-password",
        pattern: r#"(?i);\s*(?:password|pwd|passwd)\s*=\s*(?P<value>[^;'"\r\n]+)"#,
        redact: Value,
        marker: "<redacted>",
        accept: not_placeholder,
        context: None,
        skip_if: None,
    },
    // .netrc: machine api.example.com login me password PASSWORD
    Detector {
        name: "netrc-password",
        pattern: r"(?miR)^[ \t]*machine[ \t]+\S+.*?[ \t]password[ \t]+(?P<value>\S+)",
        redact: Value,
        marker: "<redacted>",
        accept: not_placeholder,
        context: None,
        skip_if: None,
    },
    // Command lines: --password=… / --token … / --api-key … / --client-secret …
    Detector {
        name: "cli-flag",
        pattern: r#"(?i)--(?:password|passwd|pass|token|api-key|apikey|secret|client-secret|auth-token|access-token)(?:=|[ \t]+)["']?(?P<value>[^\s"'`;|&<>$]+)"#,
        redact: Value,
        marker: "<redacted>",
        accept: looks_like_unquoted_secret,
        context: None,
        skip_if: None,
    },
    // ---------------------------------------------------------------- name-based rules (last)
    // A quoted literal assigned to a secret-looking name:
    //   password = "…", API_KEY: str = '…', {"client_secret": "…"}, {'password': '…'},
    //   connect(password="…"), os.environ["X_TOKEN"] = "…", token = f"…", 'token' => '…'.
    Detector {
        name: "secret-assignment",
        pattern: concat!(
            r#"(?i)\b[A-Za-z0-9_-]*?"#,
            secret_name!(),
            r#"[0-9]*["']?[ \t]*\]?[ \t]*(?::[ \t]*[A-Za-z_][A-Za-z0-9_. |]*(?:\[[A-Za-z0-9_\[\], .|]*\])?[ \t]*)?(?:=|:=|:|=>)\s*"#,
            quoted_value!()
        ),
        redact: Value,
        marker: "<redacted>",
        accept: looks_like_secret,
        context: None,
        skip_if: not_secret_token!(),
    },
    // A secret-looking name compared with a literal (needs a mixed-class value):
    //   if token == "…", headers.get("X-Deploy-Token") != "…", request.headers["X-Api-Key"] == "…".
    Detector {
        name: "secret-comparison",
        pattern: concat!(
            r#"(?i)\b[A-Za-z0-9_.-]*?"#,
            secret_name!(),
            r#"[0-9]*(?:["'][ \t]*[)\]])?[ \t]*[!=]=[ \t]*"#,
            quoted_value!()
        ),
        redact: Value,
        marker: "<redacted>",
        accept: looks_like_compared_secret,
        context: None,
        skip_if: not_secret_token!(),
    },
    // A default for a secret-named setting: os.getenv("API_KEY", "…"), environ.setdefault("X_TOKEN", "…"),
    // config("SECRET_KEY", default="…").
    Detector {
        name: "secret-default",
        pattern: concat!(
            r#"(?i)\b(?:getenv|get|setdefault|config|env|str)\(\s*["'][A-Za-z0-9_.-]*?"#,
            secret_name!(),
            r#"[0-9]*["']\s*,\s*(?:default\s*=\s*)?"#,
            quoted_value!()
        ),
        redact: Value,
        marker: "<redacted>",
        accept: looks_like_secret,
        context: None,
        skip_if: not_secret_token!(),
    },
    // A positional password: auth=("user", "…"), HTTPBasicAuth("user", "…"), smtp.login("me", "…").
    Detector {
        name: "positional-password",
        pattern: concat!(
            r#"(?i)(?:\bauth\s*=\s*|\b(?:HTTPBasicAuth|HTTPDigestAuth|BasicAuth|DigestAuth|login|PlainCredentials)\s*)\(\s*[^,()\r\n]+,\s*"#,
            quoted_value!()
        ),
        redact: Value,
        marker: "<redacted>",
        accept: weak_secret,
        context: None,
        skip_if: None,
    },
    // Unquoted env / shell / ini lines: PASSWORD=hunter2secret, export AWS_SECRET_ACCESS_KEY=…,
    // `- POSTGRES_PASSWORD=…` (compose), `set API_TOKEN=…`, `db.password = …` (properties).
    Detector {
        name: "env-assignment",
        pattern: concat!(
            r"(?miR)^[ \t]*(?:export[ \t]+|set[ \t]+|ENV[ \t]+|-[ \t]+)?[A-Za-z0-9_.-]*?",
            secret_name!(),
            r#"[0-9]*[ \t]*=[ \t]*(?P<value>[^\s'"`#,;()\[\]{}<>=$][^\s'"`,;()\[\]{}<>]*)(?:[ \t]|$)"#
        ),
        redact: Value,
        marker: "<redacted>",
        accept: looks_like_unquoted_secret,
        context: None,
        skip_if: not_secret_token!(),
    },
    // Unquoted YAML: `password: s3cr3t-Pa55`, `  api_key: 9f8e…` (whole line, no trailing code).
    Detector {
        name: "yaml-secret",
        pattern: concat!(
            r"(?miR)^[ \t]*(?:-[ \t]+)?[A-Za-z0-9_.-]*?",
            secret_name!(),
            r#"[0-9]*[ \t]*:[ \t]+(?P<value>[^\s'"`#,;()\[\]{}<>&*!|$][^\s'"`,()\[\]{}<>]*)[ \t]*(?:#.*)?$"#
        ),
        redact: Value,
        marker: "<redacted>",
        accept: looks_like_yaml_secret,
        context: None,
        skip_if: not_secret_token!(),
    },
    // ---------------------------------------------------------------- context rules (after the name rules,
    // so a named value keeps the plain `<redacted>` and these only catch bare values)
    // A bare 40-char AWS secret access key near aws/secret/boto context (or a redacted key id),
    // delimited like a value (quotes, `=`, whitespace), not a piece of a URL or `AWS::X::Y/Z` path.
    Detector {
        name: "aws-secret-key",
        pattern: r#"(?:^|[\s"'=,(\[{>])(?P<value>[A-Za-z0-9/+]{40})(?:[\s"',;)\]}<#]|$)"#,
        redact: Value,
        marker: "<redacted-aws-secret-key>",
        accept: aws_secret_like,
        context: Some(r"(?i)aws|secret|boto|amazon|<redacted-aws"),
        skip_if: None,
    },
    // A bare 32-hex auth token near "twilio" or a Twilio SID: Client("AC…", "<32 hex>").
    Detector {
        name: "twilio-auth-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<value>[0-9a-f]{32})(?:[^A-Za-z0-9]|$)",
        redact: Value,
        marker: "<redacted-twilio-token>",
        accept: hex_token_like,
        context: Some(r"(?i)twilio|<redacted-twilio"),
        skip_if: None,
    },
];
