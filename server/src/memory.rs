//! Loading the team's memory: built-in and configured packs synced into the store, then the
//! store's lessons (the source of truth at run time). Shared by the server and the CLI.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::config::ReadStore;
use crate::embeddings::Embedder;
use crate::lessons::{self, Lesson, PackError};
use crate::store::{Layer, Layered, Store, StoreReader, SyncReport};
use crate::traces::Votes;

/// What loading found.
#[derive(Debug, Default)]
pub struct Memory {
    pub lessons: Vec<Lesson>,
    pub problems: Vec<String>,
    pub sync: Option<SyncReport>,
    pub store: Option<Store>,
    /// The store was embedded with another model: the embedder must not be used with it.
    pub embedder_refused: bool,
    /// The stores read beside it ([`add_reads`]).
    pub reads: Vec<Layer>,
    /// Lesson id → the name of the store its served copy came from, once reads are added.
    pub lesson_origins: HashMap<String, String>,
}

impl Memory {
    /// The store and the read stores as one reader; `store_name` labels the store's items.
    pub fn layered(&self, store_name: &str) -> Option<Layered> {
        let store = self.store.clone()?;
        let first = Layer {
            name: store_name.to_string(),
            store,
        };
        Some(
            Layered::new(first, self.reads.clone())
                .with_lesson_origins(self.lesson_origins.clone()),
        )
    }
}

/// Opens the stores in `reads` (never creating or writing one) and lays their lessons over
/// the memory's: the higher version of a lesson wins, the memory's own copy at the same
/// version. A read store that cannot be used is left out; the problems are returned.
#[must_use = "a read store left out must be reported"]
pub async fn add_reads(
    memory: &mut Memory,
    store_name: &str,
    reads: &[ReadStore],
    embedder: Option<&dyn Embedder>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut layers = vec![(store_name.to_string(), std::mem::take(&mut memory.lessons))];
    for read in reads {
        match open_read_store(read, embedder).await {
            Ok((layer, lessons)) => {
                layers.push((layer.name.clone(), lessons));
                memory.reads.push(layer);
            }
            Err(problem) => problems.push(problem),
        }
    }
    let (lessons, origins) = crate::store::merged_lessons(layers);
    memory.lessons = lessons;
    memory.lesson_origins = origins;
    problems
}

/// A read store, opened, and its lessons; or why it cannot be read.
async fn open_read_store(
    read: &ReadStore,
    embedder: Option<&dyn Embedder>,
) -> Result<(Layer, Vec<Lesson>), String> {
    let shown = read.path.display();
    if crate::store::Location::is_missing_directory(&read.path) {
        return Err(format!(
            "no store at {shown} (read store {}): a read store is never created; check the path",
            read.name
        ));
    }
    let store = Store::open_read_only(&read.path).await.map_err(|error| {
        format!(
            "cannot read the store {}: {:#}; it is left out",
            read.name,
            anyhow::Error::from(error)
        )
    })?;
    if let Some(embedder) = embedder
        && let Some(problem) = other_model(&store, embedder).await?
    {
        return Err(format!(
            "{problem}; the read store {} is left out",
            read.name
        ));
    }
    let lessons = store.lessons().await.map_err(|error| {
        format!(
            "cannot read the lessons of the store {}: {:#}; it is left out",
            read.name,
            anyhow::Error::from(error)
        )
    })?;
    let layer = Layer {
        name: read.name.clone(),
        store,
    };
    Ok((layer, lessons))
}

/// Why `embedder` must not search `store` (the store records another model), or why that
/// cannot be told.
async fn other_model(store: &Store, embedder: &dyn Embedder) -> Result<Option<String>, String> {
    let current = crate::store::model_label(embedder);
    match store.embedding_model().await {
        Ok(Some(recorded)) if recorded != current => Ok(Some(format!(
            "the store at {} was embedded with {recorded}, and this lore embeds with \
             {current}: run `lore reembed` on it",
            store.path()
        ))),
        Ok(_) => Ok(None),
        Err(error) => Err(format!("{:#}", anyhow::Error::from(error))),
    }
}

