//! `lore mcp`: the memory for agents, as an MCP server over stdio. Tools get context for
//! code, search the memory, explain a lesson and record experience; every lesson is a
//! resource (`lore://lessons/<id>`).

use std::collections::HashMap;
use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::*;
use rmcp::service::RequestContext;
use rmcp::{
    ErrorData as McpError, RoleServer, ServerHandler, ServiceExt, schemars, tool, tool_handler,
    tool_router,
};
use serde::Deserialize;

use crate::documents::{Document, PositionEncoding, TextPosition};
use crate::embeddings::Embedder;
use crate::lessons::Lesson;
use crate::retrieval::catalog::Catalog;
use crate::retrieval::context::{self, ContextRequest, Memory};
use crate::store::Versions;
use crate::store::{Layered, StoreReader};
use crate::traces::{Experience, Outcome, current_user};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ContextArgs {
    /// Path of the Python file (used to read it when `content` is not given).
    pub path: String,
    /// The file's current text, if it differs from what is on disk.
    #[serde(default)]
    pub content: Option<String>,
    /// 0-based line of the cursor (default: the last line).
    #[serde(default)]
    pub line: Option<u32>,
    /// 0-based column of the cursor in characters (default: end of the line).
    #[serde(default)]
    pub character: Option<u32>,
    /// The task or question, in words.
    #[serde(default)]
    pub query: Option<String>,
    /// How many items (default 10).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct SearchArgs {
    /// What to look for, in words or code.
    pub query: String,
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ExplainArgs {
    /// A lesson id, as in a diagnostic's code (e.g. `pandas-append-removed`).
    pub id: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ExperienceArgs {
    /// The problem being solved.
    pub problem: String,
    /// The code or approach that was tried.
    pub attempt: String,
    /// What went wrong with it (error message, wrong result).
    pub what_failed: String,
    /// The fix that worked.
    pub fix: String,
    /// Libraries involved (pandas, numpy, ...).
    #[serde(default)]
    pub libraries: Vec<String>,
    /// The lesson this confirms, if any.
    #[serde(default)]
    pub lesson_id: Option<String>,
}

/// The MCP server's state: the stores, and what it serves from them.
#[derive(Clone)]
pub struct LoreMcp {
    /// The store written to, first, and the stores read beside it.
    store: Layered,
    embedder: Arc<dyn Embedder>,
    /// Serves the memory and records nothing (`lore mcp --read-only`).
    read_only: bool,
    served: Arc<tokio::sync::Mutex<Served>>,
    tool_router: ToolRouter<LoreMcp>,
}

/// What the MCP server serves, read again whenever another process changed the store (each
/// request first compares the tables' versions: a cheap look).
struct Served {
    /// The versions the lessons and the catalog were read at, one per store.
    versions: Vec<Versions>,
    /// The stores, knowing where each served lesson came from.
    reader: Layered,
    lessons: Arc<HashMap<String, Arc<Lesson>>>,
    /// Loaded at the first request that needs it; dropped when the store changes.
    catalog: Option<Arc<Catalog>>,
}

/// The lessons agents may be served: retired, candidate and quarantined ones are not.
fn served_lessons(lessons: Vec<Lesson>) -> Arc<HashMap<String, Arc<Lesson>>> {
    Arc::new(
        lessons
            .into_iter()
            .filter(Lesson::is_served)
            .map(|lesson| (lesson.id.clone(), Arc::new(lesson)))
            .collect(),
    )
}

/// A failed tool call, reported to the agent as the tool's result (`isError`), as MCP asks
/// for errors the model should see and can act on.
fn tool_error(message: impl Into<String>) -> Result<CallToolResult, McpError> {
    Ok(CallToolResult::error(vec![ContentBlock::text(
        message.into(),
    )]))
}

fn json_result<T: serde::Serialize>(value: &T) -> Result<CallToolResult, McpError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|error| McpError::internal_error(error.to_string(), None))?;
    Ok(CallToolResult::success(vec![ContentBlock::text(text)]))
}

