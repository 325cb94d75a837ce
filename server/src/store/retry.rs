//! Many processes share one store and LanceDB commits optimistically: a write that meets
//! another process's commit is retried here, and maintenance (compaction) that meets one is
//! left to whoever writes next, never failing the writer that asked for it.

use std::future::Future;
use std::time::Duration;

/// How often, and how patiently, an operation that meets conflicts is tried.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    /// Tries in all.
    attempts: u32,
    /// The first wait after a conflict; each later wait doubles, up to `max_wait`.
    first_wait: Duration,
    max_wait: Duration,
}

/// Writes: up to 12 tries over about seven seconds.
const WRITES: Backoff = Backoff {
    attempts: 12,
    first_wait: Duration::from_millis(20),
    max_wait: Duration::from_millis(1_000),
};

/// Maintenance: three tries, then it is left to the next writer.
const MAINTENANCE: Backoff = Backoff {
    attempts: 3,
    ..WRITES
};

/// Whether `error` is another process's commit winning the race: trying again from the new
/// version succeeds. LanceDB reports it as a lance error whose text names the conflict.
pub fn is_conflict(error: &lancedb::Error) -> bool {
    let text = error.to_string().to_ascii_lowercase();
    text.contains("commit conflict")
        || text.contains("preempted by concurrent transaction")
        || text.contains("too much write contention")
}

/// Runs `attempt` until it succeeds, fails for another reason than a conflict, or has been
/// tried [`WRITES`]`.attempts` times. Each attempt must build its write anew (LanceDB consumes
/// the rows of a failed one).
pub async fn retry_conflicts<T, F, Fut>(mut attempt: F) -> Result<T, lancedb::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, lancedb::Error>>,
{
    retry(&mut attempt, WRITES).await
}

/// Runs maintenance (`attempt`) with a few retries; if other writers keep winning, it is left
/// for the next run (they are maintaining the same table) and this returns `Ok`. Errors other
/// than conflicts are returned, for the caller to log: maintenance never fails a write.
pub async fn maintain<F, Fut>(what: &str, mut attempt: F) -> Result<(), lancedb::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), lancedb::Error>>,
{
    match retry(&mut attempt, MAINTENANCE).await {
        Err(error) if is_conflict(&error) => {
            tracing::info!("{what} left to the next writer: other processes are writing");
            Ok(())
        }
        other => other,
    }
}

async fn retry<T, F, Fut>(attempt: &mut F, backoff: Backoff) -> Result<T, lancedb::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, lancedb::Error>>,
{
    let mut wait = backoff.first_wait;
    let mut tried = 1;
    loop {
        match attempt().await {
            Err(error) if is_conflict(&error) && tried < backoff.attempts => {
                tracing::debug!(
                    "commit conflict, attempt {tried} of {}: {error}",
                    backoff.attempts
                );
                tokio::time::sleep(jittered(wait)).await;
                wait = (wait * 2).min(backoff.max_wait);
                tried += 1;
            }
            result => return result,
        }
    }
}

/// `wait` spread over [wait/2, wait*3/2), so that processes that collided do not collide
/// again in step.
fn jittered(wait: Duration) -> Duration {
    let spread = uuid::Uuid::new_v4().as_u128() % 1_000;
    wait / 2 + wait * spread as u32 / 1_000
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// The same tries as in use, without the waits.
    fn fast(backoff: Backoff) -> Backoff {
        Backoff {
            first_wait: Duration::from_micros(10),
            max_wait: Duration::from_micros(10),
            ..backoff
        }
    }

    fn conflict() -> lancedb::Error {
        lancedb::Error::Runtime {
            message: "Retryable commit conflict for version 64: This Rewrite transaction was \
                      preempted by concurrent transaction Rewrite at version 64. Please retry."
                .into(),
        }
    }

    #[tokio::test]
    async fn a_write_that_meets_conflicts_is_tried_again_until_it_succeeds() {
        let tries = AtomicU32::new(0);
        let result = retry(
            &mut || async {
                match tries.fetch_add(1, Ordering::SeqCst) {
                    0..=4 => Err(conflict()),
                    _ => Ok(7),
                }
            },
            fast(WRITES),
        )
        .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(tries.load(Ordering::SeqCst), 6);
    }

    #[tokio::test]
    async fn other_errors_are_not_retried_and_endless_conflicts_give_up() {
        let tries = AtomicU32::new(0);
        let result: Result<(), _> = retry(
            &mut || async {
                tries.fetch_add(1, Ordering::SeqCst);
                Err(lancedb::Error::InvalidInput {
                    message: "bad".into(),
                })
            },
            fast(WRITES),
        )
        .await;
        assert!(result.is_err());
        assert_eq!(tries.load(Ordering::SeqCst), 1);

        let tries = AtomicU32::new(0);
        let result: Result<(), _> = retry(
            &mut || async {
                tries.fetch_add(1, Ordering::SeqCst);
                Err(conflict())
            },
            fast(WRITES),
        )
        .await;
        assert!(is_conflict(&result.unwrap_err()));
        assert_eq!(tries.load(Ordering::SeqCst), WRITES.attempts);
    }

    #[tokio::test]
    async fn maintenance_that_keeps_conflicting_is_left_to_the_next_writer() {
        let tries = AtomicU32::new(0);
        let result = maintain("compaction", || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err(conflict())
        })
        .await;
        assert!(result.is_ok());
        assert_eq!(tries.load(Ordering::SeqCst), MAINTENANCE.attempts);
        let failed = maintain("compaction", || async {
            Err(lancedb::Error::InvalidInput {
                message: "disk full".into(),
            })
        })
        .await;
        assert!(failed.is_err(), "a real failure is still reported");
    }

    #[test]
    fn jitter_stays_within_half_to_one_and_a_half_of_the_wait() {
        for _ in 0..200 {
            let waited = jittered(Duration::from_millis(100));
            assert!(
                waited >= Duration::from_millis(50) && waited < Duration::from_millis(150),
                "{waited:?}"
            );
        }
    }
}
