import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { CrashPolicy, expandPath, parseVersion, serverSettings, versionAtLeast } from "../../src/config";

const context = { home: "/home/ada", workspaceFolder: "/work/project" };

function settingsFrom(values: Record<string, unknown>) {
  return serverSettings((key) => values[key], context);
}

describe("serverSettings", () => {
  it("maps every lore.* setting to the server's camelCase key", () => {
    const { settings, problems } = settingsFrom({
      store: "~/lore-store",
      debounceMs: 0,
      traces: false,
      disabledLessons: ["python-bare-except"],
      severityOverrides: { "pandas-iterrows-loop": "hint" },
      packs: ["${workspaceFolder}/team.toml"],
      handFixGraceMs: 500,
      semanticHints: false,
      semanticDebounceMs: 300,
      semanticThreshold: 0.85,
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      store: "/home/ada/lore-store",
      debounceMs: 0,
      traces: false,
      disabledLessons: ["python-bare-except"],
      severityOverrides: { "pandas-iterrows-loop": "hint" },
      packs: ["/work/project/team.toml"],
      handFixGraceMs: 500,
      semanticHints: false,
      semanticDebounceMs: 300,
      semanticThreshold: 0.85,
    });
  });

  it("passes layered stores, expanding paths but not URIs, and drops broken entries", () => {
    const { settings, problems } = settingsFrom({
      stores: [
        { path: "~/team-lore", role: "write", name: "team" },
        { path: "s3://org/lore", name: "org" },
        { path: "/x", role: "owner" },
        { role: "read" },
        "just a string",
      ],
    });
    assert.deepEqual(settings.stores, [
      { path: "/home/ada/team-lore", role: "write", name: "team" },
      { path: "s3://org/lore", name: "org" },
    ]);
    assert.deepEqual(problems, [
      'lore.stores: /x: role should be "read" or "write"; ignoring that entry',
      "lore.stores: an entry has no path; ignoring that entry",
      "lore.stores: an entry is not an object; ignoring that entry",
    ]);
  });

  it("leaves out unset settings and an empty store, so the server keeps its defaults", () => {
    const { settings, problems } = settingsFrom({ store: "  ", traces: undefined });
    assert.deepEqual(settings, {});
    assert.deepEqual(problems, []);
  });

  it("never sends keys the server does not know", () => {
    const { settings } = settingsFrom({ server: { path: "/x" }, trace: { server: "verbose" }, debounceMs: 10 });
    assert.deepEqual(Object.keys(settings), ["debounceMs"]);
  });

  it("drops values of the wrong type with one problem each", () => {
    const { settings, problems } = settingsFrom({
      debounceMs: "fast",
      traces: "yes",
      disabledLessons: [1, 2],
      severityOverrides: { a: "loud", b: "error" },
      handFixGraceMs: -1,
      semanticThreshold: 2,
    });
    assert.deepEqual(settings, { severityOverrides: { b: "error" } });
    assert.equal(problems.length, 6);
    assert.match(problems[0], /lore.debounceMs/);
    assert.ok(problems.some((problem) => problem.includes('"a" should be error, warning, info or hint')));
  });

  it("rounds fractional milliseconds", () => {
    assert.deepEqual(settingsFrom({ debounceMs: 12.6 }).settings, { debounceMs: 13 });
  });
});

describe("expandPath", () => {
  it("expands ~, ${userHome} and ${workspaceFolder}", () => {
    assert.equal(expandPath("~", context), "/home/ada");
    assert.equal(expandPath("~/bin/lore", context), "/home/ada/bin/lore");
    assert.equal(expandPath("${userHome}/x", context), "/home/ada/x");
    assert.equal(expandPath("${workspaceFolder}/target/debug/lore", context), "/work/project/target/debug/lore");
  });

  it("leaves ~user and ${workspaceFolder} without a folder alone", () => {
    assert.equal(expandPath("~bob/lore", context), "~bob/lore");
    assert.equal(expandPath("${workspaceFolder}/lore", { home: "/h" }), "${workspaceFolder}/lore");
  });
});

describe("versions", () => {
  it("parses `lore --version` output", () => {
    assert.deepEqual(parseVersion("lore 0.1.0\n"), [0, 1, 0]);
    assert.deepEqual(parseVersion("lore 1.20.3-dev (abc)"), [1, 20, 3]);
    assert.equal(parseVersion("command not found"), undefined);
  });

  it("compares numerically, not as text", () => {
    assert.ok(versionAtLeast("0.10.0", "0.9.0"));
    assert.ok(versionAtLeast("0.1.0", "0.1.0"));
    assert.ok(versionAtLeast("1.0.0", "0.99.99"));
    assert.ok(!versionAtLeast("0.0.9", "0.1.0"));
    assert.ok(!versionAtLeast("garbage", "0.1.0"));
  });
});

describe("CrashPolicy", () => {
  it("restarts with exponential back-off and tells the user only the first time", () => {
    const policy = new CrashPolicy(3, 60_000, 1000);
    assert.deepEqual(policy.onCrash(0), { restart: true, delayMs: 1000, notify: true });
    assert.deepEqual(policy.onCrash(2000), { restart: true, delayMs: 2000, notify: false });
    assert.deepEqual(policy.onCrash(5000), { restart: true, delayMs: 4000, notify: false });
  });

  it("gives up after too many crashes in the window, with one last message", () => {
    const policy = new CrashPolicy(2, 60_000, 10);
    policy.onCrash(0);
    policy.onCrash(1);
    assert.deepEqual(policy.onCrash(2), { restart: false, delayMs: 0, notify: true });
    assert.deepEqual(policy.onCrash(3), { restart: false, delayMs: 0, notify: false });
  });

  it("forgets crashes older than the window and after a manual restart", () => {
    const policy = new CrashPolicy(1, 1000, 10);
    policy.onCrash(0);
    assert.equal(policy.onCrash(5000).restart, true);
    assert.equal(policy.onCrash(5001).restart, false);
    policy.reset();
    assert.equal(policy.onCrash(5002).restart, true);
  });
});
