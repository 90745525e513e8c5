/** Cluster operations of the contract, over the provisioner. */
import type { ApiHandlers } from '../shared/api.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { Progress } from '../shared/progress.js';
import { createCluster, type CreateDeps } from '../provisioner/create.js';
import { getCluster, listClusters } from '../provisioner/cluster-state.js';
import { withClusterLock } from '../provisioner/cluster-lock.js';
import { hostKubeconfigOf, pauseCluster, startCluster, stopCluster, unpauseCluster } from '../provisioner/lifecycle.js';
import { removeClusterResources } from '../provisioner/delete.js';
import { loadImages } from '../provisioner/load-image.js';
import { exportLogs } from '../provisioner/export-logs.js';

type ClusterOps = Pick<
  ApiHandlers,
  'listClusters' | 'getCluster' | 'createCluster' | 'deleteCluster' | 'getKubeconfig' | 'loadImages' | 'exportLogs' | 'startCluster' | 'stopCluster' | 'pauseCluster' | 'unpauseCluster'
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
      const removed = await withClusterLock(name, 'delete', () => progress.step('delete', `Deleting cluster "${name}"`, () => removeClusterResources(runtime, name)));
      await progress.step('kubeconfig', 'Removing its kubeconfig entries', () => deps.kubeconfig.remove(name));
      if (removed === 0) {
        throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `no cluster named "${name}"`, { remedy: 'see `paddock list`' });
      }
      return { ok: true as const };
    },
    getKubeconfig: async ({ name, internal }) => ({ kubeconfig: await hostKubeconfigOf(runtime, await getCluster(runtime, name), internal) }),
    exportLogs: async ({ name, dir }, ctx) => exportLogs(runtime, name, dir, new Progress(ctx.opId, ctx.progress)),
    loadImages: async ({ name, images }, ctx) => {
      await loadImages(runtime, name, images, new Progress(ctx.opId, ctx.progress));
      return { ok: true as const };
    },
    startCluster: async ({ name }, ctx) => withClusterLock(name, 'start', () => startCluster(runtime, name, new Progress(ctx.opId, ctx.progress))),
    stopCluster: async ({ name }, ctx) => withClusterLock(name, 'stop', () => stopCluster(runtime, name, new Progress(ctx.opId, ctx.progress))),
    pauseCluster: async ({ name }) => withClusterLock(name, 'pause', () => pauseCluster(runtime, name)),
    unpauseCluster: async ({ name }) => withClusterLock(name, 'unpause', () => unpauseCluster(runtime, name)),
  };
}
