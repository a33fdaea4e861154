/**
 * tsx scripts/env-upsert.ts <path-to-.env>
 *
 * Reads one JSON object of KEY → value from stdin and upserts it into the .env file (see
 * components/commands/envFile.ts: comments and other lines kept, mode kept, atomic write, one
 * `<path>.bak`). Prints only key names, never values. Exit 0 on success (also when nothing
 * changed), 1 on failure, 2 on bad usage.
 */
import { writeEnvFile } from "../components/commands/envFile";

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
  const target = args[0];
  if (args.length !== 1 || target === undefined || target === "" || target.startsWith("-")) {
    process.stderr.write("usage: tsx scripts/env-upsert.ts <path-to-.env>   (JSON object of KEY: value on stdin)\n");
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
  return 0;
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
