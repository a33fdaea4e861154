/**
 * The README and docs/ as a newcomer meets them: a README of at most 250 lines, one Node.js
 * version (package.json `engines`, named in the README as is), and every relative link and
 * #anchor pointing at a file and a heading that exist.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../support/settings";

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
const DOCS = ["README.md", ...fs.readdirSync(path.join(REPO_ROOT, "docs")).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith(".md"),
);

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");

function anchorsIn(file: string): Set<string> {
  const text = read(file).replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1])));
}

describe("README and docs/", () => {
  test("the README has at most 250 lines", () => {
    const lines = read("README.md").split("\n").length;
    assert.ok(lines <= 250, `README.md has ${lines} lines; move the detail into docs/`);
  });

  test("the README names the Node.js versions package.json's engines allow", () => {
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    assert.ok(read("README.md").includes(`Node.js \`${engines}\``), `README.md should say Node.js \`${engines}\``);
  });

  for (const file of DOCS) {
    test(`${file}: every relative link and anchor exists`, () => {
      const text = read(file).replace(/```[\s\S]*?```/g, "");
      const broken: string[] = [];
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [linked, anchor] = target.split("#");
        const resolved = linked ? path.normalize(path.join(path.dirname(file), linked)) : file;
        if (!fs.existsSync(path.join(REPO_ROOT, resolved))) broken.push(`${target}: no file ${resolved}`);
        else if (anchor && resolved.endsWith(".md") && !anchorsIn(resolved).has(anchor))
          broken.push(`${target}: no heading #${anchor} in ${resolved}`);
      }
      assert.deepEqual(broken, []);
    });
  }
});
