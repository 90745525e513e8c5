import { Labels, NETWORK_NAME } from '../shared/labels.js';
import type { DockerRuntime } from './runtime/docker.js';

/** Removes every container (with its volumes) of a cluster and of its addons, then the network if no other cluster uses it. */
export async function removeClusterResources(runtime: DockerRuntime, name: string): Promise<number> {
  // Addon controllers first, so they start nothing new while the rest goes.
  const addons = await runtime.listContainers([`${Labels.addonOf}=${name}`]);
  await Promise.all(addons.map((c) => runtime.removeContainer(c.id)));
  const leftovers = await runtime.listContainers([`${Labels.addonOf}=${name}`]);
  const containers = await runtime.listContainers([`${Labels.cluster}=${name}`]);
  await Promise.all([...leftovers, ...containers].map((c) => runtime.removeContainer(c.id)));
  await runtime.removeNetworkIfUnused(NETWORK_NAME).catch(() => false);
  return containers.length;
}
