import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../config";
import { publishedPorts } from "./ports";
import { childOptions } from "./childOptions";
import { goDuration } from "./duration";
import { TYPE } from "./tokens";
import { ELEMENT_PATHS } from "../render/paths";
import { renderElementConfigJson } from "../render/element";

export interface ElementWebArgs {
  readonly settings: Settings;
  /** Docker network Element joins (alias `element-web`). */
  readonly network: pulumi.Input<string>;
}

/** Element Web with its generated config.json (and optional custom.css). */
export class ElementWeb extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: ElementWebArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.ElementWeb, name, {}, opts);
    const s = args.settings;
    const image = new docker.RemoteImage(
      `${name}-image`,
      { name: s.element.image, keepLocally: true },
      { parent: this },
    );
    const uploads: docker.types.input.ContainerUpload[] = [
      { file: ELEMENT_PATHS.config, content: renderElementConfigJson(s), permissions: "0444" },
    ];
    if (s.element.customCss !== undefined) {
      uploads.push({ file: ELEMENT_PATHS.customCss, content: s.element.customCss, permissions: "0444" });
    }
    const port = s.element.containerPort;
    this.container = new docker.Container(
      `${name}-container`,
      {
        name: s.names.elementContainer,
        image: image.imageId,
        // Newer images (nginx-unprivileged) read the listen port from here; older ones ignore it.
        envs: [`ELEMENT_WEB_PORT=${port}`],
        uploads,
        networksAdvanced: [{ name: args.network, aliases: ["element-web"] }],
        ports: publishedPorts(s.element.port, port),
        restart: "unless-stopped",
        healthcheck: {
          tests: ["CMD-SHELL", `wget -q --spider http://localhost:${port}/ || exit 1`],
          interval: goDuration(15),
          timeout: goDuration(10),
          retries: 3,
          startPeriod: goDuration(10),
        },
        wait: true,
        waitTimeout: 120,
        destroyGraceSeconds: 10,
        labels: [{ label: "eqmd.matrix/role", value: "element-web" }],
      },
      childOptions(this, opts, { replaceOnChanges: ["healthcheck"] }),
    );
    this.registerOutputs({ containerName: this.container.name });
  }
}
