// The language client session: finds and checks the `lore` binary, starts `lore serve`, sends
// configuration changes, restarts with back-off after a crash, and runs `lore` CLI commands.

import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  ResponseError,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
} from "vscode-languageclient/node";

import { resolveServer, type ServerLocation, storeProblem } from "./bootstrap";
import {
  CrashPolicy,
  expandPath,
  MIN_SERVER_VERSION,
  parseVersion,
  RESTART_SETTINGS,
  serverSettings,
  type ServerSettings,
  versionAtLeast,
} from "./config";
import * as lsp_ext from "./lsp_ext";

/** Python files, untitled Python buffers, and Python cells of any notebook. */
export const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "python" },
  { scheme: "untitled", language: "python" },
  { notebook: "*", language: "python" },
];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Raised when the server is older than a feature. */
export class NeedsNewerServer extends Error {}

export class Session implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  private readonly status: vscode.LanguageStatusItem;
  private readonly crashPolicy = new CrashPolicy();
  private readonly disposables: vscode.Disposable[] = [];
  private client: LanguageClient | undefined;
  private server: ServerLocation | undefined;
  private serverVersion: string | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Bumped on every (re)start, so a stale crash handler never touches a newer client. */
  private generation = 0;

  constructor(private readonly extensionContext: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel("lore", { log: true });
    this.status = vscode.languages.createLanguageStatusItem("lore.status", DOCUMENT_SELECTOR);
    this.status.name = "lore";
    this.status.command = { title: "Show Log", command: "lore.showOutput" };
    this.setStatus("lore", "starting", vscode.LanguageStatusSeverity.Information);
    this.disposables.push(
      this.output,
      this.status,
      vscode.workspace.onDidChangeConfiguration((event) => this.onDidChangeConfiguration(event)),
    );
  }

  /** The running client, if any. */
  get languageClient(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  get version(): string | undefined {
    return this.serverVersion;
  }

  /**
   * Stops the running server (if any) and starts a new one. The only start path: activation and
   * the `lore.restartServer` command both come here. Returns false when it could not start; the
   * user has then seen one message saying why and what to do.
   */
  async restart(options: { userInitiated: boolean } = { userInitiated: false }): Promise<boolean> {
    if (options.userInitiated) this.crashPolicy.reset();
    clearTimeout(this.restartTimer);
    const generation = ++this.generation;
    await this.stop();

    const resolved = resolveServer({
      configured: this.expand(this.config().get<string>("server.path") ?? ""),
      environment: process.env.LORE_SERVER_PATH,
      bundled: this.extensionContext.asAbsolutePath("bin/lore"),
      pathVariable: process.env.PATH,
      platform: process.platform,
      isExecutable,
    });
    if (!resolved.ok) {
      this.fail(resolved.message, "not found", true);
      return false;
    }
    this.server = resolved.location;
    this.output.info(`using ${resolved.location.path} (from ${resolved.location.source})`);

    const version = await this.checkVersion(resolved.location.path);
    if (version === undefined) return false;
    this.serverVersion = version;

    const store = this.settings().store;
    const problem = store ? storeProblem(store, { exists: fs.existsSync, isWritableDirectory }) : undefined;
    if (problem) {
      // The server still runs (on its built-in lessons); say once why nothing is recorded.
      this.output.warn(problem);
      void vscode.window.showWarningMessage(problem, "Open Settings").then(
        (choice) => choice && vscode.commands.executeCommand("workbench.action.openSettings", "lore.store"),
      );
    }

    const client = this.createClient(resolved.location.path, generation);
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      if (generation === this.generation) {
        this.fail(`lore failed to start: ${describe(error)}. Output > lore has the server's log.`, "failed");
      }
      return false;
    }
    this.setStatus(`lore ${version}`, "running", vscode.LanguageStatusSeverity.Information);
    return true;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client && client.state !== State.Stopped) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.warn(`stopping the server: ${describe(error)}`);
      }
    }
    await client?.dispose().catch(() => undefined);
  }

  async dispose(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.generation++;
    await this.stop();
    for (const disposable of this.disposables) disposable.dispose();
  }

  /** The `lore/context` answer for a position; throws NeedsNewerServer on older servers. */
  async context(
    uri: vscode.Uri,
    position: vscode.Position,
    query?: string,
    token?: vscode.CancellationToken,
  ): Promise<lsp_ext.ContextResult> {
    const client = await this.ensureClient();
    // The server only knows open documents: opening one sends didOpen (a no-op when it is open).
    await vscode.workspace.openTextDocument(uri);
    const params: lsp_ext.ContextParams = {
      textDocument: { uri: client.code2ProtocolConverter.asUri(uri) },
      position: { line: position.line, character: position.character },
      query,
    };
    try {
      // Pass the token only when there is one: `sendRequest(method, params, undefined)` would
      // send the params as a positional array `[params, null]`.
      return token
        ? await client.sendRequest<lsp_ext.ContextResult>(lsp_ext.CONTEXT, params, token)
        : await client.sendRequest<lsp_ext.ContextResult>(lsp_ext.CONTEXT, params);
    } catch (error) {
      if (error instanceof ResponseError && error.code === lsp_ext.METHOD_NOT_FOUND) {
        throw new NeedsNewerServer(
          `This lore server (${this.serverVersion ?? "unknown version"}) does not answer lore/context yet: update lore to use this command.`,
        );
      }
      throw error;
    }
  }

  /** Runs one of the server's own commands (`workspace/executeCommand`). */
  async executeCommand<T>(command: string, argument?: unknown): Promise<T> {
    const client = await this.ensureClient();
    return client.sendRequest(ExecuteCommandRequest.type, {
      command,
      arguments: argument === undefined ? [] : [argument],
    }) as Promise<T>;
  }

  /** Runs `lore ARGS [--store STORE]` and collects its output. */
  async cli(args: string[], options: { withStore?: boolean } = { withStore: true }): Promise<CliResult> {
    if (!this.server) {
      throw new Error("The lore binary was not found: see the message about lore.server.path.");
    }
    // `--store` goes first: arguments may end with `--` and text that starts with `-`.
    const store = this.settings().store;
    const fullArgs = options.withStore !== false && store ? ["--store", store, ...args] : [...args];
    return runProcess(this.server.path, fullArgs);
  }

  /**
   * Server settings from `lore.*`. Values of the wrong type are left out; with `tell`, the user
   * sees one message listing them (the others still apply).
   */
  settings(options: { tell?: boolean } = {}): ServerSettings {
    const configuration = this.config();
    const { settings, problems } = serverSettings((key) => configuration.get(key), this.pathContext());
    for (const problem of problems) this.output.warn(problem);
    if (options.tell && problems.length > 0) {
      void vscode.window.showWarningMessage(`lore settings: ${problems.join("; ")}.`);
    }
    return settings;
  }

  private async ensureClient(): Promise<LanguageClient> {
    // Never start the server from here: a crashed server is restarted by the back-off alone
    // (or by "lore: Restart Server"), not by every request that finds it gone.
    if (!this.languageClient) {
      throw new Error('The lore server is not running (see Output > lore; run "lore: Restart Server").');
    }
    return this.languageClient;
  }

  private config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration("lore");
  }

  private pathContext() {
    return { home: os.homedir(), workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath };
  }

  private expand(path: string): string {
    return expandPath(path, this.pathContext());
  }

  private onDidChangeConfiguration(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration("lore")) return;
    if (RESTART_SETTINGS.some((key) => event.affectsConfiguration(key))) {
      this.output.info("the server path, its arguments or the stores changed: restarting");
      void this.restart({ userInitiated: true });
      return;
    }
    const client = this.languageClient;
    if (!client) return;
    const settings = this.settings({ tell: true });
    this.output.info(`sending new settings: ${JSON.stringify(settings)}`);
    void client.sendNotification(DidChangeConfigurationNotification.type, { settings: { lore: settings } });
  }

  /** `lore --version` ≥ MIN_SERVER_VERSION, or one message and undefined. */
  private async checkVersion(path: string): Promise<string | undefined> {
    let result: CliResult;
    try {
      result = await runProcess(path, ["--version"], 15000);
    } catch (error) {
      this.fail(`${path} could not be run: ${describe(error)}. Check lore.server.path.`, "failed", true);
      return undefined;
    }
    const version = parseVersion(result.stdout);
    if (result.code !== 0 || !version) {
      this.fail(
        `${path} does not look like lore: \`--version\` printed "${(result.stdout + result.stderr).trim().slice(0, 200)}". Check lore.server.path.`,
        "failed",
        true,
      );
      return undefined;
    }
    const text = version.join(".");
    if (!versionAtLeast(text, MIN_SERVER_VERSION)) {
      this.fail(
        `lore ${text} at ${path} is too old: this extension needs lore ${MIN_SERVER_VERSION} or newer. Update lore.`,
        "too old",
        true,
      );
      return undefined;
    }
    return text;
  }

  private createClient(path: string, generation: number): LanguageClient {
    const extraArgs = this.config().get<string[]>("server.extraArgs") ?? [];
    const serverOptions: ServerOptions = {
      command: path,
      args: ["serve", ...extraArgs.filter((argument) => typeof argument === "string")],
      options: { env: { ...process.env } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      initializationOptions: this.settings({ tell: true }),
      outputChannel: this.output,
      traceOutputChannel: this.output,
      markdown: { isTrusted: false, supportHtml: false },
      // Our own messages say what went wrong and what to do; the client's generic "Request X
      // failed." toasts (e.g. a code action in flight during a restart) would only add noise.
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationFailedHandler: (error) => {
        this.output.error(`initialize failed: ${describe(error)}`);
        return false;
      },
      errorHandler: {
        error: (error, _message, count) => {
          this.output.error(`connection error: ${describe(error)}`);
          return { action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
        },
        closed: () => {
          if (generation === this.generation) this.onCrash();
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
    };
    return new LanguageClient("lore", "lore", serverOptions, clientOptions);
  }

  /** The server process went away on its own: restart with back-off, never in a loop. */
  private onCrash(): void {
    const decision = this.crashPolicy.onCrash(Date.now());
    if (!decision.restart) {
      this.setStatus("lore stopped", "crashed repeatedly", vscode.LanguageStatusSeverity.Error);
      if (decision.notify) {
        void this.showError(
          "The lore server crashed repeatedly and will not be restarted. Output > lore has its log; run \"lore: Restart Server\" to try again.",
          true,
        );
      }
      return;
    }
    this.output.warn(`the server stopped unexpectedly; restarting in ${decision.delayMs} ms`);
    this.setStatus("lore", "restarting", vscode.LanguageStatusSeverity.Warning);
    if (decision.notify) {
      void vscode.window.showWarningMessage(
        "The lore server stopped unexpectedly and is being restarted.",
        "Show Log",
      ).then((choice) => choice && this.output.show());
    }
    const generation = this.generation;
    this.restartTimer = setTimeout(() => {
      if (generation === this.generation) void this.restart();
    }, decision.delayMs);
  }

  private fail(message: string, detail: string, offerSettings = false): void {
    this.output.error(message);
    this.setStatus("lore", detail, vscode.LanguageStatusSeverity.Error);
    void this.showError(message, false, offerSettings);
  }

  private async showError(message: string, offerRestart: boolean, offerSettings = false): Promise<void> {
    const actions = [
      ...(offerSettings ? ["Open Settings"] : []),
      ...(offerRestart ? ["Restart"] : []),
      "Show Log",
    ];
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "lore.server.path");
    } else if (choice === "Restart") {
      await vscode.commands.executeCommand("lore.restartServer");
    } else if (choice === "Show Log") {
      this.output.show();
    }
  }

  private setStatus(text: string, detail: string, severity: vscode.LanguageStatusSeverity): void {
    this.status.text = text;
    this.status.detail = detail;
    this.status.severity = severity;
  }
}

function isExecutable(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isWritableDirectory(directory: string): boolean {
  try {
    if (!fs.statSync(directory).isDirectory()) return false;
    fs.accessSync(directory, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function runProcess(file: string, args: string[], timeoutMs = 60000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          reject(error);
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
