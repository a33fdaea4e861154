import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../config";
import { oidcClientScript } from "./commands/oidcClientCommand";
import { parseClientSecret } from "./commands/parse";
import { secretCommand } from "./secretCommand";
import { childOptions } from "./childOptions";
import { dockerEnv } from "./dockerEnv";
import { TYPE } from "./tokens";

export interface OidcClientArgs {
  readonly settings: Settings;
  /** The client secret when the operator manages it (oidc.clientSecretFrom = "config"). */
  readonly configuredSecret?: pulumi.Output<string>;
}

/**
 * Synapse's OIDC client in eqmd's Django provider. Runs `creatersakey` only when the provider
 * has no RSA key (every run adds one) and `setup_synapse_oidc_client` (idempotent: it keeps
 * and reprints the secret), then keeps the printed client secret as a Pulumi secret.
 */
export class OidcClient extends pulumi.ComponentResource {
  public readonly clientSecret: pulumi.Output<string>;

  constructor(name: string, args: OidcClientArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.OidcClient, name, {}, opts);
    const s = args.settings;
    if (s.oidc.clientSecretFrom === "config") {
      if (!args.configuredSecret)
        throw new Error('oidcClientSecret is required when oidc.clientSecretFrom is "config"');
      this.clientSecret = pulumi.secret(args.configuredSecret);
    } else {
      const setup = secretCommand(
        `${name}-setup`,
        {
          create: oidcClientScript({
            managePy: s.django.managePy,
            exec: s.django.exec,
            clientId: s.oidc.clientId,
            // eqmd registers https://<fqdn>/_synapse/client/oidc/callback; Synapse builds its
            // callback from public_baseurl, so the host must be public_baseurl's.
            matrixFqdn: new URL(s.server.publicBaseUrl).host,
            migrate: s.django.migrate,
          }),
          environment: dockerEnv(s),
        },
        childOptions(this, opts),
      );
      this.clientSecret = pulumi.secret(setup.stdout.apply(parseClientSecret));
    }
    this.registerOutputs({});
  }
}
