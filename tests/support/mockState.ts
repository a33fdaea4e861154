/**
 * What the mocked providers answer for each resource: the inputs echoed back plus plausible
 * computed outputs. Generated secrets are deterministic and carry the MOCKSECRET marker, so a
 * test can search every non-secret input for them.
 */
import { createHash } from "node:crypto";
import { MockResourceArgs } from "@pulumi/pulumi/runtime";
import { setupSynapseOidcClientOutput } from "./eqmdOutput";

const digest = (s: string) => createHash("sha256").update(s).digest();
export const mockSecret = (name: string) => `MOCKSECRET-${name}`;

/** Mocks receive secret inputs in Pulumi's wire wrapper; the fake provider sees the value. */
function unwrapSecret(value: unknown): unknown {
  const wrapped = value as Record<string, unknown> | null;
  return wrapped && typeof wrapped === "object" && "4dabf18193072939515e22adb298388d" in wrapped
    ? wrapped["value"]
    : value;
}

function fakeCommandStdout(args: MockResourceArgs): string {
  const name = args.name;
  if (name.includes("oidc-client")) return setupSynapseOidcClientOutput(mockSecret("oidc-client-secret"));
  if (name.includes("admin-bootstrap")) {
    return JSON.stringify({ user_id: "@admin:mock", access_token: mockSecret("admin-token"), device_id: "MOCKDEVICE" });
  }
  if (name.includes("after-reset")) {
    const inputs = args.inputs as Record<string, unknown>;
    const env = unwrapSecret(inputs["environment"] ?? {}) as Record<string, string>;
    const keys = (env["EQMD_MATRIX_CAPTURE_KEYS"] ?? "").split(",").filter(Boolean);
    return ["✓ done", ...keys.map((k) => `${k}=${mockSecret(k)}`)].join("\n");
  }
  return "{}";
}

/** Builds the mock provider; `commandStdout` replaces the fake output of named commands. */
export function mockStateWith(commandStdout: Record<string, string> = {}) {
  return (args: MockResourceArgs) => {
    const real = commandStdout[args.name];
    if (args.type === "command:local:Command" && real !== undefined) {
      return {
        id: `${args.name}-id`,
        state: { ...(args.inputs as Record<string, unknown>), stdout: real, stderr: "" },
      };
    }
    return mockState(args);
  };
}

export function mockState(args: MockResourceArgs): { id: string; state: Record<string, unknown> } {
  const inputs = args.inputs as Record<string, unknown>;
  const id = `${args.name}-id`;
  const h = digest(args.name);
  switch (args.type) {
    case "random:index/randomPassword:RandomPassword":
      return { id, state: { ...inputs, result: mockSecret(args.name), bcryptHash: "mock-bcrypt" } };
    case "random:index/randomBytes:RandomBytes":
      return { id, state: { ...inputs, base64: h.toString("base64"), hex: h.toString("hex") } };
    case "random:index/randomString:RandomString":
      return { id, state: { ...inputs, result: h.toString("hex").slice(0, Number(inputs["length"] ?? 8)) } };
    case "docker:index/remoteImage:RemoteImage": {
      // Like the engine's: the id follows the image pulled, so another tag gives another id.
      const image = digest(String(inputs["name"])).toString("hex");
      return {
        id,
        state: { ...inputs, imageId: `sha256:${image}`, repoDigest: `${String(inputs["name"])}@sha256:${image}` },
      };
    }
    case "command:local:Command":
      return { id, state: { ...inputs, stdout: fakeCommandStdout(args), stderr: "" } };
    default:
      return { id, state: { ...inputs } };
  }
}
