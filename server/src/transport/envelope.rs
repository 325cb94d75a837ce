//! JSON-RPC envelope check for one message body: decides whether tower-lsp-server 0.23 can
//! take the message safely, or why not. Pure: bytes in, verdict out.
//!
//! tower-lsp-server decodes each body as `Message`, an untagged `Response | Request`
//! (derived serde structs). Any decoding failure ends its input stream, so everything this
//! check accepts must decode. The rules, and why:
//! * The body is UTF-8 JSON, an object (arrays are batches, which LSP does not use).
//! * No top-level member appears twice (serde's derived structs reject duplicates, while
//!   `serde_json::Value` would hide them).
//! * `jsonrpc` is exactly `"2.0"`.
//! * `id` is an integer in the `i64` range or a string; `null` only in a response.
//!   (tower-lsp's `Id` is `Number(i64) | String | Null`; floats, objects, booleans and
//!   integers beyond `i64` fail to decode.)
//! * With `method` (a string): a request (with `id`) or a notification (without). It must
//!   not also carry `result`/`error` (tower-lsp would take it for a response). A request's
//!   `params` are not checked: the server answers a bad one with "invalid params". A
//!   notification's `params` must be an object, array or `null` (lsp4j sends `null`),
//!   since nobody could be told about a bad one, except for `exit`, which is let through
//!   so that the server still exits.
//! * Without `method`: a response, with `id` and exactly one of `result`/`error`, where
//!   `error` is `{code: integer, message: string, data?}` and nothing else (tower-lsp's
//!   `Error` has `deny_unknown_fields`). Otherwise tower-lsp would read it as a request
//!   for method `""` and answer the client with "method not found" under an id that the
//!   client may be using for one of its own requests.

use std::collections::HashSet;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Checks one message body. `Err` says specifically what is wrong.
pub fn check_envelope(body: &[u8]) -> Result<(), String> {
    if body.is_empty() {
        return Err("body is empty".to_string());
    }
    if let Err(error) = std::str::from_utf8(body) {
        return Err(format!(
            "body is not valid UTF-8 (bad byte at offset {})",
            error.valid_up_to()
        ));
    }
    let members = match serde_json::from_slice::<Top>(body) {
        Err(error) => return Err(format!("body is not JSON: {error}")),
        Ok(Top::Array) => {
            return Err(
                "body is a JSON array: batches are not supported (LSP sends one message per frame)"
                    .to_string(),
            );
        }
        Ok(Top::Scalar(value)) => {
            return Err(format!(
                "body is {}, not a JSON-RPC message object",
                describe(&value)
            ));
        }
        Ok(Top::Object(members)) => members,
    };
    if let Some(name) = first_duplicate(members.iter().map(|(name, _)| name.as_str())) {
        return Err(format!("member \"{name}\" appears more than once"));
    }
    let get = |wanted: &str| {
        members
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value)
    };

    match get("jsonrpc").map(|member| &member.value) {
        None => return Err("member \"jsonrpc\" is missing (it must be \"2.0\")".to_string()),
        Some(Value::String(version)) if version == "2.0" => {}
        Some(other) => {
            return Err(format!(
                "member \"jsonrpc\" must be \"2.0\", got {}",
                describe(other)
            ));
        }
    }

    let id = get("id").map(|member| &member.value);
    let result = get("result");
    let error = get("error");
    let params = get("params").map(|member| &member.value);

    if let Some(method) = get("method") {
        let Value::String(method) = &method.value else {
            return Err(format!(
                "member \"method\" must be a string, got {}",
                describe(&method.value)
            ));
        };
        if result.is_some() || error.is_some() {
            return Err(format!(
                "message \"{method}\" has both \"method\" and \"result\"/\"error\", so it is \
                 neither a request nor a response"
            ));
        }
        match id {
            // A request: its id must be answerable; its params are the server's business.
            Some(id) => match check_id(id) {
                Ok(IdKind::Usable) => Ok(()),
                Ok(IdKind::Null) => Err(format!(
                    "request \"{method}\" has a null \"id\", so it cannot be answered"
                )),
                Err(why) => Err(format!("request \"{method}\": {why}")),
            },
            // A notification: nobody can be told about bad params, so report them here.
            None => match params {
                Some(Value::String(_) | Value::Number(_) | Value::Bool(_)) if method != "exit" => {
                    Err(format!(
                        "notification \"{method}\": member \"params\" must be an object or an \
                         array, got {}",
                        describe(params.unwrap_or(&Value::Null))
                    ))
                }
                _ => Ok(()),
            },
        }
    } else if result.is_some() || error.is_some() {
        let Some(id) = id else {
            return Err("response (it has \"result\"/\"error\") has no \"id\"".to_string());
        };
        check_id(id).map_err(|why| format!("response: {why}"))?;
        if result.is_some() && error.is_some() {
            return Err("response has both \"result\" and \"error\"".to_string());
        }
        match error {
            Some(error) => check_error_object(error),
            None => Ok(()),
        }
    } else if id.is_some() {
        Err("message has an \"id\" but no \"method\", \"result\" or \"error\"".to_string())
    } else {
        Err("message has none of \"method\", \"id\", \"result\" or \"error\"".to_string())
    }
}