/// Built-in lessons plus the lessons of `packs`; problems are reported, never fatal.
pub fn pack_lessons(packs: &[String]) -> (Vec<Lesson>, Vec<PackError>) {
    let (mut all, mut problems) = lessons::builtin_lessons();
    for pack in packs {
        let (pack_lessons, mut pack_problems) =
            lessons::read_pack_file(Path::new(pack), "imported");
        problems.append(&mut pack_problems);
        all = merge_lessons(all, pack_lessons);
    }
    (all, problems)
}

/// `base` plus `more`, keeping the higher version of each id.
pub fn merge_lessons(mut base: Vec<Lesson>, more: Vec<Lesson>) -> Vec<Lesson> {
    for lesson in more {
        match base.iter_mut().find(|existing| existing.id == lesson.id) {
            Some(existing) if existing.version < lesson.version => *existing = lesson,
            Some(_) => {}
            None => base.push(lesson),
        }
    }
    base
}

/// `base` with the `stored` lessons laid over it: the store's copy wins at the same version,
/// since it carries what curation decided (status, lowered severity).
fn overlay_stored(mut base: Vec<Lesson>, stored: Vec<Lesson>) -> Vec<Lesson> {
    for lesson in stored {
        match base.iter_mut().find(|existing| existing.id == lesson.id) {
            Some(existing) if existing.version <= lesson.version => *existing = lesson,
            Some(existing) => existing.keep_curation_of(&lesson),
            None => base.push(lesson),
        }
    }
    base
}

/// Syncs the packs into the store at `store_path` and reads its lessons back. Without a
/// usable store the packs' lessons are used and the problem is reported.
pub async fn load(store_path: &Path, packs: &[String], embedder: Option<&dyn Embedder>) -> Memory {
    let (pack, pack_problems) = pack_lessons(packs);
    let mut memory = Memory {
        problems: pack_problems.iter().map(ToString::to_string).collect(),
        ..Memory::default()
    };
    let store = match Store::open(store_path).await {
        Ok(store) => store,
        Err(error) => {
            memory.problems.push(format!(
                "{:#}; using the lesson packs without a store",
                anyhow::Error::from(error)
            ));
            memory.lessons = pack;
            return memory;
        }
    };
    let embedder = match embedder {
        Some(embedder) => match store.check_embedder(embedder).await {
            Ok(()) => Some(embedder),
            Err(error) => {
                let problem = format!("{:#}", anyhow::Error::from(error));
                memory.problems.push(problem);
                memory.embedder_refused = true;
                None
            }
        },
        None => None,
    };
    match store.sync_lessons(&pack, embedder).await {
        Ok(report) => memory.sync = Some(report),
        Err(error) => memory.problems.push(format!(
            "failed to sync lessons into {}: {:#}",
            store.path(),
            anyhow::Error::from(error)
        )),
    }
    match store.lessons().await {
        Ok(stored) if !stored.is_empty() => memory.lessons = stored,
        Ok(_) => memory.lessons = pack,
        Err(error) => {
            memory.problems.push(format!(
                "failed to read lessons from {}: {:#}",
                store.path(),
                anyhow::Error::from(error)
            ));
            memory.lessons = pack;
        }
    }
    memory.store = Some(store);
    memory
}

/// The memory at `store_path` as a reader that writes nothing sees it: the packs' lessons,
/// overridden by the store's (higher versions, curated and imported ones); the store must
/// exist, and an embedder is refused when the store records another model.
pub async fn load_read_only(
    store_path: &Path,
    packs: &[String],
    embedder: Option<&dyn Embedder>,
) -> Memory {
    let (pack, pack_problems) = pack_lessons(packs);
    let mut memory = Memory {
        problems: pack_problems.iter().map(ToString::to_string).collect(),
        lessons: pack.clone(),
        ..Memory::default()
    };
    if crate::store::Location::is_missing_directory(store_path) {
        memory.problems.push(format!(
            "no store at {}: a read-only reader does not create one",
            store_path.display()
        ));
        return memory;
    }
    let store = match Store::open_read_only(store_path).await {
        Ok(store) => store,
        Err(error) => {
            memory.problems.push(format!(
                "{:#}; using the lesson packs",
                anyhow::Error::from(error)
            ));
            return memory;
        }
    };
    if let Some(embedder) = embedder {
        match other_model(&store, embedder).await {
            Ok(Some(problem)) => {
                memory.problems.push(problem);
                memory.embedder_refused = true;
            }
            Ok(None) => {}
            Err(problem) => memory.problems.push(problem),
        }
    }
    match store.lessons().await {
        Ok(stored) => memory.lessons = overlay_stored(pack, stored),
        Err(error) => memory.problems.push(format!(
            "failed to read lessons from {}: {:#}",
            store.path(),
            anyhow::Error::from(error)
        )),
    }
    memory.store = Some(store);
    memory
}

