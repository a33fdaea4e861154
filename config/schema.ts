/**
 * The stack configuration schema: every key of the `eqmd-matrix` namespace, its type, its
 * default and the rule it must satisfy. Pure (no Pulumi imports), so tests can exercise every
 * rule directly. `settings.ts` turns the parsed result into the settings the program uses.
 */
import { z } from "zod";
import { DEFAULT_ELEMENT_IMAGE, DEFAULT_POSTGRES_IMAGE, DEFAULT_SYNAPSE_IMAGE } from "./versions";

/** Default port of Synapse's HTTP listener inside the container (eqmd: 8008). */
export const SYNAPSE_LISTEN_PORT = 8008;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_KEY = /^[A-Z_][A-Z0-9_]*$/;
const IMAGE_REF = /^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/;
const PYTHON_MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

const hostname = (what: string) =>
  z.string().regex(HOSTNAME, `expected ${what}: a lower-case DNS name such as matrix.example.org`);

/** "127.0.0.1:8008" (ip:port) or false to leave the port unpublished. */
const publishedPort = z.union([
  z.literal(false),
  z
    .string()
    .regex(
      /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d{1,5}$/,
      'expected "<ip>:<port>" such as "127.0.0.1:8008", or false to publish nothing',
    )
    .refine((s) => {
      const port = Number(s.slice(s.lastIndexOf(":") + 1));
      return port >= 1 && port <= 65535;
    }, "expected a port between 1 and 65535"),
]);

const image = z
  .string()
  .regex(IMAGE_REF, 'expected an image pinned to a tag or digest, such as "repo/name:v1.2.3"')
  .refine((s) => !s.endsWith(":latest"), 'expected a pinned tag; "latest" changes under you');

/** Where a command runs: `command` + `-e NAME`… + `container` + argv; empty command = this host. */
const execTarget = z
  .object({
    command: z.array(z.string().min(1)).default([]),
    container: z.string().regex(CONTAINER_NAME, "expected a container or compose service name").optional(),
  })
  .strict()
  .refine((t) => t.command.length === 0 || t.container !== undefined, {
    message: 'expected "container" whenever "command" is set (e.g. command ["docker","exec","-i"])',
  });

const syncSecretsKey = z
  .string()
  .regex(ENV_KEY, "expected an environment variable name such as MATRIX_BOT_ACCESS_TOKEN");

const moduleEntry = z
  .object({
    module: z.string().regex(PYTHON_MODULE, 'expected "package.ClassName", e.g. "eqmd_policy.EqmdPolicyModule"'),
    config: z.record(z.string(), z.unknown()).default({}),
    files: z.array(z.string().min(1)).default([]),
  })
  .strict();

const afterResetHook = z
  .object({
    command: z.array(z.string().min(1)).min(1, 'expected a management command, e.g. ["setup_matrix_bot"]'),
    capture: z.array(syncSecretsKey).default([]),
  })
  .strict();

/** Keys that would put a secret into the readable homeserver.yaml. */
export const SECRET_HOMESERVER_KEYS = [
  "registration_shared_secret",
  "macaroon_secret_key",
  "form_secret",
  "database",
  "oidc_providers",
  "signing_key",
  "turn_shared_secret",
  "worker_replication_secret",
  "recaptcha_private_key",
  "email",
] as const;

