/**
 * The layering, read from the tree: data flows config → render → components → index.ts, and
 * every import between the program's folders goes that way. A new import against the
 * direction fails here, naming the file, the import and the rule. Inside a folder the imports
 * form no circle either (config/: schema → validate → rules → derive → settings).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../support/settings";

type Layer = "config" | "render" | "components" | "index" | "ops" | "policy";

/** Which project layers each layer may import (itself included where listed). */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  config: ["config"],
  render: ["render", "config"],
  components: ["components", "render", "config"],
  index: ["index", "components", "config"],
  // The reset serves program.ts to its own `up` (ops/reset/programHost.ts).
  ops: ["ops", "index", "components", "render", "config"],
  policy: ["policy", "config"],
};

/** Renderers and the config builder are pure: no Pulumi, except the one config reader. */
const PURE: readonly Layer[] = ["render", "config"];
const CONFIG_READER = path.join("config", "index.ts");

function layerOf(file: string): Layer | undefined {
  const rel = path.relative(REPO_ROOT, fs.realpathSync(file)).split(path.sep);
  if (rel.length === 1 && (rel[0] === "index.ts" || rel[0] === "program.ts")) return "index";
  const top = rel[0];
  return top === "config" || top === "render" || top === "components" || top === "ops" || top === "policy"
    ? top
    : undefined;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.name === "node_modules" || entry.name === "bin") continue;
    // Symlinks kept for old paths point into another layer; the file is checked where it lives.
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith(".ts")) out.push(full);
  }
  return out;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)|require\(\s*"([^"]+)"\s*\)/g;

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

const FILES = [
  path.join(REPO_ROOT, "index.ts"),
  path.join(REPO_ROOT, "program.ts"),
  ...["config", "render", "components", "ops", "policy"].flatMap((d) => sourceFiles(path.join(REPO_ROOT, d))),
];

describe("import direction: config → render → components → index", () => {
  test("finds the program's files", () => {
    for (const layer of ["config", "render", "components"] as const) {
      assert.ok(
        FILES.some((f) => layerOf(f) === layer),
        `no files in ${layer}/`,
      );
    }
  });

  for (const file of FILES) {
    const layer = layerOf(file);
    if (layer === undefined) continue;
    const rel = path.relative(REPO_ROOT, file);
    test(rel, () => {
      const wrong: string[] = [];
      for (const spec of importsOf(file)) {
        if (spec.startsWith(".")) {
          const target = resolveRelative(file, spec);
          assert.ok(target, `${rel}: cannot resolve import "${spec}"`);
          const to = layerOf(target);
          if (to === undefined || !MAY_IMPORT[layer].includes(to)) {
            wrong.push(
              `"${spec}" (${to ?? "outside the program"}): ${layer}/ may import only ${MAY_IMPORT[layer].join(", ")}`,
            );
          }
        } else if (PURE.includes(layer) && rel !== CONFIG_READER && spec.startsWith("@pulumi/")) {
          wrong.push(`"${spec}": ${layer}/ is pure (only ${CONFIG_READER} reads the engine's config)`);
        }
      }
      assert.deepEqual(wrong, [], `${rel} imports against the layering`);
    });
  }
});

/** The project files a file imports by a relative path (type-only imports included). */
function localImports(file: string): string[] {
  return importsOf(file)
    .filter((spec) => spec.startsWith("."))
    .map((spec) => resolveRelative(file, spec))
    .filter((target): target is string => target !== undefined);
}

/** One import circle (its files in order, the first repeated at the end), or undefined. */
function findCycle(files: readonly string[], importsOfFile: (file: string) => readonly string[]) {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "open") return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, "open");
    stack.push(file);
    for (const next of importsOfFile(file)) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of files) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe("no import circle", () => {
  test("the circle finder finds one", () => {
    const graph: Record<string, string[]> = { a: ["b"], b: ["c"], c: ["a"], d: ["a"] };
    assert.deepEqual(
      findCycle(["d"], (f) => graph[f] ?? []),
      ["a", "b", "c", "a"],
    );
    assert.equal(
      findCycle(["a"], (f) => ({ a: ["b"], b: ["c"] })[f] ?? []),
      undefined,
    );
  });

  for (const folder of ["config", "render", "components", "ops", "policy"]) {
    test(`${folder}/`, () => {
      const inFolder = FILES.filter((f) => path.relative(REPO_ROOT, f).split(path.sep)[0] === folder);
      const cycle = findCycle(inFolder, (f) => localImports(f).filter((t) => inFolder.includes(t)));
      assert.equal(
        cycle?.map((f) => path.relative(REPO_ROOT, f)).join(" → "),
        undefined,
        `${folder}/ imports in a circle; move what both sides need into a module below them`,
      );
    });
  }
});
