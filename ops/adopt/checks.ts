/**
 * Pure: whether the objects found on the host can become the stack's own without losing
 * anything, and what the operator should know about them. A refusal names the object, what
 * was found, what the stack declares, and what to do.
 */
import { AdoptTarget } from "./target";
import { HostObjects } from "./types";

export interface Refusal {
  /** The object, e.g. `database "matrix_db"`. */
  readonly object: string;
  readonly found: string;
  readonly expected: string;
  /** Why adopting it as it is would lose something or break the first `up`. */
  readonly why: string;
  readonly fix: string;
}

export interface CheckResult {
  readonly refusals: readonly Refusal[];
  /** What the plan keeps, and the in-place changes the first `up` makes. */
  readonly notes: readonly string[];
}

export function checkObjects(target: AdoptTarget, found: HostObjects): CheckResult {
  const refusals: Refusal[] = [];
  const notes: string[] = [];
  const { database: want, postgres } = target;
  const db = found.database;
  const role = found.role;

  if (db) {
    const object = `database "${db.name}"`;
    const relocate =
      `Synapse only runs on ${want.encoding} with C collation and ctype, and the stack cannot change them in place` +
      " (a change is a DROP and CREATE). Dump it, create the database as the stack declares it" +
      ` (CREATE DATABASE ${want.name} OWNER ${want.role} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0),` +
      " restore the dump into it, then run the adopt again.";
    if (db.encoding !== want.encoding) {
      refusals.push({
        object,
        found: `encoding ${db.encoding}`,
        expected: `encoding ${want.encoding}`,
        why: "importing it would make the first `up` replace it, which drops every account, room and message",
        fix: relocate,
      });
    }
    if (db.lcCollate !== want.lcCollate || db.lcCtype !== want.lcCtype) {
      refusals.push({
        object,
        found: `LC_COLLATE ${db.lcCollate}, LC_CTYPE ${db.lcCtype}`,
        expected: `LC_COLLATE ${want.lcCollate}, LC_CTYPE ${want.lcCtype}`,
        why: "importing it would make the first `up` replace it, which drops every account, room and message",
        fix: relocate,
      });
    }
    if (db.owner === postgres.adminUser && db.owner !== want.role) {
      notes.push(
        `${object} is owned by ${db.owner} (as eqmd's bootstrap_matrix_db.py leaves it): the first \`up\` makes` +
          ` ${want.role} its owner (ALTER DATABASE … OWNER TO, in place; no table is touched).`,
      );
    } else if (db.owner !== want.role) {
      refusals.push({
        object,
        found: `owner ${db.owner}`,
        expected: `owner ${want.role} (database.role), or ${postgres.adminUser} (postgres.adminUser) as eqmd's script leaves it`,
        why: "a database owned by a third role is not the one eqmd's procedure built for Synapse, and the stack would take it from that role",
        fix:
          `If it is Synapse's database, give it to the role the stack declares: ALTER DATABASE ${db.name} OWNER TO ${want.role};` +
          " otherwise point database.name at the right database. Then run the adopt again.",
      });
    }
    const s = db.synapse;
    if (s) {
      const foreign = s.serverNames.filter((n) => n !== target.serverName);
      if (foreign.length > 0) {
        refusals.push({
          object,
          found: `accounts of server ${foreign.join(", ")}`,
          expected: `server ${target.serverName} (matrixFqdn)`,
          why: "Synapse refuses to start on a database made for another server_name, so the first `up` would fail",
          fix: `Set matrixFqdn to the server name this database was built for (MATRIX_FQDN in eqmd's .env): pulumi config set matrixFqdn ${foreign[0]} --stack ${target.stack}`,
        });
      }
      notes.push(
        `${object} holds ${s.users} account(s), ${s.rooms} room(s) and ${s.localMedia} uploaded file(s)` +
          `${s.schemaVersion !== null ? ` (Synapse schema ${s.schemaVersion})` : ""}: all kept; a newer Synapse migrates the schema forward on its first start.`,
      );
    } else {
      notes.push(`${object} has no Synapse tables yet: Synapse creates them on its first start.`);
    }
    if (s && s.localMedia > 0 && !found.volume) {
      refusals.push({
        object: `volume "${target.mediaVolume}"`,
        found: "no such volume",
        expected: `the media store of the ${s.localMedia} uploaded file(s) ${db.name} lists`,
        why: "the new Synapse would start with an empty media store: every uploaded file and avatar would be gone",
        fix:
          "Set containerPrefix so that <prefix>_matrix_media_store names the volume eqmd's compose made" +
          ` (docker volume ls), or copy the media store into a volume named ${target.mediaVolume}; then run the adopt again.`,
      });
    }
  }

  if (role) {
    const object = `role "${role.name}"`;
    if (role.name === postgres.adminUser || role.superuser) {
      refusals.push({
        object,
        found: role.name === postgres.adminUser ? "the admin user the stack connects as" : "a superuser",
        expected: "a login role for Synapse alone",
        why: "an adopted role belongs to the stack: a reset or destroy would drop it with everything it owns",
        fix: `Give Synapse its own role (database.role, eqmd: matrix_user): pulumi config set --path database.role matrix_user --stack ${target.stack}`,
      });
    } else {
      notes.push(
        `${object}: the first \`up\` sets the stack's generated password${role.canLogin ? "" : " and LOGIN"} (ALTER ROLE, in place);` +
          " the old MATRIX_DATABASE_PASSWORD stops working, and the env-file sync writes the new one when configured.",
      );
    }
  }

  if (found.volume) {
    const labels = Object.keys(found.volume.labels).length;
    notes.push(
      `volume "${found.volume.name}" (driver ${found.volume.driver}) is imported as it is: the media stay where they are` +
        `${labels ? `, with their ${labels} compose label(s) (the stack ignores label changes)` : ""}.`,
    );
  }
  for (const c of [found.synapseContainer, found.elementContainer]) {
    if (c) {
      notes.push(
        `container "${c.name}" (${c.image}, ${c.status}) is imported so that the first \`up\` replaces it in order:` +
          " it keeps serving until the engine removes it, right before it creates the stack's container of that name.",
      );
    }
  }
  return { refusals, notes };
}

/** True when the host has nothing an adopt could take over. */
export function nothingToAdopt(found: HostObjects): boolean {
  return !found.role && !found.database && !found.volume && !found.synapseContainer && !found.elementContainer;
}

export function describeRefusal(r: Refusal): string[] {
  return [
    `  - ${r.object}: found ${r.found}; the stack declares ${r.expected}.`,
    `    Why it matters: ${r.why}.`,
    `    Fix: ${r.fix}`,
  ];
}
