import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { isUnknownSubcommand, renderContext } from "../../src/render";

describe("renderContext", () => {
  it("renders the recommendation and cites each item", () => {
    const markdown = renderContext(
      {
        recommendation: "Use `except ValueError:`.",
        items: [{ id: "python-bare-except", kind: "lesson", title: "Bare except", text: "Catches all.", score: 0.912 }],
      },
      "lore: a.py:4",
    );
    assert.equal(
      markdown,
      [
        "# lore: a.py:4",
        "",
        "Use `except ValueError:`.",
        "",
        "## Sources",
        "",
        "### Bare except",
        "",
        "*lesson* `python-bare-except` (0.91)",
        "",
        "Catches all.",
        "",
        "",
      ].join("\n"),
    );
  });

  it("says so when there is nothing", () => {
    assert.match(renderContext({ recommendation: "", items: [] }, "t"), /nothing to recommend/);
    assert.match(renderContext(null, "t"), /nothing to recommend/);
  });

  it("accepts a bare list of items (lore search --json)", () => {
    const markdown = renderContext([{ id: "d1", kind: "doc", title: "", text: "x", score: 1 }], "t");
    assert.match(markdown, /### d1/);
  });
});

describe("isUnknownSubcommand", () => {
  it("recognizes clap's message", () => {
    assert.ok(isUnknownSubcommand("error: unrecognized subcommand 'search'\n"));
    assert.ok(!isUnknownSubcommand("error: the store is locked"));
  });
});
