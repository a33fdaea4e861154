/**
 * The contract config is the prod example except where differences.ts says why: compares the
 * two stack files, and the contract config as each run overrides it, against that list.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SYNAPSE_VERSION } from "../../config/versions";
import { DIFFERENCES, FoundDifference, VERSION_VARIANT, compareConfigs } from "./differences";
import { CONTRACT_SYNAPSE_VERSIONS } from "./support/paths";
import { CONTRACT_STACK_FILE, PROD_STACK_FILE, readStackConfigFile, runTimeOverrides } from "./support/program";

const listed = new Map(DIFFERENCES.map((difference) => [difference.key, difference]));
const show = (value: unknown): string => (value === undefined ? "(absent)" : JSON.stringify(value));

describe(`${CONTRACT_STACK_FILE} differs from ${PROD_STACK_FILE} only where listed`, () => {
  const prod = readStackConfigFile(PROD_STACK_FILE);
  const contract = readStackConfigFile(CONTRACT_STACK_FILE);

  test("every difference between the two files is listed with its reason, and every listed one is real", () => {
    const found = compareConfigs(prod, contract);
    const unlisted = found.filter((difference) => !listed.has(difference.key));
    assert.deepEqual(
      unlisted.map((d) => `${d.key}: prod ${show(d.prod)}, contract ${show(d.contract)}`),
      [],
      "differences not listed in tests/contract/differences.ts (add them with the reason loopback forces them, or use the prod value)",
    );
    const foundKeys = new Set(found.map((difference) => difference.key));
    const stale = DIFFERENCES.filter((difference) => !difference.runTime && !foundKeys.has(difference.key));
    assert.deepEqual(
      stale.map((difference) => difference.key),
      [],
      "listed in differences.ts but the files agree: remove them from the list",
    );
    printTable(found);
  });

  for (const version of CONTRACT_SYNAPSE_VERSIONS) {
    test(`Synapse ${version}: the run-time overrides change exactly the keys listed as run-time values`, () => {
      const overrides = runTimeOverrides({
        synapsePort: 40001,
        providerPort: 40002,
        database: "ct_matrix_db_example",
        role: "ct_matrix_user_example",
        envFilePath: "/tmp/contract-example.env",
        synapseVersion: version,
      });
      const effective = compareConfigs(contract, { ...contract, ...overrides }).map((d) => d.key);
      const expected = DIFFERENCES.filter((difference) => difference.runTime).map((difference) => difference.key);
      if (version !== SYNAPSE_VERSION) expected.push(VERSION_VARIANT.key);
      assert.deepEqual([...effective].sort(), [...expected].sort());
      const againstProd = compareConfigs(prod, { ...contract, ...overrides });
      const unexplained = againstProd.filter((d) => !listed.has(d.key) && d.key !== VERSION_VARIANT.key);
      assert.deepEqual(unexplained, [], "the overridden config differs from prod somewhere not listed");
    });
  }
});

function printTable(found: readonly FoundDifference[]): void {
  const rows = DIFFERENCES.map((difference) => {
    const actual = found.find((d) => d.key === difference.key);
    const values = actual ? `${show(actual.prod)} → ${show(actual.contract)}` : "(same placeholder in both files)";
    return [
      difference.key,
      difference.kind,
      `${values}${difference.runTime ? " [set per run]" : ""}`,
      difference.reason,
    ];
  });
  rows.push([VERSION_VARIANT.key, "version under test", "(default) → eqmd's pin's image", VERSION_VARIANT.reason]);
  const width = (column: number) => Math.max(...rows.map((row) => row[column].length));
  console.log(
    [
      "",
      `Where ${CONTRACT_STACK_FILE} differs from ${PROD_STACK_FILE}, and why:`,
      ...rows.map(
        ([key, kind, values, reason]) =>
          `  ${key.padEnd(width(0))}  ${kind.padEnd(width(1))}  ${values}\n  ${"".padEnd(width(0))}  ${"".padEnd(width(1))}  ${reason}`,
      ),
    ].join("\n"),
  );
}
