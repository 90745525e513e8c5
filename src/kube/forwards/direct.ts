/**
 * The direct path of a forward: when the pod's node is a container on this
 * machine's Docker engine (Paddock, kind, k3d, minikube with the docker
 * driver), a NAT rule inside that node container sends
 * <node IP>:<node port> to <pod IP>:<pod port>, and the forward's local
 * listener splices each connection to <node IP>:<node port> with plain TCP.
 * No API server, kubelet or containerd in the path (those made the API path
 * CPU-bound, see docs/DESIGN-NOTES.md). The rule only matches packets from
 * the host's address on the node's Docker network (the network's gateway),
 * so other containers cannot use it; the exposure stays the forward's own
 * 127.0.0.1 listener. Rule bookkeeping is in direct-rules.ts.
 */
import net from 'node:net';
import { dockerRuntime, type DockerRuntime } from '../../provisioner/runtime/docker.js';
import { runtimeForCluster } from '../../provisioner/engines.js';
import { CHAIN, parseRules, pickPort, restoreInput, ruleSpec, shadowedBy, staleRules, type ListedRule, type Owner, type Rule } from './direct-rules.js';

export interface DirectAddress {
  host: string;
  port: number;
}

/** A node container reached from this host. */
export interface DirectNode {
  rt: DockerRuntime;
  container: string;
  /** The node's address on its Docker network, and the host's address there (the network's gateway). */
  ip: string;
  gateway: string;
}

export interface Installed {
  node: DirectNode;
  rule: Rule;
  spec: string;
  address: DirectAddress;
}

export interface PodPlace {
  nodeName?: string;
  hostIp?: string;
  podIp?: string;
}

/** Why the direct path cannot be used; `lasting` ones are not tried again for the same node soon. */
export class NoDirectPath extends Error {
  constructor(
    message: string,
    readonly lasting = false,
  ) {
    super(message);
  }
}

const PROBE_MS = 1000;
const LOCK = 'if command -v flock >/dev/null 2>&1; then exec 9>/run/paddock-fwd.lock && flock -w 10 9; fi';
const ENSURE = `iptables -t nat -N "$1" 2>/dev/null; iptables -t nat -C PREROUTING -j "$1" 2>/dev/null || iptables -t nat -I PREROUTING 1 -j "$1" || exit 1`;

// ---- owners: which forwards this process runs, for telling stale rules ----

let managers = 0;
const live = new Map<number, Set<string>>();

export function newOwner(): Owner {
  const o = { pid: process.pid, manager: ++managers };
  live.set(o.manager, new Set());
  return o;
}

export function ownerRuns(o: Owner, forwardId: string, running: boolean): void {
  const s = live.get(o.manager) ?? live.set(o.manager, new Set()).get(o.manager)!;
  if (running) s.add(forwardId);
  else s.delete(forwardId);
}

