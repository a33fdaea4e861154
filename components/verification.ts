import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../config";
import { scriptCommand, VerifySynapseInput } from "./commands/scripts";
import { secretCommand, secretJson } from "./secretCommand";
import { childOptions } from "./childOptions";
import { dockerEnv } from "./dockerEnv";
import { TYPE } from "./tokens";

export interface VerificationArgs {
  readonly settings: Settings;
  readonly adminToken: pulumi.Input<string>;
  readonly adminUserId: pulumi.Input<string>;
  /** Changes whenever the Synapse container is replaced, so each new Synapse is verified. */
  readonly synapseContainerId: pulumi.Input<string>;
}

/**
 * Fails the update unless Synapse offers SSO through `oidc-<providerId>`, the issuer's JWKS
 * holds an RSA key, and the admin token is accepted by the admin API. Polls with a deadline.
 */
export class Verification extends pulumi.ComponentResource {
  public readonly report: pulumi.Output<string>;

  constructor(name: string, args: VerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.Verification, name, {}, opts);
    const s = args.settings;
    const check = secretCommand(
      `${name}-check`,
      {
        create: scriptCommand("verify_synapse", s.synapse.exec),
        stdin: secretJson({
          base_url: s.synapse.internalUrl,
          idp_id: s.oidc.enabled ? s.oidc.idpId : null,
          issuer: s.oidc.enabled ? s.oidc.issuer : null,
          admin_token: args.adminToken,
          admin_user_id: args.adminUserId,
          deadline_seconds: s.synapse.startTimeoutSeconds,
        } satisfies Record<keyof VerifySynapseInput, unknown>),
        environment: dockerEnv(s),
        triggers: [args.synapseContainerId],
      },
      childOptions(this, opts),
    );
    this.report = check.stdout;
    this.registerOutputs({});
  }
}
