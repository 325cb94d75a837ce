// The commands of the extension (everything but the server's own lore.recordTrace and
// lore.disableLesson, which vscode-languageclient registers from executeCommandProvider).

import * as vscode from "vscode";

import { NeedsNewerServer, type Session } from "./client";
import { isUnknownSubcommand, renderContext } from "./render";
import * as lsp_ext from "./lsp_ext";
import type { ContextItem, ReviewItem } from "./lsp_ext";

/** Virtual markdown documents (`lore:/lesson/ID.md`, `lore:/context.md`) shown in previews. */
export class MarkdownDocuments implements vscode.TextDocumentContentProvider {
  static readonly scheme = "lore";
  private readonly contents = new Map<string, string>();
  private readonly changes = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changes.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? "";
  }

  /** Shows markdown in a preview beside the editor (or as text if previews are unavailable). */
  async show(name: string, markdown: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: MarkdownDocuments.scheme, path: `/${name}.md` });
    this.contents.set(uri.toString(), markdown);
    this.changes.fire(uri);
    try {
      await vscode.commands.executeCommand("markdown.showPreviewToSide", uri);
    } catch {
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }
  }
}

export function registerCommands(context: vscode.ExtensionContext, session: Session): void {
  const documents = new MarkdownDocuments();
  const register = (name: string, run: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(name, run));

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(MarkdownDocuments.scheme, documents),
  );
  register("lore.restartServer", () => session.restart({ userInitiated: true }));
  register("lore.showOutput", () => session.output.show());
  register("lore.showLesson", (lessonId) => showLesson(session, documents, lessonId));
  register("lore.search", (query) => search(session, documents, query));
  register("lore.showContext", () => showContext(session, documents));
  register("lore.reviewCandidates", () => reviewCandidates(session, documents));
}

/** The lesson ids of lore's diagnostics at the cursor. */
export function lessonsAtCursor(editor: vscode.TextEditor | undefined): string[] {
  if (!editor) return [];
  const position = editor.selection.active;
  return vscode.languages
    .getDiagnostics(editor.document.uri)
    .filter((diagnostic) => diagnostic.source === "lore" && diagnostic.range.contains(position))
    .map((diagnostic) =>
      typeof diagnostic.code === "object" ? String(diagnostic.code.value) : String(diagnostic.code ?? ""),
    )
    .filter((id) => id !== "");
}

async function showLesson(session: Session, documents: MarkdownDocuments, lessonId?: unknown): Promise<void> {
  let id = typeof lessonId === "string" ? lessonId : lessonsAtCursor(vscode.window.activeTextEditor)[0];
  if (!id) {
    const listed = await session.cli(["lessons", "list", "--json"]);
    if (listed.code !== 0) {
      void vscode.window.showErrorMessage(`lore lessons list failed: ${listed.stderr.trim()}`);
      return;
    }
    const lessons = JSON.parse(listed.stdout) as { id: string; title?: string; libraries?: string[] }[];
    const picked = await vscode.window.showQuickPick(
      lessons.map((lesson) => ({
        label: lesson.id,
        description: (lesson.libraries ?? []).join(", "),
        detail: lesson.title,
      })),
      { title: "lore: Show Lesson", matchOnDescription: true, matchOnDetail: true },
    );
    if (!picked) return;
    id = picked.label;
  }
  const shown = await session.cli(["lessons", "show", id]);
  if (shown.code !== 0) {
    void vscode.window.showErrorMessage(`lore: ${shown.stderr.trim() || `no lesson ${id}`}`);
    return;
  }
  await documents.show(`lesson/${id}`, shown.stdout);
}

async function search(session: Session, documents: MarkdownDocuments, query?: unknown): Promise<void> {
  const text =
    typeof query === "string"
      ? query
      : await vscode.window.showInputBox({ title: "lore: Search the Memory", prompt: "What are you looking for?" });
  if (!text) return;
  const result = await session.cli(["search", "--json", "--", text]);
  if (result.code !== 0) {
    if (isUnknownSubcommand(result.stderr)) {
      void vscode.window.showWarningMessage(
        `lore search needs a newer lore than ${session.version ?? "the one installed"}: update lore.`,
      );
    } else {
      void vscode.window.showErrorMessage(`lore search failed: ${result.stderr.trim()}`);
    }
    return;
  }
  const parsed = JSON.parse(result.stdout) as ContextItem[] | { items: ContextItem[] };
  const items = Array.isArray(parsed) ? parsed : parsed.items;
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`Nothing in lore's memory matches "${text}".`);
    return;
  }
  const picked = await vscode.window.showQuickPick(
    items.map((item) => ({ label: item.title || item.id, description: `${item.kind} ${item.id}`, item })),
    { title: `lore: ${text}`, matchOnDescription: true },
  );
  if (picked) await documents.show(`search/${picked.item.id}`, renderContext([picked.item], picked.label));
}

