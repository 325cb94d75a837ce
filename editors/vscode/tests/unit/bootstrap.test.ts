import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { resolveServer, type ResolveInput, storeProblem } from "../../src/bootstrap";

function resolve(executables: string[], overrides: Partial<ResolveInput> = {}) {
  return resolveServer({
    configured: "",
    bundled: "/ext/bin/lore",
    pathVariable: "/usr/local/bin:/usr/bin",
    platform: "linux",
    isExecutable: (file) => executables.includes(file),
    ...overrides,
  });
}

describe("resolveServer", () => {
  it("prefers the setting", () => {
    const result = resolve(["/opt/lore", "/ext/bin/lore", "/usr/bin/lore"], { configured: "/opt/lore" });
    assert.deepEqual(result, { ok: true, location: { path: "/opt/lore", source: "setting" } });
  });

  it("reports a setting that points nowhere instead of falling back silently", () => {
    const result = resolve(["/usr/bin/lore"], { configured: "/nope/lore" });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : "", /lore.server.path is set to "\/nope\/lore"/);
  });

  it("then $LORE_SERVER_PATH, then the bundled binary, then PATH in order", () => {
    assert.deepEqual(resolve(["/env/lore", "/ext/bin/lore"], { environment: "/env/lore" }), {
      ok: true,
      location: { path: "/env/lore", source: "environment" },
    });
    assert.deepEqual(resolve(["/ext/bin/lore", "/usr/bin/lore"]), {
      ok: true,
      location: { path: "/ext/bin/lore", source: "bundled" },
    });
    assert.deepEqual(resolve(["/usr/bin/lore", "/usr/local/bin/lore"]), {
      ok: true,
      location: { path: "/usr/local/bin/lore", source: "PATH" },
    });
  });

  it("says how to install lore when nothing is found", () => {
    const result = resolve([], { pathVariable: "" });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : "", /not found.*lore.server.path/s);
  });

  it("uses lore.exe and ; on Windows", () => {
    const result = resolve(["C:\\lore\\lore.exe"], { platform: "win32", pathVariable: "C:\\x;C:\\lore" });
    assert.equal(result.ok, true);
  });
});

describe("storeProblem", () => {
  const checks = (existing: string[], writable: string[]) => ({
    exists: (file: string) => existing.includes(file),
    isWritableDirectory: (directory: string) => writable.includes(directory),
  });

  it("accepts a writable store or one that can be created", () => {
    assert.equal(storeProblem("/data/store", checks(["/data/store"], ["/data/store"])), undefined);
    assert.equal(storeProblem("/data/new/store", checks(["/data", "/"], ["/data"])), undefined);
  });

  it("names the store and the folder that is not writable", () => {
    assert.match(storeProblem("/data/store", checks(["/data/store"], [])) ?? "", /^The lore store \/data\/store is not writable:/);
    assert.match(
      storeProblem("/ro/new/store", checks(["/ro", "/"], ["/"])) ?? "",
      /not writable \(it would be created in \/ro\)/,
    );
  });
});
