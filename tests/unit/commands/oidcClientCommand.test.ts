import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  oidcClientLine,
  oidcClientScript,
  RSA_KEY_COUNT_CODE,
  type OidcClientScriptOptions,
} from "../../../components/commands/oidcClientCommand";
import { parseClientSecret } from "../../../components/commands/parse";
import { DJANGO_52_SHELL_PREAMBLE } from "../../support/eqmdOutput";
import { fakeDockerCalls, runShell, tempDir, writeFakeDocker } from "./support/run";

/**
 * A fake eqmd manage.py: records each call (argv) in calls.jsonl, keeps the RSA key count and
 * the client secret in state.json, and prints setup_synapse_oidc_client's output in eqmd's
 * exact format (tests/support/eqmdOutput.ts). `shell -c` prints Django 5.2's auto-import report
 * first (with a decoy "…RSAKEYS=9" module line, eqmd-facts.md §15), then the RSAKEYS line.
 */
const FAKE_MANAGE_PY = `
import json, os, secrets, sys
here = os.path.dirname(os.path.abspath(__file__))
state_file = os.path.join(here, "state.json")
state = json.load(open(state_file)) if os.path.exists(state_file) else {}
state.setdefault("rsakeys", 0)
state.setdefault("clients", {})
state.setdefault("uris", {})
with open(os.path.join(here, "calls.jsonl"), "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
def save():
    json.dump(state, open(state_file, "w"))
args = sys.argv[1:]
cmd = args[0] if args else ""
if cmd == "migrate":
    print("Operations to perform:\\n  Apply all migrations: admin, auth, oidc_provider\\nRunning migrations:\\n  No migrations to apply.")
elif cmd == "shell" and args[2].startswith("_CLIENT_ID = "):
    # The program's redirect-URI repair: its constants, then the same effect on the stored text.
    import re
    cid = json.loads(re.search(r'^_CLIENT_ID = (".*")$', args[2], re.M).group(1))
    callback = json.loads(re.search(r'^_CALLBACK = (".*")$', args[2], re.M).group(1))
    uris = []
    for uri in state["uris"].get(cid, "").split():
        if uri not in uris:
            uris.append(uri)
    state["uris"][cid] = "\\n".join(uris)
    save()
    if callback not in uris:
        sys.exit("eqmd-matrix: the OIDC client %r has %d redirect URI(s), none of them Synapse's callback %s" % (cid, len(uris), callback))
    print("eqmd-matrix: OIDC client %r: %d redirect URI(s), one a line" % (cid, len(uris)))
elif cmd == "shell":
    if state.get("shell_fails"):
        sys.stderr.write("ModuleNotFoundError: No module named 'oidc_provider'\\n")
        sys.exit(1)
    if args[1:] != ["-c", ${JSON.stringify(RSA_KEY_COUNT_CODE)}]:
        sys.exit("fake manage.py: unexpected shell code %r" % args[1:])
    sys.stdout.write(${JSON.stringify(DJANGO_52_SHELL_PREAMBLE)})
    if not state.get("shell_silent"):
        sys.stdout.write("\\x1b[0mRSAKEYS=%d\\r\\n" % state["rsakeys"])
elif cmd == "creatersakey":
    state["rsakeys"] += 1
    save()
    print("RSA key successfully created with kid: %s" % secrets.token_hex(16))
elif cmd == "setup_synapse_oidc_client" and state.get("garbage"):
    state["uris"]["matrix_synapse_client"] = "https://matrix.yourhospital.com/_synapse/client/oidc/callback"
    save()
    print("Setting up... ok")
    print("client_secret: not-a-line-the-program-takes")
elif cmd == "setup_synapse_oidc_client":
    opts = {"--client-id": "matrix_synapse_client", "--matrix-fqdn": "matrix.yourhospital.com"}
    i = 1
    while i < len(args):
        opts[args[i]] = args[i + 1]
        i += 2
    cid, fqdn = opts["--client-id"], opts["--matrix-fqdn"]
    created = cid not in state["clients"]
    if created:
        state["clients"][cid] = secrets.token_urlsafe(32)
        save()
    secret = state["clients"][cid]
    redirect = "https://%s/_synapse/client/oidc/callback" % fqdn
    # As eqmd: split on whitespace, append when missing, store joined by spaces.
    known = state["uris"].get(cid, "").split()
    if redirect not in known:
        state["uris"][cid] = " ".join(known + [redirect])
        save()
    print("Setting up OIDC client for Matrix Synapse...")
    print("Client ID: %s" % cid)
    print("Matrix FQDN: %s" % fqdn)
    print("Redirect URI: %s" % redirect)
    print(("\\u2713 Created new OIDC client '%s'" if created else "\\u2713 Found existing OIDC client '%s'") % cid)
    print("  - Client secret: %s" % ("generated new" if created else "using existing"))
    print("  - Redirect URI: %s" % ("added new redirect URI" if created else "redirect URI already configured"))
    print("  - Allowed scopes: openid profile email")
    print("")
    print("Synapse Configuration:")
    print("oidc_providers:")
    print("  - idp_id: equipemed")
    print("    issuer: \\"https://yourhospital.com/o\\"")
    print("    client_id: \\"%s\\"" % cid)
    print("    client_secret: \\"%s\\"" % secret)
    print("")
    print("Environment Variables:")
    print("Add to your .env file:")
    print("SYNAPSE_OIDC_CLIENT_SECRET=%s" % secret)
    print("SYNAPSE_OIDC_PROVIDER_ID=equipemed")
    print("")
    print("\\u2713 Synapse OIDC client setup complete!")
else:
    sys.exit("fake manage.py: unknown command %r" % cmd)
`;

