import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { TYPE } from "./tokens";
import { signingKeyIdFrom, signingKeySeedFrom } from "../render/signingKey";

/**
 * Every secret Synapse needs, generated with a CSPRNG and kept only in Pulumi state
 * (encrypted). Nothing here is derived from anything else: the signing key in particular is a
 * fresh random seed, never a function of the server name.
 */
export class SynapseSecrets extends pulumi.ComponentResource {
  public readonly registrationSharedSecret: pulumi.Output<string>;
  public readonly macaroonSecretKey: pulumi.Output<string>;
  public readonly formSecret: pulumi.Output<string>;
  public readonly databasePassword: pulumi.Output<string>;
  public readonly adminPassword: pulumi.Output<string>;
  /** 32 bytes, standard base64 (SHA-256 of a random secret): the ed25519 seed of Synapse's signing key. */
  public readonly signingKeySeed: pulumi.Output<string>;
  /** Key id such as `a_k3x9`: public (it is published with the key), so not secret. */
  public readonly signingKeyId: pulumi.Output<string>;
  /** Worker mode only: `worker_replication_secret` and Redis' password. */
  public readonly workers?: {
    readonly replicationSecret: pulumi.Output<string>;
    readonly redisPassword: pulumi.Output<string>;
  };

  constructor(name: string, args: { readonly workers: boolean }, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.SynapseSecrets, name, {}, opts);
    const password = (suffix: string, length: number) =>
      new random.RandomPassword(
        `${name}-${suffix}`,
        { length, special: false },
        { parent: this, additionalSecretOutputs: ["result"] },
      ).result.apply((v) => pulumi.secret(v));

    this.registrationSharedSecret = password("registration-shared-secret", 64);
    this.macaroonSecretKey = password("macaroon-secret-key", 64);
    this.formSecret = password("form-secret", 64);
    this.databasePassword = password("database-password", 40);
    this.adminPassword = password("admin-password", 40);
    // A RandomPassword, not RandomBytes: a RandomBytes' resource id is its value, and ids
    // are stored in plaintext (seen in the real engine's state).
    this.signingKeySeed = password("signing-key-secret", 64).apply(signingKeySeedFrom);
    this.signingKeyId = new random.RandomString(
      `${name}-signing-key-id`,
      { length: 4, special: false, upper: false },
      { parent: this },
    ).result.apply(signingKeyIdFrom);

    if (args.workers) {
      this.workers = {
        replicationSecret: password("worker-replication-secret", 64),
        // Letters and digits only: it is written into redis.conf as is.
        redisPassword: password("redis-password", 64),
      };
    }

    this.registerOutputs({ signingKeyId: this.signingKeyId });
  }
}
