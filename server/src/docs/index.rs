//! `lore index-docs`: find the libraries installed in a Python interpreter, harvest their
//! docstrings (in parallel, parsing source; and, unless told not to, importing each package to
//! read what exists only at run time), chunk them, embed what is new and write the store's
//! `docs` table (through [`DocsTable`], which the store implements).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::chunk::{self, DocChunk};
use super::harvest::{self, ModuleDocs};
use super::introspect;
use super::names::PublicNames;

/// The DS-1000 libraries, indexed by default when installed.
pub const DEFAULT_PACKAGES: [&str; 7] = [
    "pandas",
    "numpy",
    "matplotlib",
    "scipy",
    "sklearn",
    "torch",
    "tensorflow",
];

/// Folders that hold tests, not documentation.
const SKIPPED_DIRS: [&str; 6] = [
    "tests",
    "test",
    "testing",
    "_tests",
    "benchmarks",
    "conftest",
];

/// Asks `python` where each package lives, without importing the packages.
pub fn locate_packages(
    python: &Path,
    packages: &[String],
) -> Result<Vec<(String, Option<PathBuf>)>, String> {
    let script = "import importlib.util, json, sys\nout = {}\nfor name in sys.argv[1:]:\n    try:\n        spec = importlib.util.find_spec(name)\n    except Exception:\n        spec = None\n    locations = list(spec.submodule_search_locations or []) if spec else []\n    out[name] = locations[0] if locations else None\nprint(json.dumps(out))\n";
    let output = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .args(packages)
        .output()
        .map_err(|error| format!("cannot run {}: {error}", python.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} is not a working Python interpreter: {}",
            python.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let found: HashMap<String, Option<String>> =
        serde_json::from_slice(&output.stdout).map_err(|_| {
            format!(
                "{} did not answer like a Python interpreter",
                python.display()
            )
        })?;
    Ok(packages
        .iter()
        .map(|name| {
            (
                name.clone(),
                found.get(name).cloned().flatten().map(PathBuf::from),
            )
        })
        .collect())
}

fn python_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .filter_entry(|entry| {
            let name = entry.file_name().to_string_lossy();
            !(entry.file_type().is_some_and(|kind| kind.is_dir())
                && SKIPPED_DIRS.contains(&name.as_ref()))
        })
        .build();
    for entry in walker.flatten() {
        let path = entry.path();
        if entry.file_type().is_some_and(|kind| kind.is_file())
            && path.extension().is_some_and(|ext| ext == "py")
        {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if !name.starts_with("test_") && name != "conftest.py" {
                files.push(path.to_path_buf());
            }
        }
    }
    files.sort();
    files
}

/// The dotted module name of `file` inside package `name` rooted at `root`.
fn module_name(name: &str, root: &Path, file: &Path) -> (String, bool) {
    let relative = file.strip_prefix(root).unwrap_or(file);
    let mut parts: Vec<String> = vec![name.to_string()];
    parts.extend(
        relative
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().to_string()),
    );
    let is_package = parts.last().is_some_and(|last| last == "__init__");
    if is_package {
        parts.pop();
    }
    (parts.join("."), is_package)
}

