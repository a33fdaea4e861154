/**
 * The stack configuration schema: every key of the `eqmd-matrix` namespace, its type, its
 * default and the rule it must satisfy on its own. Every check carries its message in plain
 * words (what the key wants, with an example), so no validation-library text reaches the
 * operator. Rules that span several keys live in rules.ts. Pure: no Pulumi imports.
 */
import { z } from "zod";
import { DEFAULT_ELEMENT_IMAGE, DEFAULT_POSTGRES_IMAGE, DEFAULT_SYNAPSE_IMAGE } from "./versions";

/** Default port of Synapse's HTTP listener inside the container (eqmd: 8008). */
export const SYNAPSE_LISTEN_PORT = 8008;

/** Config keys that hold secrets: set only with `pulumi config set --secret`, never echoed. */
export const SECRET_CONFIG_KEYS = ["postgresAdminPassword", "oidcClientSecret"] as const;
export type SecretConfigKey = (typeof SECRET_CONFIG_KEYS)[number];

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

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_KEY = /^[A-Z_][A-Z0-9_]*$/;
const IMAGE_REF = /^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/;
const PYTHON_MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const PORT_TEXT = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;
const MAX_ID = 2147483647;

/** Text matching `pattern`; any other value (wrong type included) gets the one message. */
const text = (pattern: RegExp, expected: string) => z.string({ error: expected }).regex(pattern, { error: expected });

/** Non-empty text. */
const words = (expected: string) => z.string({ error: expected }).min(1, { error: expected });

const flag = z.boolean({ error: "true or false (without quotes)" });

const wholeNumber = (min: number, max: number, expected: string) =>
  z.number({ error: expected }).int({ error: expected }).min(min, { error: expected }).max(max, { error: expected });

const tcpPort = (example: number) =>
  wholeNumber(1, 65535, `a port number: a whole number from 1 to 65535, such as ${example}`);

/** A list of non-empty strings. */
const textList = (expected: string) => z.array(words(expected), { error: expected });

const hostname = (what: string, example: string) => text(HOSTNAME, `${what}: a lower-case DNS name such as ${example}`);

const baseUrl = (example: string) =>
  text(/^https?:\/\/[^/\s]+\/$/, `a URL "http(s)://<host>/" with exactly one trailing slash, such as "${example}"`);

const image = (example: string) =>
  text(IMAGE_REF, `an image pinned to a version tag or digest, such as "${example}"`).refine(
    (s) => !s.endsWith(":latest"),
    { error: `a pinned tag such as "${example}": "latest" changes under you` },
  );

/** uid/gid: 0 is root (refused on purpose), negative or fractional numbers are no id at all. */
const unixId = (what: "UID" | "GID") =>
  z
    .number({ error: `a ${what}: a whole number such as 1001` })
    .int({ error: `a valid ${what}: a whole number such as 1001` })
    .min(0, { error: `a valid ${what}: a whole number from 1 to ${MAX_ID}, such as 1001` })
    .max(MAX_ID, { error: `a valid ${what}: a whole number from 1 to ${MAX_ID}, such as 1001` })
    .refine((n) => n !== 0, { error: `a non-root ${what} (0 is root), such as 1001` });

const PORT_EXPECTED = 'a published port "<ip>:<port>" such as "127.0.0.1:8008", or false to publish nothing';

/** "127.0.0.1:8008" (ip:port) or false to leave the port unpublished. */
const publishedPort = z.union([z.literal(false), z.string()], { error: PORT_EXPECTED }).superRefine((value, ctx) => {
  if (value === false) return;
  const match = PORT_TEXT.exec(value);
  if (!match) {
    ctx.addIssue({ code: "custom", message: PORT_EXPECTED, input: value });
  } else if (Number(match[3]) < 1 || Number(match[3]) > 65535) {
    ctx.addIssue({ code: "custom", message: "a port between 1 and 65535, such as 127.0.0.1:8008", input: value });
  }
});

const EXEC_EXPECTED =
  "where commands run: {command: [docker, exec, -i], container: <name>}, or {command: []} for this host";