/// What an acceptable id is.
enum IdKind {
    Usable,
    Null,
}

/// Checks an `id` against tower-lsp's `Id` (`Number(i64) | String | Null`).
fn check_id(id: &Value) -> Result<IdKind, String> {
    match id {
        Value::String(_) => Ok(IdKind::Usable),
        Value::Null => Ok(IdKind::Null),
        Value::Number(number) if number.is_i64() => Ok(IdKind::Usable),
        Value::Number(number) if number.is_u64() => Err(format!(
            "\"id\" {number} does not fit in a signed 64-bit integer"
        )),
        other => Err(format!(
            "\"id\" must be an integer or a string, got {}",
            describe(other)
        )),
    }
}

/// Checks a response's `error` against tower-lsp's `Error` (`deny_unknown_fields`).
fn check_error_object(error: &Checked) -> Result<(), String> {
    let Value::Object(fields) = &error.value else {
        return Err(format!(
            "response member \"error\" must be an object, got {}",
            describe(&error.value)
        ));
    };
    if let Some(name) = &error.duplicate {
        return Err(format!(
            "response member \"error\" has \"{name}\" more than once"
        ));
    }
    if let Some(name) = fields
        .keys()
        .find(|name| !matches!(name.as_str(), "code" | "message" | "data"))
    {
        return Err(format!(
            "response member \"error\" has unexpected member \"{name}\" (only \"code\", \
             \"message\" and \"data\" are allowed)"
        ));
    }
    match fields.get("code") {
        Some(Value::Number(code)) if code.is_i64() => {}
        Some(other) => {
            return Err(format!(
                "response \"error.code\" must be an integer, got {}",
                describe(other)
            ));
        }
        None => return Err("response \"error\" has no \"code\"".to_string()),
    }
    match fields.get("message") {
        Some(Value::String(_)) => Ok(()),
        Some(other) => Err(format!(
            "response \"error.message\" must be a string, got {}",
            describe(other)
        )),
        None => Err("response \"error\" has no \"message\"".to_string()),
    }
}

/// Describes a JSON value for a report: its type, and small scalars verbatim.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) if n.is_f64() => format!("the non-integer number {n}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.len() <= 40 => format!("the string {s:?}"),
        Value::String(_) => "a string".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// The first name that occurs twice.
fn first_duplicate<'a>(mut names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = HashSet::new();
    names.find(|name| !seen.insert(*name))
}

/// A message body's top level, with object members kept in order and duplicates kept.
enum Top {
    Object(Vec<(String, Checked)>),
    Array,
    Scalar(Value),
}

