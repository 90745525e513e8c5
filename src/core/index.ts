/**
 * Assembles the core behind the contract. Faces (CLI, IPC, web server) call
 * these handlers after validating input with the schemas in shared/api.ts.
 */
import type { ApiHandlers } from '../shared/api.js';
import { PADDOCK_VERSION } from '../shared/version.js';
import { runDoctor } from '../doctor/checks.js';
import { dockerRuntime } from '../provisioner/runtime/docker.js';
import { resolveEngine } from '../provisioner/runtime/engine.js';
import { notAvailable } from './not-available.js';
import { clusterHandlers } from './clusters.js';
import { nodeImageHandlers } from './node-images.js';
import type { NodeImageSource } from '../provisioner/create.js';
import { buildNodeImage, DEFAULT_KUBERNETES_VERSION, findNodeImage } from '../provisioner/node-image/index.js';
import { findPulledNodeImage, pullImage, pullNodeImage } from '../provisioner/node-image/pull.js';
import { pinFor } from '../provisioner/node-image/pins.js';
import { paddockKubeconfigWriter } from '../kube/paddock-entries.js';
import { contextHandlers } from '../kube/contexts.js';
import { ForwardManager } from '../kube/forwards/manager.js';
import { forwardHandlers } from '../kube/forwards/handlers.js';
import type { EventBus } from './events.js';
import { addonHandlers } from '../addons/index.js';
import { dashboardHandlers } from '../addons/dashboard.js';
import { workloadHandlers } from '../kube/resources/handlers.js';
import { accessHandlers, guardWorkloadHandlers } from '../kube/access.js';

export function createCore(overrides: Partial<ApiHandlers> = {}): ApiHandlers {
  const na = (what: string, issue: string) => async () => notAvailable(what, issue);
  const base: ApiHandlers = {
    version: na('version', 'foundation'),
    doctor: na('doctor', 'foundation'),
    listClusters: na('listing clusters', 'real clusters'),
    getCluster: na('cluster status', 'real clusters'),
    createCluster: na('creating clusters', 'real clusters'),
    deleteCluster: na('deleting clusters', 'real clusters'),
    startCluster: na('starting clusters', 'cluster lifecycle'),
    stopCluster: na('stopping clusters', 'cluster lifecycle'),
    pauseCluster: na('pausing clusters', 'cluster lifecycle'),
    unpauseCluster: na('unpausing clusters', 'cluster lifecycle'),
    getKubeconfig: na('kubeconfig export', 'real clusters'),
    loadImages: na('load-image', 'cluster lifecycle'),
    exportLogs: na('export-logs', 'cluster lifecycle'),
    listNodeImages: na('node images', 'node images'),
    buildNodeImage: na('node image builds', 'node images'),
    removeNodeImage: na('node image removal', 'node images'),
    pullNodeImage: na('node image pulls', 'node images'),
    listContexts: na('contexts', 'contexts'),
    useContext: na('contexts', 'contexts'),
    renameContext: na('contexts', 'contexts'),
    deleteContext: na('contexts', 'contexts'),
    setContextNamespace: na('contexts', 'contexts'),
    listNamespaces: na('namespaces', 'contexts'),
    accessReview: na('access reviews', 'contexts'),
    listAddons: na('addons', 'addons'),
    listAddonCatalog: na('addons', 'addons'),
    enableAddon: na('addons', 'addons'),
    disableAddon: na('addons', 'addons'),
    listForwards: na('port-forwards', 'port-forwards'),
    addForward: na('port-forwards', 'port-forwards'),
    removeForward: na('port-forwards', 'port-forwards'),
    startForward: na('port-forwards', 'port-forwards'),
    stopForward: na('port-forwards', 'port-forwards'),
    startAllForwards: na('port-forwards', 'port-forwards'),
    stopAllForwards: na('port-forwards', 'port-forwards'),
    startProxy: na('proxy', 'port-forwards'),
    stopProxy: na('proxy', 'port-forwards'),
    openDashboard: na('dashboard', 'addons'),
    listResources: na('workloads', 'inside a cluster'),
    watchResources: na('workloads', 'inside a cluster'),
    unwatchResources: na('workloads', 'inside a cluster'),
    getResourceYaml: na('workloads', 'inside a cluster'),
    applyYaml: na('workloads', 'inside a cluster'),
    podLogs: na('workloads', 'inside a cluster'),
    scaleWorkload: na('workloads', 'inside a cluster'),
    rolloutRestart: na('workloads', 'inside a cluster'),
    rolloutHistory: na('workloads', 'inside a cluster'),
    rolloutUndo: na('workloads', 'inside a cluster'),
    deletePod: na('workloads', 'inside a cluster'),
    cordonNode: na('workloads', 'inside a cluster'),
    controlPlaneHealth: na('workloads', 'inside a cluster'),
    clusterHealthDetails: na('workloads', 'inside a cluster'),
    getNodeMeta: na('workloads', 'inside a cluster'),
    setNodeMeta: na('workloads', 'inside a cluster'),
    execOpen: na('exec', 'inside a cluster'),
    execInput: na('exec', 'inside a cluster'),
    execResize: na('exec', 'inside a cluster'),
    execClose: na('exec', 'inside a cluster'),
    drainNode: na('workloads', 'inside a cluster'),
    followPodLogs: na('workloads', 'inside a cluster'),
    unfollowPodLogs: na('workloads', 'inside a cluster'),
  };
  return { ...base, ...overrides };
}

/**
 * The real core: every handler that has landed, the rest say "not available yet".
 * Pass the face's bus to get `forwards.changed` pushed as forwards change.
 */
export function createDefaultCore(opts: { bus?: EventBus; dockerContext?: string } = {}): ApiHandlers {
  const runtime = dockerRuntime(resolveEngine({ context: opts.dockerContext }));
  const nodeImages: NodeImageSource = {
    defaultVersion: DEFAULT_KUBERNETES_VERSION,
    // Built here (labelled), else the pinned upstream image when it was pulled before.
    find: async (version) => (await findNodeImage(version)) ?? (await findPulledNodeImage(runtime, version)),
    pinned: (version) => pinFor(version, DEFAULT_KUBERNETES_VERSION),
    pull: (kubernetesVersion, progress, stepId, signal) => pullNodeImage(runtime, { kubernetesVersion, progress, stepId, signal }),
    pullRef: (ref, progress, stepId, signal) => pullImage(runtime, ref, progress, stepId, signal),
    build: (kubernetesVersion, progress, signal) => buildNodeImage({ kubernetesVersion, progress, signal }),
  };
  const forwards = new ForwardManager({ onChange: () => opts.bus?.emit({ type: 'forwards.changed' }) });
  return createCore({
    version: async () => ({ paddock: PADDOCK_VERSION, node: process.version, defaultKubernetes: DEFAULT_KUBERNETES_VERSION }),
    doctor: async () => ({ checks: await runDoctor({ runtime, findNodeImage: async () => (await findNodeImage())?.name ?? (await findPulledNodeImage(runtime))?.name }) }),
    ...clusterHandlers({ runtime, nodeImages, kubeconfig: paddockKubeconfigWriter }),
    ...nodeImageHandlers(runtime),
    ...contextHandlers,
    ...addonHandlers({ runtime }),
    ...forwardHandlers(forwards),
    ...dashboardHandlers(forwards),
    ...accessHandlers,
    // Actions the context's user may not do are refused up front with the reason (issue 13).
    ...guardWorkloadHandlers(workloadHandlers({ emit: (e) => opts.bus?.emit(e) })),
  });
}