#[tool_router]
impl LoreMcp {
    /// The server for `store` (with its lesson origins), serving `lessons` (read at
    /// `versions`) until a store changes.
    pub fn new(
        store: Layered,
        embedder: Arc<dyn Embedder>,
        lessons: Vec<Lesson>,
        versions: Vec<Versions>,
        read_only: bool,
    ) -> LoreMcp {
        let served = Served {
            versions,
            reader: store.clone(),
            lessons: served_lessons(lessons),
            catalog: None,
        };
        LoreMcp {
            store,
            embedder,
            read_only,
            served: Arc::new(tokio::sync::Mutex::new(served)),
            tool_router: Self::tool_router(),
        }
    }

    /// What is served, read again first if another process changed the store.
    async fn fresh(&self) -> tokio::sync::MutexGuard<'_, Served> {
        let mut served = self.served.lock().await;
        let now = match self.store.versions().await {
            Ok(now) => now,
            Err(error) => {
                tracing::warn!("cannot look at the store: {:#}", anyhow::Error::from(error));
                return served;
            }
        };
        if now == served.versions {
            return served;
        }
        let lessons_changed = |versions: &[Versions]| -> Vec<u64> {
            versions.iter().map(|versions| versions.lessons).collect()
        };
        if lessons_changed(&now) != lessons_changed(&served.versions) {
            match self.store.lessons().await {
                Ok((lessons, _)) if lessons.is_empty() => {}
                Ok((lessons, origins)) => {
                    served.lessons = served_lessons(lessons);
                    served.reader = self.store.clone().with_lesson_origins(origins);
                }
                Err(error) => {
                    tracing::warn!("failed to reload lessons: {:#}", anyhow::Error::from(error));
                    return served;
                }
            }
        }
        served.catalog = None;
        served.versions = now;
        served
    }

    /// The lessons served now.
    async fn lessons(&self) -> Arc<HashMap<String, Arc<Lesson>>> {
        self.fresh().await.lessons.clone()
    }

    /// The stores, as retrieval reads them now.
    async fn reader(&self) -> Layered {
        self.fresh().await.reader.clone()
    }

    /// What people did with each lesson, read fresh: other processes record traces too.
    async fn votes(&self) -> crate::traces::Votes {
        let traces = self.store.traces().await.unwrap_or_default();
        crate::traces::Votes::from_traces(&traces)
            .with_half_life(crate::learning::Policy::default().half_life_days)
    }

    async fn catalog(&self) -> Arc<Catalog> {
        let mut served = self.fresh().await;
        if let Some(catalog) = served.catalog.as_ref() {
            return catalog.clone();
        }
        let catalog = Arc::new(Catalog::load(&self.store).await.unwrap_or_else(|error| {
            tracing::warn!("failed to read the catalog: {error:#}");
            Catalog::default()
        }));
        served.catalog = Some(catalog.clone());
        catalog
    }

    #[tool(
        description = "Context from the team's memory for a place in a Python file: a recommendation citing lessons, library documentation and past experience, plus the ranked items. Use before writing or changing data-science code."
    )]
    async fn get_context(
        &self,
        Parameters(args): Parameters<ContextArgs>,
    ) -> Result<CallToolResult, McpError> {
        let text = match args.content {
            Some(content) => content,
            None => match crate::bounded::read_text(
                std::path::Path::new(&args.path),
                crate::documents::MAX_ANALYZED_BYTES as u64,
            ) {
                Ok(text) => text,
                Err(error) => return tool_error(format!("cannot read {}: {error}", args.path)),
            },
        };
        let document = Document::new(text, 0);
        let line = args
            .line
            .unwrap_or((document.line_index.line_count() - 1) as u32);
        let position = TextPosition {
            line,
            character: args.character.unwrap_or(u32::MAX),
        };
        let cursor =
            match document
                .line_index
                .offset(&document.text, position, PositionEncoding::Utf32)
            {
                Ok(cursor) => cursor,
                Err(error) => return tool_error(error.to_string()),
            };
        let votes = self.votes().await;
        let catalog = self.catalog().await;
        let lessons = self.lessons().await;
        let reader = self.reader().await;
        let memory = Memory {
            store: &reader,
            embedder: self.embedder.as_ref(),
            lessons: &lessons,
            votes: &votes,
            catalog: &catalog,
        };
        let query: Option<String> = args.query.map(|query| query.chars().take(4000).collect());
        let request = ContextRequest {
            text: &document.text,
            tree: &document.tree,
            cursor,
            query: query.as_deref(),
            limit: args.limit.unwrap_or(10).clamp(1, 50),
        };
        match context::context(&memory, &request).await {
            Ok((result, _)) => json_result(&result),
            Err(error) => tool_error(format!("context failed: {error:#}")),
        }
    }

    #[tool(
        description = "Search the team's memory (lessons, library documentation) by meaning and by words."
    )]
    async fn search_memory(
        &self,
        Parameters(args): Parameters<SearchArgs>,
    ) -> Result<CallToolResult, McpError> {
        if args.query.trim().is_empty() {
            return tool_error("the query is empty");
        }
        let lessons: Vec<Lesson> = self
            .lessons()
            .await
            .values()
            .map(|lesson| (**lesson).clone())
            .collect();
        let query: String = args.query.chars().take(4000).collect();
        let limit = args.limit.unwrap_or(10).clamp(1, 50);
        let reader = self.reader().await;
        match crate::retrieval::search(&reader, self.embedder.as_ref(), &lessons, &query, limit)
            .await
        {
            Ok(items) => json_result(&items),
            Err(error) => tool_error(format!("search failed: {error:#}")),
        }
    }

    #[tool(
        description = "Explain a lesson (the code of a lore diagnostic): why it matters, a bad and a good example, references and how often it was accepted or dismissed."
    )]
    async fn explain_lesson(
        &self,
        Parameters(args): Parameters<ExplainArgs>,
    ) -> Result<CallToolResult, McpError> {
        let lessons = self.lessons().await;
        let Some(lesson) = lessons.get(&args.id) else {
            return tool_error(format!(
                "no lesson `{}` (lesson ids are the codes of lore diagnostics)",
                args.id
            ));
        };
        let trust = self.votes().await.trust_now(&args.id);
        Ok(CallToolResult::success(vec![ContentBlock::text(
            lesson.to_markdown(&trust.words()),
        )]))
    }

    #[tool(
        description = "Record experience for the team: a problem, the attempt, what failed and the fix that worked. Curation turns such reports into lessons."
    )]
    async fn record_experience(
        &self,
        Parameters(args): Parameters<ExperienceArgs>,
    ) -> Result<CallToolResult, McpError> {
        if self.read_only {
            return tool_error(
                "this lore server is read-only (`lore mcp --read-only`): it serves the team's \
                 memory and records nothing; tell the user what you learned instead",
            );
        }
        for (field, value) in [
            ("attempt", &args.attempt),
            ("what_failed", &args.what_failed),
        ] {
            if value.trim().is_empty() {
                return tool_error(format!("`{field}` is empty"));
            }
        }
        if let Some(id) = &args.lesson_id
            && !self.lessons().await.contains_key(id)
        {
            return tool_error(format!(
                "no lesson `{}`: `lesson_id` must be the code of a lore diagnostic, or left out",
                id.chars().take(80).collect::<String>()
            ));
        }
        let report = Experience {
            outcome: Some(Outcome::AgentReported.as_str().to_string()),
            problem: args.problem,
            attempt: args.attempt,
            what_failed: args.what_failed,
            fix: args.fix,
            libraries: args.libraries,
            lesson_id: args.lesson_id,
            ..Experience::default()
        };
        if let Some(why) = report.problem_with() {
            return tool_error(why);
        }
        let salt = match self.store.first().salt().await {
            Ok(salt) => salt,
            Err(error) => {
                return tool_error(format!(
                    "could not record the experience: {:#}",
                    anyhow::Error::from(error)
                ));
            }
        };
        let trace = report.into_trace(&salt, &current_user());
        if let Err(error) = self
            .store
            .first()
            .record_trace(&trace, Some(self.embedder.as_ref()))
            .await
        {
            return tool_error(format!(
                "could not record the experience: {:#}",
                anyhow::Error::from(error)
            ));
        }
        Ok(CallToolResult::success(vec![ContentBlock::text(format!(
            "recorded experience {}",
            trace.id
        ))]))
    }
}

