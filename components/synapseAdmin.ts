import * as pulumi from "@pulumi/pulumi";
import { ExecTarget } from "../config";
import { parseAdminBootstrap } from "./commands/parse";
import { ADMIN_BOOTSTRAP_ENV, type AdminBootstrapInput } from "./commands/pythonScripts";
import { reportingSynapse, scriptRun, secretCommand } from "./secretCommand";
import { childOptions } from "./childOptions";
import { dockerEnv } from "./dockerEnv";
import { TYPE } from "./tokens";

export interface SynapseAdminArgs {
  /** Where the bootstrap script runs (synapse.exec: inside the Synapse container by default). */
  readonly exec: ExecTarget;
  /** Docker engine the exec prefix talks to (the stack's `dockerHost`). */
  readonly dockerHost?: string;
  /** Synapse's client listener as seen from `exec`, e.g. "http://localhost:8008". */
  readonly synapseUrl: string;
  /** Admin localpart (admin.username). */
  readonly username: string;
  /** Synapse's server_name. */
  readonly serverName: string;
  /** Time budget of the bootstrap (Synapse may still be starting). */
  readonly deadlineSeconds: number;
  /** Synapse's registration_shared_secret (secret): signs the registration request. */
  readonly registrationSharedSecret: pulumi.Input<string>;
  /** The password the admin is registered with (secret). */
  readonly adminPassword: pulumi.Input<string>;
  /** Synapse's database: when it is recreated the admin must be registered again. */
  readonly database: pulumi.Resource;
  /** Synapse's container name: its state is reported when the bootstrap fails. */
  readonly synapseContainer: string;
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
    const bootstrap = secretCommand(
      `${name}-bootstrap`,
      {
        // PULUMI_COMMAND_STDOUT (the previous run's output) lets a rerun reuse its token.
        ...reportingSynapse(
          args.synapseContainer,
          scriptRun(
            "admin_bootstrap",
            args.exec,
            {
              base_url: args.synapseUrl,
              shared_secret: args.registrationSharedSecret,
              username: args.username,
              password: args.adminPassword,
              server_name: args.serverName,
              deadline_seconds: args.deadlineSeconds,
            } satisfies Record<keyof AdminBootstrapInput, unknown>,
            ADMIN_BOOTSTRAP_ENV,
          ),
        ),
        environment: dockerEnv(args),
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
