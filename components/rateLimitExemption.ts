import * as pulumi from "@pulumi/pulumi";
import { ExecTarget } from "../config";
import type { ExemptRatelimitsInput } from "./commands/pythonScripts";
import { scriptRun, secretCommand } from "./secretCommand";
import { childOptions } from "./childOptions";
import { dockerEnv } from "./dockerEnv";
import { TYPE } from "./tokens";

export interface RateLimitExemptionArgs {
  /** Where the script runs (synapse.exec). */
  readonly exec: ExecTarget;
  /** Docker engine the exec prefix talks to (the stack's `dockerHost`). */
  readonly dockerHost?: string;
  /** Synapse's client listener as seen from `exec`. */
  readonly synapseUrl: string;
  /** Time budget of the step. */
  readonly deadlineSeconds: number;
  /** The admin's access token (secret): exempted, and it calls the admin API. */
  readonly adminToken: pulumi.Input<string>;
  /** Tokens of the other users to exempt (eqmd's bot, from the hooks' captures); "" = none. */
  readonly otherTokens: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * Lifts Synapse's rate limits (rc_message 0.2/s, burst 10) off the admin and eqmd's bot through
 * the admin API's override_ratelimit, and reads each override back. Reruns whenever a token
 * changes (a reset, a new bot token); rerunning is a no-op for users already exempt.
 */
export class RateLimitExemption extends pulumi.ComponentResource {
  /** The exempted user ids (JSON {"exempt": [...]}), not secret. */
  public readonly report: pulumi.Output<string>;

  constructor(name: string, args: RateLimitExemptionArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.RateLimitExemption, name, {}, opts);
    const tokens = pulumi
      .all([args.adminToken, pulumi.output(args.otherTokens)])
      .apply(([admin, others]) => [admin, ...others.filter((t) => t !== "")]);
    const step = secretCommand(
      `${name}-override`,
      {
        ...scriptRun("exempt_ratelimits", args.exec, {
          base_url: args.synapseUrl,
          admin_token: args.adminToken,
          tokens,
          deadline_seconds: args.deadlineSeconds,
        } satisfies Record<keyof ExemptRatelimitsInput, unknown>),
        environment: dockerEnv(args),
      },
      childOptions(this, opts),
    );
    // User ids only: not secret.
    this.report = pulumi.unsecret(step.stdout);
    this.registerOutputs({});
  }
}
