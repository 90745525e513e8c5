/**
 * The addon catalog is data: one folder per addon under src/addons/catalog/
 * with an addon.yaml (checked here) and its manifests. Adding an addon is a
 * new folder, not a new switch case (STYLE.md, house convention 9).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { z } from 'zod';
import { ErrorCodes, PaddockError } from '../shared/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** src/addons/catalog, also when running from a compiled dist/ tree. */
export function catalogDir(): string {
  const candidates = [path.join(here, 'catalog'), path.resolve(here, '../../../src/addons/catalog')];
  return candidates.find((d) => fs.existsSync(d)) ?? candidates[0]!;
}

const Name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);

export const ImageSpecSchema = z.object({
  /** Key used in templates: {{ images.<name> }}. */
  name: Name,
  /**
   * The upstream image, pinned by digest, used where a registry answers
   * (PADDOCK_ADDON_IMAGES=upstream). Omitted when no digest could be checked.
   */
  upstream: z.string().regex(/^[^\s@]+:[^\s@]+@sha256:[0-9a-f]{64}$/, 'pin the upstream image as name:tag@sha256:<digest>').optional(),
  /** Already in the node image under this name: nothing to build or load. */
  preloaded: z.string().optional(),
  /** How to build it offline: a Go module under images/addons/<program>/. */
  build: z
    .object({
      program: Name,
      /** Go package to build, e.g. github.com/traefik/traefik/v3/cmd/traefik (or "." for the folder's own main). */
      package: z.string().min(1),
      /** Extra files the module's go:embed needs but its zip lacks: copied into a local copy of that module. */
      embed: z.array(z.object({ module: z.string(), version: z.string(), path: z.string(), from: z.string() })).default([]),
      ldflags: z.string().default('-s -w'),
      /** Files of the program's folder placed in the image, e.g. a default config. */
      files: z.array(z.object({ from: z.string(), to: z.string().regex(/^\/[^\0]*$/) })).default([]),
      /** Image user (numeric); scratch images have no /etc/passwd. */
      user: z.string().default('65532'),
    })
    .optional(),
  /** Where it runs: inside the nodes (loaded into containerd) or on the host's Docker engine. */
  target: z.enum(['cluster', 'host']).default('cluster'),
});
export type ImageSpec = z.infer<typeof ImageSpecSchema>;

export const ParamSchema = z.object({
  description: z.string(),
  default: z.string(),
  type: z.enum(['string', 'int', 'port', 'bool', 'duration']).default('string'),
  /** Extra constraint for strings. */
  pattern: z.string().optional(),
  /** Smallest allowed value: a number for int/port, seconds for a duration. */
  min: z.number().optional(),
});
export type Param = z.infer<typeof ParamSchema>;

const ObjectRef = z.object({ apiVersion: z.string(), kind: z.string(), namespace: z.string().optional(), name: z.string() });

export const CheckSchema = z.discriminatedUnion('type', [
  /** A Deployment or DaemonSet has all its replicas ready and updated. */
  z.object({ type: z.literal('rollout'), kind: z.enum(['Deployment', 'DaemonSet']), namespace: z.string(), name: z.string() }),
  /** An aggregated API answers (APIService Available=True). */
  z.object({ type: z.literal('apiService'), name: z.string() }),
  /** A pod runs a command (e.g. nslookup of a Service name); slow, so only on enable and status. */
  z.object({ type: z.literal('pod'), image: z.string(), command: z.array(z.string()), deep: z.literal(true).default(true) }),
  /** An HTTP GET from the host to a port of a host proxy or host container answers (any status). */
  z.object({ type: z.literal('hostHttp'), proxy: z.string(), port: z.string(), path: z.string().default('/') }),
  /** A host container is running. */
  z.object({ type: z.literal('hostContainer'), name: z.string() }),
]);
export type Check = z.infer<typeof CheckSchema>;

export const HostProxySchema = z.object({
  name: Name,
  /** Each port: the host port comes from a param (0 = a free one), traffic goes to a NodePort on every node. */
  ports: z.array(z.object({ name: Name, hostPortParam: z.string(), containerPort: z.number().int().min(1).max(65535), nodePort: z.number().int().min(30000).max(32767) })).min(1),
});
export type HostProxy = z.infer<typeof HostProxySchema>;

