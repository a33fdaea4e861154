/**
 * Pulumi.prod.yaml against eqmd's deployment: read through the program's own config decoding
 * and settings builder. eqmd deploys with `docker compose -f docker-compose.deploy.yml up -d`
 * (its docs/deployment/docker-compose-commands.md); in that file the Django service is `eqmd`
 * (container `${CONTAINER_PREFIX}_app`, `env_file: .env` beside the compose file, no profile).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { settingsFromStackFile } from "../../support/settings";

const prod = settingsFromStackFile("Pulumi.prod.yaml", "prod");

/** The value after `flag` in `argv` (undefined when the flag is absent). */
const after = (argv: readonly string[], flag: string) => {
  const at = argv.indexOf(flag);
  return at < 0 ? undefined : argv[at + 1];
};

describe("the prod example recreates Django the way eqmd deploys it", () => {
  const command = prod.envFile?.recreateCommand ?? [];

  test("docker compose on eqmd's deployment file, not the development one", () => {
    assert.deepEqual(command.slice(0, 2), ["docker", "compose"]);
    const file = after(command, "-f");
    assert.ok(file, `no -f <compose file> in ${command.join(" ")}`);
    assert.equal(path.posix.basename(file), "docker-compose.deploy.yml");
    assert.ok(path.posix.isAbsolute(file), "absolute: the command runs from the Pulumi project, not eqmd's checkout");
  });

  test("the compose file sits beside the .env the program writes (its env_file: .env)", () => {
    const file = after(command, "-f") ?? "";
    assert.equal(path.posix.dirname(file), path.posix.dirname(prod.envFile?.path ?? ""));
  });

  test("recreates only the `eqmd` service: up -d --force-recreate --no-deps eqmd, no profile", () => {
    const up = command.indexOf("up");
    assert.ok(up > 0, "an `up` subcommand");
    assert.deepEqual(command.slice(up), ["up", "-d", "--force-recreate", "--no-deps", "eqmd"]);
    assert.ok(!command.includes("--profile"), "the deploy file's eqmd service has no profile");
  });

  test("that service's container is the one the Django commands exec into (<prefix>_app)", () => {
    assert.equal(prod.django.exec.container, prod.names.djangoContainer);
    assert.equal(prod.names.djangoContainer, "eqmd_app");
  });
});