const LESSON_URI: &str = "lore://lessons/";

#[tool_handler(router = self.tool_router)]
impl ServerHandler for LoreMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_resources().build())
            .with_server_info(Implementation::new("lore", env!("CARGO_PKG_VERSION")))
            .with_instructions("lore is the team's shared memory for Python data-science code. Call get_context before writing code, search_memory for questions, explain_lesson for a lore diagnostic code, and record_experience after fixing a non-obvious problem.")
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let served = self.lessons().await;
        let mut lessons: Vec<&Arc<Lesson>> = served.values().collect();
        lessons.sort_by(|a, b| a.id.cmp(&b.id));
        let resources = lessons
            .into_iter()
            .map(|lesson| {
                Resource::new(format!("{LESSON_URI}{}", lesson.id), lesson.id.clone())
                    .with_title(lesson.title.clone())
                    .with_description(lesson.message.clone())
                    .with_mime_type("text/markdown")
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let id = request.uri.strip_prefix(LESSON_URI).ok_or_else(|| {
            McpError::resource_not_found(format!("unknown resource {}", request.uri), None)
        })?;
        let lessons = self.lessons().await;
        let lesson = lessons
            .get(id)
            .ok_or_else(|| McpError::resource_not_found(format!("no lesson `{id}`"), None))?;
        let trust = self.votes().await.trust_now(id);
        let text = lesson.to_markdown(&trust.words());
        Ok(ReadResourceResult::new(vec![ResourceContents::text(text, request.uri.clone())]).into())
    }
}

