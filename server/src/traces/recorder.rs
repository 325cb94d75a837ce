//! Writes traces in the background (to the store, through [`TraceSink`]), so recording never
//! blocks an editor.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::events::Trace;
use super::journal::Journal;
use crate::embeddings::Embedder;

/// Where the recorder writes traces: the store's `traces` table (`Store` implements this).
pub trait TraceSink: Send + Sync + 'static {
    type Error: std::error::Error + Send + Sync + 'static;

    /// Appends one trace with its embedding (`model` empty: none).
    fn write_trace(
        &self,
        trace: &Trace,
        vector: Vec<f32>,
        model: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Removes the trace `id` (a trace that turned out to be mistaken).
    fn retract_trace(&self, id: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// What the writer task does, in the order asked.
#[derive(Debug)]
enum Job {
    Write(Box<Trace>),
    Retract(String),
}

/// A handle to the background writer. Cloning it is cheap.
#[derive(Clone, Debug)]
pub struct TraceRecorder {
    sender: mpsc::UnboundedSender<Job>,
}

/// The first wait before a failed write is tried again; it doubles up to [`MAX_RETRY_WAIT`].
const FIRST_RETRY_WAIT: Duration = Duration::from_secs(1);
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

impl TraceRecorder {
    /// Starts the writer task. `embedder` is asked for each trace when it is written, so a
    /// model that finishes loading later is used from then on. Each trace written is told to
    /// `journal` (which holds every trace until the store has it); a write that fails (the
    /// store unreachable, read-only or full) is tried again later, the traces after it waiting
    /// in the journal.
    pub fn start(
        sink: impl TraceSink,
        embedder: Arc<dyn Fn() -> Option<Arc<dyn Embedder>> + Send + Sync>,
        on_written: Arc<dyn Fn(&Trace) + Send + Sync>,
        journal: Option<Arc<Journal>>,
    ) -> TraceRecorder {
        let (sender, mut receiver) = mpsc::unbounded_channel::<Job>();
        tokio::spawn(async move {
            while let Some(job) = receiver.recv().await {
                let trace = match job {
                    Job::Write(trace) => *trace,
                    Job::Retract(id) => {
                        // After the write it follows in the queue: the trace is there to remove.
                        match sink.retract_trace(&id).await {
                            Ok(()) => tracing::info!("trace {id} retracted"),
                            Err(error) => tracing::error!(
                                "failed to retract trace {id}: {:#}",
                                anyhow::Error::from(error)
                            ),
                        }
                        continue;
                    }
                };
                let current = embedder();
                let text = trace.embedding_text();
                // Embedding is CPU work: keep it off the async workers.
                let embedded = tokio::task::spawn_blocking(move || match current {
                    Some(embedder) => match embedder.embed(&[text]) {
                        Ok(mut vectors) => (vectors.remove(0), embedder.model_name().to_string()),
                        Err(error) => {
                            tracing::warn!("trace stored without embedding: {error}");
                            (vec![0.0; embedder.dimension()], String::new())
                        }
                    },
                    None => (
                        vec![0.0; crate::embeddings::DEFAULT_DIMENSION],
                        String::new(),
                    ),
                })
                .await;
                let Ok((vector, model)) = embedded else {
                    continue;
                };
                write_until_done(&sink, &trace, vector, &model).await;
                tracing::info!(
                    "recorded {} trace for {:?}",
                    trace.outcome.as_str(),
                    trace.lesson_id
                );
                if let Some(journal) = &journal {
                    journal.written();
                }
                on_written(&trace);
            }
        });
        TraceRecorder { sender }
    }

    pub fn record(&self, trace: Trace) {
        if self.sender.send(Job::Write(Box::new(trace))).is_err() {
            tracing::error!("trace writer has stopped; the trace waits in the journal");
        }
    }

    /// Removes trace `id` once everything recorded before it is written.
    pub fn retract(&self, id: String) {
        if self.sender.send(Job::Retract(id)).is_err() {
            tracing::error!("trace writer has stopped; a retraction was lost");
        }
    }
}

/// Writes `trace`, trying again with growing waits while the store refuses it; the first
/// failure is logged as an error, the retries quietly.
async fn write_until_done(sink: &impl TraceSink, trace: &Trace, vector: Vec<f32>, model: &str) {
    let mut wait = FIRST_RETRY_WAIT;
    let mut failed_before = false;
    loop {
        match sink.write_trace(trace, vector.clone(), model).await {
            Ok(()) => {
                if failed_before {
                    tracing::info!("the store takes traces again");
                }
                return;
            }
            Err(error) => {
                let error = anyhow::Error::from(error);
                if failed_before {
                    tracing::debug!("trace write failed again: {error:#}");
                } else {
                    tracing::error!(
                        "failed to record a trace (kept in the journal, tried again later): \
                         {error:#}"
                    );
                    failed_before = true;
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MAX_RETRY_WAIT);
            }
        }
    }
}