/** Where a command runs: `command` + `-e NAME`… + `container` + argv; empty command = this host. */
const execTarget = z
  .strictObject(
    {
      command: textList("a list of words such as [docker, exec, -i] (or [] for this host)").default([]),
      container: text(CONTAINER_NAME, "a container or compose service name such as eqmd_app").optional(),
    },
    { error: EXEC_EXPECTED },
  )
  .refine((t) => t.command.length === 0 || t.container !== undefined, {
    error: '"container" whenever "command" is set, e.g. {command: [docker, exec, -i], container: eqmd_app}',
  });

const captureKey = text(ENV_KEY, "an environment variable name such as MATRIX_BOT_ACCESS_TOKEN");

const moduleEntry = z.strictObject(
  {
    module: text(PYTHON_MODULE, 'a Python class path "package.ClassName", such as "eqmd_policy.EqmdPolicyModule"'),
    config: z.record(z.string(), z.unknown(), { error: "the module's config: a map of keys" }).default({}),
    files: textList("a list of local file paths such as [modules/eqmd_policy.py]").default([]),
  },
  { error: 'a module: {module: "package.ClassName", config: {…}, files: [paths]}' },
);

/** Steps eqmd-matrix itself runs through Django's `manage.py shell` (eqmd has no command for them). */
export const BUILTIN_HOOKS = ["clearStaleRooms"] as const;
export type BuiltinHook = (typeof BUILTIN_HOOKS)[number];

const HOOK_COMMAND_EXPECTED = 'a management command and its arguments, such as ["setup_matrix_bot"]';

/**
 * One after-reset step: an eqmd management command (`command`) or one of the program's own
 * steps (`builtin`). `enabled: false` keeps it declared but not run (opt-in hooks).
 */
const afterResetHook = z
  .strictObject(
    {
      command: textList(HOOK_COMMAND_EXPECTED).min(1, { error: HOOK_COMMAND_EXPECTED }).optional(),
      builtin: z
        .enum(BUILTIN_HOOKS, { error: `one of the program's own steps: ${BUILTIN_HOOKS.join(", ")}` })
        .optional(),
      capture: z.array(captureKey, { error: "a list of environment variable names" }).default([]),
      failOnWarnings: flag.default(false),
      enabled: flag.default(true),
    },
    { error: "a hook: {command: [<manage.py command>, …], capture: [KEY, …]} or {builtin: clearStaleRooms}" },
  )
  .superRefine((hook, ctx) => {
    if (hook.command === undefined && hook.builtin === undefined) {
      // Reported like any missing required key (validate.ts adds the `pulumi config set` fix).
      ctx.addIssue({
        code: "invalid_type",
        expected: "array",
        path: ["command"],
        input: undefined,
        message: HOOK_COMMAND_EXPECTED,
      });
    } else if (hook.command !== undefined && hook.builtin !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["builtin"],
        input: hook.builtin,
        message: "either command or builtin in one hook, not both (make them two hooks)",
      });
    } else if (hook.builtin !== undefined && hook.capture.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["capture"],
        input: hook.capture,
        message: `no capture on a builtin step: ${hook.builtin} prints no KEY=value line`,
      });
    }
  });

const LINK_URL = /^https?:\/\/[^/\s]+(\/\S*)?$/;

/** An http(s) link shown to users, such as eqmd's privacy policy page. */
const linkUrl = (example: string) => text(LINK_URL, `an http(s) URL such as "${example}"`);

const TERMS_LINK_EXPECTED =
  'a link {text: <shown text>, url: <http(s) URL>}, such as {text: Privacy Policy, url: "https://yourhospital.com/privacy-policy"}';

/** One entry of Element's "Legal" links (Settings → Help & About). */
const termsLink = z.strictObject(
  {
    text: words("the link's text, such as Privacy Policy"),
    url: linkUrl("https://yourhospital.com/privacy-policy"),
  },
  { error: TERMS_LINK_EXPECTED },
);

/** An optional memory limit in MiB (Docker's `memory`); absent = no limit, as before. */
const memoryMb = wholeNumber(64, 1048576, "a memory limit in MiB: a whole number from 64 to 1048576, such as 2048");