/// Serves MCP over stdio until the client closes it. The caller loads the `embedder` (the
/// command line loads the local model), so this module depends on nothing above it.
/// With `read_only`, nothing is written to the store (not even the built-in lessons' sync):
/// an agent can be given a store it may read but not write.
pub async fn serve(
    store_path: &std::path::Path,
    reads: &[crate::config::ReadStore],
    embedder: Arc<dyn Embedder>,
    read_only: bool,
) -> anyhow::Result<()> {
    let mut memory = if read_only {
        crate::memory::load_read_only(store_path, &[], Some(embedder.as_ref())).await
    } else {
        crate::memory::load(store_path, &[], Some(embedder.as_ref())).await
    };
    if memory.embedder_refused {
        anyhow::bail!("{}", memory.problems.last().cloned().unwrap_or_default());
    }
    let store_name = store_path.display().to_string();
    let read_problems =
        crate::memory::add_reads(&mut memory, &store_name, reads, Some(embedder.as_ref())).await;
    for problem in memory.problems.iter().chain(&read_problems) {
        tracing::warn!("{problem}");
    }
    let store = memory.layered(&store_name).ok_or_else(|| {
        anyhow::anyhow!(
            "the store could not be opened: {}",
            memory.problems.join("; ")
        )
    })?;
    // Versions read after the load: whatever is written from now on is served on the next call.
    let versions = store.versions().await.unwrap_or_default();
    let server = LoreMcp::new(store, embedder, memory.lessons, versions, read_only)
        .serve(rmcp::transport::stdio())
        .await?;
    server.waiting().await?;
    Ok(())
}
