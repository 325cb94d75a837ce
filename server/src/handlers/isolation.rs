//! Panic isolation: every request and notification runs behind a guard, so a bug that panics
//! in one handler becomes an error response (or, for a notification, a log line) and the
//! server keeps serving every other request.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use tower_lsp_server::jsonrpc::Result;

use crate::lsp_ext::{ErrorKind, error};

/// Runs the handler of request `method`; a panic is answered as an internal error.
pub async fn request<T>(method: &str, handler: impl Future<Output = Result<T>>) -> Result<T> {
    match AssertUnwindSafe(handler).catch_unwind().await {
        Ok(answer) => answer,
        Err(panic) => {
            let why = panic_message(panic.as_ref());
            tracing::error!("{method} failed: the handler panicked: {why}");
            Err(error(
                ErrorKind::Internal,
                format!("lore: {method} failed (an internal error, logged): {why}"),
            ))
        }
    }
}

/// Runs the handler of notification `method`; a panic is logged.
pub async fn notification(method: &str, handler: impl Future<Output = ()>) {
    if let Err(panic) = AssertUnwindSafe(handler).catch_unwind().await {
        tracing::error!(
            "{method} failed: the handler panicked: {}",
            panic_message(panic.as_ref())
        );
    }
}

/// What a panic said, when it said it with a string.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_request_becomes_an_internal_error() {
        let answer: Result<()> = request("textDocument/hover", async {
            panic!("index out of range");
        })
        .await;
        let failure = answer.unwrap_err();
        assert_eq!(failure.code, ErrorKind::Internal.code().into());
        assert!(failure.message.contains("index out of range"));
        let fine = request("textDocument/hover", async { Ok(7) }).await;
        assert_eq!(fine.unwrap(), 7);
        notification("textDocument/didOpen", async {
            panic!("boom");
        })
        .await;
    }
}
