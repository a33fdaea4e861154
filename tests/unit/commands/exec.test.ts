import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  execArgv,
  execLine,
  scriptDigest,
  shellJoin,
  shellQuote,
  stdinScriptLine,
  withContainerStateOnFailure,
  withheldOnFailure,
} from "../../../components/commands/exec";
import { spawnSync } from "node:child_process";
import {
  ADMIN_BOOTSTRAP_ENV,
  loadScript,
  scriptCommand,
  scriptLoader,
  shellLoaderArgs,
  shellScript,
} from "../../../components/commands/pythonScripts";
import { pythonInline, scriptStdin } from "../../support/pythonScripts";
import * as fs from "node:fs";
import * as path from "node:path";
import { runArgv, runShell, tempDir } from "./support/run";

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
    const stdin = scriptStdin("admin_bootstrap", {
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

describe("scripts off the command line", () => {
  const names = ["admin_bootstrap", "verify_synapse"] as const;

  it("each script's command line is one short line naming the script and its digest, never its source", () => {
    for (const name of names) {
      const src = loadScript(name);
      assert.match(src, /if __name__ == "__main__":/);
      const line = scriptCommand(name, DOCKER_EXEC, ADMIN_BOOTSTRAP_ENV);
      assert.ok(line.length < 300, `${name}: ${line.length} characters`);
      assert.ok(!line.includes("\n"), `${name}: one line`);
      assert.ok(line.includes(`# ${name}.py sha256:${scriptDigest(src)}`));
      // No line of the source (docstrings, code) reaches argv.
      for (const sourceLine of src.split("\n").filter((l) => l.trim().length > 25)) {
        assert.ok(!line.includes(sourceLine.trim()), `${name}: source line in argv: ${sourceLine}`);
      }
      assert.deepEqual(pythonInline(name, "python"), ["python", "-c", scriptLoader(name)]);
    }
  });

  it("the command line is stable: the same on every build, and it changes only with the script", () => {
    assert.equal(scriptCommand("verify_synapse", DOCKER_EXEC), scriptCommand("verify_synapse", DOCKER_EXEC));
    assert.notEqual(scriptLoader("verify_synapse"), scriptLoader("admin_bootstrap"));
    assert.equal(scriptDigest("a"), scriptDigest("a"));
    assert.notEqual(scriptDigest("a"), scriptDigest("a "));
  });

  it("the builtin manage.py shell step reads its code from stdin: short args, code not in them", () => {
    const args = shellLoaderArgs("clear_stale_rooms");
    assert.deepEqual(args.slice(0, 2), ["shell", "-c"]);
    assert.ok(args[2].length < 120, args[2]);
    assert.ok(!args.join(" ").includes("MatrixGlobalRoom"));
    assert.match(shellScript("clear_stale_rooms"), /MatrixGlobalRoom/);
  });

  it("a /bin/sh script on stdin runs whole, under one short label on one line", () => {
    const line = stdinScriptLine("setup x\nrm -rf /");
    assert.equal(line, 'eval "$(cat)" # setup x rm -rf /');
    const r = spawnSync("/bin/sh", ["-c", line], {
      input: 'set -eu\nread -r rest || true\necho "rest=[$rest]"\necho done\n',
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "rest=[]\ndone\n", "the programs the script starts see an empty stdin");
  });

  it("the loader runs the script on stdin with its input as the script's own stdin", () => {
    const r = spawnSync("python3", ["-c", scriptLoader("verify_synapse")], {
      input: scriptStdin("verify_synapse", { base_url: "http://x", deadline_seconds: 0 }),
      encoding: "utf8",
    });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "verification failed: stdin JSON lacks a positive number 'deadline_seconds'\n");
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

describe("withContainerStateOnFailure", () => {
  /** A `docker` that prints its argv (one per line) and records that it ran. */
  const fakeDocker = (): { dir: string; ran: () => boolean } => {
    const dir = tempDir("inspect");
    fs.writeFileSync(path.join(dir, "docker"), '#!/bin/sh\ntouch "$(dirname "$0")/ran"\nprintf "%s\\n" "$@"\n', {
      mode: 0o755,
    });
    return { dir, ran: () => fs.existsSync(path.join(dir, "ran")) };
  };

  it("keeps a failing command's exit code and adds the container's state on stderr", async () => {
    const docker = fakeDocker();
    const r = await runShell(withContainerStateOnFailure("echo out; exit 137", "eqmd_matrix_synapse"), {
      env: { PATH: `${docker.dir}:${process.env["PATH"] ?? ""}` },
    });
    assert.equal(r.code, 137);
    assert.equal(r.stdout, "out\n");
    const [verb, flag, format, container] = r.stderr.trimEnd().split("\n");
    assert.deepEqual([verb, flag, container], ["inspect", "-f", "eqmd_matrix_synapse"]);
    assert.match(
      format ?? "",
      /^eqmd-matrix: the container eqmd_matrix_synapse is \{\{\.State\.Status\}\} \(exit code/,
    );
    assert.match(
      format ?? "",
      /killed for memory: \{\{\.State\.OOMKilled\}\}, restarts: \{\{\.RestartCount\}\}\); its output: docker logs eqmd_matrix_synapse$/,
    );
  });

  it("asks Docker nothing when the command succeeds", async () => {
    const docker = fakeDocker();
    const r = await runShell(withContainerStateOnFailure("echo fine", "eqmd_matrix_synapse"), {
      env: { PATH: `${docker.dir}:${process.env["PATH"] ?? ""}` },
    });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "fine\n");
    assert.equal(docker.ran(), false);
  });
});
