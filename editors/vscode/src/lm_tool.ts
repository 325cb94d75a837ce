// A Language Model Tool (`lore_context`, declared in package.json `languageModelTools`), so that
// agent mode (Copilot and others) can ask lore for the context of a position in a file.

import * as path from "node:path";
import * as vscode from "vscode";

import { NeedsNewerServer, type Session } from "./client";
import { renderContext } from "./render";

export interface ContextToolInput {
  filePath: string;
  line: number;
  character?: number;
  query?: string;
}

export const TOOL_NAME = "lore_context";

class ContextTool implements vscode.LanguageModelTool<ContextToolInput> {
  constructor(private readonly session: Session) {}

  prepareInvocation(
    options: vscode.LanguageModelToolInvocationPrepareOptions<ContextToolInput>,
  ): vscode.PreparedToolInvocation {
    const { filePath, line } = options.input;
    return { invocationMessage: `Asking lore about ${path.basename(filePath)}:${line + 1}` };
  }

  async invoke(
    options: vscode.LanguageModelToolInvocationOptions<ContextToolInput>,
    token: vscode.CancellationToken,
  ): Promise<vscode.LanguageModelToolResult> {
    const { filePath, line, character, query } = options.input;
    const uri = filePath.includes("://") ? vscode.Uri.parse(filePath) : vscode.Uri.file(filePath);
    let text: string;
    try {
      const result = await this.session.context(
        uri,
        new vscode.Position(Math.max(0, Math.floor(line)), Math.max(0, Math.floor(character ?? 0))),
        query,
        token,
      );
      text = renderContext(result, `lore context for ${path.basename(uri.fsPath)}:${line + 1}`);
    } catch (error) {
      // Tell the model what happened instead of failing the tool call.
      text =
        error instanceof NeedsNewerServer
          ? error.message
          : `lore could not answer: ${error instanceof Error ? error.message : String(error)}`;
    }
    return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
  }
}

/** Registers the tool where the editor has the Language Model API (VS Code 1.95+, not all forks). */
export function registerLanguageModelTool(context: vscode.ExtensionContext, session: Session): void {
  const lm = (vscode as { lm?: Partial<typeof vscode.lm> }).lm;
  if (!lm || typeof lm.registerTool !== "function") {
    session.output.info("this editor has no Language Model Tool API; the lore_context tool is off");
    return;
  }
  context.subscriptions.push(lm.registerTool(TOOL_NAME, new ContextTool(session)));
}