async function showContext(session: Session, documents: MarkdownDocuments): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== "python") {
    void vscode.window.showInformationMessage("lore: put the cursor in a Python file first.");
    return;
  }
  try {
    const result = await session.context(editor.document.uri, editor.selection.active);
    const name = `${vscode.workspace.asRelativePath(editor.document.uri)}:${editor.selection.active.line + 1}`;
    await documents.show("context", renderContext(result, `lore: ${name}`));
  } catch (error) {
    if (error instanceof NeedsNewerServer) {
      void vscode.window.showWarningMessage(error.message);
    } else {
      void vscode.window.showErrorMessage(`lore/context failed: ${error instanceof Error ? error.message : error}`);
    }
  }
}

/** A candidate (or quarantined report) as markdown: its evidence, trigger and fix. */
export function renderReviewItem(item: ReviewItem): string {
  const lines = [`# ${item.title || item.id}`, "", `\`${item.id}\` · ${item.kind} · ${item.status}`];
  lines.push(`${item.traces} traces from ${item.contributors} people` + (item.libraries.length ? ` · ${item.libraries.join(", ")}` : ""));
  if (item.quarantined) lines.push("", `**Quarantined**: ${item.quarantine_reason ?? "text aimed at agents"} (never served until edited)`);
  if (item.message) lines.push("", item.message);
  if (item.before) lines.push("", "**Before**", "```python", item.before.trimEnd(), "```");
  if (item.after) lines.push("**After**", "```python", item.after.trimEnd(), "```");
  if (item.query) lines.push("", "**Generated trigger**", "```scheme", item.query.trim(), "```");
  if (item.fix) lines.push("**Generated fix**", "```", item.fix, "```");
  return lines.join("\n") + "\n";
}

/** lore: Review Candidate Lessons — pick a candidate, read its evidence, approve or reject it. */
async function reviewCandidates(session: Session, documents: MarkdownDocuments): Promise<void> {
  let items: ReviewItem[];
  try {
    items = await session.executeCommand<ReviewItem[]>(lsp_ext.REVIEW_CANDIDATES);
  } catch (error) {
    void vscode.window.showErrorMessage(`lore: cannot list candidates: ${error instanceof Error ? error.message : error}`);
    return;
  }
  if (items.length === 0) {
    void vscode.window.showInformationMessage("lore: no candidate lessons to review. `lore curate` mines new ones from the team's fixes.");
    return;
  }
  const picked = await vscode.window.showQuickPick(
    items.map((item) => ({
      label: item.id,
      description: `${item.traces} traces · ${item.contributors} people${item.quarantined ? " · quarantined" : ""}`,
      detail: item.title,
      item,
    })),
    { title: "lore: Review Candidate Lessons", matchOnDescription: true, matchOnDetail: true },
  );
  if (!picked) return;
  const item = picked.item;
  await documents.show(`candidate/${item.id}`, renderReviewItem(item));
  if (item.kind !== "candidate") return;
  const action = await vscode.window.showQuickPick(["Approve", "Approve as…", "Reject…"], {
    title: `lore: ${item.id}`,
  });
  try {
    if (action === "Approve" || action === "Approve as…") {
      const newId =
        action === "Approve as…"
          ? await vscode.window.showInputBox({ title: "lore: approve as", prompt: "The lesson's id", value: item.id })
          : undefined;
      if (action === "Approve as…" && !newId) return;
      const result = await session.executeCommand<{ id: string }>(lsp_ext.APPROVE_CANDIDATE, { id: item.id, as: newId });
      void vscode.window.showInformationMessage(`lore: approved ${result.id}; it is active from now on.`);
    } else if (action === "Reject…") {
      const reason = await vscode.window.showInputBox({ title: `lore: reject ${item.id}`, prompt: "Why? (kept with the candidate)" });
      if (!reason) return;
      await session.executeCommand(lsp_ext.REJECT_CANDIDATE, { id: item.id, reason });
      void vscode.window.showInformationMessage(`lore: rejected ${item.id}.`);
    }
  } catch (error) {
    void vscode.window.showErrorMessage(`lore: ${error instanceof Error ? error.message : error}`);
  }
}
