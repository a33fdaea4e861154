import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { MATRIX_STACK_NAME, TYPE } from "./tokens";

export interface MatrixAssetsArgs {
  /** Synapse's image, pinned (synapse.image). */
  readonly synapseImage: string;
  /** Element Web's image, pinned (element.image). */
  readonly elementImage: string;
  /** The volume names: `<prefix>_matrix_config`, `<prefix>_matrix_secrets`, `<prefix>_element_web_root`. */
  readonly synapseConfigVolume: string;
  readonly synapseSecretsVolume: string;
  readonly elementWebRootVolume: string;
  /** Worker mode (synapse.workers): Redis' and the router's images, the volume of Redis' password file. */
  readonly workers?: { readonly redisImage: string; readonly routerImage: string; readonly redisSecretsVolume: string };
}

/** What worker mode adds. */
export interface WorkerAssets {
  readonly redisImage: docker.RemoteImage;
  readonly redisSecrets: docker.Volume;
  readonly routerImage: docker.RemoteImage;
}

/**
 * What a reset keeps because the `up` after it would build it the same: the pinned images
 * (kept locally anyway) and the volumes whose whole content a job inside MatrixStack writes
 * again on every `up` that creates it (Synapse's config and secrets, Element's web root,
 * Redis' password file; each job removes whatever it does not declare). Nothing here depends
 * on anything inside MatrixStack, or the targeted destroy would take it along. Outside MatrixStack,
 * so the reset's destroy skips them: the Docker provider spends at least 2 s deleting a
 * volume, a wave of the destroy during which Matrix is down (docs/reset.md). A full
 * `pulumi destroy` deletes them with the rest of the stack.
 */
export class MatrixAssets extends pulumi.ComponentResource {
  public readonly synapseImage: docker.RemoteImage;
  public readonly elementImage: docker.RemoteImage;
  public readonly synapseConfig: docker.Volume;
  public readonly synapseSecrets: docker.Volume;
  /** Carries the Element image's id: a new image gets a fresh web root. */
  public readonly elementWebRoot: docker.Volume;
  public readonly workers?: WorkerAssets;

  constructor(name: string, args: MatrixAssetsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.MatrixAssets, name, {}, opts);
    const image = (resourceName: string, imageName: string, formerParent: pulumi.Output<string>) =>
      new docker.RemoteImage(
        resourceName,
        // Kept on delete: a reset or an image change never re-downloads one still in use.
        { name: imageName, keepLocally: true },
        { parent: this, aliases: [formerUrn(resourceName, "docker:index/remoteImage:RemoteImage", formerParent)] },
      );
    const volume = (
      resourceName: string,
      volumeName: string,
      role: string,
      formerParent: pulumi.Output<string>,
      extraLabels: docker.types.input.VolumeLabel[] = [],
    ) =>
      new docker.Volume(
        resourceName,
        { name: volumeName, labels: [{ label: "eqmd.matrix/role", value: role }, ...extraLabels] },
        // A fixed name: a replacement must delete the old volume first.
        {
          parent: this,
          deleteBeforeReplace: true,
          aliases: [formerUrn(resourceName, "docker:index/volume:Volume", formerParent)],
        },
      );

    const synapse = formerComponent("matrix-synapse", TYPE.Synapse);
    const element = formerComponent("matrix-element", TYPE.ElementWeb);
    this.synapseImage = image("matrix-synapse-image", args.synapseImage, synapse);
    this.elementImage = image("matrix-element-image", args.elementImage, element);
    this.synapseConfig = volume("matrix-synapse-config", args.synapseConfigVolume, "synapse-config", synapse);
    this.synapseSecrets = volume("matrix-synapse-secrets", args.synapseSecretsVolume, "synapse-secrets", synapse);
    // A label change replaces the volume: a new image must not serve the old bundle, which
    // Docker copied from the image's /app when the volume was first mounted empty.
    this.elementWebRoot = volume("matrix-element-web-root", args.elementWebRootVolume, "element-web-root", element, [
      { label: "eqmd.matrix/image", value: this.elementImage.imageId.apply(shortId) },
    ]);
    if (args.workers) {
      const redis = formerComponent("matrix-redis", TYPE.Redis);
      this.workers = {
        redisImage: image("matrix-redis-image", args.workers.redisImage, redis),
        redisSecrets: volume("matrix-redis-secrets", args.workers.redisSecretsVolume, "redis-secrets", redis),
        routerImage: image(
          "matrix-router-image",
          args.workers.routerImage,
          formerComponent("matrix-router", TYPE.WorkerRouter),
        ),
      };
    }
    this.registerOutputs({});
  }
}

/**
 * The URN of a component these resources lived in, inside MatrixStack, before they moved here:
 * with it as an alias, a stack built by an earlier program moves each one (no step at all)
 * instead of replacing it, and with it Synapse.
 */
function formerComponent(name: string, type: string): pulumi.Output<string> {
  return pulumi.createUrn(name, type, pulumi.createUrn(MATRIX_STACK_NAME, TYPE.MatrixStack));
}

function formerUrn(name: string, type: string, parent: pulumi.Output<string>): pulumi.Output<string> {
  return pulumi.createUrn(name, type, parent);
}

/** Docker's short form of an id (12 hex digits, `sha256:` dropped): no long random-looking label. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
