// This file mirrors server/src/lsp_ext.rs: lore's own protocol surface (custom requests, the
// commands the server executes, the `data` of its diagnostics). Keep the names in sync.

import type { Position, Range, TextDocumentIdentifier } from "vscode-languageclient";

/** Run by the client after applying a quick fix or a dismissal: records a trace. */
export const RECORD_TRACE = "lore.recordTrace";
/** Disables a lesson in the workspace (`.lore.toml`) and records a trace. */
export const DISABLE_LESSON = "lore.disableLesson";
/** The code-action kind that applies every safe lore fix in a file. */
export const FIX_ALL_KIND = "source.fixAll.lore";

/** The JSON-RPC error codes lore answers requests with (`ErrorKind` in lsp_ext.rs). */
export const ErrorCodes = {
  /** The params are malformed or name something that is not there. */
  InvalidParams: -32602,
  /** The request needs the memory (store and model), which is still loading: try again. */
  MemoryLoading: -32001,
  /** The store or the embedding model could not be loaded: `lore doctor` says why. */
  MemoryUnavailable: -32002,
  /** lore itself failed. */
  Internal: -32603,
} as const;

/** `data` of a lore diagnostic. */
export interface DiagnosticData {
  lessonId: string;
  lessonVersion: number;
  fix?: FixData;
  dismiss: DismissData;
}

export interface FixData {
  title: string;
  safe: boolean;
  range: Range;
  newText: string;
  /** The finding's lines before and after the fix, for the trace. */
  before: string;
  after: string;
}

export interface DismissData {
  /** Where the suppression comment goes (end of the finding's first line). */
  position: Position;
  newText: string;
  line: string;
}

/** What the client did with a finding, as `lore.recordTrace` reports it. */
export type RecordedOutcome = "accepted" | "dismissed";

/** Arguments of `lore.recordTrace` (one object, or an array of them). */
export interface RecordTraceArgs {
  outcome: RecordedOutcome;
  lessonId: string;
  uri: string;
  before?: string;
  after?: string;
}

/** Arguments of `lore.disableLesson`. */
export interface DisableLessonArgs {
  lessonId: string;
  uri?: string;
}

/**
 * `lore/context`: what the memory says about the code at a position (issue 3). Servers that
 * predate it answer "method not found" (-32601).
 */
export const CONTEXT = "lore/context";

export interface ContextParams {
  textDocument: TextDocumentIdentifier;
  position: Position;
  range?: Range;
  query?: string;
  limit?: number;
}

export interface ContextItem {
  id: string;
  kind: "lesson" | "doc" | "experience";
  title: string;
  text: string;
  score: number;
  libraries?: string[];
  provenance?: unknown;
}

export interface ContextResult {
  recommendation: string;
  items: ContextItem[];
}

/** Weighs every lesson's evidence now; answers what changed. */
export const CURATE = "lore.curate";
/** Lists the candidate lessons and quarantined experience waiting for review. */
export const REVIEW_CANDIDATES = "lore.reviewCandidates";
/** Approves a candidate: `{id, as?}`; answers `{id}` of the lesson now active. */
export const APPROVE_CANDIDATE = "lore.approveCandidate";
/** Rejects a candidate: `{id, reason}`. */
export const REJECT_CANDIDATE = "lore.rejectCandidate";

/** One item of `lore.reviewCandidates` (what `lore lessons review --json` prints). */
export interface ReviewItem {
  kind: "candidate" | "trace";
  id: string;
  title: string;
  status: string;
  libraries: string[];
  traces: number;
  contributors: number;
  query: string | null;
  fix: string | null;
  quarantined: boolean;
  quarantine_reason: string | null;
  before: string;
  after: string;
  message: string;
  evidence: string[];
}

/** JSON-RPC "method not found": the server is older than the request. */
export const METHOD_NOT_FOUND = -32601;