describe("oidcClientScript with a fake manage.py", () => {
  let dir: string;
  let opts: OidcClientScriptOptions;
  beforeEach(() => {
    dir = tempDir("oidc");
    fs.writeFileSync(path.join(dir, "manage.py"), FAKE_MANAGE_PY);
    opts = {
      managePy: ["python3", path.join(dir, "manage.py")],
      exec: { command: [] },
      clientId: "matrix_synapse_client",
      matrixFqdn: "matrix.yourhospital.com",
      migrate: false,
      callbackUri: "https://matrix.yourhospital.com/_synapse/client/oidc/callback",
    };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const calls = (): string[] =>
    fs
      .readFileSync(path.join(dir, "calls.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as string[])[0]);
  const state = (): { rsakeys: number; clients: Record<string, string> } =>
    JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")) as {
      rsakeys: number;
      clients: Record<string, string>;
    };
  const setState = (s: Record<string, unknown>): void =>
    fs.writeFileSync(path.join(dir, "state.json"), JSON.stringify(s));

  it("creates an RSA key only when none exists, then sets up the client; stdout carries the secret", async () => {
    const first = await runShell(oidcClientScript(opts));
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(calls(), ["shell", "creatersakey", "setup_synapse_oidc_client", "shell"]);
    const secret = parseClientSecret(first.stdout);
    assert.equal(secret, state().clients["matrix_synapse_client"]);
    assert.equal(state().rsakeys, 1);
    assert.ok(!first.stdout.includes("RSA key successfully created"), "creatersakey output belongs on stderr");
    assert.match(first.stderr, /no RSA key yet: running manage\.py creatersakey/);
    assert.ok(!first.stderr.includes(secret));

    const second = await runShell(oidcClientScript(opts));
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(calls(), [
      "shell",
      "creatersakey",
      "setup_synapse_oidc_client",
      "shell",
      "shell",
      "setup_synapse_oidc_client",
      "shell",
    ]);
    assert.equal(state().rsakeys, 1, "creatersakey is not idempotent: it must not run again");
    assert.equal(parseClientSecret(second.stdout), secret);
    assert.match(second.stderr, /1 RSA key\(s\) present: not creating another/);
  });

  it("runs migrate first only when asked", async () => {
    setState({ rsakeys: 2, clients: {} });
    const r = await runShell(oidcClientScript({ ...opts, migrate: true }));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(), ["migrate", "shell", "setup_synapse_oidc_client", "shell"]);
    assert.ok(!r.stdout.includes("Operations to perform"), "migrate output belongs on stderr");
    assert.ok(!oidcClientScript(opts).includes("migrate"));
  });

  it("passes client id and FQDN exactly, whatever they contain", async () => {
    setState({ rsakeys: 1, clients: {} });
    const r = await runShell(
      oidcClientScript({
        ...opts,
        clientId: "odd id's $x",
        matrixFqdn: "matrix.example.org",
        callbackUri: "https://matrix.example.org/_synapse/client/oidc/callback",
      }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Object.keys(state().clients).includes("odd id's $x"));
    assert.match(r.stdout, /Redirect URI: https:\/\/matrix\.example\.org\/_synapse\/client\/oidc\/callback/);
  });

  it("stops with a clear message when Django cannot count RSA keys", async () => {
    setState({ rsakeys: 0, clients: {}, shell_fails: true });
    const r = await runShell(oidcClientScript(opts));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /manage\.py shell failed while counting RSA keys/);
    assert.deepEqual(calls(), ["shell"]);
  });

  it("fails, printing nothing, when setup_synapse_oidc_client exits 0 without its secret line", async () => {
    setState({ rsakeys: 1, clients: {}, garbage: true });
    const r = await runShell(oidcClientScript(opts));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "", "the output is withheld (it may carry secrets)");
    assert.match(
      r.stderr,
      /setup_synapse_oidc_client exited 0 but printed no SYNAPSE_OIDC_CLIENT_SECRET=<secret> line/,
    );
    assert.doesNotMatch(r.stderr, /not-a-line-the-program-takes/);
  });

  it("stops when the RSAKEYS line is missing instead of guessing", async () => {
    setState({ rsakeys: 0, clients: {}, shell_silent: true });
    const r = await runShell(oidcClientScript(opts));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /printed no RSAKEYS=<n> line/);
    assert.deepEqual(calls(), ["shell"]);
  });

  it("runs every step through the exec target (docker compose exec -T <service>)", async () => {
    const docker = writeFakeDocker(dir);
    const script = oidcClientScript({
      ...opts,
      exec: { command: [docker, "compose", "exec", "-T"], container: "eqmd" },
    });
    const r = await runShell(script);
    assert.equal(r.code, 0, r.stderr);
    const dockerCalls = fakeDockerCalls(dir);
    assert.equal(dockerCalls.length, 4);
    for (const argv of dockerCalls) assert.deepEqual(argv.slice(0, 5), ["compose", "exec", "-T", "eqmd", "python3"]);
    assert.equal(parseClientSecret(r.stdout), state().clients["matrix_synapse_client"]);
  });

  it("the declared line is short and names client and FQDN; the script runs from stdin", async () => {
    setState({ rsakeys: 0, clients: {} });
    const line = oidcClientLine(opts);
    assert.ok(line.length < 200 && !line.includes("\n"), line);
    assert.match(
      line,
      /^eval "\$\(cat\)" # setup_synapse_oidc_client \{"clientId":"matrix_synapse_client","matrixFqdn":"matrix\.yourhospital\.com"\} script sha256:[0-9a-f]{12}$/,
    );
    assert.ok(!line.includes("creatersakey") && !line.includes(RSA_KEY_COUNT_CODE));
    assert.equal(line, oidcClientLine({ ...opts }), "stable");
    assert.notEqual(line, oidcClientLine({ ...opts, migrate: true }), "the digest follows the script");
    const r = await runShell(line, { stdin: oidcClientScript(opts) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(), ["shell", "creatersakey", "setup_synapse_oidc_client", "shell"]);
    assert.equal(parseClientSecret(r.stdout), state().clients["matrix_synapse_client"]);
  });

  it("after an FQDN change, stores eqmd's space-joined redirect URIs one a line (issue 19 item 3)", async () => {
    setState({ rsakeys: 1, clients: {}, uris: {} });
    assert.equal((await runShell(oidcClientScript(opts))).code, 0);
    const moved = {
      ...opts,
      matrixFqdn: "matrix.newhospital.org",
      callbackUri: "https://matrix.newhospital.org/_synapse/client/oidc/callback",
    };
    const r = await runShell(oidcClientScript(moved));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      (state() as unknown as { uris: Record<string, string> }).uris["matrix_synapse_client"],
      "https://matrix.yourhospital.com/_synapse/client/oidc/callback\nhttps://matrix.newhospital.org/_synapse/client/oidc/callback",
    );
    assert.match(r.stderr, /OIDC client 'matrix_synapse_client': 2 redirect URI\(s\), one a line/);
    assert.ok(!r.stdout.includes("redirect URI(s)"), "the repair's line is progress (stderr), not the step's output");
    assert.equal(parseClientSecret(r.stdout), state().clients["matrix_synapse_client"]);
  });

  it("fails, withholding the secret, when Synapse's callback is not registered exactly", async () => {
    setState({ rsakeys: 1, clients: {}, uris: {} });
    const r = await runShell(
      oidcClientScript({ ...opts, callbackUri: "http://127.0.0.1:8008/_synapse/client/oidc/callback" }),
    );
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "", "setup's output (the secret) is withheld");
    assert.match(
      r.stderr,
      /none of them Synapse's callback http:\/\/127\.0\.0\.1:8008\/_synapse\/client\/oidc\/callback/,
    );
    assert.ok(!r.stderr.includes(state().clients["matrix_synapse_client"]));
  });

  it("refuses an empty managePy", () => {
    assert.throws(() => oidcClientScript({ ...opts, managePy: [] }), /managePy is empty/);
  });
});
