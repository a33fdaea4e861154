#!/usr/bin/env node
// A stand-in for the `pulumi` and `docker` CLIs, for the end-to-end test of ops/reset.ts.
// Invoked as `fake-cli.cjs <pulumi|docker> args…`. Appends {tool, argv, env} to
// $FAKE_CLI_DIR/calls.jsonl and answers from $FAKE_CLI_DIR/scenario.json.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const dir = process.env.FAKE_CLI_DIR;
const [tool, ...argv] = process.argv.slice(2);
const scenario = JSON.parse(fs.readFileSync(path.join(dir, "scenario.json"), "utf8"));
fs.appendFileSync(
  path.join(dir, "calls.jsonl"),
  JSON.stringify({ tool, argv, dockerHost: process.env.DOCKER_HOST ?? null }) + "\n",
);

const has = (...words) => words.every((w) => argv.includes(w));
const valueOf = (flag) => argv[argv.indexOf(flag) + 1];
const finish = (code, out = "", err = "") => {
  if (out) process.stdout.write(out);
  if (err) process.stderr.write(err);
  process.exitCode = code;
};

if (tool === "docker") {
  finish(scenario.dockerExit ?? 0, "", scenario.dockerStderr ?? "");
} else if (argv[0] === "version") {
  finish(0, "v3.200.0\n");
} else if (has("stack", "select")) {
  if (scenario.missingStack) finish(255, "", `error: no stack named '${valueOf("--stack")}' found\n`);
  else finish(0);
} else if (argv[0] === "config") {
  if (scenario.missingStack) finish(255, "", `error: no stack named '${valueOf("--stack")}' found\n`);
  else finish(0, JSON.stringify(scenario.config ?? {}));
} else if (has("stack", "output")) {
  const outputs = scenario.outputs ?? {};
  const shown = has("--show-secrets")
    ? outputs
    : Object.fromEntries(
        Object.entries(outputs).map(([k, v]) => [k, (scenario.secretOutputs ?? []).includes(k) ? "[secret]" : v]),
      );
  finish(0, JSON.stringify(shown));
} else if (has("stack", "export")) {
  finish(0, JSON.stringify({ version: 3, deployment: scenario.deployment ?? deploymentOf(scenario) }));
} else if (has("stack", "history")) {
  finish(0, "[]");
} else if (has("destroy", "--preview-only")) {
  const log = valueOf("--event-log");
  const events = (scenario.deletes ?? []).map((d, i) => ({
    sequence: i,
    timestamp: 0,
    resourcePreEvent: { metadata: { op: "delete", urn: d.urn, type: d.type, provider: "" } },
  }));
  events.push({ sequence: events.length, timestamp: 0, summaryEvent: { resourceChanges: { delete: events.length } } });
  fs.writeFileSync(log, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  process.stdout.write("Previewing destroy (fake)\n");
  // Let the Automation API's log tailer read the events before the process ends.
  setTimeout(() => finish(0), 600);
} else if (argv[0] === "destroy") {
  if (scenario.destroyFails) finish(255, "Destroying (fake)\n", "error: fake destroy failure\n");
  else finish(0, "Destroying (fake): done\n");
} else if (argv[0] === "up") {
  finish(0, "Updating (fake): done\n");
} else {
  finish(2, "", `fake pulumi: unexpected command ${argv.join(" ")}\n`);
}

// The state the scenario describes: the root stack with its outputs (secrets as an export with
// --show-secrets writes them) and, as the MatrixStack's tree, the resources in `deletes`.
function deploymentOf(sc) {
  const SIG = "4dabf18193072939515e22adb298388d";
  const root = "urn:pulumi:dev::eqmd-matrix::pulumi:pulumi:Stack::eqmd-matrix-dev";
  const outputs = Object.fromEntries(
    Object.entries(sc.outputs ?? {}).map(([k, v]) => [
      k,
      (sc.secretOutputs ?? []).includes(k)
        ? { [SIG]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(v) }
        : v,
    ]),
  );
  const tree = [...(sc.deletes ?? [])].reverse();
  const top = tree.find((d) => d.type === "eqmd:matrix:MatrixStack");
  const resources = [
    { urn: root, type: "pulumi:pulumi:Stack", custom: false, outputs },
    ...tree.map((d) => ({ urn: d.urn, type: d.type, parent: d === top ? root : top && top.urn })),
  ];
  return { resources, ...(sc.pendingOperations ? { pending_operations: sc.pendingOperations } : {}) };
}
