// Entry point of the lore extension: one session, its commands and the language model tool.
// Starting the server goes through `lore.restartServer` only.

import * as vscode from "vscode";

import { Session } from "./client";
import { registerCommands } from "./commands";
import { registerLanguageModelTool } from "./lm_tool";

let session: Session | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  session = new Session(context);
  context.subscriptions.push({ dispose: () => void session?.dispose() });
  registerCommands(context, session);
  registerLanguageModelTool(context, session);
  await vscode.commands.executeCommand("lore.restartServer");
}

export async function deactivate(): Promise<void> {
  await session?.dispose();
  session = undefined;
}
