/**
 * What clusters exist, read from Docker: a cluster is the set of containers
 * labelled io.paddock.cluster=<name>. No database to drift from reality.
 */
import type { ClusterSummary, NodeSummary } from '../shared/api.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { Labels, type NodeRole } from '../shared/labels.js';
import { contextNameFor } from '../shared/names.js';
import type { DockerRuntime } from './runtime/docker.js';
import type { ContainerInfo } from './runtime/types.js';
import { heldLock } from './cluster-lock.js';

function nodeStatus(c: ContainerInfo): NodeSummary['status'] {
  switch (c.state) {
    case 'running':
    case 'restarting':
      return 'running';
    case 'paused':
      return 'paused';
    case 'exited':
    case 'created':
    case 'dead':
      return 'stopped';
    default:
      return 'unknown';
  }
}

const roleOrder: Record<NodeRole, number> = { 'load-balancer': 0, 'control-plane': 1, worker: 2 };

export function summarize(name: string, containers: ContainerInfo[]): ClusterSummary {
  const nodes: NodeSummary[] = containers
    .map((c) => ({
      name: c.name,
      role: (c.labels[Labels.role] as NodeRole) ?? 'worker',
      status: nodeStatus(c),
      ip: c.labels[Labels.ip] ?? c.ipv4,
      image: c.image,
    }))
    .sort((a, b) => roleOrder[a.role] - roleOrder[b.role] || a.name.localeCompare(b.name, 'en', { numeric: true }));
  const statuses = new Set(nodes.map((n) => n.status));
  let status: ClusterSummary['status'];
  let reason: string | undefined;
  if (statuses.size === 1 && statuses.has('running')) status = 'running';
  else if (statuses.size === 1 && statuses.has('stopped')) status = 'stopped';
  else if (statuses.size === 1 && statuses.has('paused')) status = 'paused';
  else {
    status = 'degraded';
    reason = nodes
      .filter((n) => n.status !== 'running')
      .map((n) => `${n.name} is ${n.status}`)
      .join(', ');
  }
  if (!nodes.some((n) => n.role === 'control-plane')) {
    status = 'broken';
    reason = 'no control-plane node: the create was interrupted; `paddock delete` removes what is left';
  }
  const apiHolder = containers.find((c) => c.labels[Labels.role] === 'load-balancer') ?? containers.find((c) => c.labels[Labels.role] === 'control-plane');
  const apiPort = Number(apiHolder?.labels[Labels.apiPort] ?? 0);
  const created = containers.map((c) => c.created).sort()[0];
  return {
    name,
    status,
    reason,
    kubernetesVersion: containers.find((c) => c.labels[Labels.version])?.labels[Labels.version],
    apiServer: apiPort ? { host: apiHolder?.labels[Labels.apiAddress] ?? '127.0.0.1', port: apiPort } : undefined,
    context: contextNameFor(name),
    nodes,
    created,
  };
}

/** Written in the first control plane when a create has run to its end. */
export const CREATED_MARKER = '/var/lib/paddock/created';

/** undefined when it cannot be told (the engine's archive API hangs on paused containers). */
async function hasCreatedMarker(runtime: DockerRuntime, container: string): Promise<boolean | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), 3000);
  });
  const probe = runtime.docker
    .getContainer(container)
    .infoArchive({ path: CREATED_MARKER })
    .then(
      () => true,
      (e: { statusCode?: number }) => (e?.statusCode === 404 ? false : undefined),
    );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Adds what containers alone cannot tell: a create still running (its lock
 * is held) or one that was killed (no completion marker, no live creator).
 */
async function withLifecycle(runtime: DockerRuntime, c: ClusterSummary): Promise<ClusterSummary> {
  const lock = heldLock(c.name);
  if (lock?.operation === 'create') return { ...c, status: 'creating', reason: `being created since ${lock.since}` };
  if (lock) return c;
  const first = c.nodes.find((n) => n.role === 'control-plane');
  if (first && first.status !== 'paused' && (await hasCreatedMarker(runtime, first.name)) === false) {
    return { ...c, status: 'broken', reason: 'its create was interrupted before the end; `paddock delete ' + c.name + '` removes what is left' };
  }
  return c;
}

export async function listClusters(runtime: DockerRuntime): Promise<ClusterSummary[]> {
  const containers = await runtime.listContainers([Labels.cluster]);
  const byCluster = new Map<string, ContainerInfo[]>();
  for (const c of containers) {
    const name = c.labels[Labels.cluster];
    if (!name) continue;
    (byCluster.get(name) ?? byCluster.set(name, []).get(name)!).push(c);
  }
  const summaries = [...byCluster.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, cs]) => summarize(name, cs));
  return Promise.all(summaries.map((c) => withLifecycle(runtime, c)));
}

export async function clusterContainers(runtime: DockerRuntime, name: string): Promise<ContainerInfo[]> {
  return runtime.listContainers([`${Labels.cluster}=${name}`]);
}

export async function getCluster(runtime: DockerRuntime, name: string): Promise<ClusterSummary> {
  const cs = await clusterContainers(runtime, name);
  if (cs.length === 0) {
    throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `no cluster named "${name}"`, { remedy: 'see `paddock list`, or create it with `paddock create --name ' + name + '`' });
  }
  return withLifecycle(runtime, summarize(name, cs));
}
