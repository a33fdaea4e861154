/**
 * The eqmd side of a prod host, as eqmd's compose runs it, for the prod-e2e stack to join:
 * a compose project in PE2E_EQMD_DIR (the stand-in for /opt/eqmd) with its network, a
 * PostgreSQL container whose superuser is eqmd_user and whose database eqmd_db is Django's,
 * the Django container (service `eqmd`, env_file .env), and an eqmd-like `.env`
 * with comments and keys the program does not own. Started and removed with Debian's
 * docker-compose (v1), which is also what the stack's recreate command runs.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { runCommand, RunResult } from "../../contract/support/run";
import {
  PE2E_DJANGO_CONTAINER,
  PE2E_DJANGO_IP,
  PE2E_ELEMENT_PORT,
  PE2E_EQMD_DIR,
  PE2E_ISSUER,
  PE2E_NETWORK,
  PE2E_POSTGRES_PORT,
  PE2E_PREFIX,
  PE2E_SUBNET,
  PE2E_SYNAPSE_PORT,
} from "../prodDifferences";
import { docker } from "./docker";
import { DJANGO_IMAGE, ELEMENT_IMAGE, EQMD_SYNAPSE_IMAGE, POSTGRES_IMAGE } from "./images";

export const EQMD_POSTGRES_CONTAINER = `${PE2E_PREFIX}_postgres`;
export const ENV_FILE = path.join(PE2E_EQMD_DIR, ".env");
// eqmd deploys with docker-compose.deploy.yml, whose Django service `eqmd` has no profile.
export const COMPOSE_FILE = path.join(PE2E_EQMD_DIR, "docker-compose.deploy.yml");
const POSTGRES_VOLUME = `${PE2E_PREFIX}_postgres_data`;
/** Where the host reaches the hand-built Synapse and Element (MATRIX_SYNAPSE_PORT, MATRIX_ELEMENT_PORT). */
export const HAND_SYNAPSE_PORT = PE2E_SYNAPSE_PORT;
export const HAND_ELEMENT_PORT = PE2E_ELEMENT_PORT;

export interface StandInOptions {
  /**
   * Also declare eqmd's own `matrix-synapse` and `element-web` services (as eqmd's compose
   * file has them), for the adopt test to build Matrix by hand; started only when asked.
   */
  readonly matrixServices?: boolean;
}

/** The `.env` keys the Matrix side writes; every other line is eqmd's and must survive. */
export const PROGRAM_KEYS = [
  "SYNAPSE_ADMIN_TOKEN",
  "SYNAPSE_OIDC_CLIENT_SECRET",
  "SYNAPSE_OIDC_PROVIDER_ID",
  "MATRIX_DATABASE_PASSWORD",
  "MATRIX_BOT_ACCESS_TOKEN",
];

export interface EqmdStandIn {
  /** POSTGRES_PASSWORD of eqmd's .env: the stack's postgresAdminPassword. */
  readonly postgresPassword: string;
  /** `docker-compose -f <file> <args>` as eqmd's operator runs it. */
  compose(args: readonly string[], allowFailure?: boolean): Promise<RunResult>;
  /** `python manage.py <args>` in the Django container (docker exec, no TTY). */
  manage(args: readonly string[]): Promise<string>;
  /**
   * SQL as eqmd_user (psql in the PostgreSQL container), in eqmd's own database eqmd_db unless
   * another is named. One statement per call when it must not run in a transaction.
   */
  sql(query: string, database?: string): Promise<string>;
  /** The .env's lines that are not the program's keys (eqmd's own, comments included). */
  foreignLines(): string[];
  /** KEY → value of the .env (last occurrence wins). */
  envValues(): Record<string, string>;
  /** Sets KEY=value in the .env (replacing its line, or appending one), as an operator's editor does. */
  setEnv(key: string, value: string): void;
  /** Waits until Docker reports the container (default: Django) healthy. */
  healthy(container?: string, deadlineMs?: number): Promise<void>;
  /** Stops and removes the compose project: containers, network, eqmd's database volume. */
  remove(): Promise<void>;
}