/// Harvests one package: its chunks (with public names), and problems with files.
///
/// The source is parsed with tree-sitter; with `python`, the package is also imported there to
/// read what exists only at run time (see [`introspect`]). An object both give is named and
/// documented as the import shows it, with the source's `path:line`.
pub fn harvest_package(
    name: &str,
    root: &Path,
    python: Option<&Path>,
) -> (Vec<DocChunk>, Vec<String>) {
    let files = python_files(root);
    let harvested: Vec<Result<(String, PathBuf, ModuleDocs), String>> = files
        .par_iter()
        .map(|file| {
            let bytes =
                std::fs::read(file).map_err(|error| format!("{}: {error}", file.display()))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("{}: not UTF-8; skipped", file.display()))?;
            let (module, is_package) = module_name(name, root, file);
            Ok((
                module.clone(),
                file.clone(),
                harvest::harvest_module(&text, &module, is_package),
            ))
        })
        .collect();
    let mut problems = Vec::new();
    let runtime = match python {
        Some(python) => {
            let search_dir = root.parent().unwrap_or(root);
            introspect::introspect(python, name, search_dir, introspect::TIMEOUT).unwrap_or_else(
                |problem| {
                    problems.push(problem);
                    Vec::new()
                },
            )
        }
        None => Vec::new(),
    };
    let mut modules: HashMap<String, ModuleDocs> = HashMap::new();
    let mut paths: HashMap<String, PathBuf> = HashMap::new();
    for result in harvested {
        match result {
            Ok((module, path, docs)) => {
                paths.insert(module.clone(), path);
                modules.insert(module, docs);
            }
            Err(problem) => problems.push(problem),
        }
    }
    let names = PublicNames::build(&modules);
    let mut module_names: Vec<&String> = modules.keys().collect();
    module_names.sort_by_key(|module| {
        (
            module.split('.').any(|part| part.starts_with('_')),
            module.len(),
            module.to_string(),
        )
    });
    // Where each object is defined in the source, for the imported ones' provenance.
    let mut sources: HashMap<String, String> = HashMap::new();
    for module in &module_names {
        for item in &modules[*module].items {
            sources.insert(
                defined_name(module, &item.path),
                format!("{}:{}", paths[*module].display(), item.line),
            );
        }
    }
    let imported: HashSet<&str> = runtime.iter().map(|doc| doc.defined.as_str()).collect();
    let mut chunks: Vec<DocChunk> = Vec::new();
    // The same object can be reached twice (an alias module); keep the first name.
    let mut seen: HashSet<String> = HashSet::new();
    for doc in &runtime {
        if !seen.insert(doc.name.clone()) {
            continue;
        }
        let source = sources
            .get(&doc.defined)
            .cloned()
            .unwrap_or_else(|| format!("{} (built at import)", doc.defined));
        chunks.extend(chunk::chunks_for(
            name,
            &doc.name,
            &doc.kind,
            &doc.signature,
            &doc.doc,
            &source,
        ));
    }
    for module in module_names {
        for item in &modules[module].items {
            let defined = defined_name(module, &item.path);
            if imported.contains(defined.as_str()) {
                continue;
            }
            let qualified = names.public_name(module, &item.path);
            if !seen.insert(qualified.clone()) {
                continue;
            }
            chunks.extend(chunk::chunks_for(
                name,
                &qualified,
                item.kind.as_str(),
                &item.signature,
                &item.docstring,
                &sources[&defined],
            ));
        }
    }
    (chunks, problems)
}

/// `module.path`, or the module itself for its own docstring.
fn defined_name(module: &str, path: &str) -> String {
    if path.is_empty() {
        module.to_string()
    } else {
        format!("{module}.{path}")
    }
}

/// Harvests Markdown / reStructuredText files under `dir`: one item per section.
pub fn harvest_doc_dir(dir: &Path, library: &str) -> (Vec<DocChunk>, Vec<String>) {
    let mut chunks = Vec::new();
    let mut problems = Vec::new();
    for entry in ignore::WalkBuilder::new(dir).build().flatten() {
        let path = entry.path();
        let is_doc = path
            .extension()
            .is_some_and(|ext| ext == "md" || ext == "rst" || ext == "txt");
        if !is_doc || !entry.file_type().is_some_and(|kind| kind.is_file()) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            problems.push(format!("{}: not UTF-8 text; skipped", path.display()));
            continue;
        };
        let relative = path
            .strip_prefix(dir)
            .unwrap_or(path)
            .with_extension("")
            .display()
            .to_string();
        for (line, heading, body) in sections(&text) {
            let name = if heading.is_empty() {
                relative.clone()
            } else {
                format!("{relative}: {heading}")
            };
            chunks.extend(chunk::chunks_for(
                library,
                &name,
                "page",
                "",
                &body,
                &format!("{}:{line}", path.display()),
            ));
        }
    }
    (chunks, problems)
}

/// Splits a Markdown or reStructuredText page at its headings: (line, heading, body).
fn sections(text: &str) -> Vec<(usize, String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut sections = Vec::new();
    let mut heading = String::new();
    let mut start = 1;
    let mut body: Vec<&str> = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        let underline = lines.get(index + 1).is_some_and(|next| {
            let next = next.trim();
            next.len() >= 3
                && next.len() >= line.trim().len()
                && next.chars().all(|c| "=-~^*#".contains(c))
                && !line.trim().is_empty()
        });
        let markdown = line.starts_with('#') && line.trim_start_matches('#').starts_with(' ');
        if underline || markdown {
            if !body.join("\n").trim().is_empty() {
                sections.push((start, heading.clone(), body.join("\n")));
            }
            heading = line.trim_start_matches('#').trim().to_string();
            start = index + 1;
            body.clear();
            index += if underline { 2 } else { 1 };
            continue;
        }
        body.push(line);
        index += 1;
    }
    if !body.join("\n").trim().is_empty() {
        sections.push((start, heading, body.join("\n")));
    }
    sections
}

/// What an index run did.
#[derive(Debug, Default, Clone)]
pub struct IndexReport {
    pub chunks_per_library: BTreeMap<String, usize>,
    pub total_chunks: usize,
    pub embedded: usize,
    pub removed: usize,
    pub harvest_time: Duration,
    pub embed_time: Duration,
    pub total_time: Duration,
    pub problems: Vec<String>,
}

/// Reports progress: (chunks embedded so far, chunks to embed).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// The table that indexing fills: the store's `docs` table (`Store` implements this).
pub trait DocsTable {
    type Error: std::error::Error + Send + Sync + 'static;

