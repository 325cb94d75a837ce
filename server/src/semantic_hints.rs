//! The semantic-hint pass: after a pause in typing, embed the regions of a document that the
//! cache has not seen (one model call, off the typing path), score them against the lessons
//! without a structural trigger, and republish the diagnostics if the document has not moved on.
//! Analysis then adds the cached hints of the regions still present (see `Session::analyse`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::analysis::{Finding, imports, suppression};
use crate::documents::Document;
use crate::lessons::Lesson;
use crate::retrieval::hints::{self, Hint, HintModel};
use crate::session::Session;

/// Regions embedded per pass; the neighbourhood of the last edit is covered over a few passes.
const REGIONS_PER_PASS: usize = 32;
/// Lines either side of the last edit (or of the top, for a file just opened) that get hints:
/// a few screens, where the person is working, so a large file costs the model little.
const FOCUS_LINES: usize = 120;

/// Region hash → the closest semantic lesson and its score (`None`: none applies).
pub type HintCache = HashMap<u64, Option<(Arc<Lesson>, f32)>>;

impl Session {
    /// Runs a hint pass for `uri` once typing has paused; a pass for a version that moved on
    /// does nothing.
    pub fn schedule_hints(self: &Arc<Session>, uri: String) {
        let (version, delay) = {
            let state = self.state();
            let Some(document) = state.documents.get(&uri) else {
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
            let Some(document) = state.documents.get(uri).cloned() else {
                return Ok(());
            };
            if document.version != version || document.is_too_large() {
                return Ok(());
            }
            let Some(embedder) = state.embedder.clone() else {
                return Ok(());
            };
            if !state.hint_passes.insert(uri.to_string()) {
                return Ok(()); // One pass per document at a time; it reschedules itself.
            }
            (
                document,
                embedder,
                state.hint_model.clone(),
                state.lessons.by_id.values().cloned().collect::<Vec<_>>(),
            )
        };
        let result = self
            .embed_new_regions(uri, &document, embedder, model, lessons)
            .await;
        self.state().hint_passes.remove(uri);
        let remaining = result?;
        if remaining.is_none() {
            return Ok(()); // Nothing new: the published diagnostics are current.
        }
        if self.state().pull_diagnostics {
            // A pull client asks again and gets the hints from `analyse`.
            let _ = self.client.workspace_diagnostic_refresh().await;
        } else if let Some((version, diagnostics)) = self.analyse(uri, Some(version)) {
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
            let focus = line_of(state.hint_focus.get(uri).copied().unwrap_or(0));
            let cache = state.hint_cache.get(uri);
            regions
                .into_iter()
                .filter(|region| cache.is_none_or(|cache| !cache.contains_key(&region.hash)))
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
        if state.documents.get(uri).is_none() {
            return Ok(None);
        }
        let cache = state.hint_cache.entry(uri.to_string()).or_default();
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

/// The hints to show on `document` from the cached scores: active lessons only, not
/// suppressed on the region's first line, thinned to a few per screen above `threshold`.
pub fn hint_findings(
    document: &Document,
    cache: &HintCache,
    active: &HashMap<String, Arc<Lesson>>,
    threshold: f32,
) -> Vec<Finding> {
    if cache.is_empty() {
        return Vec::new();
    }
    let text = &document.text;
    let candidates: Vec<Hint> = hints::regions(&document.tree, text)
        .into_iter()
        .filter_map(|region| {
            let (lesson, score) = cache.get(&region.hash)?.as_ref()?;
            let lesson = active.get(&lesson.id)?;
            let line_end = text[region.range.start..]
                .find('\n')
                .map_or(text.len(), |end| region.range.start + end);
            if suppression::is_suppressed(&text[region.range.start..line_end], &lesson.id) {
                return None;
            }
            Some(Hint {
                range: region.range,
                lesson: lesson.clone(),
                score: *score,
            })
        })
        .collect();
    hints::thin(candidates, text, threshold)
        .into_iter()
        .map(|hint| Finding {
            lesson: hint.lesson,
            range: hint.range,
            fix: None,
        })
        .collect()
}
