import type { ResourceValidationPolicy } from "@pulumi/policy";
import { displayName, stringProp } from "./props";
import { DATABASE } from "./resourceTypes";

/** What Synapse accepts (anything else: "Database is incorrectly configured" at startup). */
export const SYNAPSE_DATABASE_SETTINGS: Readonly<Record<"encoding" | "lcCollate" | "lcCtype" | "template", string>> = {
  encoding: "UTF8",
  lcCollate: "C",
  lcCtype: "C",
  template: "template0",
};

const REMEDIATION =
  'Declare the database with `encoding: "UTF8", lcCollate: "C", lcCtype: "C", template: "template0"` ' +
  "(all four explicitly: the server's defaults come from template1 and its initdb locale). These inputs force " +
  "replacement, so fix them before the database holds data, or plan a dump and restore.";

/**
 * `synapse-database-locale`: Synapse refuses to start on a database whose collation or ctype is
 * not exactly 'C'. Every postgresql.Database this program declares is Synapse's (matrix_db;
 * eqmd's Django database belongs to eqmd's compose project), so the policy checks them all.
 */
export const synapseDatabaseLocale: ResourceValidationPolicy = {
  name: "synapse-database-locale",
  description:
    "Every PostgreSQL Database in this program is Synapse's, and Synapse only starts on one created with " +
    "encoding UTF8, LC_COLLATE 'C', LC_CTYPE 'C' from template0: the four inputs are set to exactly those values.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: REMEDIATION,
  validateResource: (args, reportViolation) => {
    if (args.type !== DATABASE) {
      return;
    }
    const wrong = Object.entries(SYNAPSE_DATABASE_SETTINGS).flatMap(([input, expected]) => {
      const actual = stringProp(args.props, input);
      if (actual === expected) {
        return [];
      }
      return [`${input} is ${actual === undefined ? "unset" : `"${actual}"`} (expected "${expected}")`];
    });
    if (wrong.length > 0) {
      reportViolation(
        `Database "${displayName(args.props, args.name)}" is not one Synapse accepts: ${wrong.join(", ")}. ${REMEDIATION}`,
      );
    }
  },
};
