/**
 * What the rest of Paddock uses from src/kube (contexts and kubeconfig).
 * Wire `contextHandlers` into createCore(), `paddockKubeconfigWriter` into
 * cluster create/delete, and `watchKubeconfig` to push `contexts.changed`.
 */
export { contextHandlers, listContextInfos, listNamespacesOf, paddockClusterOf, type ContextListing, type ListOptions } from './contexts.js';
export { probeContext, type ProbeResult, type ProbeState } from './client.js';
export {
  kubeconfigForCluster,
  paddockKubeconfigWriter,
  removePaddockCluster,
  upsertPaddockCluster,
  type PaddockClusterCredentials,
  type UpsertOptions,
  type UpsertPaddockClusterInput,
} from './paddock-entries.js';
export { watchKubeconfig, type Disposer, type WatchOptions } from './kubeconfig/watch.js';
export { kubeconfigPaths } from './kubeconfig/paths.js';
export { backupDirFor } from './kubeconfig/backup.js';
export { breakStaleLock } from './kubeconfig/lock.js';
