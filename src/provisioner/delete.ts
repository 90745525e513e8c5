import { Labels, NETWORK_NAME } from '../shared/labels.js';
import type { DockerRuntime } from './runtime/docker.js';

/** Removes every container (with its volumes) of a cluster, then the network if no other cluster uses it. */
export async function removeClusterResources(runtime: DockerRuntime, name: string): Promise<number> {
  const containers = await runtime.listContainers([`${Labels.cluster}=${name}`]);
  await Promise.all(containers.map((c) => runtime.removeContainer(c.id)));
  await runtime.removeNetworkIfUnused(NETWORK_NAME).catch(() => false);
  return containers.length;
}