/// The lessons the CLI works with: the built-in packs, overridden by the store's lessons
/// (higher versions, imported and curated ones) when a store exists at `store_path`.
pub async fn read_lessons(store_path: &Path) -> (Vec<Lesson>, Vec<String>) {
    let (builtin, problems) = pack_lessons(&[]);
    let mut problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let local_without_lessons = crate::store::Location::of_path(store_path)
        .ok()
        .and_then(|location| {
            location.directory().map(|dir| {
                !dir.join(format!("{}.lance", crate::store::LESSONS_TABLE))
                    .exists()
            })
        })
        .unwrap_or(false);
    if local_without_lessons {
        return (builtin, problems);
    }
    let stored = async { anyhow::Ok(Store::open(store_path).await?.lessons().await?) }.await;
    match stored {
        Ok(stored) => (overlay_stored(builtin, stored), problems),
        Err(error) => {
            problems.push(format!(
                "cannot read lessons from {}: {error:#}; using the built-in packs",
                store_path.display()
            ));
            (builtin, problems)
        }
    }
}

/// The memory as the retrieval commands need it: the store (with the packs synced into it)
/// and the stores read beside it, the lessons that may be served, by id, and what people did
/// with them.
pub struct OpenMemory {
    /// The read stores left out, and why.
    pub warnings: Vec<String>,
    pub store: Layered,
    pub lessons: HashMap<String, Arc<Lesson>>,
    pub votes: Votes,
    pub catalog: crate::retrieval::catalog::Catalog,
}

impl OpenMemory {
    /// The memory as the retrieval engine reads it, with `embedder` for queries.
    pub fn memory<'a>(
        &'a self,
        embedder: &'a dyn Embedder,
    ) -> crate::retrieval::context::Memory<'a, Layered> {
        crate::retrieval::context::Memory {
            store: &self.store,
            embedder,
            lessons: &self.lessons,
            votes: &self.votes,
            catalog: &self.catalog,
        }
    }
}

/// Loads the memory at `store_path`, with the stores `reads` beside it, for retrieval; a store
/// that cannot be used is an error, a read store that cannot is left out with a warning.
pub async fn open(
    store_path: &Path,
    reads: &[ReadStore],
    embedder: &dyn Embedder,
) -> anyhow::Result<OpenMemory> {
    let mut memory = load(store_path, &[], Some(embedder)).await;
    if memory.store.is_none() {
        anyhow::bail!("{}", memory.problems.join("; "))
    }
    let store_name = store_path.display().to_string();
    let warnings = add_reads(&mut memory, &store_name, reads, Some(embedder)).await;
    let Some(store) = memory.layered(&store_name) else {
        anyhow::bail!("{}", memory.problems.join("; "))
    };
    let votes = Votes::from_traces(&store.traces().await.unwrap_or_default())
        .with_half_life(crate::learning::Policy::default().half_life_days);
    let catalog = crate::retrieval::catalog::Catalog::load(&store).await?;
    let lessons = memory
        .lessons
        .into_iter()
        .filter(Lesson::is_served)
        .map(|lesson| (lesson.id.clone(), Arc::new(lesson)))
        .collect();
    Ok(OpenMemory {
        warnings,
        store,
        lessons,
        votes,
        catalog,
    })
}