export const configSchema = z
  .object({
    containerPrefix: z.string().regex(CONTAINER_NAME, "expected letters, digits, '_', '.' or '-'").default("eqmd"),
    eqmdDomain: hostname("eqmd's own domain (EQMD_DOMAIN)"),
    matrixFqdn: hostname("the Matrix server name (MATRIX_FQDN)").optional(),
    chatFqdn: hostname("Element's host name (CHAT_FQDN)").optional(),
    publicBaseUrl: z
      .string()
      .regex(/^https?:\/\/[^/\s]+\/$/, 'expected "https://<host>/" with exactly one trailing slash')
      .optional(),
    // eqmd's default is admin@localhost, which a strict e-mail check would refuse.
    hospitalEmail: z
      .string()
      .regex(/^[^@\s]+@[^@\s]+$/, "expected an e-mail address (HOSPITAL_EMAIL)")
      .default("admin@localhost"),
    uid: z.number().int().min(1, "expected a non-root UID").max(2147483647).default(1001),
    gid: z.number().int().min(1, "expected a non-root GID").max(2147483647).default(1001),
    synapse: z
      .object({
        image: image.default(DEFAULT_SYNAPSE_IMAGE),
        version: z
          .string()
          .regex(/^\d+\.\d+\.\d+$/, 'expected "MAJOR.MINOR.PATCH", e.g. "1.99.0"')
          .optional(),
        port: publishedPort.default("127.0.0.1:8008"),
        listenPort: z.number().int().min(1).max(65535).default(SYNAPSE_LISTEN_PORT),
        bindAddresses: z.array(z.string().min(1)).min(1).default(["0.0.0.0"]),
        startTimeoutSeconds: z.number().int().min(30).max(1800).default(300),
        passwordLogin: z.boolean().default(false),
        exec: execTarget.optional(),
        internalUrl: z
          .string()
          .regex(/^https?:\/\/[^/\s]+$/, 'expected "http://<host>:<port>" without a path')
          .optional(),
        extraSettings: z.record(z.string(), z.unknown()).default({}),
        modules: z.array(moduleEntry).default([]),
      })
      .strict()
      .prefault({}),
    element: z
      .object({
        image: image.default(DEFAULT_ELEMENT_IMAGE),
        port: publishedPort.default("127.0.0.1:8080"),
        containerPort: z.number().int().min(1).max(65535).default(80),
        brand: z.string().min(1).default("EquipeMed Chat"),
        publicUrl: z
          .string()
          .regex(/^https?:\/\/[^/\s]+\/$/, 'expected "https://<host>/" with exactly one trailing slash')
          .optional(),
        customCssFile: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    network: z
      .object({
        name: z.string().regex(CONTAINER_NAME, "expected a Docker network name").default("eqmd_net"),
        create: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    dockerHost: z
      .string()
      .regex(
        /^(unix|tcp|ssh|npipe):\/\/\S+$/,
        'expected a Docker host URL such as "unix:///var/run/docker.sock" or "ssh://user@host"',
      )
      .optional(),
    postgres: z
      .object({
        mode: z.enum(["external", "managed"]).default("external"),
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(1).max(65535).default(5432),
        adminUser: z.string().min(1).default("eqmd_user"),
        adminDatabase: z.string().min(1).default("postgres"),
        sslmode: z.enum(["disable", "require", "verify-ca", "verify-full"]).default("disable"),
        superuser: z.boolean().default(true),
        synapseHost: z.string().min(1).default("postgres"),
        synapsePort: z.number().int().min(1).max(65535).default(5432),
        image: image.default(DEFAULT_POSTGRES_IMAGE),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        name: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, "expected a lower-case PostgreSQL identifier")
          .default("matrix_db"),
        role: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, "expected a lower-case PostgreSQL identifier")
          .default("matrix_user"),
        cpMin: z.number().int().min(1).default(5),
        cpMax: z.number().int().min(1).default(10),
      })
      .strict()
      .refine((d) => d.cpMin <= d.cpMax, { message: "expected cpMin <= cpMax", path: ["cpMax"] })
      .prefault({}),
    oidc: z
      .object({
        enabled: z.boolean().default(true),
        providerId: z
          .string()
          .regex(
            /^[A-Za-z0-9_.-]{1,250}$/,
            "expected letters, digits, '_', '.' or '-' (Synapse prefixes it with 'oidc-')",
          )
          .default("equipemed"),
        displayName: z.string().min(1).default("EquipeMed"),
        issuer: z
          .string()
          .regex(
            /^https?:\/\/[^\s]+[^/]$/,
            'expected the issuer URL without a trailing slash, e.g. "https://example.org/o"',
          )
          .optional(),
        clientId: z.string().min(1).default("matrix_synapse_client"),
        scopes: z.array(z.string().min(1)).min(1).default(["openid", "profile", "email"]),
        localpartTemplate: z.string().min(1).default("{{ user.matrix_localpart }}"),
        displayNameTemplate: z.string().min(1).default("{{ user.name or user.preferred_username or user.email }}"),
        emailTemplate: z.string().min(1).default("{{ user.email }}"),
        skipVerification: z.boolean().default(false),
        clientSecretFrom: z.enum(["django", "config"]).default("django"),
      })
      .strict()
      .prefault({}),
    django: z
      .object({
        exec: execTarget.optional(),
        managePy: z.array(z.string().min(1)).min(1).default(["python", "manage.py"]),
        migrate: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    admin: z
      .object({
        username: z
          .string()
          .regex(/^[a-z0-9._=\-/]{1,255}$/, "expected a Matrix localpart: lower-case letters, digits, . _ = - /")
          .default("admin"),
      })
      .strict()
      .prefault({}),
    media: z
      .object({
        retainOnDelete: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    envFile: z
      .object({
        path: z.string().min(1),
        recreateCommand: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .optional(),
    afterReset: z.array(afterResetHook).default([]),
    reset: z
      .object({
        allowed: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    allowPublicPorts: z.boolean().default(false),
  })
  .strict();

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type ExecTargetConfig = z.output<typeof execTarget>;