export function ownerGone(o: Owner): void {
  live.delete(o.manager);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isLive(o: Owner, forwardId: string): boolean {
  if (o.pid === process.pid) return live.get(o.manager)?.has(forwardId) ?? false;
  return pidAlive(o.pid);
}

// ---- finding the node container ----

/** The Docker engine that runs a context's nodes, or why none on this machine does. */
async function engineFor(context: string): Promise<DockerRuntime> {
  const current = dockerRuntime();
  const cluster = /^paddock-(.+)$/.exec(context)?.[1];
  const rt = cluster ? await runtimeForCluster(current, cluster).catch(() => current) : current;
  const host = rt.engine.host;
  if (/^(tcp|ssh|https?):/.test(host)) throw new NoDirectPath(`the Docker engine is reached over the network (${host}): its node addresses are not routed here`, true);
  return rt;
}

/** The container that is node `nodeName` with address `hostIp`: the name must match and it must hold that address on one of its networks. */
export async function findNode(context: string, place: PodPlace): Promise<DirectNode> {
  if (!place.nodeName || !place.hostIp || !place.podIp) throw new NoDirectPath('the pod has no node or address yet');
  if (place.podIp.includes(':') || place.hostIp.includes(':')) throw new NoDirectPath('IPv6 pods are forwarded through the API', true);
  const rt = await engineFor(context);
  let list: Awaited<ReturnType<DockerRuntime['docker']['listContainers']>>;
  try {
    list = await rt.docker.listContainers({ filters: { name: [place.nodeName], status: ['running'] } });
  } catch (e) {
    throw new NoDirectPath(`the Docker engine does not answer: ${(e as Error).message}`);
  }
  for (const c of list) {
    if (!c.Names.some((n) => n.replace(/^\//, '') === place.nodeName)) continue;
    for (const net of Object.values(c.NetworkSettings?.Networks ?? {})) {
      if (net.IPAddress === place.hostIp && net.Gateway) return { rt, container: c.Id, ip: net.IPAddress, gateway: net.Gateway };
    }
  }
  throw new NoDirectPath(`node ${place.nodeName} is not a container on the local Docker engine`, true);
}

// ---- rules in the node ----

async function nodeExec(node: DirectNode, script: string, stdin?: string): Promise<string> {
  const res = await node.rt.exec(node.container, ['sh', '-c', `${LOCK}\n${script}`, 'sh', CHAIN], stdin === undefined ? {} : { stdin });
  if (res.exitCode !== 0) throw new NoDirectPath(`iptables in node container ${node.container.slice(0, 12)} failed (exit ${res.exitCode}): ${(res.stderr || res.stdout).trim().split('\n').slice(-2).join(' ')}`);
  return res.stdout;
}

export async function listRules(node: DirectNode): Promise<ListedRule[]> {
  return parseRules(await nodeExec(node, 'iptables -t nat -S "$1" 2>/dev/null || true'));
}

/**
 * Adds (or replaces) the forward's rule in `node` in one iptables-restore
 * commit, together with the deletion of its earlier rule and of stale rules
 * of forwards that no longer run. Moves to another port when another
 * process took the same one at the same moment.
 */
export async function installRule(node: DirectNode, forwardId: string, owner: Owner, podIp: string, podPort: number): Promise<Installed> {
  let rules = await listRules(node);
  for (let attempt = 0; attempt < 4; attempt++) {
    const nodePort = pickPort(rules, forwardId, owner, node.ip);
    if (nodePort === undefined) throw new NoDirectPath(`no free node port for the rule in node container ${node.container.slice(0, 12)}`);
    const rule: Rule = { source: node.gateway, node: node.ip, nodePort, podIp, podPort, forwardId, owner };
    const spec = ruleSpec(rule);
    const stale = staleRules(rules, owner, forwardId, isLive).map((r) => r.spec);
    // Unchanged rule: keep it (no window without a rule for new connections).
    const keep = stale.includes(spec);
    const del = stale.filter((s) => s !== spec);
    const add = keep ? [] : [spec];
    rules = parseRules(await nodeExec(node, `${ENSURE}\niptables-restore --noflush || exit 1\nexec iptables -t nat -S "$1"`, restoreInput(del, add)));
    if (!rules.some((r) => r.spec === spec)) continue; // removed by another process at once: again
    const other = shadowedBy(rules, spec);
    if (!other) return { node, rule, spec, address: { host: node.ip, port: nodePort } };
    // Another process got there first with this port: take ours back and pick again.
    rules = parseRules(await nodeExec(node, `iptables-restore --noflush || exit 1\nexec iptables -t nat -S "$1"`, restoreInput([spec], [])));
  }
  throw new NoDirectPath(`could not get a node port of its own in node container ${node.container.slice(0, 12)}`);
}

/** Deletes rules (best effort is the caller's call); the chain and its jump go when no rule is left. */
export async function removeRules(node: DirectNode, which: (r: ListedRule) => boolean): Promise<number> {
  const rules = await listRules(node);
  const del = rules.filter(which).map((r) => r.spec);
  if (rules.length === 0 && del.length === 0) return 0;
  await nodeExec(
    node,
    [
      del.length ? 'iptables-restore --noflush || exit 1' : ':',
      'if ! iptables -t nat -S "$1" 2>/dev/null | grep -q -- "^-A"; then',
      '  iptables -t nat -D PREROUTING -j "$1" 2>/dev/null; iptables -t nat -X "$1" 2>/dev/null',
      'fi',
      'true',
    ].join('\n'),
    del.length ? restoreInput(del, []) : undefined,
  );
  return del.length;
}

/** Packets the rule matched so far (to tell a refused connection that went through it from one that never reached it). */
async function ruleHits(node: DirectNode, spec: string): Promise<number> {
  const out = await nodeExec(node, 'exec iptables -t nat -S "$1" -v');
  for (const line of out.split('\n')) {
    const m = / -c (\d+) \d+/.exec(line);
    if (m && parseRules(line)[0]?.spec === spec) return Number(m[1]);
  }
  return 0;
}

/** open: the pod accepted; refused: something answered with a reset; unreachable: nothing answered in time. */
export function probe(addr: DirectAddress, ms = PROBE_MS): Promise<'open' | 'refused' | 'unreachable'> {
  return new Promise((resolve) => {
    const s = net.connect({ host: addr.host, port: addr.port });
    const done = (r: 'open' | 'refused' | 'unreachable') => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('unreachable'), ms);
    s.once('connect', () => done('open'));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable'));
  });
}

/** Checks that this host reaches the pod through the rule just installed; throws why not (`lasting` when this host cannot use the node's rules at all). */
export async function checkReach(inst: Installed): Promise<void> {
  const r = await probe(inst.address);
  if (r === 'open') return;
  // The rule counts the probe only when it reached the node from the expected address.
  const through = (await ruleHits(inst.node, inst.spec)) > 0;
  if (r === 'unreachable') {
    // Through the rule but no answer: the pod's sandbox is not there (yet), e.g. just after a cluster
    // start while the pod's status still says Ready from before the stop. That passes; the forward tries again.
    if (through) throw new NoDirectPath(`pod ${inst.rule.podIp} did not answer through node ${inst.node.ip} (still starting?)`);
    throw new NoDirectPath(`node address ${inst.node.ip} is not reachable from this host (Docker Desktop, rootless or remote engine)`, true);
  }
  // Refused: by the pod (nothing listens on its port yet) when the rule matched, else by the node itself.
  if (through) return;
  throw new NoDirectPath(`connections from this host reach node ${inst.node.ip} from another address than ${inst.node.gateway}`, true);
}
