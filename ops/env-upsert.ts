/**
 * tsx ops/env-upsert.ts <path-to-.env> [-- <command> [args…]]
 *
 * Reads one JSON object of KEY → value from stdin and upserts it into the .env file (see
 * ops/envFile.ts: comments and other lines kept, mode kept, atomic write, one
 * `<path>.bak`). Prints only key names, never values. With `-- <command>`, runs that command
 * (no shell) only when the file changed — e.g. recreating eqmd's Django containers, which read
 * `.env` only at creation — and exits with its status. Otherwise exit 0 on success (also when
 * nothing changed), 1 on failure, 2 on bad usage.
 */
import { spawnSync } from "node:child_process";
import { writeEnvFile } from "./envFile";

const USAGE =
  "usage: tsx ops/env-upsert.ts <path-to-.env> [-- <command> [args…]]   (JSON object of KEY: value on stdin)\n";

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on("data", (c: Buffer) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function parseValues(text: string): Record<string, string> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('stdin is not JSON (expected one object of KEY: "value" pairs)');
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new Error('stdin is not a JSON object (expected KEY: "value" pairs)');
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (typeof value !== "string") throw new Error(`the value for ${key} is not a string`);
    values[key] = value;
  }
  return values;
}

async function main(args: readonly string[]): Promise<number> {
  const separator = args.indexOf("--");
  const own = separator === -1 ? args : args.slice(0, separator);
  const then = separator === -1 ? [] : args.slice(separator + 1);
  const target = own[0];
  if (
    own.length !== 1 ||
    target === undefined ||
    target === "" ||
    target.startsWith("-") ||
    (separator !== -1 && then.length === 0)
  ) {
    process.stderr.write(USAGE);
    return 2;
  }
  const values = parseValues(await readStdin());
  const result = writeEnvFile(target, values);
  if (!result.changed) {
    process.stdout.write(`${target}: unchanged (${Object.keys(values).join(", ") || "no keys"})\n`);
  } else {
    process.stdout.write(
      `${target}: ${result.created ? "created with" : "updated"} ${result.updatedKeys.join(", ")}\n`,
    );
  }
  return result.changed && then.length > 0 ? runAfterChange(then) : 0;
}

/** The follow-up command, inheriting stdio and environment (e.g. DOCKER_HOST). */
function runAfterChange([program, ...rest]: readonly string[]): number {
  process.stdout.write(`running ${[program, ...rest].join(" ")}\n`);
  const run = spawnSync(program, rest, { stdio: ["ignore", "inherit", "inherit"] });
  if (run.error) throw new Error(`could not run ${program}: ${run.error.message}`);
  return run.status ?? 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`env-upsert failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
