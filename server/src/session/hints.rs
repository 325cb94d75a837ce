//! The semantic-hint pass: after a pause in typing, embed the regions of a document that the
//! cache has not seen (one model call, off the typing path), score them against the lessons
//! without a structural trigger, and republish the diagnostics if the document has not moved on.
//! Analysis then adds the cached hints of the regions still present (see `Session::analyze`);
//! the pure parts (regions, scoring, which hints show) are in `retrieval::hints`.

use std::sync::Arc;
use std::time::Duration;

use super::Session;
use crate::analysis::imports;
use crate::documents::Document;
use crate::lessons::Lesson;
use crate::retrieval::hints::{self, HintModel};

/// Regions embedded per pass; the neighborhood of the last edit is covered over a few passes.
const REGIONS_PER_PASS: usize = 32;
/// Lines either side of the last edit (or of the top, for a file just opened) that get hints:
/// a few screens, where the person is working, so a large file costs the model little.
const FOCUS_LINES: usize = 120;

impl Session {
    /// Runs a hint pass for `uri` once typing has paused; a pass for a version that moved on
    /// does nothing.
    pub fn schedule_hints(self: &Arc<Session>, uri: String) {
        let (version, delay) = {
            let state = self.state();
            let Some(document) = state.document(&uri) else {
                return;
            };
            if !state.settings.semantic_hints || state.embedder.is_none() {
                return;
            }
            (document.version, state.settings.semantic_debounce_ms)
        };
        let session = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            if let Err(error) = session.hint_pass(&uri, version).await {
                tracing::warn!("semantic hints for {uri}: {error:#}");
            }
        });
    }

    async fn hint_pass(self: &Arc<Session>, uri: &str, version: i32) -> anyhow::Result<()> {
        let (document, embedder, model, lessons) = {
            let mut state = self.state();
            let Some(embedder) = state.embedder.clone() else {
                return Ok(());
            };
            let model = state.hint_model.clone();
            let lessons = state.lessons.served.values().cloned().collect::<Vec<_>>();
            let Some(open) = state.open.get_mut(uri) else {
                return Ok(());
            };
            if open.document.version != version || open.document.is_too_large() {
                return Ok(());
            }
            if open.hints.pass_running {
                return Ok(()); // One pass per document at a time; it reschedules itself.
            }
            open.hints.pass_running = true;
            (open.document.clone(), embedder, model, lessons)
        };
        let result = self
            .embed_new_regions(uri, &document, embedder, model, lessons)
            .await;
        if let Some(open) = self.state().open.get_mut(uri) {
            open.hints.pass_running = false;
        }
        let remaining = result?;
        if remaining.is_none() {
            return Ok(()); // Nothing new: the published diagnostics are current.
        }
        if self.state().pull_diagnostics {
            // A pull client asks again and gets the hints from `analyze`.
            let _ = self.client.workspace_diagnostic_refresh().await;
        } else if let Some((version, diagnostics)) = self.analyze(uri, Some(version)).await {
            self.publish(uri, version, diagnostics).await;
        }
        if remaining.is_some_and(|left| left > 0) {
            self.schedule_hints(uri.to_string());
        }
        Ok(())
    }

    /// Embeds and scores the regions not cached yet; how many are left for later passes, or
    /// `None` when there was nothing to do.
    async fn embed_new_regions(
        &self,
        uri: &str,
        document: &Document,
        embedder: Arc<dyn crate::embeddings::Embedder>,
        model: Option<Arc<HintModel>>,
        lessons: Vec<Arc<Lesson>>,
    ) -> anyhow::Result<Option<usize>> {
        let model = match model {
            Some(model) => model,
            None => {
                let for_model = embedder.clone();
                let model = tokio::task::spawn_blocking(move || {
                    HintModel::new(lessons, for_model.as_ref())
                })
                .await??;
                let model = Arc::new(model);
                self.state().hint_model = Some(model.clone());
                model
            }
        };
        if model.is_empty() {
            return Ok(None);
        }
        let regions = hints::regions(&document.tree, &document.text);
        let line_of = |byte: usize| {
            document
                .line_index
                .position(
                    &document.text,
                    byte,
                    crate::documents::PositionEncoding::Utf8,
                )
                .line as usize
        };
        let mut new: Vec<(usize, hints::Region)> = {
            let state = self.state();
            let Some(open) = state.open.get(uri) else {
                return Ok(None);
            };
            let focus = line_of(open.hints.focus);
            let cache = &open.hints.cache;
            regions
                .into_iter()
                .filter(|region| !cache.contains_key(&region.hash))
                .map(|region| (line_of(region.range.start).abs_diff(focus), region))
                .filter(|(distance, _)| *distance <= FOCUS_LINES)
                .collect()
        };
        new.sort_by_key(|(distance, _)| *distance);
        let new: Vec<hints::Region> = new.into_iter().map(|(_, region)| region).collect();
        if new.is_empty() {
            return Ok(None);
        }
        let batch: Vec<hints::Region> = new.iter().take(REGIONS_PER_PASS).cloned().collect();
        let texts: Vec<String> = batch
            .iter()
            .map(|region| region.text(&document.tree, &document.text))
            .collect();
        let vectors = tokio::task::spawn_blocking(move || embedder.embed(&texts)).await??;
        let imported: Vec<String> = imports::imports(&document.tree, &document.text)
            .modules
            .into_iter()
            .collect();
        let mut state = self.state();
        let Some(open) = state.open.get_mut(uri) else {
            return Ok(None);
        };
        let cache = &mut open.hints.cache;
        for (region, vector) in batch.iter().zip(vectors) {
            let best = model.best(&vector, &imported);
            if let Some((lesson, score)) = &best {
                tracing::debug!("{uri} bytes {:?}: {} {score:.3}", region.range, lesson.id);
            }
            cache.insert(region.hash, best);
        }
        Ok(Some(new.len() - batch.len()))
    }
}