/** A container path that gets a tmpfs (the root file system is read-only). */
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]*$/;
const tmpfsPaths = z
  .array(text(ABSOLUTE_PATH, "an absolute container path such as /var/cache/nginx"), {
    error: "a list of absolute container paths such as [/tmp, /var/cache/nginx, /var/run]",
  })
  .refine((paths) => paths.includes("/tmp"), {
    error: "a list that keeps /tmp, such as [/tmp, /var/cache/nginx, /var/run]",
  });

/** Synapse's optional log file: rotated at midnight, `keep` old files kept (eqmd: 3). */
const fileLog = z.strictObject(
  {
    keep: wholeNumber(0, 366, "a number of rotated log files to keep (one a day), from 0 to 366, such as 3").default(3),
  },
  { error: "a map such as {keep: 3} (old log files kept); remove the key to log to stdout only" },
);

const extraSettings = z
  .record(z.string(), z.unknown(), { error: "a map of homeserver.yaml settings such as {max_upload_size: 100M}" })
  .superRefine((settings, ctx) => {
    for (const key of Object.keys(settings)) {
      if ((SECRET_HOMESERVER_KEYS as readonly string[]).includes(key)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          input: "(hidden)",
          message:
            "no key that carries a secret or that this program manages (it would land in the readable homeserver.yaml)",
        });
      }
    }
  });

/** Top-level keys that are not sections. */
export const topLevelFields = {
  containerPrefix: text(
    CONTAINER_NAME,
    "letters, digits, '_', '.' or '-', starting with a letter or digit, such as eqmd",
  ).default("eqmd"),
  eqmdDomain: hostname("eqmd's own domain (EQMD_DOMAIN)", "yourhospital.com"),
  matrixFqdn: hostname("the Matrix server name (MATRIX_FQDN)", "matrix.yourhospital.com").optional(),
  chatFqdn: hostname("Element's host name (CHAT_FQDN)", "chat.yourhospital.com").optional(),
  publicBaseUrl: baseUrl("https://matrix.yourhospital.com/").optional(),
  // eqmd's default is admin@localhost, which a strict e-mail check would refuse.
  hospitalEmail: text(/^[^@\s]+@[^@\s]+$/, "an e-mail address (HOSPITAL_EMAIL) such as ti@yourhospital.com").default(
    "admin@localhost",
  ),
  uid: unixId("UID").default(1001),
  gid: unixId("GID").default(1001),
  dockerHost: text(
    /^(unix|tcp|ssh|npipe):\/\/\S+$/,
    'a Docker host URL such as "unix:///var/run/docker.sock" or "ssh://user@host"',
  ).optional(),
  afterReset: z.array(afterResetHook, { error: "a list of hooks: [{command: [setup_matrix_bot]}, …]" }).default([]),
};

