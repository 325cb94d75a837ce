//! Writes traces in the background (to the store, through [`TraceSink`]), so recording never
//! blocks an editor.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::events::Trace;
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
}

/// A handle to the background writer. Cloning it is cheap.
#[derive(Clone, Debug)]
pub struct TraceRecorder {
    sender: mpsc::UnboundedSender<Trace>,
}

impl TraceRecorder {
    /// Starts the writer task. `embedder` is asked for each trace when it is written, so a
    /// model that finishes loading later is used from then on.
    pub fn start(
        sink: impl TraceSink,
        embedder: Arc<dyn Fn() -> Option<Arc<dyn Embedder>> + Send + Sync>,
        on_written: Arc<dyn Fn(&Trace) + Send + Sync>,
    ) -> TraceRecorder {
        let (sender, mut receiver) = mpsc::unbounded_channel::<Trace>();
        tokio::spawn(async move {
            while let Some(trace) = receiver.recv().await {
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
                let result = sink.write_trace(&trace, vector, &model).await;
                match result.map_err(anyhow::Error::from) {
                    Ok(()) => {
                        tracing::info!(
                            "recorded {} trace for {:?}",
                            trace.outcome.as_str(),
                            trace.lesson_id
                        );
                        on_written(&trace);
                    }
                    Err(error) => tracing::error!("failed to record trace: {error:#}"),
                }
            }
        });
        TraceRecorder { sender }
    }

    pub fn record(&self, trace: Trace) {
        if self.sender.send(trace).is_err() {
            tracing::error!("trace writer has stopped; trace dropped");
        }
    }
}
