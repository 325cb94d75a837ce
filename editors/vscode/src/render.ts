// Markdown for what the server and the CLI return: pure, unit-tested.

import type { ContextItem, ContextResult } from "./lsp_ext";

/** One markdown document for a `lore/context` answer (or a list of `lore search` items). */
export function renderContext(result: Partial<ContextResult> | ContextItem[] | null, title: string): string {
  const lines = [`# ${title}`, ""];
  const items = Array.isArray(result) ? result : (result?.items ?? []);
  const recommendation = Array.isArray(result) ? "" : (result?.recommendation ?? "");
  if (recommendation.trim() === "" && items.length === 0) {
    lines.push("lore has nothing to recommend here.");
    return lines.join("\n") + "\n";
  }
  if (recommendation.trim() !== "") lines.push(recommendation.trim(), "");
  if (items.length > 0) {
    lines.push("## Sources", "");
    for (const item of items) {
      const score = typeof item.score === "number" ? ` (${item.score.toFixed(2)})` : "";
      lines.push(`### ${item.title || item.id}`, "", `*${item.kind}* \`${item.id}\`${score}`, "");
      if (item.text) lines.push(item.text.trim(), "");
    }
  }
  return lines.join("\n") + "\n";
}

/** True when a CLI's stderr says that it does not know a subcommand (an older lore). */
export function isUnknownSubcommand(stderr: string): boolean {
  return /unrecognized subcommand|unknown command|invalid subcommand/i.test(stderr);
}