/** Sections: each a map of keys, every key with its own default. */
export const sectionFields = {
  synapse: {
    image: image(DEFAULT_SYNAPSE_IMAGE).default(DEFAULT_SYNAPSE_IMAGE),
    version: text(/^\d+\.\d+\.\d+$/, 'a Synapse version "MAJOR.MINOR.PATCH", such as "1.99.0"').optional(),
    port: publishedPort.default("127.0.0.1:8008"),
    /** For tests that run Synapse outside a container (a free port). */
    listenPort: tcpPort(SYNAPSE_LISTEN_PORT).default(SYNAPSE_LISTEN_PORT),
    /** For tests that run Synapse outside a container (loopback only); derived otherwise. */
    bindAddresses: textList("a list of addresses such as [127.0.0.1]")
      .min(1, { error: "a list of at least one address such as [127.0.0.1]" })
      .optional(),
    startTimeoutSeconds: wholeNumber(30, 1800, "a number of seconds from 30 to 1800, such as 300").default(300),
    passwordLogin: flag.default(false),
    exec: execTarget.optional(),
    /** For tests that run Synapse outside a container; derived otherwise. */
    internalUrl: text(/^https?:\/\/[^/\s]+$/, 'a URL "http://<host>:<port>" without a path').optional(),
    extraSettings: extraSettings.default({}),
    /** A log file under /data/logs on its own volume, next to stdout; absent = stdout only. */
    fileLog: fileLog.optional(),
    modules: z.array(moduleEntry, { error: "a list of modules: [{module: package.ClassName, …}]" }).default([]),
    memoryMb: memoryMb.optional(),
  },
  element: {
    image: image(DEFAULT_ELEMENT_IMAGE).default(DEFAULT_ELEMENT_IMAGE),
    port: publishedPort.default("127.0.0.1:8080"),
    containerPort: tcpPort(80).default(80),
    brand: words("a product name such as EquipeMed Chat").default("EquipeMed Chat"),
    publicUrl: baseUrl("https://chat.yourhospital.com/").optional(),
    customCssFile: words("a local file path such as element/custom.css").optional(),
    /** features.feature_pinning: pin messages in a room (Element's default: off). */
    messagePinning: flag.default(false),
    /** enable_presence_by_hs_url for this homeserver: show online/offline (Element's default: on). */
    showPresence: flag.default(true),
    /** terms_and_conditions_links: the "Legal" links in Element's Help & About. */
    termsLinks: z
      .array(termsLink, { error: `a list of links: [${TERMS_LINK_EXPECTED.replace(/^a link /, "")}, …]` })
      .default([]),
    /** embedded_pages.home_url: the page Element's Home view shows (fetched by the browser). */
    homeUrl: linkUrl("https://yourhospital.com/").optional(),
    /**
     * The user nginx runs as: the official image's `nginx` (101:101), so the container needs no
     * capability at all (Docker lets any user bind port 80 inside a container's own network).
     */
    user: text(/^\d+:\d+$/, 'a numeric "UID:GID" such as "101:101"').default("101:101"),
    /** Writable paths on the read-only root: what nginx writes (pid, temp files). Images from v1.11.90 on also write /etc/nginx/conf.d. */
    tmpfs: tmpfsPaths.default(["/tmp", "/var/cache/nginx", "/var/run"]),
    memoryMb: memoryMb.optional(),
  },
  network: {
    name: text(CONTAINER_NAME, "a Docker network name such as eqmd_net").default("eqmd_net"),
    create: flag.default(false),
  },
  postgres: {
    mode: z.enum(["external", "managed"], { error: '"external" or "managed"' }).default("external"),
    host: words("a host name or address such as 127.0.0.1").default("127.0.0.1"),
    port: tcpPort(5432).default(5432),
    adminUser: words("a PostgreSQL role name such as eqmd_user").default("eqmd_user"),
    adminDatabase: words("a database name such as postgres").default("postgres"),
    sslmode: z
      .enum(["disable", "require", "verify-ca", "verify-full"], {
        error: '"disable", "require", "verify-ca" or "verify-full"',
      })
      .default("disable"),
    superuser: flag.default(true),
    synapseHost: words("a host name such as postgres (as Synapse sees PostgreSQL)").default("postgres"),
    synapsePort: tcpPort(5432).default(5432),
    image: image(DEFAULT_POSTGRES_IMAGE).default(DEFAULT_POSTGRES_IMAGE),
    /** Managed mode only: the dev PostgreSQL container's memory limit. */
    memoryMb: memoryMb.optional(),
  },
  database: {
    name: text(PG_IDENTIFIER, "a lower-case PostgreSQL identifier such as matrix_db").default("matrix_db"),
    role: text(PG_IDENTIFIER, "a lower-case PostgreSQL identifier such as matrix_user").default("matrix_user"),
    cpMin: wholeNumber(1, MAX_ID, "a whole number of connections, at least 1, such as 5").default(5),
    cpMax: wholeNumber(1, MAX_ID, "a whole number of connections, at least 1, such as 10").default(10),
  },
  oidc: {
    enabled: flag.default(true),
    providerId: text(
      /^[A-Za-z0-9_.-]{1,250}$/,
      "letters, digits, '_', '.' or '-' such as equipemed (Synapse prefixes it with 'oidc-')",
    ).default("equipemed"),
    displayName: words("a name shown on the login button, such as EquipeMed").default("EquipeMed"),
    issuer: text(
      /^https?:\/\/[^\s]+[^/]$/,
      'the issuer URL without a trailing slash, such as "https://yourhospital.com/o"',
    ).optional(),
    clientId: words("an OIDC client id such as matrix_synapse_client").default("matrix_synapse_client"),
    scopes: textList("a list of scopes such as [openid, profile, email]")
      .min(1, { error: "a list of at least one scope, such as [openid, profile, email]" })
      .default(["openid", "profile", "email"]),
    localpartTemplate: words("a Jinja template such as {{ user.matrix_localpart }}").default(
      "{{ user.matrix_localpart }}",
    ),
    displayNameTemplate: words("a Jinja template such as {{ user.name }}").default(
      "{{ user.name or user.preferred_username or user.email }}",
    ),
    emailTemplate: words("a Jinja template such as {{ user.email }}").default("{{ user.email }}"),
    /** For tests against a local http issuer. */
    skipVerification: flag.default(false),
    clientSecretFrom: z.enum(["django", "config"], { error: '"django" or "config"' }).default("django"),
  },
  django: {
    exec: execTarget.optional(),
    managePy: textList("a command such as [python, manage.py]")
      .min(1, { error: "a command such as [python, manage.py]" })
      .default(["python", "manage.py"]),
    migrate: flag.default(false),
  },
  admin: {
    username: text(
      /^[a-z0-9._=\-/]{1,255}$/,
      "a Matrix localpart such as admin: lower-case letters, digits, . _ = - /",
    ).default("admin"),
  },
  media: {
    retainOnDelete: flag.default(true),
  },
  reset: {
    allowed: flag.default(true),
  },
  /** Docker's json-file log of every long-running container, bounded so months of uptime cannot fill the disk. */
  containerLogs: {
    maxSize: text(/^[1-9]\d*[kmg]$/, 'a size with a unit k, m or g, such as "10m"').default("10m"),
    maxFiles: wholeNumber(1, 100, "a number of log files kept per container, from 1 to 100, such as 5").default(5),
  },
};

