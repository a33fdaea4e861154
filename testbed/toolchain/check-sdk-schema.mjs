#!/usr/bin/env node
// Compares a generated Pulumi schema with the TypeScript declarations of the
// npm SDK the program uses, for each resource type the program references.
//
//   node check-sdk-schema.mjs --schema gen/schema.json --sdk <node_modules/@pulumi/X>
//        --pkg <X> --program <project dir> [--all]
//
// For every resource class `<pkg>.<Name>` found in <program>/index.ts and
// <program>/components/*.ts (or every resource of the SDK with --all), it
// checks, against the schema resource with the class's __pulumiType token:
//   - <Name>Args property names and optional (?) markers vs inputProperties /
//     requiredInputs;
//   - the class's output properties vs properties / required;
//   - <Name>State property names vs stateInputs;
//   - secrets: additionalSecretOutputs and pulumi.secret(...) inputs in the
//     SDK's .js vs "secret": true in the schema;
//   - every object type reachable from those properties (inputs.X in
//     types/input.d.ts, outputs.X in types/output.d.ts), recursively.
// The provider resource (Provider / ProviderArgs) is checked the same way
// against the schema's "provider". With --all, functions (getX: GetXArgs /
// GetXResult) are compared too, and resources or functions present on only
// one side are reported. Exits 1 on any mismatch.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const schemaPath = opt("schema");
const sdkDir = opt("sdk");
const pkg = opt("pkg");
const programDir = opt("program");
const all = args.includes("--all");
if (!schemaPath || !sdkDir || !pkg || (!programDir && !all)) {
  console.error("usage: check-sdk-schema.mjs --schema S --sdk DIR --pkg NAME (--program DIR | --all)");
  process.exit(2);
}

const require = createRequire(path.join(path.resolve(programDir ?? sdkDir), "package.json"));
let ts;
try {
  ts = require("typescript");
} catch {
  ts = createRequire(path.resolve(sdkDir, "package.json"))("typescript");
}

const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const problems = [];
const notes = [];
const problem = (where, msg) => problems.push(`${where}: ${msg}`);

