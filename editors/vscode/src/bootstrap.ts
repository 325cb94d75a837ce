// Finding the `lore` binary: pure logic over an injected file check, so it is unit-tested.

import * as path from "node:path";

export type ServerSource = "setting" | "environment" | "bundled" | "PATH";

export interface ServerLocation {
  path: string;
  source: ServerSource;
}

export interface ResolveInput {
  /** `lore.server.path`, already expanded; empty when unset. */
  configured: string;
  /** `$LORE_SERVER_PATH`. */
  environment?: string;
  /** Where a binary bundled with the extension would be (`<extension>/bin/lore`). */
  bundled: string;
  /** `$PATH`. */
  pathVariable?: string;
  platform: NodeJS.Platform;
  isExecutable: (file: string) => boolean;
}

export type ResolveResult =
  | { ok: true; location: ServerLocation }
  | { ok: false; message: string };

/**
 * The setting wins (and is not second-guessed: a wrong path is an error, not a silent fallback),
 * then `$LORE_SERVER_PATH`, then the bundled binary, then `lore` on PATH.
 */
export function resolveServer(input: ResolveInput): ResolveResult {
  if (input.configured !== "") {
    if (input.isExecutable(input.configured)) {
      return { ok: true, location: { path: input.configured, source: "setting" } };
    }
    return {
      ok: false,
      message: `lore.server.path is set to "${input.configured}", which is not an executable file. Fix the setting or clear it to use lore from PATH.`,
    };
  }
  if (input.environment) {
    if (input.isExecutable(input.environment)) {
      return { ok: true, location: { path: input.environment, source: "environment" } };
    }
    return {
      ok: false,
      message: `$LORE_SERVER_PATH is "${input.environment}", which is not an executable file.`,
    };
  }
  if (input.isExecutable(input.bundled)) {
    return { ok: true, location: { path: input.bundled, source: "bundled" } };
  }
  const name = input.platform === "win32" ? "lore.exe" : "lore";
  const separator = input.platform === "win32" ? ";" : ":";
  const join = input.platform === "win32" ? path.win32.join : path.posix.join;
  for (const directory of (input.pathVariable ?? "").split(separator)) {
    if (directory === "") continue;
    const candidate = join(directory, name);
    if (input.isExecutable(candidate)) {
      return { ok: true, location: { path: candidate, source: "PATH" } };
    }
  }
  return {
    ok: false,
    message:
      "The lore language server was not found. Install lore (see its README: `cargo install --path server`) and put it on PATH, or set lore.server.path to the binary.",
  };
}

export interface StoreChecks {
  exists: (file: string) => boolean;
  isWritableDirectory: (directory: string) => boolean;
}

/**
 * Why the store cannot be used, or undefined when it can: the store directory itself, or the
 * nearest existing folder above it (where it would be created), must be writable.
 */
export function storeProblem(store: string, checks: StoreChecks): string | undefined {
  let directory = path.resolve(store);
  while (!checks.exists(directory)) {
    const parent = path.dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  if (checks.isWritableDirectory(directory)) return undefined;
  const where = directory === path.resolve(store) ? "" : ` (it would be created in ${directory})`;
  return `The lore store ${store} is not writable${where}: lore runs on its built-in lessons and records no traces. Set lore.store to a writable folder.`;
}