/** `envFile` is optional as a whole; when present, `path` is required. */
export const envFileFields = {
  path: words("the path of eqmd's .env on the Pulumi host, such as /opt/eqmd/.env"),
  recreateCommand: textList("a command such as [docker, compose, up, -d, --force-recreate, eqmd]").default([]),
};

export const configSchema = z.strictObject({
  ...topLevelFields,
  synapse: z.strictObject(sectionFields.synapse).prefault({}),
  element: z.strictObject(sectionFields.element).prefault({}),
  network: z.strictObject(sectionFields.network).prefault({}),
  postgres: z.strictObject(sectionFields.postgres).prefault({}),
  database: z.strictObject(sectionFields.database).prefault({}),
  oidc: z.strictObject(sectionFields.oidc).prefault({}),
  django: z.strictObject(sectionFields.django).prefault({}),
  admin: z.strictObject(sectionFields.admin).prefault({}),
  media: z.strictObject(sectionFields.media).prefault({}),
  reset: z.strictObject(sectionFields.reset).prefault({}),
  containerLogs: z.strictObject(sectionFields.containerLogs).prefault({}),
  envFile: z.strictObject(envFileFields).optional(),
});

export type ParsedConfig = z.output<typeof configSchema>;
export type ExecTargetConfig = z.output<typeof execTarget>;

/**
 * The keys without a default (list indexes as `[]`), with the path and value the `pulumi config
 * set` fix suggests: a list is set one item at a time.
 */
export const REQUIRED_EXAMPLES: Readonly<Record<string, { readonly suffix: string; readonly value: string }>> = {
  eqmdDomain: { suffix: "", value: "yourhospital.com" },
  "envFile.path": { suffix: "", value: "/opt/eqmd/.env" },
  "afterReset[].command": { suffix: "[0]", value: "setup_matrix_bot" },
  "synapse.modules[].module": { suffix: "", value: "eqmd_policy.EqmdPolicyModule" },
  "element.termsLinks[].text": { suffix: "", value: "'Privacy Policy'" },
  "element.termsLinks[].url": { suffix: "", value: "https://yourhospital.com/privacy-policy" },
};