// ---- TypeScript declarations -------------------------------------------
function parseDts(file) {
  const text = fs.readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const decls = new Map(); // name -> {kind, props: Map(name -> {optional, type})}
  const visit = (node, prefix) => {
    if (ts.isModuleDeclaration(node) && node.body) {
      const name = prefix + node.name.text + ".";
      if (ts.isModuleBlock(node.body)) node.body.statements.forEach((s) => visit(s, name));
      else visit(node.body, name);
      return;
    }
    if (ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) {
      const props = new Map();
      for (const m of node.members) {
        if (!(ts.isPropertySignature(m) || ts.isPropertyDeclaration(m))) continue;
        if (m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) continue;
        const name = m.name.getText(sf).replace(/^["']|["']$/g, "");
        props.set(name, { optional: !!m.questionToken, type: m.type ? m.type.getText(sf) : "" });
      }
      decls.set(prefix + node.name.text, { kind: ts.isClassDeclaration(node) ? "class" : "interface", props });
    }
  };
  sf.statements.forEach((s) => visit(s, ""));
  return decls;
}

const typesIn = fs.existsSync(path.join(sdkDir, "types/input.d.ts"))
  ? parseDts(path.join(sdkDir, "types/input.d.ts"))
  : new Map();
const typesOut = fs.existsSync(path.join(sdkDir, "types/output.d.ts"))
  ? parseDts(path.join(sdkDir, "types/output.d.ts"))
  : new Map();

// SDK module file for a class name: container.d.ts for Container.
const moduleFile = (cls) => path.join(sdkDir, cls[0].toLowerCase() + cls.slice(1));

function sdkSecrets(cls) {
  const js = fs.readFileSync(moduleFile(cls) + ".js", "utf8");
  const outs = new Set();
  const m = js.match(/additionalSecretOutputs:\s*\[([^\]]*)\]/);
  if (m) for (const s of m[1].matchAll(/"([^"]+)"/g)) outs.add(s[1]);
  const ins = new Set();
  for (const s of js.matchAll(/resourceInputs\["([^"]+)"\]\s*=\s*args\?\.\w+\s*\?\s*pulumi\.secret\(/g)) ins.add(s[1]);
  const tok = js.match(/__pulumiType\s*=\s*'([^']+)'/);
  return { outs, ins, token: tok ? tok[1] : undefined };
}

// ---- schema helpers ----------------------------------------------------
const refName = (ref) => decodeURIComponent(ref.replace(/^#\/types\//, ""));
function refsOf(spec, acc = new Set()) {
  if (!spec) return acc;
  if (spec.$ref && spec.$ref.startsWith("#/types/")) acc.add(refName(spec.$ref));
  refsOf(spec.items, acc);
  refsOf(spec.additionalProperties, acc);
  for (const o of spec.oneOf ?? []) refsOf(o, acc);
  return acc;
}
// TS references to nested types: inputs.ContainerUpload / outputs.X.Y
function tsRefs(type, ns) {
  const acc = new Set();
  for (const m of type.matchAll(new RegExp(`\\b${ns}\\.([A-Za-z0-9_.]+)`, "g"))) acc.add(m[1]);
  return acc;
}
// Schema type token docker:index/ContainerUpload:ContainerUpload -> TS name
// ContainerUpload (module "index"), or mod.Name for other modules.
function tsNameOfToken(tok) {
  const [, modPath, name] = tok.split(":");
  const mod = modPath.split("/")[0];
  // The TypeScript generator title-cases type names (getNetworkContainer).
  const tsName = name[0].toUpperCase() + name.slice(1);
  return mod === "index" ? tsName : `${mod}.${tsName}`;
}

const checkedTypes = new Set();
function compareProps(where, tsProps, schemaProps, required, { io, checkOptional, secretSet }) {
  const tsNames = new Set(tsProps.keys());
  const scNames = new Set(Object.keys(schemaProps ?? {}));
  for (const n of scNames) if (!tsNames.has(n)) problem(where, `schema has "${n}", the SDK does not`);
  for (const n of tsNames) if (!scNames.has(n)) problem(where, `the SDK has "${n}", the schema does not`);
  for (const n of tsNames) {
    if (!scNames.has(n)) continue;
    const t = tsProps.get(n);
    const sp = schemaProps[n];
    const req = required.has(n);
    if (checkOptional === "question") {
      if (t.optional === req)
        problem(
          where,
          `"${n}" is ${req ? "required" : "optional"} in the schema but ${t.optional ? "optional" : "required"} in the SDK`,
        );
    } else if (checkOptional === "undefined") {
      const tsOptional = /\|\s*undefined\s*>?\s*$/.test(t.type.replace(/\s+/g, " ").trim()) || t.optional;
      if (tsOptional === req)
        problem(
          where,
          `output "${n}" is ${req ? "always set" : "optional"} in the schema but ${tsOptional ? "optional" : "always set"} in the SDK`,
        );
    }
    if (secretSet) {
      const sdkSecret = secretSet.has(n);
      if (!!sp.secret !== sdkSecret)
        problem(
          where,
          `"${n}" is ${sp.secret ? "" : "not "}secret in the schema but ${sdkSecret ? "" : "not "}secret in the SDK`,
        );
    }
    // nested object types
    const scRefs = [...refsOf(sp)].filter((r) => schema.types?.[r]?.type === "object" || schema.types?.[r]?.properties);
    const tRefs = tsRefs(t.type, io === "in" ? "inputs" : "outputs");
    const scRefNames = new Set(scRefs.map(tsNameOfToken));
    for (const r of tRefs)
      if (!scRefNames.has(r))
        problem(
          where,
          `"${n}": SDK type ${io === "in" ? "inputs" : "outputs"}.${r} is not what the schema refers to (${[...scRefNames].join(", ") || "no object type"})`,
        );
    for (const r of scRefs) {
      const tsName = tsNameOfToken(r);
      if (!tRefs.has(tsName)) {
        problem(where, `"${n}": schema type ${r} is not referenced by the SDK (${t.type})`);
        continue;
      }
      compareType(r, io);
    }
  }
}

function compareType(tok, io) {
  const key = `${io}:${tok}`;
  if (checkedTypes.has(key)) return;
  checkedTypes.add(key);
  const spec = schema.types[tok];
  const tsName = tsNameOfToken(tok);
  const decls = io === "in" ? typesIn : typesOut;
  const d = decls.get(tsName);
  const where = `type ${tsName} (${io === "in" ? "input" : "output"})`;
  if (!d) {
    problem(where, `no declaration in types/${io === "in" ? "input" : "output"}.d.ts`);
    return;
  }
  const required = new Set(spec.required ?? []);
  if (io === "out") for (const r of spec.language?.nodejs?.requiredOutputs ?? []) required.add(r);
  compareProps(where, d.props, spec.properties, required, {
    io,
    checkOptional: io === "in" ? "question" : "question",
  });
}

function checkResource(cls) {
  const base = moduleFile(cls);
  if (!fs.existsSync(base + ".d.ts")) {
    problem(cls, `no ${path.basename(base)}.d.ts in the SDK`);
    return;
  }
  const decls = parseDts(base + ".d.ts");
  const { outs, ins, token } = sdkSecrets(cls);
  const isProvider = cls === "Provider";
  const res = isProvider ? schema.provider : schema.resources?.[token];
  if (!res) {
    problem(cls, `schema has no resource ${token}`);
    return;
  }
  const argsDecl = decls.get(`${cls}Args`);
  if (argsDecl) {
    compareProps(`${cls}Args`, argsDecl.props, res.inputProperties, new Set(res.requiredInputs ?? []), {
      io: "in",
      checkOptional: "question",
      secretSet: ins,
    });
  } else problem(cls, `no ${cls}Args interface`);
  const clsDecl = decls.get(cls);
  const outProps = new Map([...(clsDecl?.props ?? new Map())].filter(([n]) => !n.startsWith("__")));
  // The provider resource exposes only its string-typed inputs as outputs.
  if (!isProvider) {
    compareProps(`${cls} (outputs)`, outProps, res.properties, new Set(res.required ?? []), {
      io: "out",
      checkOptional: "undefined",
      secretSet: outs,
    });
    const stateDecl = decls.get(`${cls}State`);
    if (stateDecl && res.stateInputs) {
      compareProps(`${cls}State`, stateDecl.props, res.stateInputs.properties, new Set(), {
        io: "in",
        checkOptional: "none",
      });
    } else if (stateDecl || res.stateInputs)
      problem(
        cls,
        `state: SDK ${stateDecl ? "has" : "lacks"} ${cls}State, schema ${res.stateInputs ? "has" : "lacks"} stateInputs`,
      );
  } else {
    for (const n of outProps.keys())
      if (!res.properties?.[n]) problem(`${cls} (outputs)`, `the SDK has "${n}", the schema does not`);
    // config variables are the provider's inputs
    for (const n of Object.keys(res.inputProperties ?? {}))
      if (!schema.config?.variables?.[n]) problem("config", `provider input "${n}" is no config variable`);
  }
  notes.push(
    `${cls} (${token ?? "provider"}): ${Object.keys(res.inputProperties ?? {}).length} inputs, ${Object.keys(res.properties ?? {}).length} outputs`,
  );
}

// ---- which resources ---------------------------------------------------
let classes;
if (all) {
  const idx = fs.readFileSync(path.join(sdkDir, "index.js"), "utf8");
  classes = [...idx.matchAll(/case "[^"]+:index\/[^"]+:([A-Za-z0-9]+)":/g)].map((m) => m[1]);
  classes.push("Provider");
  // Every schema resource should exist in the SDK, too.
  const sdkTokens = new Set([...idx.matchAll(/case "([^"]+)":/g)].map((m) => m[1]));
  for (const tok of Object.keys(schema.resources ?? {}))
    if (!sdkTokens.has(tok)) problem("schema", `resource ${tok} is not in the SDK`);
  for (const tok of sdkTokens) if (!schema.resources?.[tok]) problem("SDK", `resource ${tok} is not in the schema`);
  // Functions (getX): GetXArgs / GetXResult vs the schema's inputs / outputs.
  for (const [tok, fn] of Object.entries(schema.functions ?? {})) {
    const name = tok.split(":")[2];
    if (name.includes("/")) continue; // provider methods (terraformConfig)
    const file = path.join(sdkDir, name + ".d.ts");
    if (!fs.existsSync(file)) {
      problem("schema", `function ${tok} is not in the SDK`);
      continue;
    }
    const decls = parseDts(file);
    const Name = name[0].toUpperCase() + name.slice(1);
    const a = decls.get(`${Name}Args`);
    if (a || fn.inputs) {
      compareProps(
        `${Name}Args`,
        a?.props ?? new Map(),
        fn.inputs?.properties ?? {},
        new Set(fn.inputs?.required ?? []),
        { io: "in", checkOptional: "question" },
      );
    }
    const r = decls.get(`${Name}Result`);
    const outs = new Map([...(r?.props ?? new Map())]);
    compareProps(`${Name}Result`, outs, fn.outputs?.properties ?? {}, new Set(fn.outputs?.required ?? []), {
      io: "out",
      checkOptional: "question",
    });
    notes.push(`function ${Name} (${tok})`);
  }
  for (const f of fs.readdirSync(sdkDir)) {
    const m = f.match(/^(get[A-Z][A-Za-z0-9]*)\.d\.ts$/);
    if (m && !schema.functions?.[`${pkg}:index/${m[1]}:${m[1]}`])
      problem("SDK", `function ${m[1]} is not in the schema`);
  }
} else {
  const files = [path.join(programDir, "index.ts")];
  const compDir = path.join(programDir, "components");
  if (fs.existsSync(compDir))
    for (const f of fs.readdirSync(compDir)) if (f.endsWith(".ts")) files.push(path.join(compDir, f));
  const found = new Set();
  for (const f of files) {
    if (!fs.existsSync(f)) continue;
    const text = fs.readFileSync(f, "utf8");
    for (const m of text.matchAll(new RegExp(`\\b${pkg}\\.([A-Z][A-Za-z0-9]*)\\b`, "g"))) found.add(m[1]);
  }
  // Keep only names that are resource classes of the SDK (not types).
  classes = [...found].filter((c) => fs.existsSync(moduleFile(c) + ".d.ts")).sort();
}

for (const c of [...new Set(classes)]) checkResource(c);

for (const n of notes) console.log(`checked ${n}`);
console.log(`checked ${checkedTypes.size} nested object types`);
if (problems.length) {
  console.log(`\n${problems.length} mismatch(es) between ${schemaPath} and ${sdkDir}:`);
  for (const p of problems) console.log(`  - ${p}`);
  process.exit(1);
}
console.log("no mismatches");
