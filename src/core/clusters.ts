/** Cluster operations of the contract, over the provisioner. */
import type { ApiHandlers } from '../shared/api.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { Progress } from '../shared/progress.js';
import { createCluster, type CreateDeps } from '../provisioner/create.js';
import { planCluster } from '../provisioner/plan.js';
import { getCluster } from '../provisioner/cluster-state.js';
import { withClusterLock } from '../provisioner/cluster-lock.js';
import { hostKubeconfigOf, pauseCluster, startCluster, stopCluster, unpauseCluster } from '../provisioner/lifecycle.js';
import { removeClusterResources } from '../provisioner/delete.js';
import { loadImages } from '../provisioner/load-image.js';
import { exportLogs } from '../provisioner/export-logs.js';
import { forgetCluster, listClustersAcrossEngines, rememberCluster, runtimeForCluster } from '../provisioner/engines.js';

type ClusterOps = Pick<
  ApiHandlers,
  'listClusters' | 'getCluster' | 'createCluster' | 'deleteCluster' | 'getKubeconfig' | 'loadImages' | 'exportLogs' | 'startCluster' | 'stopCluster' | 'pauseCluster' | 'unpauseCluster'
>;

export function clusterHandlers(deps: CreateDeps): ClusterOps {
  const { runtime } = deps;
  // Operations on a named cluster go to the engine that holds it (see provisioner/engines.ts).
  const on = (name: string) => runtimeForCluster(runtime, name);
  return {
    listClusters: async () => listClustersAcrossEngines(runtime),
    getCluster: async ({ name }) => getCluster(await on(name), name),
    createCluster: async (input, ctx) => {
      // Remembered before the first container, so even a killed create is found on its engine.
      let name: string | undefined;
      try {
        name = planCluster(input).name;
      } catch {
        // createCluster reports the invalid input.
      }
      if (name) await rememberCluster(name, runtime.engine).catch(() => undefined);
      const created = await createCluster(deps, input, ctx);
      // Again at the end: a `list` from another engine during the create may have found nothing yet and forgotten it.
      await rememberCluster(created.name, runtime.engine).catch(() => undefined);
      return created;
    },
    deleteCluster: async ({ name }, ctx) => {
      const progress = new Progress(ctx.opId, ctx.progress);
      const rt = await on(name);
      await rt.ping();
      const removed = await withClusterLock(name, 'delete', () => progress.step('delete', `Deleting cluster "${name}"`, () => removeClusterResources(rt, name)));
      await progress.step('kubeconfig', 'Removing its kubeconfig entries', () => deps.kubeconfig.remove(name));
      await forgetCluster(name, rt.engine).catch(() => undefined);
      if (removed === 0) {
        throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `no cluster named "${name}"`, { remedy: 'see `paddock list`' });
      }
      return { ok: true as const };
    },
    getKubeconfig: async ({ name, internal }) => {
      const rt = await on(name);
      return { kubeconfig: await hostKubeconfigOf(rt, await getCluster(rt, name), internal) };
    },
    exportLogs: async ({ name, dir }, ctx) => exportLogs(await on(name), name, dir, new Progress(ctx.opId, ctx.progress)),
    loadImages: async ({ name, images }, ctx) => {
      await loadImages(await on(name), name, images, new Progress(ctx.opId, ctx.progress));
      return { ok: true as const };
    },
    startCluster: async ({ name }, ctx) => {
      const rt = await on(name);
      return withClusterLock(name, 'start', () => startCluster(rt, name, new Progress(ctx.opId, ctx.progress)));
    },
    stopCluster: async ({ name }, ctx) => {
      const rt = await on(name);
      return withClusterLock(name, 'stop', () => stopCluster(rt, name, new Progress(ctx.opId, ctx.progress)));
    },
    pauseCluster: async ({ name }) => {
      const rt = await on(name);
      return withClusterLock(name, 'pause', () => pauseCluster(rt, name));
    },
    unpauseCluster: async ({ name }) => {
      const rt = await on(name);
      return withClusterLock(name, 'unpause', () => unpauseCluster(rt, name));
    },
  };
}
