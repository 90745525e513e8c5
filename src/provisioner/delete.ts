import { Labels, NETWORK_NAME } from '../shared/labels.js';
import type { DockerRuntime } from './runtime/docker.js';

/** Host containers of addons (proxies, controllers) name their cluster here, not in io.paddock.cluster, so they are never taken for nodes. */
const ADDON_OF = 'io.paddock.addon-of';

/** Removes every container (with its volumes) of a cluster and of its addons, then the network if no other cluster uses it. */
export async function removeClusterResources(runtime: DockerRuntime, name: string): Promise<number> {
  // Addon controllers first, so they start nothing new while the rest goes.
  const addons = await runtime.listContainers([`${ADDON_OF}=${name}`]);
  await Promise.all(addons.map((c) => runtime.removeContainer(c.id)));
  const leftovers = await runtime.listContainers([`${ADDON_OF}=${name}`]);
  const containers = await runtime.listContainers([`${Labels.cluster}=${name}`]);
  await Promise.all([...leftovers, ...containers].map((c) => runtime.removeContainer(c.id)));
  await runtime.removeNetworkIfUnused(NETWORK_NAME).catch(() => false);
  return containers.length;
}
