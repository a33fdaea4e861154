/**
 * The resources of the program an adopt takes over, named exactly as the program declares
 * them: type token, logical name, parent and provider. URNs are built from these the way the
 * engine builds them. tests/program/adoptDeclared.test.ts checks every entry against the
 * resources the real program registers, so a rename there fails a test here.
 */
import { MATRIX_STACK_NAME, TYPE } from "../../components/tokens";
import { CONFIG_NAMESPACE } from "../../config/settings";

/** The project (Pulumi.yaml `name`) is named like the config namespace. */
export const PROJECT_NAME = CONFIG_NAMESPACE;

export const RESOURCE_TYPE = {
  role: "postgresql:index/role:Role",
  database: "postgresql:index/database:Database",
  volume: "docker:index/volume:Volume",
  container: "docker:index/container:Container",
} as const;

/** The explicit providers of index.ts (top level, outside the MatrixStack). */
export const PROVIDERS = {
  docker: { type: "pulumi:providers:docker", name: "docker" },
  postgresql: { type: "pulumi:providers:postgresql", name: "postgresql" },
} as const;

export type ProviderKey = keyof typeof PROVIDERS;

export interface DeclaredResource {
  /** Key used in the import file (and in this module). */
  readonly key: string;
  readonly type: string;
  /** The logical name the program gives it. */
  readonly name: string;
  /** Key of the parent entry; absent = top level (the root stack). */
  readonly parent?: string;
  /** Components have no provider and no id. */
  readonly component: boolean;
  readonly provider?: ProviderKey;
}

const m = MATRIX_STACK_NAME;

/** Every resource an adopt may import, parents before children. */
export const DECLARED = {
  matrixStack: { key: "matrixStack", type: TYPE.MatrixStack, name: m, component: true },
  synapseDatabase: {
    key: "synapseDatabase",
    type: TYPE.SynapseDatabase,
    name: `${m}-database`,
    parent: "matrixStack",
    component: true,
  },
  role: {
    key: "role",
    type: RESOURCE_TYPE.role,
    name: `${m}-database-role`,
    parent: "synapseDatabase",
    component: false,
    provider: "postgresql",
  },
  database: {
    key: "database",
    type: RESOURCE_TYPE.database,
    name: `${m}-database-database`,
    parent: "synapseDatabase",
    component: false,
    provider: "postgresql",
  },
  synapse: { key: "synapse", type: TYPE.Synapse, name: `${m}-synapse`, parent: "matrixStack", component: true },
  mediaVolume: {
    key: "mediaVolume",
    type: RESOURCE_TYPE.volume,
    name: `${m}-synapse-media`,
    parent: "synapse",
    component: false,
    provider: "docker",
  },
  synapseContainer: {
    key: "synapseContainer",
    type: RESOURCE_TYPE.container,
    name: `${m}-synapse-container`,
    parent: "synapse",
    component: false,
    provider: "docker",
  },
  element: { key: "element", type: TYPE.ElementWeb, name: `${m}-element`, parent: "matrixStack", component: true },
  elementContainer: {
    key: "elementContainer",
    type: RESOURCE_TYPE.container,
    name: `${m}-element-container`,
    parent: "element",
    component: false,
    provider: "docker",
  },
} as const satisfies Record<string, DeclaredResource>;

export type DeclaredKey = keyof typeof DECLARED;

function declared(key: string): DeclaredResource {
  const found = (DECLARED as Record<string, DeclaredResource>)[key];
  if (!found) throw new Error(`no declared resource "${key}"`);
  return found;
}

/** `a$b$c`: the types from the top-level ancestor down to the resource (the root stack excluded). */
export function qualifiedType(key: string): string {
  const r = declared(key);
  return r.parent === undefined ? r.type : `${qualifiedType(r.parent)}$${r.type}`;
}

/** The URN the engine gives the declared resource on `stack`. */
export function declaredUrn(stack: string, key: string): string {
  return `urn:pulumi:${stack}::${PROJECT_NAME}::${qualifiedType(key)}::${declared(key).name}`;
}

export function providerUrn(stack: string, provider: ProviderKey): string {
  const p = PROVIDERS[provider];
  return `urn:pulumi:${stack}::${PROJECT_NAME}::${p.type}::${p.name}`;
}

/** The declared ancestors of `key`, nearest first. */
export function ancestors(key: string): DeclaredResource[] {
  const parent = declared(key).parent;
  return parent === undefined ? [] : [declared(parent), ...ancestors(parent)];
}
