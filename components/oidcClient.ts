import * as pulumi from "@pulumi/pulumi";
import { OidcClientScriptOptions, oidcClientLine, oidcClientScript } from "./commands/oidcClientCommand";
import { parseClientSecret } from "./commands/parse";
import { secretCommand } from "./secretCommand";
import { childOptions } from "./childOptions";
import { dockerEnv } from "./dockerEnv";
import { TYPE } from "./tokens";

/** Either the operator manages the client secret, or eqmd's Django registers the client. */
export type OidcClientArgs =
  | {
      /** The client secret from config (oidc.clientSecretFrom "config"): no Django command runs. */
      readonly configuredSecret: pulumi.Input<string>;
    }
  | {
      /** How to run `setup_synapse_oidc_client` (and `creatersakey`) in eqmd's Django. */
      readonly setup: OidcClientScriptOptions;
      /** Docker engine the exec prefix talks to (the stack's `dockerHost`). */
      readonly dockerHost?: string;
    };

/**
 * Synapse's OIDC client in eqmd's Django provider. Runs `creatersakey` only when the provider
 * has no RSA key (every run adds one) and `setup_synapse_oidc_client` (idempotent: it keeps
 * and reprints the secret), then keeps the printed client secret as a Pulumi secret.
 */
export class OidcClient extends pulumi.ComponentResource {
  public readonly clientSecret: pulumi.Output<string>;

  constructor(name: string, args: OidcClientArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.OidcClient, name, {}, opts);
    if ("configuredSecret" in args) {
      this.clientSecret = pulumi.secret(args.configuredSecret);
    } else {
      const setup = secretCommand(
        `${name}-setup`,
        {
          // The script on stdin (marked secret only so a diff does not print it), its arguments
          // in the short `create` line.
          create: oidcClientLine(args.setup),
          stdin: pulumi.secret(oidcClientScript(args.setup)),
          environment: dockerEnv(args),
        },
        childOptions(this, opts),
      );
      this.clientSecret = pulumi.secret(setup.stdout.apply(parseClientSecret));
    }
    this.registerOutputs({});
  }
}
