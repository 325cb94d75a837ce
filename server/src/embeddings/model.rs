//! The real embedder: fastembed running an ONNX model through ONNX Runtime loaded at run
//! time. By default the model comes from local files (no network); a fastembed model name
//! can be configured instead, which fastembed downloads once into its cache.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use fastembed::{
    InitOptionsUserDefined, Pooling, TextEmbedding, TextInitOptions, TokenizerFiles,
    UserDefinedEmbeddingModel,
};

use super::{EmbedError, Embedder};

/// Where the model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelLocation {
    /// A directory holding `model.onnx`, `tokenizer.json`, `config.json`,
    /// `special_tokens_map.json` and `tokenizer_config.json` (all-MiniLM-L6-v2 layout).
    Local(PathBuf),
    /// A fastembed model name (e.g. `AllMiniLML6V2`), downloaded on first use into `cache`.
    Download { name: String, cache: PathBuf },
}

/// What `lore` needs to build the real embedder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSettings {
    pub location: ModelLocation,
    /// Path of `libonnxruntime.so`.
    pub runtime: PathBuf,
    /// ONNX Runtime threads (0 = all cores).
    pub threads: usize,
}

impl ModelSettings {
    /// The defaults: `LORE_MODEL` (a fastembed model name to download), else `LORE_MODEL_DIR`,
    /// else `$XDG_DATA_HOME/lore/models/all-MiniLM-L6-v2`; ONNX Runtime from `LORE_ORT_DYLIB`,
    /// `ORT_DYLIB_PATH`, else `$XDG_DATA_HOME/lore/onnxruntime/libonnxruntime.so`.
    pub fn from_env() -> ModelSettings {
        let data = data_dir();
        let location = match std::env::var("LORE_MODEL")
            .ok()
            .filter(|name| !name.is_empty() && name != "local")
        {
            Some(name) => ModelLocation::Download {
                name,
                cache: cache_dir(),
            },
            None => ModelLocation::Local(
                std::env::var_os("LORE_MODEL_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| data.join("models/all-MiniLM-L6-v2")),
            ),
        };
        let runtime = std::env::var_os("LORE_ORT_DYLIB")
            .or_else(|| std::env::var_os("ORT_DYLIB_PATH"))
            .map(PathBuf::from)
            .unwrap_or_else(|| data.join("onnxruntime/libonnxruntime.so"));
        ModelSettings {
            location,
            runtime,
            threads: 0,
        }
    }

    /// The local files the model needs, with whether each exists (for `lore doctor`).
    pub fn required_files(&self) -> Vec<(PathBuf, bool)> {
        let mut files = vec![self.runtime.clone()];
        if let ModelLocation::Local(dir) = &self.location {
            files.extend(LOCAL_FILES.iter().map(|name| dir.join(name)));
        }
        files
            .into_iter()
            .map(|path| {
                let exists = path.is_file();
                (path, exists)
            })
            .collect()
    }
}

const LOCAL_FILES: [&str; 5] = [
    "model.onnx",
    "tokenizer.json",
    "config.json",
    "special_tokens_map.json",
    "tokenizer_config.json",
];

/// `$XDG_DATA_HOME/lore` (or `~/.local/share/lore`).
pub fn data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("lore")
}

fn cache_dir() -> PathBuf {
    dirs::cache_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("lore/fastembed")
}

/// fastembed behind a mutex (its `embed` takes `&mut self`).
pub struct ModelEmbedder {
    model: Mutex<TextEmbedding>,
    name: String,
    dimension: usize,
}

impl std::fmt::Debug for ModelEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelEmbedder")
            .field("name", &self.name)
            .finish()
    }
}

/// ONNX Runtime can be loaded once per process; later loads reuse the first result.
fn runtime_environment(path: &Path) -> Result<ort::environment::Environment, EmbedError> {
    static ENVIRONMENT: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();
    if !path.is_file() {
        return Err(EmbedError::RuntimeMissing {
            path: path.display().to_string(),
        });
    }
    ENVIRONMENT
        .get_or_init(|| {
            let builder = ort::init_from(path).map_err(|error| error.to_string())?;
            builder
                .with_name("lore")
                .build()
                .map_err(|error| error.to_string())
        })
        .clone()
        .map_err(|message| EmbedError::RuntimeLoad {
            path: path.display().to_string(),
            message,
        })
}

impl ModelEmbedder {
    pub fn load(settings: &ModelSettings) -> Result<ModelEmbedder, EmbedError> {
        let environment = runtime_environment(&settings.runtime)?;
        let threads = if settings.threads == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        } else {
            settings.threads
        };
        match &settings.location {
            ModelLocation::Local(dir) => {
                let read = |name: &str| -> Result<Vec<u8>, EmbedError> {
                    let path = dir.join(name);
                    std::fs::read(&path).map_err(|_| EmbedError::ModelMissing {
                        path: path.display().to_string(),
                    })
                };
                let model = UserDefinedEmbeddingModel::new(
                    read("model.onnx")?,
                    TokenizerFiles {
                        tokenizer_file: read("tokenizer.json")?,
                        config_file: read("config.json")?,
                        special_tokens_map_file: read("special_tokens_map.json")?,
                        tokenizer_config_file: read("tokenizer_config.json")?,
                    },
                )
                .with_pooling(Pooling::Mean);
                let options = InitOptionsUserDefined::new()
                    .with_environment(environment)
                    .with_intra_threads(threads)
                    .with_max_length(256);
                let mut model = TextEmbedding::try_new_from_user_defined(model, options)
                    .map_err(|error| EmbedError::ModelLoad(error.to_string()))?;
                let dimension = probe_dimension(&mut model)?;
                Ok(ModelEmbedder {
                    model: Mutex::new(model),
                    name: "all-MiniLM-L6-v2".into(),
                    dimension,
                })
            }
            ModelLocation::Download { name, cache } => {
                let model_name: fastembed::EmbeddingModel =
                    name.parse().map_err(EmbedError::ModelLoad)?;
                let options = TextInitOptions::new(model_name)
                    .with_cache_dir(cache.clone())
                    .with_environment(environment)
                    .with_intra_threads(threads)
                    .with_show_download_progress(false);
                let mut model = TextEmbedding::try_new(options)
                    .map_err(|error| EmbedError::ModelLoad(error.to_string()))?;
                let dimension = probe_dimension(&mut model)?;
                Ok(ModelEmbedder {
                    model: Mutex::new(model),
                    name: name.clone(),
                    dimension,
                })
            }
        }
    }
}

fn probe_dimension(model: &mut TextEmbedding) -> Result<usize, EmbedError> {
    let probe = model
        .embed(["lore"], None)
        .map_err(|error| EmbedError::ModelLoad(error.to_string()))?;
    Ok(probe.first().map(Vec::len).unwrap_or(0))
}

impl Embedder for ModelEmbedder {
    fn model_name(&self) -> &str {
        &self.name
    }

    fn dimension(&self) -> usize {
        self.dimension
    }

    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let mut model = self
            .model
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let vectors = model
            .embed(texts, Some(MODEL_BATCH))
            .map_err(|error| EmbedError::Embed(error.to_string()))?;
        Ok(vectors.into_iter().map(normalize).collect())
    }
}

/// Texts the model runs at once. ONNX Runtime's arena keeps what the largest batch needed for
/// the life of the process: batches of 32 texts of up to 256 tokens held 1.6 GB, batches of 8
/// hold a fraction of that at the same rate (measured with `cargo bench --bench embed_rate`).
const MODEL_BATCH: usize = 8;

fn normalize(mut vector: Vec<f32>) -> Vec<f32> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
    vector
}
