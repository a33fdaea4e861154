/**
 * The stack configuration schema: every key of the `eqmd-matrix` namespace, its type, its
 * default and the rule it must satisfy on its own. Every check carries its message in plain
 * words (what the key wants, with an example), so no validation-library text reaches the
 * operator. Rules that span several keys live in rules.ts. Pure: no Pulumi imports.
 */
import { z } from "zod";
import {
  DEFAULT_ELEMENT_IMAGE,
  DEFAULT_POSTGRES_IMAGE,
  DEFAULT_REDIS_IMAGE,
  DEFAULT_ROUTER_IMAGE,
  DEFAULT_SYNAPSE_IMAGE,
} from "./versions";

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
export const BUILTIN_HOOKS = ["clearStaleRooms", "checkLocalparts"] as const;
export type BuiltinHook = (typeof BUILTIN_HOOKS)[number];

/**
 * eqmd's commands that create a Matrix account for every active user, a fallback `@u_<uuid>`
 * one for a user without a localpart: the program checks the localparts before each of them.
 */
export const PROVISIONING_COMMANDS: readonly string[] = ["matrix_provision_rooms", "matrix_sync_lifecycle"];

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
      // Default (settings): on for a provisioning command, absent elsewhere.
      checkLocalparts: flag.optional(),
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
    } else if (hook.checkLocalparts !== undefined && !PROVISIONING_COMMANDS.includes(hook.command?.[0] ?? "")) {
      ctx.addIssue({
        code: "custom",
        path: ["checkLocalparts"],
        input: hook.checkLocalparts,
        message: `checkLocalparts only on a hook that creates accounts (${PROVISIONING_COMMANDS.join(", ")}); remove it from this hook`,
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

const memoryDoc = (what: string) => ({
  description: `${what}'s memory limit in MiB (Docker's \`memory\`); absent: no limit.`,
  eqmd: "—",
  example: 2048,
  bad: 16,
  derived: "— (no limit)",
});

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

/** Upper bounds of the worker counts: more processes than this is no longer one host's job. */
export const MAX_SYNC_WORKERS = 8;
export const MAX_CLIENT_WORKERS = 8;
export const MAX_EVENT_PERSISTERS = 4;

/**
 * Synapse's worker mode (docs/workers.md of Synapse) for a client-heavy server that does not
 * federate: how many processes of each kind run beside the main one. No pusher workers: this
 * program turns push off (`push.enabled: false`), so they would have nothing to do.
 */
const workers = z.strictObject(
  {
    sync: wholeNumber(
      0,
      MAX_SYNC_WORKERS,
      `a number of /sync workers from 0 to ${MAX_SYNC_WORKERS}, such as 2`,
    ).default(1),
    client: wholeNumber(
      0,
      MAX_CLIENT_WORKERS,
      `a number of client API workers from 0 to ${MAX_CLIENT_WORKERS}, such as 1`,
    ).default(1),
    media: flag.default(true),
    background: flag.default(true),
    eventPersisters: wholeNumber(
      0,
      MAX_EVENT_PERSISTERS,
      `a number of event persisters from 0 to ${MAX_EVENT_PERSISTERS}, such as 1`,
    ).default(0),
    memoryMb: memoryMb.optional(),
  },
  {
    error:
      "a map such as {sync: 2, client: 1, media: true, background: true, eventPersisters: 0}; remove the key for one process",
  },
);

/** Prometheus metrics of every Synapse process, published on loopback from `port` on. */
const metrics = z.strictObject(
  {
    port: publishedPort
      .refine((p) => p !== false, { error: 'a published port "<ip>:<port>" such as "127.0.0.1:19090"' })
      .default("127.0.0.1:19090"),
  },
  { error: 'a map such as {port: "127.0.0.1:19090"}; remove the key for no metrics' },
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

/**
 * What the configuration reference (docs/configuration.md, written by `npm run docs:config`)
 * says of a key, kept on the key's schema with zod's `.meta()`. The reference test validates
 * `example` (it must pass) and `bad` (the reference prints the error the validator gives it).
 */
export interface KeyDoc {
  /** What the key does, for the operator (Markdown). */
  readonly description: string;
  /** What it replaces in eqmd's setup: the `.env` variable (`MATRIX_FQDN`), a file or a step; "—" for nothing. */
  readonly eqmd: string;
  /** A value the key accepts. */
  readonly example: unknown;
  /** A value the key refuses. */
  readonly bad: unknown;
  /** The default (Markdown) when it follows from other keys or is no value, e.g. "`matrix.<eqmdDomain>`". */
  readonly derived?: string;
  /** Set for keys that exist for the test tiers only (Synapse outside a container, a local http issuer). */
  readonly testsOnly?: true;
}

/** A key's schema with its reference entry on it. */
const documented = <T extends z.ZodType>(schema: T, doc: KeyDoc): T => schema.meta({ ...doc });

/** The two secret keys: not in the schema (the engine decrypts them), documented here. */
export const SECRET_KEY_DOCS: Readonly<Record<SecretConfigKey, KeyDoc>> = {
  postgresAdminPassword: {
    description:
      "Password of `postgres.adminUser`, the role the PostgreSQL provider connects as. Absent: none (or `PGPASSWORD`). Set it with `pulumi config set --secret postgresAdminPassword …`.",
    eqmd: "`POSTGRES_PASSWORD`",
    example: "<POSTGRES_PASSWORD of eqmd's .env>",
    bad: "stored-in-plain-text",
  },
  oidcClientSecret: {
    description:
      "The OIDC client secret, when `oidc.clientSecretFrom` is `config` (required then). Set it with `pulumi config set --secret oidcClientSecret …`.",
    eqmd: "`SYNAPSE_OIDC_CLIENT_SECRET`",
    example: "<the client secret registered in eqmd's provider>",
    bad: "stored-in-plain-text",
  },
};

/** Top-level keys that are not sections. */
export const topLevelFields = {
  containerPrefix: documented(
    text(CONTAINER_NAME, "letters, digits, '_', '.' or '-', starting with a letter or digit, such as eqmd").default(
      "eqmd",
    ),
    {
      description:
        "Prefix of every container, volume and network name: `<p>_matrix_synapse`, `<p>_element_web`, `<p>_matrix_media_store`, `<p>_app` (Django), … (`config/names.ts`).",
      eqmd: "`CONTAINER_PREFIX`",
      example: "eqmd",
      bad: "-eqmd",
    },
  ),
  eqmdDomain: documented(hostname("eqmd's own domain (EQMD_DOMAIN)", "yourhospital.com"), {
    description: "eqmd's own domain; the Matrix and Element host names and the issuer default from it. Required.",
    eqmd: "`EQMD_DOMAIN`",
    example: "yourhospital.com",
    bad: "YourHospital.com",
  }),
  matrixFqdn: documented(hostname("the Matrix server name (MATRIX_FQDN)", "matrix.yourhospital.com").optional(), {
    description:
      "Synapse's `server_name`: the part after `:` in every Matrix id. eqmd's `.env` must agree (`MATRIX_FQDN` is checked).",
    eqmd: "`MATRIX_FQDN`",
    example: "matrix.yourhospital.com",
    bad: "matrix_yourhospital",
    derived: "`matrix.<eqmdDomain>`",
  }),
  chatFqdn: documented(hostname("Element's host name (CHAT_FQDN)", "chat.yourhospital.com").optional(), {
    description: "Element's host name (its URL is on Synapse's SSO client whitelist).",
    eqmd: "`CHAT_FQDN`",
    example: "chat.yourhospital.com",
    bad: "chat yourhospital",
    derived: "`chat.<eqmdDomain>`",
  }),
  publicBaseUrl: documented(baseUrl("https://matrix.yourhospital.com/").optional(), {
    description:
      "Synapse's `public_baseurl`: exactly one trailing slash; https while OIDC is on (http only on loopback).",
    eqmd: "`MATRIX_PUBLIC_BASEURL`",
    example: "https://matrix.yourhospital.com/",
    bad: "https://matrix.yourhospital.com",
    derived: "`https://<matrixFqdn>/`",
  }),
  // eqmd's default is admin@localhost, which a strict e-mail check would refuse.
  hospitalEmail: documented(
    text(/^[^@\s]+@[^@\s]+$/, "an e-mail address (HOSPITAL_EMAIL) such as ti@yourhospital.com").default(
      "admin@localhost",
    ),
    {
      description: "Synapse's `admin_contact`: how to reach the server's administrator.",
      eqmd: "`HOSPITAL_EMAIL`",
      example: "ti@yourhospital.com",
      bad: "ti at yourhospital.com",
    },
  ),
  uid: documented(unixId("UID").default(1001), {
    description:
      "The user Synapse runs as; every file it receives is owned by it (secret files mode 0400). Not 0 (root).",
    eqmd: "`EQMD_UID`",
    example: 1001,
    bad: 0,
  }),
  gid: documented(unixId("GID").default(1001), {
    description: "The group of Synapse's user and files. Not 0 (root).",
    eqmd: "`EQMD_GID`",
    example: 1001,
    bad: -1,
  }),
  dockerHost: documented(
    text(
      /^(unix|tcp|ssh|npipe):\/\/\S+$/,
      'a Docker host URL such as "unix:///var/run/docker.sock" or "ssh://user@host"',
    ).optional(),
    {
      description:
        "The Docker engine: used by the docker provider **and** handed as `DOCKER_HOST` to every `docker exec`/`docker compose` command.",
      eqmd: "`DOCKER_HOST`",
      example: "ssh://deploy@eqmd-host",
      bad: "eqmd-host:2375",
      derived: "the local socket, or `DOCKER_HOST` of `pulumi up`",
    },
  ),
  afterReset: documented(
    z.array(afterResetHook, { error: "a list of hooks: [{command: [setup_matrix_bot]}, …]" }).default([]),
    {
      description:
        "eqmd's Django steps run once Synapse is verified (first `up`, every reset, and when a hook's input changes), in order: `{command: [<manage.py command>, …], capture: [KEY, …], failOnWarnings, checkLocalparts, enabled}` or `{builtin: clearStaleRooms | checkLocalparts}`. Before an enabled `matrix_provision_rooms` or `matrix_sync_lifecycle` the `checkLocalparts` step runs (fails naming active eqmd users without a Matrix localpart, before eqmd makes fallback `@u_<uuid>` accounts); `checkLocalparts: false` on that hook turns it off. Captured `KEY=value` lines become secret outputs, later hooks' environment and `.env` entries; `failOnWarnings: true` fails the step on eqmd's warning lines; `enabled: false` declares it without running it (opt-in). See [the hooks](eqmd-host.md#after-reset-hooks).",
      eqmd: "the steps after eqmd's reset procedure",
      example: [
        { command: ["setup_matrix_bot"], capture: ["MATRIX_BOT_ACCESS_TOKEN"] },
        { builtin: "clearStaleRooms" },
      ],
      bad: [{ command: ["setup_matrix_bot"], builtin: "clearStaleRooms" }],
    },
  ),
};

/** Sections: each a map of keys, every key with its own default. */
export const sectionFields = {
  synapse: {
    image: documented(image(DEFAULT_SYNAPSE_IMAGE).default(DEFAULT_SYNAPSE_IMAGE), {
      description: "Synapse's image: a pinned tag or digest, never `latest`. eqmd's `eqmd-synapse:v1.99.0` works.",
      eqmd: "`SYNAPSE_VERSION`",
      example: "eqmd-synapse:v1.99.0",
      bad: "matrixdotorg/synapse:latest",
    }),
    version: documented(text(/^\d+\.\d+\.\d+$/, 'a Synapse version "MAJOR.MINOR.PATCH", such as "1.99.0"').optional(), {
      description:
        "Synapse's version, needed when the image tag is not `vX.Y.Z` (e.g. pinned by digest); at least 1.91.0.",
      eqmd: "—",
      example: "1.99.0",
      bad: "v1.99",
      derived: "read from the image tag",
    }),
    port: documented(publishedPort.default("127.0.0.1:8008"), {
      description:
        "Where Synapse's HTTP port is published on the host: `<ip>:<port>`, or `false` for none. The policy pack (`loopback-published-ports`) allows loopback addresses only.",
      eqmd: "`MATRIX_SYNAPSE_PORT`",
      example: "127.0.0.1:8008",
      bad: "8008",
    }),
    listenPort: documented(tcpPort(SYNAPSE_LISTEN_PORT).default(SYNAPSE_LISTEN_PORT), {
      description:
        "Port of Synapse's HTTP listener inside the container. For tests that run Synapse outside a container (a free port).",
      eqmd: "the template's `listeners`",
      example: 8008,
      bad: 70000,
      testsOnly: true,
    }),
    bindAddresses: documented(
      textList("a list of addresses such as [127.0.0.1]")
        .min(1, { error: "a list of at least one address such as [127.0.0.1]" })
        .optional(),
      {
        description:
          "The listener's addresses. For tests that run Synapse outside a container (loopback only); inside its container Synapse listens on every interface of the container.",
        eqmd: "the template's `listeners`",
        example: ["127.0.0.1"],
        bad: [],
        derived: "`[0.0.0.0]`",
        testsOnly: true,
      },
    ),
    startTimeoutSeconds: documented(
      wholeNumber(30, 1800, "a number of seconds from 30 to 1800, such as 300").default(300),
      {
        description:
          "How long Synapse may take to answer after it starts: the deadline of the admin bootstrap's and the verification's wait for it (with workers, also of the engine's wait for each process to be healthy).",
        eqmd: "—",
        example: 600,
        bad: 10,
      },
    ),
    passwordLogin: documented(flag.default(false), {
      description: "Password logins (`password_config.enabled`); the dev stack turns them on (no SSO there).",
      eqmd: "`password_config.enabled`",
      example: true,
      bad: "yes",
    }),
    rateLimitExempt: documented(flag.default(true), {
      description:
        "The admin and eqmd's bot (its `MATRIX_BOT_ACCESS_TOKEN` capture) exempt from Synapse's rate limits (`rc_message` 0.2/s, burst 10) through the admin API's `override_ratelimit`, set after the hooks and read back; `false` leaves them throttled.",
      eqmd: "— (eqmd's bot meets HTTP 429 after ten messages)",
      example: false,
      bad: "off",
    }),
    exec: documented(execTarget.optional(), {
      description:
        "Where the admin bootstrap and the verification run: `command` + `-e NAME`… + `container` + argv; `{command: []}` is this host. See [where commands run](eqmd-host.md#where-commands-run).",
      eqmd: "—",
      example: { command: ["docker", "exec", "-i"], container: "eqmd_matrix_synapse" },
      bad: { command: ["docker", "exec", "-i"] },
      derived: "`{command: [docker, exec, -i], container: <containerPrefix>_matrix_synapse}`",
    }),
    /** For tests that run Synapse outside a container; derived otherwise. */
    internalUrl: documented(text(/^https?:\/\/[^/\s]+$/, 'a URL "http://<host>:<port>" without a path').optional(), {
      description:
        "Synapse as `synapse.exec` sees it. For tests that run Synapse outside a container; derived otherwise.",
      eqmd: "—",
      example: "http://127.0.0.1:18008",
      bad: "http://127.0.0.1:18008/",
      derived: "`http://localhost:<listenPort>` in the container, the published port from this host",
      testsOnly: true,
    }),
    extraSettings: documented(extraSettings.default({}), {
      description:
        "More `homeserver.yaml` settings, merged last. Keys that carry secrets or that the program manages (`database`, `oidc_providers`, `email`, …) are refused.",
      eqmd: "hand edits of `homeserver.yaml`",
      example: { max_upload_size: "100M" },
      bad: { form_secret: "x" },
    }),
    fileLog: documented(fileLog.optional(), {
      description:
        "Also log to `/data/logs/homeserver.log`, rotated at midnight, `keep` old files kept, on the volume `<p>_matrix_logs` (always kept on delete). Absent: stdout only. See [logs](eqmd-host.md#logs).",
      eqmd: "`matrix/log_config.yaml`'s `file` handler",
      example: { keep: 3 },
      bad: { keep: 1000 },
      derived: "— (stdout only)",
    }),
    modules: documented(
      z.array(moduleEntry, { error: "a list of modules: [{module: package.ClassName, …}]" }).default([]),
      {
        description:
          "Synapse modules: `[{module, config, files: [local paths]}]`; the files are uploaded to `/data/modules`, which is on `PYTHONPATH`.",
        eqmd: "`modules:` + `matrix/modules/` + `PYTHONPATH`",
        example: [{ module: "eqmd_policy.EqmdPolicyModule", files: ["modules/eqmd_policy.py"] }],
        bad: [{ module: "eqmd_policy" }],
      },
    ),
    memoryMb: documented(memoryMb.optional(), memoryDoc("Synapse's container")),
    workers: documented(workers.optional(), {
      description:
        "Synapse's worker mode: `{sync, client, media, background, eventPersisters, memoryMb}`, the number of `/sync` workers (0–8, default 1), client API workers (0–8, default 1), a media repository worker (default true), a worker for background tasks (default true), event persisters (0–4, default 0) and each worker's memory limit. Adds Redis (`redis.image`) and an nginx router (`router.image`) that takes `synapse.port` and sends each endpoint to its worker. Needs Synapse 1.117.0 or newer. Absent: one process. See [workers](workers.md).",
      eqmd: "— (eqmd runs one process)",
      example: { sync: 2, client: 1, media: true, background: true },
      bad: { sync: 20 },
      derived: "— (one Synapse process)",
    }),
    metrics: documented(metrics.optional(), {
      description:
        "Prometheus metrics (`enable_metrics`) of every Synapse process: the main one on `port`, each worker on the next ports in the order of [workers](workers.md#metrics), all on loopback (the policy pack refuses others). Absent: no metrics.",
      eqmd: "—",
      example: { port: "127.0.0.1:19090" },
      bad: { port: false },
      derived: "— (no metrics)",
    }),
  },
  redis: {
    image: documented(image(DEFAULT_REDIS_IMAGE).default(DEFAULT_REDIS_IMAGE), {
      description:
        "Redis' image, used only with `synapse.workers` (Synapse's processes replicate through it): a pinned tag or digest.",
      eqmd: "—",
      example: DEFAULT_REDIS_IMAGE,
      bad: "redis",
    }),
    memoryMb: documented(memoryMb.optional(), memoryDoc("Redis' container")),
  },
  router: {
    image: documented(image(DEFAULT_ROUTER_IMAGE).default(DEFAULT_ROUTER_IMAGE), {
      description:
        "The worker router's nginx image, used only with `synapse.workers`: a pinned tag or digest. The program gives it its own `nginx.conf` and runs it as `uid`:`gid`.",
      eqmd: "—",
      example: DEFAULT_ROUTER_IMAGE,
      bad: "nginx:latest",
    }),
    memoryMb: documented(memoryMb.optional(), memoryDoc("The router's container")),
  },
  element: {
    image: documented(image(DEFAULT_ELEMENT_IMAGE).default(DEFAULT_ELEMENT_IMAGE), {
      description: "Element's image: a pinned tag or digest.",
      eqmd: "`ELEMENT_VERSION`",
      example: DEFAULT_ELEMENT_IMAGE,
      bad: "vectorim/element-web",
    }),
    port: documented(publishedPort.default("127.0.0.1:8080"), {
      description: "Where Element is published on the host: `<ip>:<port>`, or `false` for none.",
      eqmd: "`MATRIX_ELEMENT_PORT`",
      example: "127.0.0.1:8080",
      bad: "127.0.0.1:99999",
    }),
    containerPort: documented(tcpPort(80).default(80), {
      description:
        "The port Element's nginx listens on inside the container: 8080 for nginx-unprivileged images (≥ v1.11.97).",
      eqmd: "—",
      example: 8080,
      bad: 0,
    }),
    brand: documented(words("a product name such as EquipeMed Chat").default("EquipeMed Chat"), {
      description: "The product name Element shows (`brand` of `config.json`).",
      eqmd: "`element/config.json`",
      example: "EquipeMed Chat",
      bad: "",
    }),
    publicUrl: documented(baseUrl("https://chat.yourhospital.com/").optional(), {
      description: "Where users open Element; Synapse skips the SSO confirmation page for it.",
      eqmd: "—",
      example: "https://chat.yourhospital.com/",
      bad: "chat.yourhospital.com",
      derived: "`https://<chatFqdn>/`",
    }),
    customCssFile: documented(words("a local file path such as element/custom.css").optional(), {
      description:
        "A local file uploaded as `/app/custom.css`. Element does not load it by itself (`custom_css_url` is no Element option): inject it at the proxy.",
      eqmd: "`element/custom.css`",
      example: "element/custom.css",
      bad: "",
    }),
    messagePinning: documented(flag.default(false), {
      description:
        "Pin messages in a room (`features.feature_pinning`): a labs flag in Element 1.11 that `config.json` turns on for everyone. Element's default: off; eqmd: on.",
      eqmd: "`features.feature_pinning` (eqmd: `true`)",
      example: true,
      bad: "on",
    }),
    showPresence: documented(flag.default(true), {
      description:
        "Show online/offline (`enable_presence_by_hs_url`), keyed by the base URL without its trailing slash, as Element looks it up (eqmd's key never matches). Element's default: on; eqmd: off.",
      eqmd: "`enable_presence_by_hs_url` (eqmd: `false`)",
      example: false,
      bad: 0,
    }),
    termsLinks: documented(
      z.array(termsLink, { error: `a list of links: [${TERMS_LINK_EXPECTED.replace(/^a link /, "")}, …]` }).default([]),
      {
        description:
          "The links Element lists under Help & About → Legal (`terms_and_conditions_links`): `[{text, url}]`. The prod example has eqmd's privacy policy and terms pages.",
        eqmd: "`terms_and_conditions_links`",
        example: [{ text: "Privacy Policy", url: "https://yourhospital.com/privacy-policy" }],
        bad: [{ text: "Privacy Policy", url: "/privacy-policy" }],
      },
    ),
    homeUrl: documented(linkUrl("https://yourhospital.com/").optional(), {
      description:
        "The page Element's Home view shows (`embedded_pages.home_url`), fetched by the browser and inlined: its server must allow the chat origin (CORS), Element's CSP its host.",
      eqmd: "`embedded_pages.home_url`",
      example: "https://yourhospital.com/matrix-home.html",
      bad: "yourhospital.com/home",
      derived: "— (Element's own)",
    }),
    user: documented(text(/^\d+:\d+$/, 'a numeric "UID:GID" such as "101:101"').default("101:101"), {
      description:
        "The user Element's nginx runs as: the official image's `nginx` (101:101), so the container needs no capability (Docker lets any user bind port 80 inside the container's own network).",
      eqmd: "— (eqmd runs it as root)",
      example: "101:101",
      bad: "nginx",
    }),
    tmpfs: documented(tmpfsPaths.default(["/tmp", "/var/cache/nginx", "/var/run"]), {
      description:
        "The writable paths (tmpfs, owned by `element.user`) on Element's read-only root: nginx's pid and temporary files. Images from v1.11.90 on also write `/etc/nginx/conf.d`: add it for them.",
      eqmd: "`tmpfs: [/tmp]`",
      example: ["/tmp", "/var/cache/nginx", "/var/run", "/etc/nginx/conf.d"],
      bad: ["/var/cache/nginx"],
    }),
    memoryMb: documented(memoryMb.optional(), memoryDoc("Element's container")),
  },
  network: {
    name: documented(text(CONTAINER_NAME, "a Docker network name such as eqmd_net").default("eqmd_net"), {
      description: "The Docker network Synapse, Element and eqmd's containers share.",
      eqmd: "the compose network",
      example: "eqmd_net",
      bad: "eqmd net",
    }),
    create: documented(flag.default(false), {
      description: "Create the network (dev) instead of joining eqmd's (prod).",
      eqmd: "—",
      example: true,
      bad: "true ",
    }),
  },
  postgres: {
    mode: documented(z.enum(["external", "managed"], { error: '"external" or "managed"' }).default("external"), {
      description:
        "`external`: the PostgreSQL eqmd runs; `managed`: a PostgreSQL container of the stack's own, on stacks named `dev` or `dev-*` only.",
      eqmd: "—",
      example: "managed",
      bad: "internal",
    }),
    host: documented(words("a host name or address such as 127.0.0.1").default("127.0.0.1"), {
      description: "Where the **Pulumi host** reaches PostgreSQL.",
      eqmd: "`POSTGRES_PORT`'s published address",
      example: "127.0.0.1",
      bad: "",
    }),
    port: documented(tcpPort(5432).default(5432), {
      description: "PostgreSQL's port as the Pulumi host reaches it.",
      eqmd: "`POSTGRES_PORT`",
      example: 5432,
      bad: "5432",
    }),
    adminUser: documented(words("a PostgreSQL role name such as eqmd_user").default("eqmd_user"), {
      description: "The role the PostgreSQL provider connects as (its password: `postgresAdminPassword`).",
      eqmd: "`POSTGRES_USER`",
      example: "eqmd_user",
      bad: "",
    }),
    adminDatabase: documented(words("a database name such as postgres").default("postgres"), {
      description: "The database the provider connects to.",
      eqmd: "—",
      example: "postgres",
      bad: "",
    }),
    sslmode: documented(
      z
        .enum(["disable", "require", "verify-ca", "verify-full"], {
          error: '"disable", "require", "verify-ca" or "verify-full"',
        })
        .default("disable"),
      {
        description: "libpq's `sslmode` for the provider's connection.",
        eqmd: "—",
        example: "require",
        bad: "prefer",
      },
    ),
    superuser: documented(flag.default(true), {
      description: "Whether `postgres.adminUser` is a superuser; `false` for a non-superuser admin role.",
      eqmd: "—",
      example: false,
      bad: "no",
    }),
    synapseHost: documented(words("a host name such as postgres (as Synapse sees PostgreSQL)").default("postgres"), {
      description: "PostgreSQL as Synapse sees it on the network; ignored in managed mode (`<p>_matrix_postgres`).",
      eqmd: "the template's `host: postgres`",
      example: "postgres",
      bad: "",
    }),
    synapsePort: documented(tcpPort(5432).default(5432), {
      description: "PostgreSQL's port as Synapse sees it; ignored in managed mode (5432).",
      eqmd: "the template's `port`",
      example: 5432,
      bad: -1,
    }),
    image: documented(image(DEFAULT_POSTGRES_IMAGE).default(DEFAULT_POSTGRES_IMAGE), {
      description: "The managed PostgreSQL container's image (managed mode only).",
      eqmd: "—",
      example: DEFAULT_POSTGRES_IMAGE,
      bad: "postgres",
    }),
    memoryMb: documented(memoryMb.optional(), memoryDoc("The managed PostgreSQL container (managed mode only)")),
  },
  database: {
    name: documented(text(PG_IDENTIFIER, "a lower-case PostgreSQL identifier such as matrix_db").default("matrix_db"), {
      description: "Synapse's database (UTF8, collation `C`, from `template0`), owned by `database.role`.",
      eqmd: "hard-coded in the template and `bootstrap_matrix_db.py`",
      example: "matrix_db",
      bad: "Matrix-DB",
    }),
    role: documented(
      text(PG_IDENTIFIER, "a lower-case PostgreSQL identifier such as matrix_user").default("matrix_user"),
      {
        description: "Synapse's role: owns the database; its password is generated (and written to `.env`).",
        eqmd: "hard-coded in the template and `bootstrap_matrix_db.py`",
        example: "matrix_user",
        bad: "matrix user",
      },
    ),
    cpMin: documented(wholeNumber(1, MAX_ID, "a whole number of connections, at least 1, such as 5").default(5), {
      description: "Synapse's connection pool: fewest connections (`cp_min`).",
      eqmd: "the template's `cp_min`",
      example: 5,
      bad: 0,
    }),
    cpMax: documented(wholeNumber(1, MAX_ID, "a whole number of connections, at least 1, such as 10").default(10), {
      description: "Synapse's connection pool: most connections (`cp_max`).",
      eqmd: "the template's `cp_max`",
      example: 10,
      bad: 2.5,
    }),
  },
  oidc: {
    enabled: documented(flag.default(true), {
      description: "Log in through eqmd's OpenID provider; the dev stack sets `false` (no eqmd there).",
      eqmd: "—",
      example: false,
      bad: "false ",
    }),
    providerId: documented(
      text(
        /^[A-Za-z0-9_.-]{1,250}$/,
        "letters, digits, '_', '.' or '-' such as equipemed (Synapse prefixes it with 'oidc-')",
      ).default("equipemed"),
      {
        description:
          "The provider's id; Synapse advertises it as `oidc-<providerId>`, and eqmd's accounts are linked to that id (`SYNAPSE_OIDC_PROVIDER_ID` is checked).",
        eqmd: "`SYNAPSE_OIDC_PROVIDER_ID`",
        example: "equipemed",
        bad: "oidc equipemed",
      },
    ),
    displayName: documented(words("a name shown on the login button, such as EquipeMed").default("EquipeMed"), {
      description: "The name on the login button (`idp_name`).",
      eqmd: "`idp_name`",
      example: "EquipeMed",
      bad: "",
    }),
    issuer: documented(
      text(
        /^https?:\/\/[^\s]+[^/]$/,
        'the issuer URL without a trailing slash, such as "https://yourhospital.com/o"',
      ).optional(),
      {
        description: "The OpenID issuer: no trailing slash, and exactly what eqmd's Django builds.",
        eqmd: "`OIDC_ISSUER`",
        example: "https://yourhospital.com/o",
        bad: "https://yourhospital.com/o/",
        derived: "`https://<eqmdDomain>/o`",
      },
    ),
    clientId: documented(words("an OIDC client id such as matrix_synapse_client").default("matrix_synapse_client"), {
      description: "The OIDC client id, passed to `setup_synapse_oidc_client --client-id`.",
      eqmd: "the template's hard-coded `client_id`",
      example: "matrix_synapse_client",
      bad: "",
    }),
    scopes: documented(
      textList("a list of scopes such as [openid, profile, email]")
        .min(1, { error: "a list of at least one scope, such as [openid, profile, email]" })
        .default(["openid", "profile", "email"]),
      {
        description: "The scopes Synapse asks for.",
        eqmd: "the template's `scopes`",
        example: ["openid", "profile", "email"],
        bad: "openid profile",
      },
    ),
    localpartTemplate: documented(
      words("a Jinja template such as {{ user.matrix_localpart }}").default("{{ user.matrix_localpart }}"),
      {
        description: "Jinja template of a new user's Matrix localpart.",
        eqmd: "the template's `localpart_template`",
        example: "{{ user.matrix_localpart }}",
        bad: "",
      },
    ),
    displayNameTemplate: documented(
      words("a Jinja template such as {{ user.name }}").default(
        "{{ user.name or user.preferred_username or user.email }}",
      ),
      {
        description: "Jinja template of a user's display name.",
        eqmd: "the template's `display_name_template`",
        example: "{{ user.name }}",
        bad: "",
      },
    ),
    emailTemplate: documented(words("a Jinja template such as {{ user.email }}").default("{{ user.email }}"), {
      description: "Jinja template of a user's e-mail address.",
      eqmd: "the template's `email_template`",
      example: "{{ user.email }}",
      bad: "",
    }),
    skipVerification: documented(flag.default(false), {
      description: "Skip the issuer's TLS and discovery checks: only for a local http issuer in the test tiers.",
      eqmd: "—",
      example: true,
      bad: "yes",
      testsOnly: true,
    }),
    clientSecretFrom: documented(z.enum(["django", "config"], { error: '"django" or "config"' }).default("django"), {
      description:
        "`django`: the OIDC client is created in eqmd's Django and its printed secret kept; `config`: take `oidcClientSecret` (secret) and run no Django command.",
      eqmd: "`SYNAPSE_OIDC_CLIENT_SECRET`",
      example: "config",
      bad: "env",
    }),
  },
  django: {
    exec: documented(execTarget.optional(), {
      description:
        "Where eqmd's Django commands run (the OIDC client, the after-reset hooks), e.g. `{command: [docker, compose, exec, -T], container: eqmd}` for a compose service.",
      eqmd: "—",
      example: { command: ["docker", "exec", "-i"], container: "eqmd_app" },
      bad: { command: ["docker", "exec", "-i"], container: "eqmd app" },
      derived: "`{command: [docker, exec, -i], container: <containerPrefix>_app}`",
    }),
    managePy: documented(
      textList("a command such as [python, manage.py]")
        .min(1, { error: "a command such as [python, manage.py]" })
        .default(["python", "manage.py"]),
      {
        description: "How to run Django's `manage.py` in that container.",
        eqmd: "—",
        example: ["python", "manage.py"],
        bad: [],
      },
    ),
    migrate: documented(flag.default(false), {
      description: "Run `manage.py migrate --noinput` before the OIDC client.",
      eqmd: "step 7 of eqmd's hand procedure",
      example: true,
      bad: 1,
    }),
  },
  admin: {
    username: documented(
      text(
        /^[a-z0-9._=\-/]{1,255}$/,
        "a Matrix localpart such as admin: lower-case letters, digits, . _ = - /",
      ).default("admin"),
      {
        description: "The Synapse admin's localpart (its token: the secret output `synapseAdminToken`).",
        eqmd: "step 6 of eqmd's hand procedure",
        example: "admin",
        bad: "Admin",
      },
    ),
  },
  media: {
    retainOnDelete: documented(flag.default(true), {
      description: "Keep the uploaded media volume across `pulumi destroy` and resets.",
      eqmd: "step 2 of eqmd's hand procedure",
      example: true,
      bad: "keep",
    }),
  },
  reset: {
    allowed: documented(flag.default(true), {
      description: "`false` makes `npm run reset` refuse on this stack (prod). See [reset](reset.md).",
      eqmd: "—",
      example: false,
      bad: "never",
    }),
  },
  containerLogs: {
    maxSize: documented(text(/^[1-9]\d*[kmg]$/, 'a size with a unit k, m or g, such as "10m"').default("10m"), {
      description:
        "Size at which Docker rotates the json-file log of each long-running container (Synapse, Element, the dev PostgreSQL): without it a host that runs for months fills its disk.",
      eqmd: "— (eqmd's compose sets no log limit)",
      example: "50m",
      bad: "10",
    }),
    maxFiles: documented(
      wholeNumber(1, 100, "a number of log files kept per container, from 1 to 100, such as 5").default(5),
      {
        description: "Log files Docker keeps per container (`max-file`): at most `maxSize` × `maxFiles` of log each.",
        eqmd: "—",
        example: 3,
        bad: 0,
      },
    ),
  },
};

/** `envFile` is optional as a whole; when present, `path` is required. */
export const envFileFields = {
  path: documented(words("the path of eqmd's .env on the Pulumi host, such as /opt/eqmd/.env"), {
    description:
      "eqmd's `.env` on the Pulumi host: the new secrets are upserted into it after every (re)build, and its Matrix identities are checked against the stack. Required when `envFile` is set.",
    eqmd: "the hand copy of secrets into `.env`",
    example: "/opt/eqmd/.env",
    bad: "",
  }),
  recreateCommand: documented(
    textList("a command such as [docker, compose, up, -d, --force-recreate, eqmd]").default([]),
    {
      description:
        "Runs after the upsert (Django reads `.env` only when its container is created). The prod example: `up` of service `eqmd` in eqmd's `/opt/eqmd/docker-compose.deploy.yml`.",
      eqmd: "`docker compose up -d --force-recreate`",
      example: [
        "docker",
        "compose",
        "-f",
        "/opt/eqmd/docker-compose.deploy.yml",
        "up",
        "-d",
        "--force-recreate",
        "--no-deps",
        "eqmd",
      ],
      bad: "docker compose up -d",
    },
  ),
};

export const configSchema = z.strictObject({
  ...topLevelFields,
  synapse: z.strictObject(sectionFields.synapse).prefault({}),
  redis: z.strictObject(sectionFields.redis).prefault({}),
  router: z.strictObject(sectionFields.router).prefault({}),
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
