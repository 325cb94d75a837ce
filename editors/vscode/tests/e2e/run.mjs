// End-to-end test of the lore extension in a real VS Code: code-server on 127.0.0.1 with the
// built .vsix installed, driven by headless Chromium through playwright-core.
//
//   LORE_BIN=... CODE_SERVER=... node tests/e2e/run.mjs
//
// Environment:
//   LORE_BIN       the lore binary (default $CARGO_TARGET_DIR or ~/.cache/lore/target, debug/lore)
//   CODE_SERVER    the code-server executable (needs Node 24 first on PATH)
//   CHROMIUM       the Chromium executable (default /usr/bin/chromium)
//   LORE_VSIX      the packaged extension (default ../../lore.vsix)
//   LORE_ARTIFACTS where screenshots and logs go (default editors/vscode/test-artifacts)
// Exits 0 when every step passes, 1 otherwise. Every wait is for a state, never for a time.

import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const extensionRoot = path.resolve(here, "../..");
// The workspace both editors' end-to-end tests open (editors/fixtures/workspace).
const fixtureWorkspace = path.resolve(extensionRoot, "../fixtures/workspace");
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), ".cache/lore/target");
const loreBin = process.env.LORE_BIN ?? path.join(targetDir, "debug/lore");
const codeServer = process.env.CODE_SERVER ?? "code-server";
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const vsix = process.env.LORE_VSIX ?? path.join(extensionRoot, "lore.vsix");
const artifacts = process.env.LORE_ARTIFACTS ?? path.join(extensionRoot, "test-artifacts");
const timeoutMs = Number(process.env.LORE_E2E_TIMEOUT_MS ?? 90_000);

const startedAt = Date.now();
const log = (message) => console.error(`[${((Date.now() - startedAt) / 1000).toFixed(2).padStart(6)}s] ${message}`);

let currentPage;
let nPassed = 0;
let nFailed = 0;
async function step(name, body) {
  try {
    await body();
    nPassed++;
    log(`ok    ${name}`);
    return true;
  } catch (error) {
    nFailed++;
    log(`FAIL  ${name}\n${error?.stack ?? error}`);
    await currentPage?.screenshot({ path: path.join(artifacts, `failed-step-${nPassed + nFailed}.png`) }).catch(() => {});
    return false;
  }
}

async function waitFor(what, condition, ms = timeoutMs) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function traces(store) {
  const result = spawnSync(loreBin, ["traces", "list", "--json", "--store", store], { encoding: "utf8" });
  if (result.status !== 0) return [];
  try {
    return JSON.parse(result.stdout);
  } catch {
    return [];
  }
}

/** Process ids of `lore serve` processes under `root` (the extension host's children). */
function loreServers(root) {
  const children = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process ended meanwhile.
    }
  }
  const found = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift();
    for (const child of children.get(pid) ?? []) {
      queue.push(child);
      try {
        const argv = fs.readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0");
        if (argv[0] === loreBin && argv[1] === "serve") found.push(child);
      } catch {
        // The process ended meanwhile.
      }
    }
  }
  return found;
}

