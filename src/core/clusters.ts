/** Cluster operations of the contract, over the provisioner. */
import type { ApiHandlers } from '../shared/api.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { Progress } from '../shared/progress.js';
import { createCluster, type CreateDeps } from '../provisioner/create.js';
import { clusterContainers, getCluster, listClusters } from '../provisioner/cluster-state.js';
import { removeClusterResources } from '../provisioner/delete.js';
import { adminCredentials, hostServer, standaloneKubeconfig } from '../provisioner/admin-kubeconfig.js';
import { Labels } from '../shared/labels.js';
import { loadImages } from '../provisioner/load-image.js';

type ClusterOps = Pick<
  ApiHandlers,
  'listClusters' | 'getCluster' | 'createCluster' | 'deleteCluster' | 'getKubeconfig' | 'loadImages' | 'startCluster' | 'stopCluster' | 'pauseCluster' | 'unpauseCluster'
>;

export function clusterHandlers(deps: CreateDeps): ClusterOps {
  const { runtime } = deps;
  return {
    listClusters: async () => ({ clusters: await listClusters(runtime) }),
    getCluster: async ({ name }) => getCluster(runtime, name),
    createCluster: async (input, ctx) => createCluster(deps, input, ctx),
    deleteCluster: async ({ name }, ctx) => {
      const progress = new Progress(ctx.opId, ctx.progress);
      await runtime.ping();
      const removed = await progress.step('delete', `Deleting cluster "${name}"`, () => removeClusterResources(runtime, name));
      await progress.step('kubeconfig', 'Removing its kubeconfig entries', () => deps.kubeconfig.remove(name));
      if (removed === 0) {
        throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `no cluster named "${name}"`, { remedy: 'see `paddock list`' });
      }
      return { ok: true as const };
    },
    getKubeconfig: async ({ name, internal }) => {
      const cluster = await getCluster(runtime, name);
      const cp = cluster.nodes.find((n) => n.role === 'control-plane' && n.status === 'running');
      if (!cp) throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `cluster "${name}" has no running control plane`, { remedy: `start it with \`paddock start ${name}\`` });
      const r = await runtime.exec(cp.name, ['cat', '/etc/kubernetes/admin.conf']);
      if (r.exitCode !== 0) throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `cluster "${name}" was never bootstrapped (no admin.conf)`);
      const lb = cluster.nodes.find((n) => n.role === 'load-balancer');
      const server = internal
        ? `https://${lb?.name ?? cluster.nodes.find((n) => n.role === 'control-plane')!.name}:6443`
        : hostServer(cluster.apiServer?.host ?? '127.0.0.1', cluster.apiServer!.port);
      return { kubeconfig: standaloneKubeconfig(name, adminCredentials(r.stdout, server)) };
    },
    loadImages: async ({ name, images }, ctx) => {
      await loadImages(runtime, name, images, new Progress(ctx.opId, ctx.progress));
      return { ok: true as const };
    },
    startCluster: async ({ name }) => {
      const cs = await clusterContainers(runtime, name);
      if (!cs.length) return getCluster(runtime, name);
      // Load balancer and control planes first, so workers find the API at once.
      const order = (r?: string) => (r === 'load-balancer' ? 0 : r === 'control-plane' ? 1 : 2);
      for (const group of [0, 1, 2]) {
        await Promise.all(cs.filter((c) => order(c.labels[Labels.role]) === group).map((c) => (c.state === 'paused' ? runtime.unpauseContainer(c.id) : runtime.startContainer(c.id))));
      }
      return getCluster(runtime, name);
    },
    stopCluster: async ({ name }) => {
      const cs = await clusterContainers(runtime, name);
      if (!cs.length) return getCluster(runtime, name);
      await Promise.all(cs.map((c) => runtime.stopContainer(c.id, 30)));
      return getCluster(runtime, name);
    },
    pauseCluster: async ({ name }) => {
      const cs = await clusterContainers(runtime, name);
      if (!cs.length) return getCluster(runtime, name);
      await Promise.all(cs.filter((c) => c.state === 'running').map((c) => runtime.pauseContainer(c.id)));
      return getCluster(runtime, name);
    },
    unpauseCluster: async ({ name }) => {
      const cs = await clusterContainers(runtime, name);
      if (!cs.length) return getCluster(runtime, name);
      await Promise.all(cs.filter((c) => c.state === 'paused').map((c) => runtime.unpauseContainer(c.id)));
      return getCluster(runtime, name);
    },
  };
}
