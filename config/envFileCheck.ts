/**
 * eqmd's `.env` against the stack config, before anything changes. eqmd's Django reads
 * MATRIX_FQDN, MATRIX_BOT_USER_ID, SYNAPSE_OIDC_PROVIDER_ID, SYNAPSE_ADMIN_TOKEN and
 * MATRIX_BOT_ACCESS_TOKEN from it. The credentials are the program's: it writes them after
 * every (re)build. The identities are eqmd's: a Matrix id built on another server, or accounts
 * linked to another identity provider, would break eqmd's users, so a disagreement stops the
 * preview with the key, both values and the fix instead of being overwritten.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EnvEntry, readEnvFile } from "./dotenv";
import { ConfigIssue, configSetCommand } from "./errors";
import type { Settings } from "./settings";

/** eqmd's default bot localpart (MatrixConfig: `@rzero_bot:<MATRIX_FQDN>`). */
const EQMD_DEFAULT_BOT = "rzero_bot";

/** A place in the stack config that names the bot's Matrix id. */
interface BotIdStatement {
  readonly key: string;
  readonly value: string;
}

/** Reads the `.env` the stack names (relative to `baseDir`); no file yet: nothing to disagree with. */
export function checkEnvFile(settings: Settings, baseDir: string): ConfigIssue[] {
  if (!settings.envFile) return [];
  const file = settings.envFile.path;
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(baseDir, file), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    return [
      {
        key: "envFile.path",
        value: file,
        expected: `a .env this user can read, to check it against the stack: ${(err as Error).message}`,
      },
    ];
  }
  return envFileIssues(settings, text, file);
}

/** The disagreements between a `.env` text and the settings (pure). */
export function envFileIssues(settings: Settings, text: string, file: string): ConfigIssue[] {
  const env = readEnvFile(text);
  const issues: ConfigIssue[] = [];
  const serverName = settings.server.name;

  const fqdn = env.get("MATRIX_FQDN");
  const fqdnIssue = checkFqdn(fqdn, serverName, file);
  if (fqdnIssue) issues.push(fqdnIssue);

  const provider = env.get("SYNAPSE_OIDC_PROVIDER_ID");
  if (settings.oidc.enabled && provider) {
    const providerIssue = checkProviderId(provider, settings.oidc.providerId, file);
    if (providerIssue) issues.push(providerIssue);
  }

  // The bot: only once MATRIX_FQDN is right (eqmd's default bot id is built from it).
  if (!fqdnIssue) issues.push(...checkBotId(env.get("MATRIX_BOT_USER_ID"), settings, file));
  return issues;
}

function unresolved(entry: EnvEntry, key: string, file: string): ConfigIssue {
  return {
    file,
    key,
    value: entry.raw,
    expected:
      "a value this check can read: it refers to a variable that is not set above it in the file (or uses a form other than ${VAR}, ${VAR:-default})",
    fix: `write the literal value: ${key}=<value> in ${file}`,
  };
}

function checkFqdn(entry: EnvEntry | undefined, serverName: string, file: string): ConfigIssue | undefined {
  if (!entry) {
    return {
      file,
      key: "MATRIX_FQDN",
      value: undefined,
      expected: `"${serverName}", the stack's Matrix server name (matrixFqdn): without it eqmd's Django builds Matrix ids on "matrix.local"`,
      fix: `add MATRIX_FQDN=${serverName} to ${file}`,
    };
  }
  if (entry.value === undefined) return unresolved(entry, "MATRIX_FQDN", file);
  if (entry.value === serverName) return undefined;
  return {
    file,
    key: "MATRIX_FQDN",
    value: entry.value,
    expected: `"${serverName}", the stack's Matrix server name (matrixFqdn): eqmd's Django would build Matrix ids on another server than Synapse's`,
    fix: `set MATRIX_FQDN=${serverName} in ${file} (the next \`pulumi up\` recreates eqmd's containers), or, if the .env is right, pulumi config set matrixFqdn ${entry.value}`,
  };
}

function checkProviderId(entry: EnvEntry, providerId: string, file: string): ConfigIssue | undefined {
  if (entry.value === undefined) return unresolved(entry, "SYNAPSE_OIDC_PROVIDER_ID", file);
  if (entry.value === providerId) return undefined;
  return {
    file,
    key: "SYNAPSE_OIDC_PROVIDER_ID",
    value: entry.value,
    expected:
      `"${providerId}", the stack's oidc.providerId: eqmd links every Matrix account to "oidc-${entry.value}", ` +
      `so a Synapse with "oidc-${providerId}" would not let those users log in`,
    fix: `pulumi config set --path oidc.providerId ${entry.value} (keep eqmd's), or, to move every account on purpose, set SYNAPSE_OIDC_PROVIDER_ID=${providerId} in ${file} and re-provision eqmd's users`,
  };
}

/** Where the stack itself names the bot: `setup_matrix_bot --user-id` and a module's `bot_user_id`. */
export function botIdStatements(settings: Settings): BotIdStatement[] {
  const found: BotIdStatement[] = [];
  settings.afterReset.forEach((hook, i) => {
    const argv = hook.command ?? [];
    if (argv[0] !== "setup_matrix_bot") return;
    argv.forEach((arg, j) => {
      if (arg === "--user-id" && argv[j + 1] !== undefined) {
        found.push({ key: `afterReset[${i}].command[${j + 1}]`, value: argv[j + 1] });
      } else if (arg.startsWith("--user-id=")) {
        found.push({ key: `afterReset[${i}].command[${j}]`, value: arg.slice("--user-id=".length) });
      }
    });
  });
  settings.synapse.modules.forEach((module, i) => {
    const value = module.config["bot_user_id"];
    if (typeof value === "string") found.push({ key: `synapse.modules[${i}].config.bot_user_id`, value });
  });
  return found;
}

function checkBotId(entry: EnvEntry | undefined, settings: Settings, file: string): ConfigIssue[] {
  if (entry && entry.value === undefined) return [unresolved(entry, "MATRIX_BOT_USER_ID", file)];
  const serverName = settings.server.name;
  const effective = entry?.value ?? `@${EQMD_DEFAULT_BOT}:${serverName}`;
  const shown = entry?.value;
  if (entry && !effective.endsWith(`:${serverName}`)) {
    return [
      {
        file,
        key: "MATRIX_BOT_USER_ID",
        value: shown,
        expected: `a Matrix id on this server, "@<localpart>:${serverName}" (matrixFqdn), such as "@${EQMD_DEFAULT_BOT}:${serverName}"`,
        fix: `set MATRIX_BOT_USER_ID=@${localpartOf(effective)}:${serverName} in ${file}`,
      },
    ];
  }
  return botIdStatements(settings)
    .filter((s) => s.value !== effective)
    .map((s) => ({
      file,
      key: "MATRIX_BOT_USER_ID",
      value: shown,
      expected:
        `"${s.value}", the bot the stack names in ${s.key}` +
        (entry ? "" : ` (without the line eqmd's Django uses @${EQMD_DEFAULT_BOT}:${serverName})`),
      fix: `${entry ? "set" : "add"} MATRIX_BOT_USER_ID=${s.value} in ${file}, or, if the .env is right, ${configSetCommand(s.key, effective)}`,
    }));
}

function localpartOf(userId: string): string {
  const at = userId.startsWith("@") ? userId.slice(1) : userId;
  return at.split(":")[0] || EQMD_DEFAULT_BOT;
}