function composeFile(options: StandInOptions): string {
  // Keys and values as eqmd's docker-compose.deploy.yml has them, reduced to what the Matrix side meets.
  const compose = {
    services: {
      postgres: {
        image: POSTGRES_IMAGE,
        container_name: EQMD_POSTGRES_CONTAINER,
        restart: "unless-stopped",
        environment: {
          POSTGRES_DB: "${POSTGRES_DB:-eqmd_db}",
          POSTGRES_USER: "${POSTGRES_USER:-eqmd_user}",
          POSTGRES_PASSWORD: "${POSTGRES_PASSWORD}",
          POSTGRES_INITDB_ARGS: "--encoding=UTF-8 --lc-collate=C --lc-ctype=C",
        },
        command: ["postgres", "-c", "max_connections=50"],
        ports: ["127.0.0.1:${POSTGRES_PORT:-5432}:5432"],
        volumes: ["postgres_data:/var/lib/postgresql/data"],
        networks: ["eqmd_net"],
        healthcheck: {
          test: ["CMD-SHELL", "pg_isready -U $${POSTGRES_USER} -d $${POSTGRES_DB}"],
          interval: "1s",
          timeout: "5s",
          retries: 30,
        },
      },
      eqmd: {
        image: DJANGO_IMAGE,
        container_name: "${CONTAINER_PREFIX:-eqmd}_app",
        restart: "unless-stopped",
        user: "${EQMD_UID:-1001}:${EQMD_GID:-1001}",
        env_file: ".env",
        // Only the stand-in's own switches (settings.py): where it is served and which scheme the
        // redirect URI it registers has (no TLS here).
        environment: { EQMD_OP_ALLOWED_HOSTS: PE2E_DJANGO_IP, MATRIX_CALLBACK_SCHEME: "http" },
        depends_on: ["postgres"],
        networks: { eqmd_net: { ipv4_address: PE2E_DJANGO_IP } },
      },
    },
    networks: { eqmd_net: { name: PE2E_NETWORK, ipam: { config: [{ subnet: PE2E_SUBNET }] } } },
    volumes: { postgres_data: { name: POSTGRES_VOLUME } },
  };
  if (options.matrixServices) {
    Object.assign(compose.services, matrixServices());
    Object.assign(compose.volumes, { matrix_media_store: { name: "${CONTAINER_PREFIX:-eqmd}_matrix_media_store" } });
  }
  return `# eqmd's compose as the prod-e2e test runs it (tests/e2e/support/eqmdStandIn.ts).\n${stringify(compose)}`;
}

/**
 * eqmd's Synapse and Element services as its compose file declares them (docker-compose.yml:
 * the `./matrix` bind for /data; deploy.yml's `matrix_data` volume is seeded by nothing),
 * with eqmd's pin for Synapse (the 1.99.0 stand-in).
 */
function matrixServices(): Record<string, unknown> {
  return {
    "matrix-synapse": {
      image: EQMD_SYNAPSE_IMAGE,
      container_name: "${CONTAINER_PREFIX:-eqmd}_matrix_synapse",
      restart: "unless-stopped",
      user: "${EQMD_UID:-1001}:${EQMD_GID:-1001}",
      ports: ["127.0.0.1:${MATRIX_SYNAPSE_PORT:-8008}:8008"],
      volumes: ["./matrix:/data", "matrix_media_store:/data/media_store"],
      env_file: ".env",
      // The list form: the yaml library writes `no` bare (a string in YAML 1.2), which compose's
      // YAML 1.1 reads as false and rejects.
      environment: [
        "SYNAPSE_SERVER_NAME=${MATRIX_FQDN:-matrix.yourhospital.com}",
        "SYNAPSE_REPORT_STATS=no",
        "PYTHONPATH=/data/modules",
      ],
      depends_on: ["postgres"],
      networks: ["eqmd_net"],
      // eqmd's probe, at a test's pace (eqmd: 30s/10s/3, start_period 60s).
      healthcheck: { test: ["CMD", "curl", "-f", "http://localhost:8008/health"], interval: "1s", retries: 120 },
    },
    "element-web": {
      image: ELEMENT_IMAGE,
      container_name: "${CONTAINER_PREFIX:-eqmd}_element_web",
      restart: "unless-stopped",
      ports: ["127.0.0.1:${MATRIX_ELEMENT_PORT:-8080}:80"],
      volumes: ["./element/config.json:/app/config.json:ro"],
      networks: ["eqmd_net"],
      healthcheck: { test: ["CMD", "wget", "-q", "--spider", "http://localhost:80"], interval: "1s", retries: 60 },
    },
  };
}