/// A JSON value, plus the first key that is duplicated if it is an object
/// (`serde_json::Value` silently keeps only the last of duplicate keys).
struct Checked {
    value: Value,
    duplicate: Option<String>,
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopVisitor)
    }
}

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut members = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            members.push((name, map.next_value::<Checked>()?));
        }
        Ok(Top::Object(members))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Top, A::Error> {
        // Parse the elements fully so that JSON errors inside are still reported.
        CheckedVisitor.visit_seq(seq).map(|_| Top::Array)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Top, E> {
        Ok(Top::Scalar(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Top, E> {
        Ok(Top::Scalar(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Top, E> {
        Ok(Top::Scalar(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Top, E> {
        Ok(Top::Scalar(float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Top, E> {
        Ok(Top::Scalar(Value::String(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Top, E> {
        Ok(Top::Scalar(Value::String(v)))
    }
    fn visit_unit<E>(self) -> Result<Top, E> {
        Ok(Top::Scalar(Value::Null))
    }
    fn visit_none<E>(self) -> Result<Top, E> {
        Ok(Top::Scalar(Value::Null))
    }
}

struct CheckedVisitor;

impl CheckedVisitor {
    fn plain(value: Value) -> Checked {
        Checked {
            value,
            duplicate: None,
        }
    }
}

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        let mut fields = Map::new();
        let mut duplicate = None;
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value::<Value>()?;
            if fields.insert(name.clone(), value).is_some() && duplicate.is_none() {
                duplicate = Some(name);
            }
        }
        Ok(Checked {
            value: Value::Object(fields),
            duplicate,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Self::plain(Value::Array(items)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Checked, E> {
        Ok(Self::plain(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Checked, E> {
        Ok(Self::plain(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Checked, E> {
        Ok(Self::plain(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Checked, E> {
        Ok(Self::plain(float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Checked, E> {
        Ok(Self::plain(Value::String(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Checked, E> {
        Ok(Self::plain(Value::String(v)))
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Self::plain(Value::Null))
    }
    fn visit_none<E>(self) -> Result<Checked, E> {
        Ok(Self::plain(Value::Null))
    }
}

/// A float as a JSON value (serde_json never yields NaN or infinities).
fn float(v: f64) -> Value {
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> String {
        check_envelope(body.as_bytes()).expect_err(body)
    }

    #[test]
    fn accepts_requests_notifications_responses() {
        for body in [
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#,
            r#"{"jsonrpc":"2.0","id":"a","method":"shutdown"}"#,
            r#"{"jsonrpc":"2.0","id":-9223372036854775808,"method":"x","params":"bad"}"#,
            r#"{"jsonrpc":"2.0","method":"initialized","params":null}"#,
            r#"{"jsonrpc":"2.0","method":"exit","params":7}"#,
            r#"{"jsonrpc":"2.0","id":3,"result":null}"#,
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"no","data":[1]}}"#,
            r#"{"params":[],"method":"x","jsonrpc":"2.0","extra":1}"#,
        ] {
            assert_eq!(check_envelope(body.as_bytes()), Ok(()), "{body}");
        }
    }

    #[test]
    fn top_level_shapes() {
        assert!(err("[]").contains("batches are not supported"));
        assert!(err("1").contains("the number 1"));
        assert!(err("\"x\"").contains("the string \"x\""));
        assert!(err("").contains("empty"));
        assert!(err("{").contains("not JSON"));
        assert!(
            check_envelope(b"{\"a\":\"\xff\"}")
                .unwrap_err()
                .contains("UTF-8")
        );
    }

    #[test]
    fn member_rules() {
        assert!(
            err(r#"{"jsonrpc":"2.0","id":1.5,"method":"m"}"#).contains("non-integer number 1.5")
        );
        assert!(
            err(r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"m"}"#)
                .contains("signed 64-bit")
        );
        assert!(
            err(r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"m"}"#)
                .contains("\"id\" appears more than once")
        );
        assert!(
            err(r#"{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","message":"n"}}"#)
                .contains("more than once")
        );
        assert!(
            err(r#"{"jsonrpc":"2.0","id":1,"error":{"code":1.0,"message":"m"}}"#)
                .contains("error.code")
        );
        assert!(
            err(r#"{"jsonrpc":"2.0","method":"m","params":true}"#).contains("\"params\" must be")
        );
    }
}
