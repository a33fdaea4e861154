import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../config";
import { parseAdminBootstrap } from "./commands/parse";
import { ADMIN_BOOTSTRAP_ENV, AdminBootstrapInput, scriptCommand } from "./commands/scripts";
import { secretCommand, secretJson } from "./secretCommand";
import { childOptions } from "./childOptions";
import { dockerEnv } from "./dockerEnv";
import { TYPE } from "./tokens";

export interface SynapseAdminArgs {
  readonly settings: Settings;
  readonly registrationSharedSecret: pulumi.Input<string>;
  readonly adminPassword: pulumi.Input<string>;
  /** Synapse's database: when it is recreated the admin must be registered again. */
  readonly database: pulumi.Resource;
}

/**
 * Registers the Synapse admin through the shared-secret admin API (works with password login
 * disabled, as eqmd runs it) and keeps its access token as a secret. Reruns reuse the previous
 * token while it is valid; see components/commands/scripts/admin_bootstrap.py.
 */
export class SynapseAdmin extends pulumi.ComponentResource {
  public readonly userId: pulumi.Output<string>;
  public readonly accessToken: pulumi.Output<string>;

  constructor(name: string, args: SynapseAdminArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.SynapseAdmin, name, {}, opts);
    const s = args.settings;
    const bootstrap = secretCommand(
      `${name}-bootstrap`,
      {
        // PULUMI_COMMAND_STDOUT (the previous run's output) lets a rerun reuse its token.
        create: scriptCommand("admin_bootstrap", s.synapse.exec, ADMIN_BOOTSTRAP_ENV),
        stdin: secretJson({
          base_url: s.synapse.internalUrl,
          shared_secret: args.registrationSharedSecret,
          username: s.admin.username,
          password: args.adminPassword,
          server_name: s.server.name,
          deadline_seconds: s.synapse.startTimeoutSeconds,
        } satisfies Record<keyof AdminBootstrapInput, unknown>),
        environment: dockerEnv(s),
      },
      childOptions(this, opts, { replaceWith: [args.database] }),
    );
    const result = bootstrap.stdout.apply(parseAdminBootstrap);
    // Not a secret (it is in the config as admin.username), so outputs show it.
    this.userId = pulumi.unsecret(result.apply((r) => r.userId));
    this.accessToken = pulumi.secret(result.apply((r) => r.accessToken));
    this.registerOutputs({ userId: this.userId });
  }
}
