import * as pulumi from "@pulumi/pulumi";
import { ExecTarget } from "../config";
import type { VerifySynapseInput, VerifyWorkersInput } from "./commands/pythonScripts";
import { reportingSynapse, scriptRun, secretCommand } from "./secretCommand";
import { childOptions } from "./childOptions";
import { dockerEnv } from "./dockerEnv";
import { TYPE } from "./tokens";

export interface VerificationArgs {
  /** Where the check runs (synapse.exec). */
  readonly exec: ExecTarget;
  /** Docker engine the exec prefix talks to (the stack's `dockerHost`). */
  readonly dockerHost?: string;
  /** Synapse's client listener as seen from `exec`. */
  readonly synapseUrl: string;
  /** The SSO provider Synapse must offer, or undefined when OIDC is off. */
  readonly oidc?: {
    /** "oidc-<providerId>". */
    readonly idpId: string;
    /** Issuer whose JWKS must hold an RSA key. */
    readonly issuer: string;
  };
  /** Time budget of the check. */
  readonly deadlineSeconds: number;
  /** The admin's access token (secret), checked against the admin API. */
  readonly adminToken: pulumi.Input<string>;
  /** The admin's user id, e.g. "@admin:matrix.yourhospital.com". */
  readonly adminUserId: pulumi.Input<string>;
  /** Changes whenever the Synapse container is replaced, so each new Synapse is verified. */
  readonly synapseContainerId: pulumi.Input<string>;
  /** Synapse's container name: its state is reported when the check fails. */
  readonly synapseContainer: string;
  /** Worker mode: a request of each routed kind must be served by a worker of that kind. */
  readonly workerRoutes?: {
    readonly routerUrl: string;
    readonly header: string;
    readonly checks: VerifyWorkersInput["checks"];
    /** The router's and the workers' container ids: a new one is verified again. */
    readonly containerIds: pulumi.Input<string>[];
  };
}

/**
 * Fails the update unless Synapse offers SSO through `oidc-<providerId>`, the issuer's JWKS
 * holds an RSA key, and the admin token is accepted by the admin API. Polls with a deadline.
 */
export class Verification extends pulumi.ComponentResource {
  public readonly report: pulumi.Output<string>;
  /** verify_workers.py's line (which process served each routed kind), with workers. */
  public readonly workerReport?: pulumi.Output<string>;

  constructor(name: string, args: VerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.Verification, name, {}, opts);
    const check = secretCommand(
      `${name}-check`,
      {
        ...reportingSynapse(
          args.synapseContainer,
          scriptRun("verify_synapse", args.exec, {
            base_url: args.synapseUrl,
            idp_id: args.oidc?.idpId ?? null,
            issuer: args.oidc?.issuer ?? null,
            admin_token: args.adminToken,
            admin_user_id: args.adminUserId,
            deadline_seconds: args.deadlineSeconds,
          } satisfies Record<keyof VerifySynapseInput, unknown>),
        ),
        environment: dockerEnv(args),
        triggers: [args.synapseContainerId],
      },
      childOptions(this, opts),
    );
    this.report = check.stdout;
    const routes = args.workerRoutes;
    if (routes) {
      const routed = secretCommand(
        `${name}-worker-routes`,
        {
          ...scriptRun("verify_workers", args.exec, {
            router_url: routes.routerUrl,
            header: routes.header,
            admin_token: args.adminToken,
            checks: routes.checks,
            deadline_seconds: args.deadlineSeconds,
          } satisfies Record<keyof VerifyWorkersInput, unknown>),
          environment: dockerEnv(args),
          triggers: [args.synapseContainerId, ...routes.containerIds],
        },
        childOptions(this, opts, { dependsOn: [check] }),
      );
      this.workerReport = routed.stdout;
    }
    this.registerOutputs({});
  }
}
