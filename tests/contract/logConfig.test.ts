/**
 * The declared log config, loaded by each covered Synapse's own loader
 * (`synapse.config.logger._load_logging_config`) as the container user, with the container's
 * /data/logs mapped to a private directory. The prod example sets synapse.fileLog, so the log
 * file gets Synapse's lines and not the access or SQL loggers' (WARNING, as eqmd has them).
 * On a directory the user cannot write, loading fails: why the log volume gets a chown job.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { SYNAPSE_PATHS } from "../../render/paths";
import { runProgram } from "../support/programHarness";
import { CONTRACT_SYNAPSE_VERSIONS, WORK_DIR, synapseVenv, venvPython } from "./support/paths";
import { Declared, PROD_STACK_FILE } from "./support/program";
import { runCommand } from "./support/run";

const runDir = path.join(WORK_DIR, `log-config-${process.pid}`);

/** Loads the config with Synapse's loader, then logs one line on each logger that matters. */
const PROBE = [
  "import logging, sys",
  "from synapse.config.logger import _load_logging_config",
  "_load_logging_config(sys.argv[1])",
  "logging.getLogger('synapse.access.http.8008').info('PROBE-ACCESS-8008')",
  "logging.getLogger('synapse.access.http.9000').info('PROBE-ACCESS-OTHER-LISTENER')",
  "logging.getLogger('synapse.storage.SQL').info('PROBE-SQL')",
  "logging.getLogger('synapse.app.homeserver').info('PROBE-SERVER')",
  "logging.getLogger('synapse.access.http.8008').warning('PROBE-ACCESS-WARNING')",
  "logging.shutdown()",
].join("\n");

describe("the declared log config, loaded by Synapse's own loader", () => {
  let succeeded = 0;
  after(() => {
    if (succeeded === 2 * CONTRACT_SYNAPSE_VERSIONS.length) fs.rmSync(runDir, { recursive: true, force: true });
    else console.log(`kept for inspection: ${runDir}`);
  });

  const declared = new Declared(
    runProgram(PROD_STACK_FILE, { secrets: { "eqmd-matrix:postgresAdminPassword": "MOCKSECRET-pg-admin" } }),
  );
  const container = declared.synapse();
  assert.ok(
    container.volumePaths.includes(SYNAPSE_PATHS.logsDir),
    "the prod example mounts the log volume at /data/logs",
  );
  const logConfig = declared.synapseFile(SYNAPSE_PATHS.logConfig);
  const asRoot = process.getuid?.() === 0;

  /** Writes the config with /data/logs mapped to `logsDir`; runs the probe as the container user. */
  const load = async (version: string, logsDir: string) => {
    const file = path.join(path.dirname(logsDir), "log_config.yaml");
    fs.writeFileSync(file, logConfig.split(SYNAPSE_PATHS.logsDir).join(logsDir));
    const user = container.user;
    const prefix = asRoot ? ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--"] : [];
    return runCommand([...prefix, venvPython(synapseVenv(version)), "-c", PROBE, file], {
      cwd: "/",
      allowFailure: true,
    });
  };

  for (const version of CONTRACT_SYNAPSE_VERSIONS) {
    test(`Synapse ${version}: writes homeserver.log without access or SQL lines`, async () => {
      const logsDir = path.join(runDir, version, "writable", "logs");
      fs.mkdirSync(logsDir, { recursive: true });
      fs.chmodSync(path.dirname(logsDir), 0o755);
      // What the chown job leaves: the volume's root owned by Synapse's UID:GID.
      if (asRoot) fs.chownSync(logsDir, container.user.uid, container.user.gid);
      const result = await load(version, logsDir);
      assert.equal(result.code, 0, `the loader failed:\n${result.stderr}`);
      const written = fs.readFileSync(path.join(logsDir, "homeserver.log"), "utf8");
      for (const text of [written, result.stdout]) {
        assert.match(text, / - synapse\.app\.homeserver - \d+ - INFO - sentinel - PROBE-SERVER/);
        assert.match(text, / - WARNING - sentinel - PROBE-ACCESS-WARNING/);
        assert.doesNotMatch(text, /PROBE-ACCESS-8008|PROBE-ACCESS-OTHER-LISTENER|PROBE-SQL/);
      }
      if (asRoot) assert.equal(fs.statSync(path.join(logsDir, "homeserver.log")).uid, container.user.uid);
      succeeded++;
    });

    test(`Synapse ${version}: refuses to start on a log directory its user cannot write`, async (t) => {
      if (!asRoot) {
        succeeded++;
        return t.skip("needs root to run as the container user");
      }
      const logsDir = path.join(runDir, version, "root-owned", "logs");
      fs.mkdirSync(logsDir, { recursive: true, mode: 0o755 });
      fs.chmodSync(path.dirname(logsDir), 0o755);
      const result = await load(version, logsDir);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /Unable to configure handler 'file'/);
      assert.match(result.stderr, /Permission denied/);
      succeeded++;
    });
  }
});
