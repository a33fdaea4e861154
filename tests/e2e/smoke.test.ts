/**
 * Smoke test of the real engine: the Pulumi CLI and the four provider plugins built from Go
 * modules (testbed/setup/pulumi-toolchain.sh), a real Docker engine and this machine's
 * PostgreSQL. A small inline program uses each provider for real, then `up`, a `preview`
 * that must report no changes, and `destroy`, with everything checked from outside Pulumi
 * (docker, psql) rather than from Pulumi's own outputs alone.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as random from "@pulumi/random";
import { POSTGRES_HOST, POSTGRES_PORT, POSTGRES_SUPERUSER, psql, sqlLiteral } from "../contract/support/psql";
import { runCommand } from "../contract/support/run";
import { BASE_IMAGE } from "./support/images";
import { toolchain } from "./support/toolchain";

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const VOLUME = `eqmd-smoke-${RUN}`;
const CONTAINER = `eqmd-smoke-${RUN}`;
const ROLE = `eqmd_smoke_${RUN.replace(/-/g, "_")}`;
const UPLOAD = { file: "/smoke/secret.txt", owner: "1001", group: "1002", permissions: "0640" };

/** The inline program; what it returns becomes the stack's outputs. */
function program(): Record<string, pulumi.Output<string>> {
  const password = new random.RandomPassword("password", { length: 24, special: false });
  const hello = new command.local.Command("hello", {
    create: "printf 'hello %s' \"$WHO\"",
    environment: { WHO: "engine" },
  });
  const volume = new docker.Volume("volume", { name: VOLUME });
  const image = new docker.RemoteImage("image", { name: BASE_IMAGE, keepLocally: true });
  const container = new docker.Container("container", {
    name: CONTAINER,
    image: image.imageId,
    command: ["sleep", "infinity"],
    volumes: [{ volumeName: volume.name, containerPath: "/smoke-volume" }],
    uploads: [
      {
        file: UPLOAD.file,
        content: password.result,
        owner: UPLOAD.owner,
        group: UPLOAD.group,
        permissions: UPLOAD.permissions,
      },
    ],
    destroyGraceSeconds: 1,
  });
  const pg = new postgresql.Provider("pg", {
    host: POSTGRES_HOST,
    port: POSTGRES_PORT,
    username: POSTGRES_SUPERUSER,
    sslmode: "disable",
    superuser: true,
  });
  const role = new postgresql.Role("role", { name: ROLE, login: true, password: password.result }, { provider: pg });
  return { hello: hello.stdout, containerName: container.name, roleName: role.name, password: password.result };
}

describe(
  "the real engine: CLI, language-independent providers, Docker and PostgreSQL",
  { timeout: 30 * 60_000 },
  () => {
    let stack: Stack;
    let stateDir: string;

    before(async () => {
      const tools = await toolchain();
      stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-smoke-state-"));
      stack = await LocalWorkspace.createOrSelectStack(
        { stackName: "smoke", projectName: "eqmd-smoke", program: () => Promise.resolve(program()) },
        {
          pulumiCommand: tools.pulumi,
          envVars: { ...tools.env, PULUMI_BACKEND_URL: `file://${stateDir}`, PULUMI_CONFIG_PASSPHRASE: "smoke" },
          projectSettings: { name: "eqmd-smoke", runtime: "nodejs", backend: { url: `file://${stateDir}` } },
        },
      );
    });

    after(async () => {
      // Leave nothing behind even when an assertion failed half-way.
      await stack?.destroy({ continueOnError: true }).catch(() => undefined);
      await runCommand(["docker", "rm", "-f", CONTAINER], { allowFailure: true });
      await runCommand(["docker", "volume", "rm", "-f", VOLUME], { allowFailure: true });
      await psql(`DROP ROLE IF EXISTS "${ROLE}"`).catch(() => undefined);
      fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it("up creates every resource for real", async () => {
      const result = await stack.up();
      assert.equal(result.summary.result, "succeeded");
      assert.equal(result.outputs.hello.value, "hello engine");
      assert.equal(result.outputs.password.secret, true, "a RandomPassword result is a secret output");
    });

    it("the upload has the declared owner, group and mode inside the running container", async () => {
      const stat = await runCommand(["docker", "exec", CONTAINER, "stat", "-c", "%u:%g %a", UPLOAD.file]);
      assert.equal(stat.stdout.trim(), `${UPLOAD.owner}:${UPLOAD.group} ${UPLOAD.permissions.slice(1)}`);
      const mounts = await runCommand(["docker", "inspect", "-f", "{{range .Mounts}}{{.Name}} {{end}}", CONTAINER]);
      assert.match(mounts.stdout, new RegExp(VOLUME));
    });

    it("the role exists in PostgreSQL and logs in with the generated password", async () => {
      const outputs = await stack.outputs();
      const password = String(outputs.password.value);
      assert.equal(await psql(`SELECT rolcanlogin FROM pg_roles WHERE rolname = ${sqlLiteral(ROLE)}`), "t");
      const login = await runCommand(
        [
          "psql",
          "-h",
          POSTGRES_HOST,
          "-p",
          String(POSTGRES_PORT),
          "-U",
          ROLE,
          "-d",
          "postgres",
          "-tAc",
          "SELECT current_user",
        ],
        { env: { PGPASSWORD: password } },
      );
      assert.equal(login.stdout.trim(), ROLE);
    });

    it("a second preview reports no changes", async () => {
      const preview = await stack.preview({ expectNoChanges: true });
      const changed = Object.entries(preview.changeSummary).filter(([op]) => op !== "same");
      assert.deepEqual(changed, [], `preview wants changes: ${JSON.stringify(preview.changeSummary)}`);
    });

    it("destroy removes the container, the volume and the role", async () => {
      const result = await stack.destroy();
      assert.equal(result.summary.result, "succeeded");
      const containers = await runCommand(["docker", "ps", "-a", "--filter", `name=^${CONTAINER}$`, "-q"]);
      assert.equal(containers.stdout.trim(), "");
      const volumes = await runCommand(["docker", "volume", "ls", "--filter", `name=^${VOLUME}$`, "-q"]);
      assert.equal(volumes.stdout.trim(), "");
      assert.equal(await psql(`SELECT count(*) FROM pg_roles WHERE rolname = ${sqlLiteral(ROLE)}`), "0");
    });
  },
);
