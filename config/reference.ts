/**
 * The configuration reference (docs/configuration.md), rendered from the schema: every key
 * with its type and default (read from the schema itself), what it replaces in eqmd, an
 * example, and the error a bad value gets, produced by running the validator on that value.
 * `npm run docs:config` writes it; a unit test fails when the file is stale. Pure.
 */
import { stringify } from "yaml";
import { z } from "zod";
import { formatIssue } from "./errors";
import { CONFIG_NAMESPACE } from "./namespace";
import { envFileFields, KeyDoc, SECRET_CONFIG_KEYS, SECRET_KEY_DOCS, sectionFields, topLevelFields } from "./schema";
import { validateConfig } from "./validate";

export const REFERENCE_FILE = "docs/configuration.md";

interface Entry {
  /** As `pulumi config set --path` spells it, e.g. "synapse.port". */
  readonly key: string;
  /** The section ("synapse"), or undefined for a top-level key. */
  readonly section?: string;
  readonly field: string;
  /** Undefined for the secret keys (the engine decrypts them; they have no schema). */
  readonly schema?: z.ZodType;
  readonly doc: KeyDoc;
}

/** Every key of the namespace, in the schema's order, with its reference entry. */
export function referenceEntries(): Entry[] {
  const entry = (section: string | undefined, field: string, schema: z.ZodType): Entry => {
    const key = section ? `${section}.${field}` : field;
    const doc = schema.meta() as KeyDoc | undefined;
    if (!doc?.description) throw new Error(`config/schema.ts: ${key} has no .meta() entry for the reference`);
    return { key, field, schema, doc, ...(section ? { section } : {}) };
  };
  return [
    ...Object.entries(topLevelFields).map(([field, schema]) => entry(undefined, field, schema)),
    ...SECRET_CONFIG_KEYS.map((field): Entry => ({ key: field, field, doc: SECRET_KEY_DOCS[field] })),
    ...Object.entries(sectionFields).flatMap(([section, fields]) =>
      Object.entries(fields).map(([field, schema]) => entry(section, field, schema as z.ZodType)),
    ),
    ...Object.entries(envFileFields).map(([field, schema]) => entry("envFile", field, schema)),
  ];
}

/** The raw stack values that set `entry`'s key to `value` (plus what any config needs). */
function valuesWith(entry: Entry, value: unknown): Record<string, unknown> {
  const values: Record<string, unknown> = { eqmdDomain: "yourhospital.com" };
  if (!entry.section) values[entry.field] = value;
  else if (entry.section === "envFile") values["envFile"] = { path: "/opt/eqmd/.env", [entry.field]: value };
  else values[entry.section] = { [entry.field]: value };
  return values;
}

/** The validator's lines for `entry` set to `value` (secret keys: stored in plain text). */
export function issuesFor(entry: Entry, value: unknown, storedAsSecret = false): string[] {
  const { issues } = validateConfig({
    values: valuesWith(entry, value),
    secretKeys: storedAsSecret ? [entry.key] : [],
    stack: "prod",
  });
  return issues
    .filter((i) => i.key === entry.key || i.key.startsWith(`${entry.key}.`) || i.key.startsWith(`${entry.key}[`))
    .map(formatIssue);
}

/** The stack file lines that set `value` (YAML, as `Pulumi.<stack>.yaml` holds it). */
function stackLines(entry: Entry, value: unknown): string {
  const top = `${CONFIG_NAMESPACE}:${entry.section ?? entry.field}`;
  const body = entry.section ? { [top]: { [entry.field]: value } } : { [top]: value };
  return stringify(body, { lineWidth: 0 }).trimEnd();
}

/** A value inline, as YAML's flow style writes it. */
function inline(value: unknown): string {
  return stringify(value, { collectionStyle: "flow", flowCollectionPadding: false, lineWidth: 0 }).trim();
}

type JsonSchema = {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  minimum?: number;
  maximum?: number;
  default?: unknown;
};