export const HostContainerSchema = z.object({
  name: Name,
  /** An image of this addon with target: host. */
  image: Name,
  /** Mount the Docker socket (the container manages proxy containers). */
  dockerSocket: z.boolean().default(false),
  /** A service-account token Secret of the addon, passed as KUBE_TOKEN/KUBE_CA with KUBE_SERVER (the in-network API address). */
  credentials: z.object({ namespace: z.string(), secret: z.string() }).optional(),
  /** Extra environment; values are templates ({{ cluster.name }}, {{ images.x }}, {{ lbImage }}, {{ params.x }}). */
  env: z.record(z.string(), z.string()).default({}),
  /** Arguments after the image's entrypoint. */
  args: z.array(z.string()).default([]),
  /** Ports published on 127.0.0.1 (host port from a param, 0 = a free one). */
  ports: z.array(z.object({ name: Name, hostPortParam: z.string(), containerPort: z.number().int().min(1).max(65535) })).default([]),
  /** Anonymous volumes (removed with the container). */
  volumes: z.array(z.string().regex(/^\//)).default([]),
});
export type HostContainer = z.infer<typeof HostContainerSchema>;

export const AddonSpecSchema = z
  .object({
    name: Name,
    description: z.string().min(1),
    version: z.string().min(1),
    /** Installed by every new cluster (from the node image's manifests). */
    defaultEnabled: z.boolean().default(false),
    /** An object that means "installed" even without Paddock's labels (created by kubeadm or the node image). */
    detect: ObjectRef.optional(),
    images: z.array(ImageSpecSchema).default([]),
    params: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/), ParamSchema).default({}),
    /** Manifest files, relative to the addon's folder, applied in order (removed in reverse). */
    manifests: z.array(z.string().regex(/^[^/].*\.ya?ml$/)).default([]),
    hostProxies: z.array(HostProxySchema).default([]),
    hostContainers: z.array(HostContainerSchema).default([]),
    /**
     * The nodes' containerd must read registry hosts (certs.d/<host>/hosts.toml)
     * from this folder; set once per node (containerd restarts) when missing.
     */
    containerdRegistryConfigPath: z.string().regex(/^\/etc\/containerd\//).optional(),
    /** Files written into every node (e.g. containerd registry hosts), removed on disable; path and content are templates. */
    nodeFiles: z.array(z.object({ path: z.string().regex(/^\/etc\/containerd\//, 'node files live under /etc/containerd/'), content: z.string() })).default([]),
    /**
     * What the addon writes onto Services it does not own (the LoadBalancer
     * controller's annotation and status.loadBalancer): removed on disable.
     */
    serviceMarks: z.object({ annotation: z.string(), loadBalancerStatus: z.boolean().default(false) }).optional(),
    readiness: z.array(CheckSchema).default([]),
    /** Shown after enable and by `addons status`; may use {{ hostPorts.<proxy>.<port> }}, {{ params.x }}, {{ cluster.name }}. */
    usage: z.string().min(1),
  })
  .superRefine((a, ctx) => {
    const images = new Set(a.images.map((i) => i.name));
    for (const hc of a.hostContainers) {
      if (!images.has(hc.image)) ctx.addIssue({ code: 'custom', message: `hostContainers.${hc.name}: unknown image "${hc.image}"` });
    }
    for (const p of [...a.hostProxies.flatMap((hp) => hp.ports), ...a.hostContainers.flatMap((hc) => hc.ports)]) {
      if (!a.params[p.hostPortParam]) ctx.addIssue({ code: 'custom', message: `hostProxies: unknown param "${p.hostPortParam}"` });
    }
    for (const i of a.images) {
      // upstream alone: taken from the local Docker engine, else pulled by the nodes (no offline build exists).
      if (!i.preloaded && !i.build && !i.upstream) ctx.addIssue({ code: 'custom', message: `images.${i.name}: needs preloaded, build or upstream` });
    }
  });
export type AddonSpec = z.infer<typeof AddonSpecSchema>;

export interface CatalogEntry {
  spec: AddonSpec;
  dir: string;
}

/** Reads and checks one addon folder; every problem is reported at once. */
export function loadAddon(dir: string): CatalogEntry {
  const file = path.join(dir, 'addon.yaml');
  let raw: unknown;
  try {
    raw = yaml.load(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${file}: ${(e as Error).message}`);
  }
  const parsed = AddonSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${file}: ${problems}`);
  }
  if (parsed.data.name !== path.basename(dir)) {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${file}: name "${parsed.data.name}" differs from its folder "${path.basename(dir)}"`);
  }
  for (const m of parsed.data.manifests) {
    if (!fs.existsSync(path.join(dir, m))) throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${file}: manifest ${m} is missing`);
  }
  return { spec: parsed.data, dir };
}

let cached: CatalogEntry[] | undefined;

/** Every addon of the catalog, sorted by name. */
export function loadCatalog(dir = catalogDir()): CatalogEntry[] {
  if (dir === catalogDir() && cached) return cached;
  const entries = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'addon.yaml')))
    .map((e) => loadAddon(path.join(dir, e.name)))
    .sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  if (dir === catalogDir()) cached = entries;
  return entries;
}

export function findAddon(name: string, catalog = loadCatalog()): CatalogEntry {
  const entry = catalog.find((e) => e.spec.name === name);
  if (!entry) {
    throw new PaddockError(ErrorCodes.USAGE, `unknown addon "${name}"`, { remedy: `the addons are: ${catalog.map((e) => e.spec.name).join(', ')} (see \`paddock addons list\`)` });
  }
  return entry;
}
