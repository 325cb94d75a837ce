// The extension's settings and the server's configuration: pure logic, no `vscode` import, so
// that the unit tests can run it in plain Node.

/** The server settings (README, "Configuration"); the server rejects any other key. */
export interface ServerSettings {
  store?: string;
  debounceMs?: number;
  traces?: boolean;
  disabledLessons?: string[];
  severityOverrides?: Record<string, Severity>;
  packs?: string[];
  handFixGraceMs?: number;
  semanticHints?: boolean;
  semanticDebounceMs?: number;
  semanticThreshold?: number;
  stores?: StoreSetting[];
}

/** One layered store (`lore.stores`). */
export interface StoreSetting {
  path: string;
  role?: "read" | "write";
  name?: string;
}

export type Severity = "error" | "warning" | "info" | "hint";
const SEVERITIES: readonly string[] = ["error", "warning", "info", "hint"];

/**
 * Settings whose change needs a new server process (the server opens its stores once, at
 * start); the others go by didChangeConfiguration.
 */
export const RESTART_SETTINGS = ["lore.server.path", "lore.server.extraArgs", "lore.store", "lore.stores"] as const;

/** The oldest `lore` this extension works with. */
export const MIN_SERVER_VERSION = "0.1.0";

export interface PathContext {
  home: string;
  workspaceFolder?: string;
}

/** Expands `~` and `${workspaceFolder}` (and `${userHome}`) in a path setting. */
export function expandPath(path: string, context: PathContext): string {
  let expanded = path.trim();
  if (expanded === "~" || expanded.startsWith("~/")) {
    expanded = context.home + expanded.slice(1);
  }
  expanded = expanded.replaceAll("${userHome}", context.home);
  if (context.workspaceFolder !== undefined) {
    expanded = expanded.replaceAll("${workspaceFolder}", context.workspaceFolder);
  }
  return expanded;
}

/**
 * Maps the `lore.*` settings to the server's configuration object. `read` returns the value of a
 * setting under `lore.` (e.g. `read("debounceMs")`). Values of the wrong type are left out and
 * reported in `problems`, so one bad setting never makes the server reject all of them.
 */
export function serverSettings(
  read: (key: string) => unknown,
  context: PathContext,
): { settings: ServerSettings; problems: string[] } {
  const settings: ServerSettings = {};
  const problems: string[] = [];
  const wrongType = (key: string, expected: string) =>
    problems.push(`lore.${key} should be ${expected}; ignoring it`);

  const store = read("store");
  if (typeof store === "string") {
    if (store.trim() !== "") settings.store = expandPath(store, context);
  } else if (store !== undefined && store !== null) wrongType("store", "a path");

  for (const key of ["debounceMs", "handFixGraceMs", "semanticDebounceMs"] as const) {
    const value = read(key);
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) {
      settings[key] = Math.round(value);
    } else if (value !== undefined && value !== null) wrongType(key, "a number ≥ 0");
  }

  for (const key of ["traces", "semanticHints"] as const) {
    const value = read(key);
    if (typeof value === "boolean") settings[key] = value;
    else if (value !== undefined && value !== null) wrongType(key, "true or false");
  }

  const threshold = read("semanticThreshold");
  if (typeof threshold === "number" && threshold >= 0 && threshold <= 1) {
    settings.semanticThreshold = threshold;
  } else if (threshold !== undefined && threshold !== null) {
    wrongType("semanticThreshold", "a number from 0 to 1");
  }

  for (const key of ["disabledLessons", "packs"] as const) {
    const value = read(key);
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
      settings[key] =
        key === "packs" ? value.map((pack: string) => expandPath(pack, context)) : [...value];
    } else if (value !== undefined && value !== null) wrongType(key, "a list of strings");
  }

  const stores = read("stores");
  if (Array.isArray(stores)) {
    const clean: StoreSetting[] = [];
    for (const entry of stores as unknown[]) {
      const problem = storeSettingProblem(entry);
      if (problem !== undefined) {
        problems.push(`lore.stores: ${problem}; ignoring that entry`);
        continue;
      }
      const setting = entry as StoreSetting;
      // A URI (s3://…) is passed as it is; a path has `~` and `${workspaceFolder}` expanded.
      const path = setting.path.includes("://") ? setting.path.trim() : expandPath(setting.path, context);
      clean.push({ ...setting, path });
    }
    settings.stores = clean;
  } else if (stores !== undefined && stores !== null) wrongType("stores", "a list of {path, role, name}");

  const overrides = read("severityOverrides");
  if (overrides !== undefined && overrides !== null) {
    if (typeof overrides === "object" && !Array.isArray(overrides)) {
      const clean: Record<string, Severity> = {};
      for (const [lessonId, severity] of Object.entries(overrides as Record<string, unknown>)) {
        if (typeof severity === "string" && SEVERITIES.includes(severity)) {
          clean[lessonId] = severity as Severity;
        } else {
          problems.push(
            `lore.severityOverrides: "${lessonId}" should be error, warning, info or hint; ignoring it`,
          );
        }
      }
      settings.severityOverrides = clean;
    } else wrongType("severityOverrides", "an object of lesson id → severity");
  }
  return { settings, problems };
}

/** What is wrong with one entry of `lore.stores`, or undefined. */
function storeSettingProblem(entry: unknown): string | undefined {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return "an entry is not an object";
  const { path, role, name, ...rest } = entry as Record<string, unknown>;
  if (typeof path !== "string" || path.trim() === "") return "an entry has no path";
  if (role !== undefined && role !== "read" && role !== "write") {
    return `${path}: role should be "read" or "write"`;
  }
  if (name !== undefined && typeof name !== "string") return `${path}: name should be a string`;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return `${path}: unknown key ${unknown[0]}`;
  return undefined;
}

/** `lore 0.1.0` or `0.1.0-dev` → [0, 1, 0]; undefined when there is no version in the text. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** True when `version` ≥ `minimum` (both `x.y.z`). */
export function versionAtLeast(version: string, minimum: string): boolean {
  const have = parseVersion(version);
  const want = parseVersion(minimum);
  if (!have || !want) return false;
  for (let index = 0; index < 3; index++) {
    if (have[index] !== want[index]) return have[index] > want[index];
  }
  return true;
}

/** What to do after the server process stopped unexpectedly. */
export interface CrashDecision {
  restart: boolean;
  /** Wait this long before restarting (back-off). */
  delayMs: number;
  /** Tell the user (only the first crash of a series, and the final give-up). */
  notify: boolean;
}

/**
 * Restart with back-off, at most `maxRestarts` times within `windowMs`, then give up until the
 * user runs `lore.restartServer` (which calls `reset`). Never a restart loop.
 */
export class CrashPolicy {
  private crashes: number[] = [];

  constructor(
    readonly maxRestarts = 3,
    readonly windowMs = 3 * 60 * 1000,
    readonly baseDelayMs = 1000,
  ) {}

  onCrash(now: number): CrashDecision {
    this.crashes = this.crashes.filter((time) => now - time < this.windowMs);
    this.crashes.push(now);
    const count = this.crashes.length;
    if (count > this.maxRestarts) {
      return { restart: false, delayMs: 0, notify: count === this.maxRestarts + 1 };
    }
    return { restart: true, delayMs: this.baseDelayMs * 2 ** (count - 1), notify: count === 1 };
  }

  reset(): void {
    this.crashes = [];
  }
}