/** The key's type in words, from its JSON Schema. */
function typeText(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(typeText).join(" or ");
  if (s.const !== undefined) return `\`${inline(s.const)}\``;
  if (s.enum) return `one of ${s.enum.map((v) => `\`${inline(v)}\``).join(", ")}`;
  switch (s.type) {
    case "string":
      return "text";
    case "boolean":
      return "`true` or `false`";
    case "integer":
      return `whole number${s.minimum !== undefined && s.maximum !== undefined ? ` (${s.minimum} to ${s.maximum})` : ""}`;
    case "array":
      return `list of ${s.items ? typeText(s.items) : "values"}`;
    case "object":
      return s.properties ? `map {${Object.keys(s.properties).join(", ")}}` : "map";
    default:
      return "value";
  }
}

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

function defaultText(entry: Entry): string {
  if (entry.doc.derived) return entry.doc.derived;
  if (!entry.schema) return "— (none)";
  const json = jsonSchemaOf(entry.schema);
  if (json.default !== undefined) return `\`${inline(json.default)}\``;
  if (entry.schema.safeParse(undefined).success) return "— (none)";
  return entry.section === "envFile" ? "**required** in `envFile`" : "**required**";
}

const heading = (entry: Entry) => `\`${entry.key}\`${entry.doc.testsOnly ? " (tests only)" : ""}`;

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");

function keySection(entry: Entry): string {
  const secret = entry.schema === undefined;
  const type = entry.schema ? typeText(jsonSchemaOf(entry.schema)) : "text, a Pulumi secret";
  const refused = issuesFor(entry, entry.doc.example, secret);
  if (refused.length > 0)
    throw new Error(`config/schema.ts: the example of ${entry.key} is refused: ${refused.join("; ")}`);
  const errors = issuesFor(entry, entry.doc.bad);
  if (errors.length === 0)
    throw new Error(`config/schema.ts: the bad value of ${entry.key} is accepted; pick a refused one`);
  const example = secret
    ? `pulumi config set --secret ${entry.key} '${String(entry.doc.example)}'`
    : stackLines(entry, entry.doc.example);
  const bad = secret ? `${entry.key} set without --secret` : `\`${inline(entry.doc.bad)}\``;
  return [
    `### ${heading(entry)}`,
    "",
    entry.doc.description,
    "",
    `- Type: ${type}`,
    `- Default: ${defaultText(entry)}`,
    `- Replaces in eqmd: ${entry.doc.eqmd}`,
    "",
    "Example:",
    "",
    secret ? "```sh" : "```yaml",
    example,
    "```",
    "",
    `A bad value, ${bad}, is refused before any resource exists:`,
    "",
    "```text",
    ...errors,
    "```",
    "",
  ].join("\n");
}

function summaryRow(entry: Entry): string {
  return `| [\`${entry.key}\`](#${anchor(heading(entry))}) | ${defaultText(entry)} | ${entry.doc.eqmd} |`;
}

export function renderConfigReference(): string {
  const entries = referenceEntries();
  const groups = [...new Set(entries.map((e) => e.section ?? ""))];
  return [
    "<!-- Generated from config/schema.ts by `npm run docs:config`: edit the schema's .meta(), not this file. -->",
    "",
    "# Configuration reference",
    "",
    `Every key lives in the \`${CONFIG_NAMESPACE}\` namespace of the stack file (\`Pulumi.<stack>.yaml\`). Structured`,
    "keys are set with `pulumi config set --path`, e.g.",
    "`pulumi config set --path oidc.issuer https://yourhospital.com/o --stack prod`, secrets with",
    "`pulumi config set --secret`. The program validates every key before any resource exists and",
    "reports every problem at once, each with the key, the value (never a secret one) and the fix.",
    "Unknown keys are errors too (a typo never falls back to a default silently), and so is a secret",
    "key stored in plain text. Published ports are also checked by the policy pack",
    "(`loopback-published-ports`, [policy.md](policy.md)).",
    "",
    "| Key | Default | Replaces in eqmd |",
    "| --- | --- | --- |",
    ...entries.map(summaryRow),
    "",
    ...groups.flatMap((group) => [
      group ? `## \`${group}\`` : "## Top-level keys",
      "",
      ...entries.filter((e) => (e.section ?? "") === group).map(keySection),
    ]),
  ].join("\n");
}
