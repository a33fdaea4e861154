/**
 * Child-process entry: evaluates index.ts under Pulumi mocks with a stack's config and writes
 * every registered resource (inputs with secret markers resolved, options, parent,
 * dependencies) plus the stack outputs as JSON. One evaluation per process, because the
 * Pulumi runtime is process-global.
 *
 * Usage: node --import tsx tests/support/recordProgram.ts <request.json> <result.json>
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import { mockStateWith } from "./mockState";
import { readStackConfig, withOverrides } from "./stackConfig";
import type { RecordedResource, RecordRequest, RecordResult } from "./recordTypes";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const REPO = path.resolve(__dirname, "..", "..");

interface ProtoValue {
  toJavaScript(): Record<string, unknown>;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getDeletebeforereplace(): boolean;
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getReplaceonchangesList(): string[];
  getReplaceWithList(): string[];
  getIgnorechangesList(): string[];
  /** Each alias: a URN, or a spec (name, parent, …) the program does not use. */
  getAliasesList(): { getUrn(): string; toObject(): unknown }[];
  getProvider(): string;
  getObject(): ProtoValue;
}
interface Monitor {
  registerResource(req: RegisterRequest, cb: (...a: unknown[]) => void): Promise<void>;
}

/** Unwraps Pulumi's wire format, collecting the paths of secret values. */
function unwrap(value: unknown, at: string, secrets: string[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => unwrap(v, `${at}[${i}]`, secrets));
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) {
      secrets.push(at);
      return unwrap(obj["value"], at, secrets);
    }
    if (obj[SIG_KEY] === RESOURCE_SIG) return obj["urn"];
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = unwrap(v, at ? `${at}.${k}` : k, secrets);
    return out;
  }
  return value;
}

function urnOf(parent: string, type: string, name: string, stack: string, project: string): string {
  const qualified = parent ? `${parent.split("::")[2]?.split("$").pop()}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

async function main(): Promise<void> {
  const [requestFile, resultFile] = process.argv.slice(2);
  if (!requestFile || !resultFile) throw new Error("usage: recordProgram.ts <request.json> <result.json>");
  const request = JSON.parse(fs.readFileSync(requestFile, "utf8")) as RecordRequest;
  const project = "eqmd-matrix";
  const config = withOverrides(
    readStackConfig(path.resolve(REPO, request.stackFile)),
    request.overrides,
    request.secrets,
  );

  await pulumi.runtime.setMocks(
    { newResource: mockStateWith(request.commandStdout), call: () => ({}) },
    project,
    request.stack,
    false,
  );
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);

  const resources: RecordedResource[] = [];
  const monitor = runtimeSettings.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const secretPaths: string[] = [];
    const inputs = unwrap(req.getObject().toJavaScript(), "", secretPaths) as Record<string, unknown>;
    resources.push({
      type: req.getType(),
      name: req.getName(),
      urn: urnOf(req.getParent(), req.getType(), req.getName(), request.stack, project),
      custom: req.getCustom(),
      parent: req.getParent() || undefined,
      provider: req.getProvider() || undefined,
      inputs,
      secretPaths,
      options: {
        protect: req.getProtect(),
        retainOnDelete: req.getRetainondelete(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        dependsOn: req.getDependenciesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        replaceWith: req.getReplaceWithList(),
        ignoreChanges: req.getIgnorechangesList(),
        ...aliasesOf(req),
      },
    });
    return register(req, cb);
  };

  let error: string | undefined;
  const outputs: Record<string, { value: unknown; secret: boolean }> = {};
  try {
    // index.ts is CommonJS (`export =`): its exports object is the module's default.
    const program = ((await import(path.join(REPO, "index.ts"))) as { default: Record<string, unknown> }).default;
    for (const [key, value] of Object.entries(program)) {
      if (!pulumi.Output.isInstance(value)) {
        outputs[key] = { value, secret: false };
        continue;
      }
      const secret = await pulumi.isSecret(value);
      outputs[key] = { value: await new Promise((resolve) => value.apply(resolve)), secret };
    }
    // Internal (stripped from the typings) but present: drains outstanding registrations.
    await (runtimeSettings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const result: RecordResult = { resources, outputs, ...(error ? { error } : {}) };
  fs.writeFileSync(resultFile, JSON.stringify(result, null, 1));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

/** The aliases a resource was registered with, as URNs (the program gives only URNs). */
function aliasesOf(req: RegisterRequest): { aliases?: string[] } {
  const list = req.getAliasesList();
  if (list.length === 0) return {};
  return { aliases: list.map((a) => a.getUrn() || JSON.stringify(a.toObject())) };
}