/** Runs `lore ARGS --store STORE`; throws with its output when it fails. */
function loreRun(args) {
  const result = spawnSync(loreBin, [...args, "--store", store], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`lore ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Two teammates made the same fix by hand: `lore curate` mines a candidate lesson from it. */
function seedCandidate() {
  const reports = path.join(scratch, "team-fixes.jsonl");
  const fix = (contributor, before, after) =>
    JSON.stringify({ outcome: "hand-fixed", contributor, attempt: before, fix: after, libraries: ["python"] });
  fs.writeFileSync(
    reports,
    [
      fix("ana", "import time\nstarted = time.clock()", "import time\nstarted = time.perf_counter()"),
      fix("ben", "import time\nt0 = time.clock()\nwork()", "import time\nt0 = time.perf_counter()\nwork()"),
    ].join("\n") + "\n",
  );
  loreRun(["traces", "import", reports]);
  const report = JSON.parse(loreRun(["curate", "--json"]));
  const candidate = report.candidates.find((c) => c.id.startsWith("mined-time-clock"));
  if (!candidate) throw new Error(`no candidate mined: ${JSON.stringify(report)}`);
  return candidate.id;
}

function writeSettings(userData, settings) {
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  fs.writeFileSync(path.join(userData, "User", "settings.json"), JSON.stringify(settings, null, 2));
}

for (const [name, file] of [["LORE_BIN", loreBin], ["LORE_VSIX", vsix], ["CHROMIUM", chromiumPath]]) {
  if (!fs.existsSync(file)) {
    console.error(`${name}: ${file} does not exist`);
    process.exit(2);
  }
}

fs.mkdirSync(artifacts, { recursive: true });
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lore-vscode-e2e-"));
const userData = path.join(scratch, "user-data");
const extensions = path.join(scratch, "extensions");
const store = path.join(scratch, "store");
const workspace = path.join(scratch, "workspace");
const profile = path.join(scratch, "chromium");
fs.mkdirSync(store);
fs.cpSync(fixtureWorkspace, workspace, { recursive: true });
const fixture = path.join(workspace, "bare_except.py");

const baseSettings = {
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.disableAIFeatures": true,
  "extensions.ignoreRecommendations": true,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "files.autoSave": "off",
  "editor.hover.delay": 100,
  // The test types settings.json as a whole: no auto-closing or re-indenting of what it types.
  "editor.autoClosingBrackets": "never",
  "editor.autoClosingQuotes": "never",
  "editor.autoIndent": "none",
  "editor.formatOnType": false,
  "lore.server.path": loreBin,
  "lore.store": store,
  "lore.debounceMs": 0,
  "lore.handFixGraceMs": 500,
};
writeSettings(userData, baseSettings);

let codeServerProcess;
let browser;
const codeServerLog = path.join(artifacts, "code-server.log");

async function main() {
  log(`scratch ${scratch}`);
  const candidateId = seedCandidate();
  log(`seeded candidate ${candidateId}`);
  const install = spawnSync(
    codeServer,
    ["--user-data-dir", userData, "--extensions-dir", extensions, "--install-extension", vsix],
    { encoding: "utf8" },
  );
  if (install.status !== 0) throw new Error(`installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
  log(`installed ${path.basename(vsix)}: ${install.stdout.trim().split("\n").pop()}`);

  const port = await freePort();
  const logStream = fs.openSync(codeServerLog, "w");
  codeServerProcess = spawn(
    codeServer,
    [
      "--bind-addr", `127.0.0.1:${port}`,
      "--auth", "none",
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      "--user-data-dir", userData,
      "--extensions-dir", extensions,
      workspace,
    ],
    { stdio: ["ignore", logStream, logStream], detached: true, env: process.env },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor("code-server to answer /healthz", async () => {
    try {
      return (await fetch(`${base}/healthz`)).ok;
    } catch {
      return false;
    }
  });
  log(`code-server on ${base}`);

  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  browser = context;
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeoutMs);
  currentPage = page;
  const screenshot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });

  const editorLine = (text) =>
    page.locator(".monaco-editor .view-line", { hasText: text }).filter({ visible: true }).first();
  const squiggles = page.locator('.monaco-editor [class*="squiggly-"]');
  // The centre of the first squiggle once it is laid out: opening a panel re-renders the
  // editor, and a squiggle being re-rendered has no box for a moment (a busy machine shows it).
  const squiggleCenter = () =>
    waitFor("a laid-out squiggle", async () => {
      const box = await squiggles.first().boundingBox().catch(() => null);
      return box && box.width > 0 ? { x: box.x + box.width / 2, y: box.y + box.height / 2 } : false;
    });

  let ok = await step("the workbench opens the fixture folder", async () => {
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator(".monaco-workbench").waitFor();
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "bare_except.py" }).click();
    await editorLine("except:").waitFor();
  });

  ok = ok && (await step("lore's diagnostic shows as a squiggle and in the Problems panel", async () => {
    await squiggles.first().waitFor();
    await page.locator("#status\\.problems").click();
    await page.locator(".markers-panel .monaco-list-row", { hasText: "python-bare-except" }).waitFor();
    await screenshot("1-diagnostic");
  }));

  if (ok) await step("hovering the finding shows the lesson", async () => {
    const hover = page.locator(".monaco-hover", { hasText: "catches everything" }).first();
    await waitFor("the lesson's hover", async () => {
      const at = await squiggleCenter();
      await page.mouse.move(at.x, at.y);
      if (await hover.waitFor({ timeout: 3000 }).then(() => true, () => false)) return true;
      await page.mouse.move(0, 0); // leave, to hover again
      return false;
    });
    await screenshot("2-hover");
    await page.keyboard.press("Escape");
  });

  ok = ok && (await step("the quick fix applies, the file is saved and an accepted trace is recorded", async () => {
    const at = await squiggleCenter();
    await page.mouse.click(at.x, at.y);
    const title = "Catch `Exception` instead of everything (lore: python-bare-except)";
    const action = page.locator(".action-widget .monaco-list-row", { hasText: title });
    await waitFor("the quick fix menu", async () => {
      if (await action.isVisible()) return true;
      await page.keyboard.press("Control+.");
      return action.waitFor({ timeout: 3000 }).then(() => true, () => false);
    });
    await screenshot("3-quick-fix-menu");
    await action.click();
    await editorLine("except Exception:").waitFor();
    await page.keyboard.press("Control+s");
    await waitFor("the fix on disk", () => fs.readFileSync(fixture, "utf8").includes("    except Exception:\n"));
    const accepted = await waitFor("an accepted trace in the store", () =>
      traces(store).find((trace) => trace.outcome === "accepted" && trace.lesson_id === "python-bare-except"),
    );
    if (!accepted.after.includes("except Exception")) throw new Error(`trace: ${JSON.stringify(accepted)}`);
    await waitFor("the squiggle to go away", async () => (await squiggles.count()) === 0);
    await screenshot("4-fixed");
  }));

  const runCommand = async (title) => {
    await page.locator(".monaco-workbench").press("F1");
    const quickInput = page.locator(".quick-input-widget input");
    await quickInput.waitFor();
    await quickInput.fill(`>${title}`);
    await page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first().waitFor();
    await quickInput.press("Enter");
  };
  const frameText = async (needle) => {
    for (const frame of page.frames()) {
      const text = await frame.locator("body").innerText({ timeout: 500 }).catch(() => "");
      if (text.includes(needle)) return text;
    }
    return undefined;
  };

  if (ok) await step("lore: Show Context for the Cursor renders lore/context beside the editor", async () => {
    await editorLine("value = int(text)").click();
    await runCommand("lore: Show Context for the Cursor");
    const shown = await waitFor("the context preview or a needs-newer-lore message", async () => {
      const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "does not answer lore/context" });
      if (await toast.count()) return "message";
      const failure = page.locator(".notifications-toasts .notification-toast", { hasText: "lore/context failed" });
      if (await failure.count()) throw new Error(await failure.first().innerText());
      return (await frameText("Sources")) ? "preview" : undefined;
    });
    log(`  context: ${shown}`);
    await screenshot("5-context");
  });

  if (ok) await step("lore: Search the Memory offers matching lessons in a quick pick", async () => {
    const quickInput = page.locator(".quick-input-widget input");
    // A preview that opens late (the step before) can take the focus and close the input box:
    // then open it again, up to three times.
    for (let attempt = 1; ; attempt++) {
      await runCommand("lore: Search the Memory");
      await page.locator(".quick-input-widget", { hasText: "What are you looking for?" }).waitFor();
      try {
        await quickInput.fill("bare except", { timeout: 10_000 });
        await quickInput.press("Enter", { timeout: 10_000 });
        break;
      } catch (error) {
        if (attempt === 3) throw error;
        log(`  the input box closed (attempt ${attempt}); opening it again`);
        await page.keyboard.press("Escape");
      }
    }
    const shown = await waitFor("search results or a needs-newer-lore message", async () => {
      const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "needs a newer lore" });
      if (await toast.count()) return "message";
      const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: "python-bare-except" });
      return (await row.count()) ? "results" : undefined;
    });
    log(`  search: ${shown}`);
    await screenshot("6-search");
    await page.keyboard.press("Escape");
  });

  if (ok) await step("lore: Review Candidate Lessons shows a mined candidate and approves it", async () => {
    await runCommand("lore: Review Candidate Lessons");
    const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: candidateId });
    await row.waitFor();
    await screenshot("7-review-candidates");
    await row.click();
    const approve = page.locator(".quick-input-widget .monaco-list-row", { hasText: /^Approve$/ });
    await approve.waitFor();
    await waitFor("the candidate's evidence beside the editor", () => frameText("time.perf_counter()"));
    await approve.click();
    await page.locator(".notifications-toasts .notification-toast", { hasText: `approved ${candidateId}` }).waitFor();
    await screenshot("8-approved");
    const lessons = JSON.parse(loreRun(["lessons", "list", "--json"]));
    const approved = lessons.find((lesson) => lesson.id === candidateId);
    if (approved?.status !== "active") throw new Error(`after approval: ${JSON.stringify(approved)}`);
    if (!approved.provenance.approved_by) throw new Error("no approver recorded");
    await runCommand("Notifications: Clear All Notifications");
  });

  if (ok) await step("a crashed server is restarted with one message, and works again", async () => {
    const servers = loreServers(codeServerProcess.pid);
    if (servers.length !== 1) throw new Error(`expected one lore server, found ${servers.length}`);
    process.kill(servers[0], "SIGKILL");
    await page.locator(".notifications-toasts .notification-toast", { hasText: "stopped unexpectedly" }).waitFor();
    await waitFor("a new lore server", () => loreServers(codeServerProcess.pid).some((pid) => pid !== servers[0]));
    await screenshot("9-restarted");
    // The new server analyzes what is typed.
    await editorLine("return value").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("\ntry:\n    pass\nexcept:\n    pass\n");
    await squiggles.first().waitFor();
    await runCommand("Notifications: Clear All Notifications");
    await page.locator(".notifications-toasts .notification-toast").first().waitFor({ state: "hidden" });
  });

  await step("a bogus lore.server.path gives one clear error and the editor stays usable", async () => {
    // Edit the user settings the way a user does, in the settings.json editor (code-server does
    // not notice a write to the file from outside).
    await runCommand("Preferences: Open User Settings (JSON)");
    // It opens as a tab or as a modal editor: either way the editor has the focus.
    await editorLine('"lore.server.path"').waitFor();
    await page.keyboard.press("Control+a");
    const wanted = { ...baseSettings, "lore.server.path": "/nonexistent/lore" };
    await page.keyboard.insertText(JSON.stringify(wanted, null, 2));
    // Drop whatever the editor auto-closed after the cursor (an extra "}").
    await page.keyboard.press("Control+Shift+End");
    await page.keyboard.press("Delete");
    await page.keyboard.press("Control+s");
    await waitFor("settings.json on disk", () => {
      try {
        const saved = JSON.parse(fs.readFileSync(path.join(userData, "User", "settings.json"), "utf8"));
        return saved["lore.server.path"] === "/nonexistent/lore";
      } catch {
        return false;
      }
    });
    await page.keyboard.press("Escape");
    // Closing the settings editor sometimes asks to save although the file is saved: say yes.
    const saveButton = page.locator(".monaco-dialog-box .monaco-button", { hasText: /^Save$/ });
    if (await saveButton.waitFor({ timeout: 2000 }).then(() => true, () => false)) await saveButton.click();
    const toast = page.locator(".notifications-toasts .notification-toast", {
      hasText: 'lore.server.path is set to "/nonexistent/lore"',
    });
    await toast.first().waitFor();
    await screenshot("10-bad-server-path");
    const toasts = await page.locator(".notifications-toasts .notification-toast").allInnerTexts();
    if (toasts.length !== 1) throw new Error(`${toasts.length} messages instead of one:\n${toasts.join("\n---\n")}`);
    // Still an editor: typing works.
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "bare_except.py" }).click();
    await editorLine("except Exception:").click();
    await page.keyboard.press("End");
    await page.keyboard.type("  # still editable");
    await editorLine("still editable").waitFor();
    await page.keyboard.press("Control+s");
    await waitFor("the edit on disk", () => fs.readFileSync(fixture, "utf8").includes("# still editable"));
  });
}

let exitCode = 1;
try {
  await main();
  exitCode = nFailed === 0 && nPassed > 0 ? 0 : 1;
} catch (error) {
  log(`FAIL  setup\n${error?.stack ?? error}`);
} finally {
  if (browser) {
    const page = browser.pages()[0];
    if (exitCode !== 0 && page) await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => {});
    await browser.close().catch(() => {});
  }
  if (codeServerProcess?.pid) {
    try {
      process.kill(-codeServerProcess.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
  log(`${nPassed} passed, ${nFailed} failed; artifacts in ${artifacts}`);
  for (const file of fs.globSync?.("user-data/logs/**/lore.log", { cwd: scratch }) ?? []) {
    fs.copyFileSync(path.join(scratch, file), path.join(artifacts, "lore-extension.log"));
  }
  if (exitCode === 0) fs.rmSync(scratch, { recursive: true, force: true });
  else log(`kept ${scratch} for inspection`);
}
process.exit(exitCode);
