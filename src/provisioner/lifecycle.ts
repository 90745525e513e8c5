/**
 * stop/start/pause/unpause: the containers keep their fixed addresses and
 * host ports, so certificates, etcd peers and the kubeconfig stay valid.
 */
import * as k8s from '@kubernetes/client-node';
import type { ClusterSummary } from '../shared/api.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { Labels } from '../shared/labels.js';
import type { Progress } from '../shared/progress.js';
import { adminCredentials, hostServer, standaloneKubeconfig } from './admin-kubeconfig.js';
import { clusterContainers, getCluster } from './cluster-state.js';
import type { DockerRuntime } from './runtime/docker.js';

const startOrder = (role?: string) => (role === 'load-balancer' ? 0 : role === 'control-plane' ? 1 : 2);

async function containersOf(runtime: DockerRuntime, name: string) {
  const cs = await clusterContainers(runtime, name);
  if (!cs.length) throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `no cluster named "${name}"`, { remedy: 'see `paddock list`' });
  return cs;
}

/** A kubeconfig that reaches the cluster from the host, read from its first running control plane. */
export async function hostKubeconfigOf(runtime: DockerRuntime, cluster: ClusterSummary, internal = false): Promise<string> {
  const cp = cluster.nodes.find((n) => n.role === 'control-plane' && n.status === 'running');
  if (!cp) throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `cluster "${cluster.name}" has no running control plane`, { remedy: `start it with \`paddock start ${cluster.name}\`` });
  const r = await runtime.exec(cp.name, ['cat', '/etc/kubernetes/admin.conf']);
  if (r.exitCode !== 0) throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `cluster "${cluster.name}" was never bootstrapped (no admin.conf)`, { remedy: `delete it with \`paddock delete ${cluster.name}\`` });
  const lb = cluster.nodes.find((n) => n.role === 'load-balancer');
  const server = internal ? `https://${lb?.name ?? cp.name}:6443` : hostServer(cluster.apiServer?.host ?? '127.0.0.1', cluster.apiServer!.port);
  return standaloneKubeconfig(cluster.name, adminCredentials(r.stdout, server));
}

export async function startCluster(runtime: DockerRuntime, name: string, progress: Progress, waitSeconds = 180): Promise<ClusterSummary> {
  const cs = await containersOf(runtime, name);
  const startedAt = Date.now();
  // Nodes whose kubelet starts afresh (not running or paused before).
  const booted = new Set(cs.filter((c) => c.state !== 'running' && c.state !== 'paused').map((c) => c.name));
  await progress.step('start', `Starting ${cs.length} container${cs.length === 1 ? '' : 's'}`, async () => {
    // Load balancer, then control planes together (etcd needs a quorum), then workers.
    for (const group of [0, 1, 2]) {
      await Promise.all(
        cs.filter((c) => startOrder(c.labels[Labels.role]) === group).map((c) => (c.state === 'paused' ? runtime.unpauseContainer(c.id) : runtime.startContainer(c.id))),
      );
    }
  });
  const summary = await getCluster(runtime, name);
  if (waitSeconds > 0) {
    await progress.step('ready', 'Waiting for the API server and nodes', () => waitNodesReady(runtime, summary, waitSeconds, booted, startedAt));
  }
  return getCluster(runtime, name);
}

/**
 * Every node Ready; for those that were booted, Ready as posted by their
 * kubelet since `since`: right after a start the API still serves the
 * Ready=True they had when they were stopped. (Node names are container names.)
 */
async function waitNodesReady(runtime: DockerRuntime, summary: ClusterSummary, waitSeconds: number, booted: Set<string>, since: number): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  let kubeconfig: string | undefined;
  let last = 'the API server did not answer';
  const wanted = summary.nodes.filter((n) => n.role !== 'load-balancer').length;
  while (Date.now() < deadline) {
    try {
      kubeconfig ??= await hostKubeconfigOf(runtime, summary);
      const kc = new k8s.KubeConfig();
      kc.loadFromString(kubeconfig);
      const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
      // Heartbeat times have whole seconds.
      const fresh = (node: string, t?: Date) => !booted.has(node) || (!!t && new Date(t).getTime() >= since - 1000);
      const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && fresh(n.metadata?.name ?? '', c.lastHeartbeatTime))).length;
      if (ready === wanted) return;
      last = `${ready}/${wanted} nodes Ready`;
    } catch (e) {
      last = `the API server did not answer (${(e as Error).message.split('\n')[0]})`;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new PaddockError(ErrorCodes.TIMEOUT, `cluster "${summary.name}" is not ready ${waitSeconds} s after its start: ${last}`, {
    remedy: `see \`paddock status ${summary.name}\`, or collect logs with \`paddock export-logs ${summary.name}\``,
  });
}

export async function stopCluster(runtime: DockerRuntime, name: string, progress: Progress): Promise<ClusterSummary> {
  const cs = await containersOf(runtime, name);
  await progress.step('stop', `Stopping ${cs.length} container${cs.length === 1 ? '' : 's'}`, async () => {
    // A paused container cannot receive the stop signal.
    await Promise.all(cs.filter((c) => c.state === 'paused').map((c) => runtime.unpauseContainer(c.id)));
    // Docker's own default: systemd in the node gives up on pod scopes that ignore
    // SIGTERM only after 90 s; etcd and containerd are crash-safe, as the restart test shows.
    await Promise.all(cs.map((c) => runtime.stopContainer(c.id, 10)));
  });
  return getCluster(runtime, name);
}

export async function pauseCluster(runtime: DockerRuntime, name: string): Promise<ClusterSummary> {
  const cs = await containersOf(runtime, name);
  const stopped = cs.filter((c) => c.state !== 'running' && c.state !== 'paused');
  if (stopped.length) throw new PaddockError(ErrorCodes.USAGE, `cluster "${name}" is not running (${stopped.map((c) => c.name).join(', ')} stopped)`, { remedy: `start it first: \`paddock start ${name}\`` });
  await Promise.all(cs.filter((c) => c.state === 'running').map((c) => runtime.pauseContainer(c.id)));
  return getCluster(runtime, name);
}

export async function unpauseCluster(runtime: DockerRuntime, name: string): Promise<ClusterSummary> {
  const cs = await containersOf(runtime, name);
  await Promise.all(cs.filter((c) => c.state === 'paused').map((c) => runtime.unpauseContainer(c.id)));
  return getCluster(runtime, name);
}