function envFile(postgresPassword: string, options: StandInOptions): string {
  const secret = (): string => randomBytes(24).toString("base64url");
  return `# EquipeMed (eqmd) environment: the prod-e2e test's stand-in for /opt/eqmd/.env.
# Keys the Matrix side does not own must come through every up and reset unchanged.

# --- Deployment ---
CONTAINER_PREFIX=${PE2E_PREFIX}
EQMD_UID=1001
EQMD_GID=1001
SECRET_KEY=${secret()}
DEBUG=False

# --- Postgres (shared by Django and Synapse) ---
POSTGRES_DB=eqmd_db
POSTGRES_USER=eqmd_user
POSTGRES_PASSWORD=${postgresPassword}
POSTGRES_PORT=${PE2E_POSTGRES_PORT}
DATABASE_NAME=eqmd_db
DATABASE_USER=eqmd_user
DATABASE_PASSWORD=${postgresPassword}
DATABASE_HOST=postgres
DATABASE_PORT=5432

# --- Domains and OIDC ---
EQMD_DOMAIN=yourhospital.com
MATRIX_FQDN=matrix.yourhospital.com
CHAT_FQDN=chat.yourhospital.com
MATRIX_PUBLIC_BASEURL=https://matrix.yourhospital.com/
OIDC_ISSUER=${PE2E_ISSUER}

# --- Matrix ---
SYNAPSE_OIDC_PROVIDER_ID=equipemed
SYNAPSE_VERSION=v1.99.0
ELEMENT_VERSION=v1.11.58
MATRIX_ADMIN_INTERNAL_URL=http://matrix-synapse:8008
MATRIX_CLIENT_INTERNAL_URL=http://matrix-synapse:8008
MATRIX_ADMIN_USERS=@admin:matrix.yourhospital.com
MATRIX_BOT_USER_ID=@rzero_bot:matrix.yourhospital.com
MATRIX_BOT_DISPLAY_NAME=RZero
MATRIX_GLOBAL_ROOM_NAME="Equipe - Todos"

# --- Mail (eqmd's, not Matrix's) ---
EMAIL_HOST=smtp.yourhospital.com
EMAIL_HOST_USER=eqmd@yourhospital.com
EMAIL_HOST_PASSWORD=${secret()}
HOSPITAL_EMAIL=ti@yourhospital.com
${
  options.matrixServices
    ? `
# --- Matrix services of eqmd's compose (not in .env.example; compose defaults 8008 / 8080) ---
MATRIX_SYNAPSE_PORT=${HAND_SYNAPSE_PORT}
MATRIX_ELEMENT_PORT=${HAND_ELEMENT_PORT}
`
    : ""
}`;
}

function parseEnv(text: string): { key?: string; value?: string; line: string }[] {
  return text.split("\n").map((line) => {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    return match ? { key: match[1], value: match[2].replace(/^"(.*)"$/, "$1"), line } : { line };
  });
}

/** Writes eqmd's folder, starts PostgreSQL then Django (migrated) as compose does, and waits. */
export async function startEqmdStandIn(options: StandInOptions = {}): Promise<EqmdStandIn> {
  removeEqmdFolder();
  fs.mkdirSync(PE2E_EQMD_DIR, { recursive: true, mode: 0o700 });
  const postgresPassword = randomBytes(18).toString("hex");
  fs.writeFileSync(COMPOSE_FILE, composeFile(options));
  fs.writeFileSync(ENV_FILE, envFile(postgresPassword, options), { mode: 0o600 });
  const compose = (args: readonly string[], allowFailure = false): Promise<RunResult> =>
    runCommand(["docker-compose", "-f", COMPOSE_FILE, ...args], {
      cwd: PE2E_EQMD_DIR,
      timeoutMs: 5 * 60_000,
      allowFailure,
    });
  const standIn: EqmdStandIn = {
    postgresPassword,
    compose,
    manage: (args) => docker(["exec", PE2E_DJANGO_CONTAINER, "python", "manage.py", ...args]),
    sql: (query, database = "eqmd_db") =>
      docker([
        "exec",
        EQMD_POSTGRES_CONTAINER,
        "psql",
        "-U",
        "eqmd_user",
        "-d",
        database,
        "-tAX",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        query,
      ]),
    foreignLines: () =>
      parseEnv(fs.readFileSync(ENV_FILE, "utf8"))
        .filter((entry) => !entry.key || !PROGRAM_KEYS.includes(entry.key))
        .map((entry) => entry.line),
    envValues: () => {
      const values: Record<string, string> = {};
      for (const entry of parseEnv(fs.readFileSync(ENV_FILE, "utf8"))) {
        if (entry.key) values[entry.key] = entry.value ?? "";
      }
      return values;
    },
    setEnv: (key, value) => {
      const lines = fs.readFileSync(ENV_FILE, "utf8").replace(/\n$/, "").split("\n");
      const at = parseEnv(lines.join("\n")).findIndex((entry) => entry.key === key);
      if (at >= 0) lines[at] = `${key}=${value}`;
      else lines.push(`${key}=${value}`);
      fs.writeFileSync(ENV_FILE, `${lines.join("\n")}\n`);
    },
    healthy: async (container = PE2E_DJANGO_CONTAINER, deadlineMs = 120_000) => {
      const end = Date.now() + deadlineMs;
      let status = "";
      while (Date.now() < end) {
        status = await docker(["inspect", "-f", "{{.State.Health.Status}}", container]).catch(() => "");
        if (status === "healthy") return;
        await new Promise((r) => setTimeout(r, 500));
      }
      const logs = await runCommand(["docker", "logs", "--tail", "30", container], { allowFailure: true });
      throw new Error(`${container} not healthy (${status}):\n${logs.stdout}${logs.stderr}`);
    },
    remove: async () => {
      await compose(["down", "-v", "--remove-orphans"], true);
      removeEqmdFolder();
    },
  };
  // As compose brings eqmd up: the database first, then the app (which migrates, then serves).
  await compose(["up", "-d", "postgres"]);
  await compose(["up", "-d", "eqmd"]);
  await standIn.healthy();
  return standIn;
}

function removeEqmdFolder(): void {
  fs.rmSync(PE2E_EQMD_DIR, { recursive: true, force: true });
}
