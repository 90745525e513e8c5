/** The addon operations of the contract (listAddons, enableAddon, disableAddon). */
import type { AddonInfo, ApiHandlers } from '../shared/api.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { Progress } from '../shared/progress.js';
import { getCluster } from '../provisioner/cluster-state.js';
import type { DockerRuntime } from '../provisioner/runtime/docker.js';
import { findAddon, loadCatalog, type CatalogEntry } from './catalog.js';
import { addonState, disable, enable, type AddonState } from './install.js';
import { clusterApi } from './kube.js';

export { loadCatalog, findAddon } from './catalog.js';

function info(entry: CatalogEntry, state: AddonState): AddonInfo {
  return {
    name: entry.spec.name,
    description: entry.spec.description,
    version: entry.spec.version,
    enabled: state.enabled,
    health: state.health,
    status: state.status,
    usage: state.usage ?? entry.spec.usage.trim(),
    defaultEnabled: entry.spec.defaultEnabled,
    params: Object.fromEntries(Object.entries(entry.spec.params).map(([k, p]) => [k, { description: p.description, default: p.default }])),
  };
}

async function runningCluster(runtime: DockerRuntime, name: string): Promise<void> {
  const c = await getCluster(runtime, name);
  if (c.status !== 'running') {
    throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `cluster "${name}" is ${c.status}${c.reason ? ` (${c.reason})` : ''}`, { remedy: `start it with \`paddock start ${name}\`` });
  }
}

export function addonHandlers(deps: { runtime: DockerRuntime }): Pick<ApiHandlers, 'listAddons' | 'listAddonCatalog' | 'enableAddon' | 'disableAddon'> {
  const { runtime } = deps;
  return {
    listAddonCatalog: async () => ({ addons: loadCatalog().map((e) => info(e, { enabled: false, health: 'disabled', status: 'not enabled' })) }),
    listAddons: async ({ name, addon }) => {
      const catalog = loadCatalog();
      const entries = addon ? [findAddon(addon, catalog)] : catalog;
      await runningCluster(runtime, name);
      const api = await clusterApi(name);
      // A single addon gets its deep checks too (e.g. DNS resolves from a pod).
      const states = await Promise.all(entries.map((e) => addonState(api, runtime, e, name, !!addon).catch((err) => ({ enabled: false, health: 'unknown' as const, status: (err as Error).message }))));
      return { addons: entries.map((e, i) => info(e, states[i]!)) };
    },
    enableAddon: async ({ name, addon, settings }, ctx) => {
      const entry = findAddon(addon);
      await runningCluster(runtime, name);
      const state = await enable({ api: await clusterApi(name), runtime, cluster: name, entry, settings, progress: new Progress(ctx.opId, ctx.progress), signal: ctx.signal });
      return info(entry, state);
    },
    disableAddon: async ({ name, addon }, ctx) => {
      const entry = findAddon(addon);
      await runningCluster(runtime, name);
      await disable({ api: await clusterApi(name), runtime, cluster: name, entry, progress: new Progress(ctx.opId, ctx.progress), signal: ctx.signal });
      return info(entry, { enabled: false, health: 'disabled', status: 'disabled' });
    },
  };
}
