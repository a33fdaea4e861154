import type { ResourceValidationPolicy } from "@pulumi/policy";
import { arrayProp, displayName, isRecord, recordProp, stringProp, stringsWithIndex } from "./props";
import { CONTAINER, LOCAL_COMMAND, REMOTE_COMMAND } from "./resourceTypes";
import { argvFindings, scriptReason, SecretFinding, secretNameReason, secretValueReason } from "./secrets";

const CONTAINER_REMEDIATION =
  "Anyone who can run `docker inspect` or `ps` on the host reads container environment, labels and argv, " +
  "whether or not the value is a Pulumi secret. Give the secret to the container as a file instead: an " +
  '`uploads` entry whose content is the Pulumi secret (permissions "0600" or "0640") and the program\'s ' +
  "`*_FILE` / `*_path` setting pointing at it.";

const COMMAND_REMEDIATION =
  "The script is passed to the shell as an argument, so it shows up in `ps` and in Pulumi's logs. " +
  'Pass the secret through the Command\'s `environment` (or `stdin`) and refer to it as "$NAME" in the script.';

/** Secret-looking values in a Container's envs, labels, command, entrypoints and healthcheck. */
export function containerSecretFindings(props: Readonly<Record<string, unknown>>): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const { index, value } of stringsWithIndex(arrayProp(props, "envs"))) {
    const eq = value.indexOf("=");
    const key = eq < 0 ? value : value.slice(0, eq);
    const val = eq < 0 ? "" : value.slice(eq + 1);
    const reason = secretNameReason(key, val) ?? secretValueReason(val);
    if (reason !== undefined) {
      findings.push({ where: `envs[${index}] (${key})`, reason });
    }
  }
  arrayProp(props, "labels").forEach((entry, index) => {
    if (!isRecord(entry)) {
      return;
    }
    const label = typeof entry.label === "string" ? entry.label : "";
    const value = typeof entry.value === "string" ? entry.value : "";
    const reason = secretNameReason(label, value) ?? secretValueReason(value);
    if (reason !== undefined) {
      findings.push({ where: `labels[${index}] (${label})`, reason });
    }
  });
  for (const field of ["command", "entrypoints"]) {
    findings.push(...argvFindings(field, stringsWithIndex(arrayProp(props, field))));
  }
  const healthcheck = recordProp(props, "healthcheck");
  if (healthcheck !== undefined) {
    findings.push(...argvFindings("healthcheck.tests", stringsWithIndex(arrayProp(healthcheck, "tests"))));
  }
  return findings;
}

/** Secret-looking values in a Command's create/update/delete scripts. */
export function commandSecretFindings(props: Readonly<Record<string, unknown>>): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const field of ["create", "update", "delete"]) {
    const script = stringProp(props, field);
    const reason = script === undefined ? undefined : scriptReason(script);
    if (reason !== undefined) {
      findings.push({ where: field, reason });
    }
  }
  return findings;
}

/**
 * `no-secrets-in-plain-container-inputs`: secrets reach containers as files and commands through
 * environment or stdin, never through inputs that the Docker host or the
 * process table shows to everyone. Messages name the place, never the value.
 */
export const noSecretsInPlainContainerInputs: ResourceValidationPolicy = {
  name: "no-secrets-in-plain-container-inputs",
  description:
    "No secret-looking value (a PASSWORD/SECRET/TOKEN/KEY-named variable or flag with a literal value, a " +
    "syt_ Synapse token, a private key, a JWT, a URL with a password, a 32+ character random string) in a " +
    "Container's envs, labels, command, entrypoints or healthcheck, nor in a Command's create/update/delete script.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: `${CONTAINER_REMEDIATION} For Commands: ${COMMAND_REMEDIATION}`,
  validateResource: (args, reportViolation) => {
    if (args.type === CONTAINER) {
      for (const { where, reason } of containerSecretFindings(args.props)) {
        reportViolation(
          `Container "${displayName(args.props, args.name)}": ${where} looks like a secret (${reason}). ${CONTAINER_REMEDIATION}`,
        );
      }
    } else if (args.type === LOCAL_COMMAND || args.type === REMOTE_COMMAND) {
      for (const { where, reason } of commandSecretFindings(args.props)) {
        reportViolation(
          `Command "${args.name}": the ${where} script looks like it holds a secret (${reason}). ${COMMAND_REMEDIATION}`,
        );
      }
    }
  },
};
