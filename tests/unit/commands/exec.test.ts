import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execArgv, execLine, shellJoin, shellQuote, withheldOnFailure } from "../../../components/commands/exec";
import { spawnSync } from "node:child_process";
import { ADMIN_BOOTSTRAP_ENV, loadScript, scriptCommand } from "../../../components/commands/pythonScripts";
import { pythonInline, scriptStdin } from "../../support/pythonScripts";
import { runArgv } from "./support/run";

const DOCKER_EXEC = { command: ["docker", "exec", "-i"], container: "eqmd_matrix_synapse" };
const COMPOSE_EXEC = { command: ["docker", "compose", "exec", "-T"], container: "eqmd" };
const HOST = { command: [] };

/** What /bin/sh makes of a command line: each word, NUL-separated, via printf. */
async function shellWords(line: string): Promise<string[]> {
  const r = await runArgv(["/bin/sh", "-c", `printf '%s\\0' ${line}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split("\0").slice(0, -1);
}

describe("shellQuote / shellJoin", () => {
  it("leaves plain words bare and quotes everything else", () => {
    assert.equal(shellQuote("manage.py"), "manage.py");
    assert.equal(shellQuote("--client-id=matrix_synapse_client"), "--client-id=matrix_synapse_client");
    assert.equal(shellQuote(""), "''");
    assert.equal(shellQuote("two words"), "'two words'");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
    assert.equal(shellQuote("$HOME"), "'$HOME'");
  });

  it("round-trips awkward arguments through a real /bin/sh", async () => {
    const args = [
      "plain",
      "",
      "with space",
      "it's",
      `"double"`,
      "$HOME and ${PATH}",
      "`id`",
      "$(id)",
      "back\\slash",
      "line\nbreak",
      "tab\there",
      "glob*?[a]",
      "semi;colon && pipe | amp &",
      "'",
      "''",
      "ünïcödé",
      "-e",
    ];
    assert.deepEqual(await shellWords(shellJoin(args)), args);
  });

  it("round-trips the Python scripts' source (quotes, newlines, % and $)", async () => {
    const argv = pythonInline("admin_bootstrap");
    assert.deepEqual(await shellWords(shellJoin(argv)), argv);
  });
});

describe("execArgv / execLine", () => {
  it("runs argv as is on this host (empty prefix): env reaches it naturally", () => {
    assert.deepEqual(execArgv(HOST, ["python3", "-c", "x"], ["PULUMI_COMMAND_STDOUT"]), ["python3", "-c", "x"]);
  });

  it("puts -e NAME flags after the prefix and before the container", () => {
    assert.deepEqual(execArgv(DOCKER_EXEC, ["python3", "-c", "x"], ["PULUMI_COMMAND_STDOUT", "OTHER"]), [
      "docker",
      "exec",
      "-i",
      "-e",
      "PULUMI_COMMAND_STDOUT",
      "-e",
      "OTHER",
      "eqmd_matrix_synapse",
      "python3",
      "-c",
      "x",
    ]);
    assert.deepEqual(execArgv(COMPOSE_EXEC, ["python", "manage.py", "migrate"]), [
      "docker",
      "compose",
      "exec",
      "-T",
      "eqmd",
      "python",
      "manage.py",
      "migrate",
    ]);
  });

  it("refuses a prefix without container, an empty argv, and env 'names' carrying a value", () => {
    assert.throws(() => execArgv({ command: ["docker", "exec", "-i"] }, ["true"]), /names no container/);
    assert.throws(() => execArgv(HOST, []), /empty argv/);
    assert.throws(() => execArgv(DOCKER_EXEC, ["true"], ["TOKEN=syt_secret"]), /not an environment variable name/);
    assert.throws(() => execArgv(DOCKER_EXEC, ["true"], ["1BAD"]), /not an environment variable name/);
  });

  it("execLine joins execArgv with shell quoting", () => {
    assert.equal(
      execLine(COMPOSE_EXEC, ["python", "manage.py", "setup_synapse_oidc_client", "--matrix-fqdn", "matrix.x y"]),
      "docker compose exec -T eqmd python manage.py setup_synapse_oidc_client --matrix-fqdn 'matrix.x y'",
    );
  });

  it("declared script commands carry env names only, never the secrets sent on stdin", () => {
    const secrets = { shared_secret: "S3cr3t-shared", password: "Adm1n-pass", token: "syt_previous_token" };
    const line = scriptCommand("admin_bootstrap", DOCKER_EXEC, ADMIN_BOOTSTRAP_ENV);
    const stdin = scriptStdin({
      base_url: "http://localhost:8008",
      shared_secret: secrets.shared_secret,
      username: "admin",
      password: secrets.password,
      server_name: "matrix.example.org",
      deadline_seconds: 120,
    });
    for (const value of Object.values(secrets)) assert.ok(!line.includes(value));
    assert.ok(stdin.includes(secrets.shared_secret));
    assert.ok(line.startsWith("docker exec -i -e PULUMI_COMMAND_STDOUT eqmd_matrix_synapse python3 -c '"));
    assert.equal(line, execLine(DOCKER_EXEC, pythonInline("admin_bootstrap"), ["PULUMI_COMMAND_STDOUT"]));
  });
});

describe("scripts", () => {
  it("loads each script's source and builds [python, -c, source]", () => {
    for (const name of ["admin_bootstrap", "verify_synapse"] as const) {
      const src = loadScript(name);
      assert.match(src, /if __name__ == "__main__":/);
      assert.deepEqual(pythonInline(name, "python"), ["python", "-c", src]);
    }
  });
});

describe("withheldOnFailure", () => {
  const sh = (script: string) => spawnSync("/bin/sh", ["-c", script], { encoding: "utf8" });

  it("prints the output of a command that succeeded", () => {
    const r = sh(withheldOnFailure("printf 'A=1\\nSECRET=abc\\n'", "the step"));
    assert.equal(r.status, 0);
    assert.equal(r.stdout, "A=1\nSECRET=abc\n");
  });

  it("withholds the output of a failed command and keeps its exit status", () => {
    const r = sh(withheldOnFailure("echo SECRET=abc; echo boom >&2; exit 3", "manage.py setup_matrix_bot"));
    assert.equal(r.status, 3);
    assert.equal(r.stdout, "", "nothing a failed command printed reaches stdout (pulumi-command would log it)");
    assert.match(r.stderr, /boom\neqmd-matrix: manage\.py setup_matrix_bot failed; its standard output is withheld/);
    assert.ok(!r.stderr.includes("SECRET=abc"));
  });

  it("works under set -eu, as the declared scripts run", () => {
    const r = sh(`set -eu\n${withheldOnFailure("false", "x")}\necho after`);
    assert.equal(r.status, 1);
    assert.ok(!r.stdout.includes("after"));
  });
});
