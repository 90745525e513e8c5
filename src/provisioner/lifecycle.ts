/**
 * stop/start/pause/unpause: the containers keep their fixed addresses and
 * host ports, so certificates, etcd peers and the kubeconfig stay valid.
 */
import type * as k8s from '@kubernetes/client-node';
import { k8sLib } from '../kube/k8s-lib.js';
import type { ClusterSummary } from '../shared/api.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { Labels, NETWORK_NAME } from '../shared/labels.js';
import type { Progress } from '../shared/progress.js';
import { adminCredentials, hostServer, standaloneKubeconfig } from './admin-kubeconfig.js';
import { clusterContainers, getCluster } from './cluster-state.js';
import type { DockerRuntime } from './runtime/docker.js';
import type { ContainerInfo } from './runtime/types.js';

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
        cs
          .filter((c) => startOrder(c.labels[Labels.role]) === group)
          .map(async (c) => {
            if (c.state === 'paused') return runtime.unpauseContainer(c.id);
            try {
              await runtime.startContainer(c.id);
            } catch (e) {
              throw await addressTaken(runtime, c, e);
            }
          }),
      );
    }
  });
  const summary = await getCluster(runtime, name);
  if (waitSeconds > 0) {
    await progress.step('ready', 'Waiting for the API server and nodes', () => waitNodesReady(runtime, summary, waitSeconds, booted, startedAt));
    await progress.step('conntrack', 'Clearing connections made before kube-proxy was back', () =>
      Promise.all(cs.filter((c) => booted.has(c.name) && c.labels[Labels.role] !== 'load-balancer').map((c) => clearEarlyApiConnections(runtime, c.id))),
    );
  }
  return getCluster(runtime, name);
}

/**
 * A booted node has a new network namespace: its pods start at once (their
 * CNI config survived) and may call the API's service IP before kube-proxy
 * rewrote its rules. Such a SYN leaves the node un-NATed, and its conntrack
 * entry keeps every retransmission un-NATed until the client gives up (~30 s:
 * CoreDNS stayed unready that long). Once the rules are back, those entries
 * are dropped, so the next retransmission reaches the API server. iptables
 * mode only; with other modes (or no kube-proxy) this gives up after 20 s.
 */
async function clearEarlyApiConnections(runtime: DockerRuntime, container: string): Promise<void> {
  const script = [
    'for i in $(seq 1 100); do',
    `  ip=$(iptables-save -t nat 2>/dev/null | grep '"default/kubernetes:https cluster IP"' | sed -n 's/.*-d \\([0-9.]*\\)\\/32.*/\\1/p' | head -n 1)`,
    '  [ -n "$ip" ] && break; sleep 0.2',
    'done',
    '[ -n "$ip" ] && conntrack -D -p tcp -d "$ip" --state SYN_SENT >/dev/null 2>&1; true',
  ].join('\n');
  await runtime.exec(container, ['sh', '-c', script]).catch(() => undefined);
}

/**
 * A stopped node's fixed address given to another container (possible on a
 * `paddock` network made before dynamic addresses got a range of their own):
 * say which container holds it.
 */
async function addressTaken(runtime: DockerRuntime, c: ContainerInfo, e: unknown): Promise<unknown> {
  const ip = c.labels[Labels.ip];
  if (!ip || !/address already in use/i.test((e as Error).message)) return e;
  const net = await runtime.inspectNetwork(NETWORK_NAME).catch(() => undefined);
  const holder = Object.values(net?.Containers ?? {}).find((x) => x.IPv4Address?.split('/')[0] === ip)?.Name;
  return new PaddockError(ErrorCodes.DOCKER_FAILED, `cannot start ${c.name}: its address ${ip} is taken by ${holder ? `container "${holder}"` : 'another container'}`, {
    remedy: `${holder ? `remove or stop "${holder}" (\`docker rm -f ${holder}\`)` : `find it with \`docker network inspect ${NETWORK_NAME}\``}, then run \`paddock start\` again`,
    cause: e,
  });
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
      const { KubeConfig, CoreV1Api } = await k8sLib();
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfig);
      const nodes = await kc.makeApiClient(CoreV1Api).listNode();
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

/** Processes (by comm, 15 characters at most) that keep no state of their own. */
const STATELESS = 'kube-apiserver|kube-controller|kube-scheduler|kube-proxy|coredns';

export async function stopCluster(runtime: DockerRuntime, name: string, progress: Progress): Promise<ClusterSummary> {
  const cs = await containersOf(runtime, name);
  await progress.step('stop', `Stopping ${cs.length} container${cs.length === 1 ? '' : 's'}`, async () => {
    // A paused container cannot receive the stop signal.
    await Promise.all(cs.filter((c) => c.state === 'paused').map((c) => runtime.unpauseContainer(c.id)));
    // systemd's shutdown waited the whole 10 s grace on the API server's
    // graceful termination (and CoreDNS's 5 s lame duck), then Docker killed
    // everything. Those keep no state: with the kubelet stopped first (so it
    // restarts nothing) they are killed, and the node's shutdown only waits
    // for etcd and the user's pods. Best effort: a node that cannot exec just stops slower.
    await Promise.all(
      cs
        .filter((c) => c.labels[Labels.role] !== 'load-balancer' && (c.state === 'running' || c.state === 'paused'))
        .map((c) =>
          Promise.race([
            runtime.exec(c.id, ['sh', '-c', `systemctl stop kubelet; pkill -KILL -x '${STATELESS}'; true`]).catch(() => undefined),
            new Promise((r) => setTimeout(r, 15_000).unref()),
          ]),
        ),
    );
    // Docker's own default grace: etcd and containerd are crash-safe, as the restart test shows.
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