    /// Chunk id → (content hash, library), for every row.
    fn doc_hashes(
        &self,
    ) -> impl Future<Output = Result<HashMap<String, (String, String)>, Self::Error>> + Send;

    /// Writes doc chunks, one vector each (replacing rows with the same ids).
    fn add_docs(
        &self,
        chunks: &[&DocChunk],
        vectors: &[Vec<f32>],
        model: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Deletes doc chunks by id; returns how many ids were given.
    fn remove_docs(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send;

    /// Compacts the table and (re)builds its search indexes.
    fn index_docs(&self) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// Indexes the given packages (and doc folders) into `table` (the store's `docs` table).
pub async fn index(
    table: &impl DocsTable,
    embedder: &dyn crate::embeddings::Embedder,
    packages: &[(String, PathBuf)],
    python: Option<&Path>,
    doc_dirs: &[(PathBuf, String)],
    progress: Progress<'_>,
) -> anyhow::Result<IndexReport> {
    let started = Instant::now();
    let mut report = IndexReport::default();
    let mut chunks: Vec<DocChunk> = Vec::new();
    for (name, root) in packages {
        let (mut package_chunks, problems) = harvest_package(name, root, python);
        report.problems.extend(problems);
        *report.chunks_per_library.entry(name.clone()).or_default() += package_chunks.len();
        chunks.append(&mut package_chunks);
    }
    for (dir, library) in doc_dirs {
        let (mut dir_chunks, problems) = harvest_doc_dir(dir, library);
        report.problems.extend(problems);
        *report
            .chunks_per_library
            .entry(library.clone())
            .or_default() += dir_chunks.len();
        chunks.append(&mut dir_chunks);
    }
    report.harvest_time = started.elapsed();
    report.total_chunks = chunks.len();
    let existing = table.doc_hashes().await?;
    let wanted: HashSet<&str> = chunks.iter().map(|chunk| chunk.hash.as_str()).collect();
    // Only the libraries this run indexed can have vanished chunks: `--packages torch` adds
    // PyTorch and leaves pandas as it was.
    let indexed: HashSet<&str> = packages
        .iter()
        .map(|(name, _)| name.as_str())
        .chain(doc_dirs.iter().map(|(_, library)| library.as_str()))
        .collect();
    let stale: Vec<String> = existing
        .iter()
        .filter(|(_, (hash, library))| {
            indexed.contains(library.as_str()) && !wanted.contains(hash.as_str())
        })
        .map(|(id, _)| id.clone())
        .collect();
    let have: HashSet<&str> = existing.values().map(|(hash, _)| hash.as_str()).collect();
    let fresh: Vec<&DocChunk> = chunks
        .iter()
        .filter(|chunk| !have.contains(chunk.hash.as_str()))
        .collect();
    let embed_started = Instant::now();
    const BATCH: usize = 256;
    for (batch_index, batch) in fresh.chunks(BATCH).enumerate() {
        let texts: Vec<String> = batch.iter().map(|chunk| chunk.text.clone()).collect();
        let vectors = embedder.embed(&texts)?;
        table
            .add_docs(batch, &vectors, embedder.model_name())
            .await?;
        progress(
            (batch_index * BATCH + batch.len()).min(fresh.len()),
            fresh.len(),
        );
    }
    report.embed_time = embed_started.elapsed();
    report.embedded = fresh.len();
    // Only now, with every new row written, drop the rows that are no longer wanted: a run that
    // fails before this point leaves the previous table whole.
    report.removed = table.remove_docs(&stale).await?;
    // Rebuilt every run (seconds): a store indexed by an older lore gains the vector index too.
    table.index_docs().await?;
    report.total_time = started.elapsed();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_follow_the_package_layout() {
        let root = Path::new("/site/pandas");
        assert_eq!(
            module_name("pandas", root, Path::new("/site/pandas/__init__.py")),
            ("pandas".into(), true)
        );
        assert_eq!(
            module_name("pandas", root, Path::new("/site/pandas/core/frame.py")),
            ("pandas.core.frame".into(), false)
        );
        assert_eq!(
            module_name("pandas", root, Path::new("/site/pandas/core/__init__.py")),
            ("pandas.core".into(), true)
        );
    }

    #[test]
    fn markdown_and_rst_pages_split_at_headings() {
        let text = "# Title\nintro\n\n## Usage\nuse it\n\nOther\n=====\nrst body\n";
        let found: Vec<(String, String)> = sections(text)
            .into_iter()
            .map(|(_, heading, body)| (heading, body.trim().to_string()))
            .collect();
        assert_eq!(
            found,
            [
                ("Title".to_string(), "intro".to_string()),
                ("Usage".into(), "use it".into()),
                ("Other".into(), "rst body".into())
            ]
        );
    }
}
