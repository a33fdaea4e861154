import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isLoopback } from "../config/loopback";
import { arrayProp, displayName, isRecord, stringProp } from "./props";
import { CONTAINER } from "./resourceTypes";

// The same rule the config uses for plain-http URLs (one definition, in config/).
export { isLoopback };

/** This policy's configuration (`--policy-pack-config`). */
export interface LoopbackPublishedPortsConfig {
  /** True lets containers publish ports on every interface (the stack has its own firewall or proxy). */
  readonly allowPublicPorts?: boolean;
}

const REMEDIATION =
  'Publish the port on loopback (`ip: "127.0.0.1"`, i.e. stack config such as synapse.port "127.0.0.1:8008") ' +
  "and let the host's reverse proxy (TLS) face the network, or publish nothing (port false) and use the Docker " +
  "network. If this stack really must listen on all interfaces, opt out explicitly with the policy config " +
  '{"loopback-published-ports": {"allowPublicPorts": true}} passed to `pulumi preview --policy-pack-config`.';

/**
 * `loopback-published-ports`: Synapse and Element serve plain HTTP; only the host's reverse
 * proxy may face the network. Docker publishes on 0.0.0.0 when `ip` is unset, and Docker's
 * iptables rules bypass host firewalls such as ufw.
 */
export const loopbackPublishedPorts: ResourceValidationPolicy = {
  name: "loopback-published-ports",
  description:
    "Docker Containers publish ports on loopback only (127.0.0.1, ::1 or localhost; unset means 0.0.0.0) and do " +
    "not use host networking, unless the policy config sets allowPublicPorts: true for this stack.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: REMEDIATION,
  configSchema: {
    properties: {
      allowPublicPorts: {
        type: "boolean",
        default: false,
        description: "Allow published ports on all interfaces (for a stack behind its own firewall).",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== CONTAINER) {
      return;
    }
    if (args.getConfig<LoopbackPublishedPortsConfig>().allowPublicPorts === true) {
      args.notApplicable("allowPublicPorts is true in this stack's policy config");
    }
    const name = displayName(args.props, args.name);
    if (stringProp(args.props, "networkMode") === "host") {
      reportViolation(
        `Container "${name}" uses networkMode "host": every port its processes open is reachable from the network. ${REMEDIATION}`,
      );
    }
    arrayProp(args.props, "ports").forEach((port, index) => {
      if (!isRecord(port)) {
        return;
      }
      const ip = typeof port.ip === "string" && port.ip.trim() !== "" ? port.ip : undefined;
      if (ip !== undefined && isLoopback(ip)) {
        return;
      }
      const internal = typeof port.internal === "number" ? String(port.internal) : "?";
      const external = typeof port.external === "number" ? String(port.external) : "a random port";
      const bound = ip === undefined ? "every interface (ip unset means 0.0.0.0)" : `"${ip}"`;
      reportViolation(
        `Container "${name}": ports[${index}] publishes container port ${internal} as ${external} on ${bound}. ${REMEDIATION}`,
      );
    });
  },
};
