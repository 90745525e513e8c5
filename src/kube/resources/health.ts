/**
 * The slower half of the control-plane health card: etcd members and their
 * health, certificate expiry, component versions.
 *
 * etcd, on a Paddock cluster: from a running control-plane node container,
 * etcd's own HTTP API on its client port (/v3/cluster/member/list, /health,
 * /v3/maintenance/status) with the healthcheck-client certificate kubeadm
 * made for this. The node image has no curl and the etcd 3.6 image no
 * etcdctl, so the request goes through `openssl s_client` (HTTP/1.0: the
 * body ends with the connection, no chunking to undo).
 * On other kubeadm clusters: etcdctl in the etcd static pod, when its image
 * has it (etcd 3.5 and older); a stopped node's pod does not answer, the next
 * one is tried. Otherwise (managed clusters) the card says why it is empty.
 *
 * Certificates: on a Paddock cluster, `kubeadm certs check-expiration` in
 * each control-plane node container; on any other cluster only the API
 * server's serving certificate, read from its TLS handshake.
 */
import path from 'node:path/posix';
import tls from 'node:tls';
import type { ClusterHealthDetails } from '../../shared/api.js';
import { Labels } from '../../shared/labels.js';
import { paddockClusterOf } from '../contexts.js';
import type { KubeObject } from './descriptors.js';
import { call, type Conn } from './http.js';
import { execCollect } from './exec.js';

type Etcd = ClusterHealthDetails['etcd'];
type Certs = ClusterHealthDetails['certificates'];
type Component = ClusterHealthDetails['components'][number];

/** Runs a command in a node container (Paddock clusters); the Docker runtime in production. */
export interface NodeExec {
  controlPlanes(cluster: string): Promise<string[]>;
  exec(container: string, cmd: string[], stdin?: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

export function dockerNodeExec(): NodeExec {
  // Loaded lazily: the workload handlers must not need Docker for non-Paddock contexts.
  let rt: Promise<import('../../provisioner/runtime/docker.js').DockerRuntime> | undefined;
  const runtime = () => (rt ??= import('../../provisioner/runtime/docker.js').then((m) => m.dockerRuntime()));
  return {
    async controlPlanes(cluster) {
      const list = await (await runtime()).listContainers([`${Labels.cluster}=${cluster}`, `${Labels.role}=control-plane`]);
      return list.filter((c) => c.state === 'running').map((c) => c.name).sort();
    },
    async exec(container, cmd, stdin) {
      return (await runtime()).exec(container, cmd, stdin === undefined ? {} : { stdin });
    },
  };
}

const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/** etcd prints uint64 ids as JSON numbers, beyond what a double holds: keep them as text. */
export function parseEtcdJson<T>(text: string): T {
  return JSON.parse(text.replace(/"(ID|id|leader|member_id|cluster_id|raft_term|revision)":\s*(\d{16,})/g, '"$1":"$2"')) as T;
}

const hex = (id: string | number) => {
  try {
    return BigInt(id).toString(16);
  } catch {
    return String(id);
  }
};

interface MemberList {
  members?: { ID: string | number; name?: string; clientURLs?: string[]; peerURLs?: string[] }[];
}
interface EndpointHealth {
  endpoint: string;
  health: boolean;
  error?: string;
  took?: string;
}
interface EndpointStatus {
  Endpoint: string;
  Status?: { header?: { member_id?: string | number }; version?: string; leader?: string | number };
}

/** Parses etcdctl's three answers into members (pure, unit-tested). */
export function etcdMembers(list: MemberList, health: EndpointHealth[], status: EndpointStatus[], source: string): Etcd {
  const members = (list.members ?? []).map((m) => {
    const urls = m.clientURLs ?? [];
    const h = health.find((x) => urls.includes(x.endpoint));
    const s = status.find((x) => urls.includes(x.Endpoint));
    const leaderId = status.find((x) => x.Status?.leader !== undefined)?.Status?.leader;
    const out: Etcd['members'][number] = {
      name: m.name || '(not started)',
      id: hex(m.ID),
      clientURLs: urls,
      healthy: h?.health === true,
      detail: h ? (h.health ? `healthy${h.took ? `, answered in ${h.took}` : ''}` : h.error || 'unhealthy') : 'no answer to the health check',
    };
    if (s?.Status?.version) out.version = s.Status.version;
    if (leaderId !== undefined) out.leader = hex(leaderId) === hex(m.ID);
    return out;
  });
  return { source, members };
}

const PKI = '/etc/kubernetes/pki/etcd';

/** One HTTPS request to etcd from inside a node container; the parsed JSON body, or throws with why. */
export async function etcdRequest(nodes: NodeExec, container: string, url: string, method: 'GET' | 'POST', body = ''): Promise<unknown> {
  const u = new URL(url);
  const hostport = `${u.hostname}:${u.port || 2379}`;
  const req = `${method} ${u.pathname} HTTP/1.0\r\nHost: ${hostport}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const cmd = ['timeout', '4', 'openssl', 's_client', '-quiet', '-connect', hostport, '-CAfile', `${PKI}/ca.crt`, '-cert', `${PKI}/healthcheck-client.crt`, '-key', `${PKI}/healthcheck-client.key`, '-verify_return_error'];
  const r = await nodes.exec(container, cmd, req);
  const at = r.stdout.indexOf('\r\n\r\n');
  if (at < 0) {
    const why = r.exitCode === 124 ? 'no answer within 4 s' : r.stderr.trim().split('\n').filter((l) => !/^(depth|verify return)/.test(l)).pop() || `openssl exited with ${r.exitCode}`;
    throw new Error(why);
  }
  const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(r.stdout)?.[1] ?? 0);
  const text = r.stdout.slice(at + 4);
  if (status !== 200) throw new Error(`HTTP ${status}: ${text.trim().slice(0, 200)}`);
  return parseEtcdJson(text);
}

async function etcdViaNodes(cluster: string, nodes: NodeExec): Promise<Etcd> {
  const cps = await nodes.controlPlanes(cluster);
  const failures: string[] = [];
  for (const cp of cps) {
    let list: MemberList;
    try {
      list = (await etcdRequest(nodes, cp, 'https://127.0.0.1:2379/v3/cluster/member/list', 'POST', '{}')) as MemberList;
    } catch (e) {
      failures.push(`${cp}: ${(e as Error).message}`);
      continue;
    }
    const urls = (list.members ?? []).map((m) => m.clientURLs?.[0]).filter((u): u is string => !!u);
    const health: EndpointHealth[] = [];
    const status: EndpointStatus[] = [];
    await Promise.all(
      urls.map(async (url) => {
        const started = Date.now();
        try {
          const h = (await etcdRequest(nodes, cp, `${url}/health`, 'GET')) as { health?: string; reason?: string };
          health.push({ endpoint: url, health: h.health === 'true', took: `${Date.now() - started}ms`, ...(h.reason ? { error: h.reason } : {}) });
        } catch (e) {
          health.push({ endpoint: url, health: false, error: (e as Error).message });
        }
        const st = (await etcdRequest(nodes, cp, `${url}/v3/maintenance/status`, 'POST', '{}').catch(() => undefined)) as EndpointStatus['Status'] | undefined;
        if (st) status.push({ Endpoint: url, Status: st });
      }),
    );
    return etcdMembers(list, health, status, `etcd API on port 2379, asked from node ${cp}`);
  }
  throw new Error(cps.length ? failures.join('; ') : 'no control-plane node container is running');
}

export async function etcdHealth(conn: Conn, nodes: NodeExec = dockerNodeExec()): Promise<Etcd> {
  const cluster = paddockClusterOf(conn.context);
  let paddockProblem = '';
  if (cluster) {
    try {
      return await etcdViaNodes(cluster, nodes);
    } catch (e) {
      paddockProblem = `from the node containers: ${(e as Error).message}; `;
    }
  }
  const pods = await call<{ items: KubeObject[] }>(conn, 'GET', '/api/v1/namespaces/kube-system/pods?labelSelector=component%3Detcd').catch(() => ({ items: [] as KubeObject[] }));
  if (!pods.items.length) return { source: 'none', members: [], reason: paddockProblem + 'no etcd static pod in kube-system (a managed control plane, or etcd outside the cluster): its members cannot be read from here' };
  // Running pods first; a stopped node's pod may still read Running until the node controller notices.
  const sorted = [...pods.items].sort((a, b) => Number(b.status?.phase === 'Running') - Number(a.status?.phase === 'Running'));
  const failures: string[] = [];
  for (const p of sorted) {
    const container = ((p.spec?.containers ?? []) as { name: string; command?: string[] }[])[0];
    const args = container?.command ?? [];
    const ca = flag(args, 'trusted-ca-file') ?? '/etc/kubernetes/pki/etcd/ca.crt';
    const dir = path.dirname(ca);
    const endpoint = (flag(args, 'listen-client-urls') ?? 'https://127.0.0.1:2379').split(',')[0]!;
    const base = ['etcdctl', `--endpoints=${endpoint}`, `--cacert=${ca}`, `--cert=${dir}/healthcheck-client.crt`, `--key=${dir}/healthcheck-client.key`, '--dial-timeout=2s', '--command-timeout=4s', '-w', 'json'];
    const ref = { namespace: 'kube-system', pod: p.metadata?.name ?? '', container: container?.name };
    const list = await execCollect(conn, { ...ref, command: [...base, 'member', 'list'] }, 12_000);
    if (list.exitCode !== 0) {
      failures.push(`${ref.pod}: ${(list.stderr || list.error || list.stdout).trim().split('\n')[0]}`);
      continue;
    }
    // Both exit non-zero when a member is down, yet print what they learnt on stdout.
    const [health, status] = await Promise.all([
      execCollect(conn, { ...ref, command: [...base, 'endpoint', 'health', '--cluster'] }, 15_000),
      execCollect(conn, { ...ref, command: [...base, 'endpoint', 'status', '--cluster'] }, 15_000),
    ]);
    const arr = <T>(t: string): T[] => {
      try {
        const v = parseEtcdJson<T[] | T>(t.trim() || '[]');
        return Array.isArray(v) ? v : [v];
      } catch {
        return [];
      }
    };
    return etcdMembers(parseEtcdJson<MemberList>(list.stdout), arr<EndpointHealth>(health.stdout), arr<EndpointStatus>(status.stdout), `etcdctl in ${ref.pod}`);
  }
  return { source: 'etcdctl', members: [], reason: `${paddockProblem}etcdctl in the etcd pods: ${failures.join('; ')}` };
}

interface KubeadmExpiration {
  certificates?: { name: string; expirationDate: string; residualTime?: number; caName?: string; externallyManaged?: boolean; missing?: boolean }[];
  certificateAuthorities?: { name: string; expirationDate: string; residualTime?: number; externallyManaged?: boolean; missing?: boolean }[];
}

const days = (iso: string, now = Date.now()) => Math.floor((Date.parse(iso) - now) / 86_400_000);

/** `kubeadm certs check-expiration -o json` → rows (pure). */
export function kubeadmCerts(out: KubeadmExpiration, node: string): Certs['certs'] {
  const rows: Certs['certs'] = [];
  for (const c of out.certificates ?? []) {
    if (c.missing) continue;
    const r: Certs['certs'][number] = { name: c.name, expires: c.expirationDate, residualDays: days(c.expirationDate), node };
    if (c.caName) r.authority = c.caName;
    rows.push(r);
  }
  for (const c of out.certificateAuthorities ?? []) if (!c.missing) rows.push({ name: `${c.name} (CA)`, expires: c.expirationDate, residualDays: days(c.expirationDate), node });
  return rows;
}

function servingCert(conn: Conn): Promise<Certs['certs']> {
  const url = new URL(conn.t.server);
  return new Promise((resolve, reject) => {
    // Only the certificate is read (no request is sent), so the handshake need not verify it.
    const s = tls.connect({ host: url.hostname, port: Number(url.port || 443), servername: conn.t.kc.getCurrentCluster()?.tlsServerName ?? (/^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname), rejectUnauthorized: false, timeout: 5000 }, () => {
      const c = s.getPeerCertificate();
      s.end();
      if (!c?.valid_to) return reject(new Error('the API server sent no certificate'));
      const expires = new Date(c.valid_to).toISOString();
      const row: Certs['certs'][number] = { name: `apiserver (serving certificate of ${url.host})`, expires, residualDays: days(expires) };
      if (typeof c.issuer?.CN === 'string') row.authority = c.issuer.CN;
      resolve([row]);
    });
    s.on('timeout', () => s.destroy(new Error('no TLS handshake within 5 s')));
    s.on('error', reject);
  });
}

export async function certificateExpiry(conn: Conn, nodes: NodeExec): Promise<Certs> {
  const cluster = paddockClusterOf(conn.context);
  const problems: string[] = [];
  if (cluster) {
    const cps = await nodes.controlPlanes(cluster).catch((e: Error) => (problems.push(e.message), [] as string[]));
    const certs: Certs['certs'] = [];
    for (const cp of cps) {
      const r = await nodes.exec(cp, ['kubeadm', 'certs', 'check-expiration', '-o', 'json']).catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
      if (r.exitCode !== 0) {
        problems.push(`${cp}: ${r.stderr.trim().split('\n').pop()}`);
        continue;
      }
      try {
        certs.push(...kubeadmCerts(JSON.parse(r.stdout) as KubeadmExpiration, cp));
      } catch (e) {
        problems.push(`${cp}: unreadable kubeadm output (${(e as Error).message})`);
      }
    }
    if (certs.length) return { source: 'kubeadm certs check-expiration (in each control-plane node)', certs, ...(problems.length ? { reason: problems.join('; ') } : {}) };
  }
  if (conn.t.server.startsWith('http:')) return { source: 'none', certs: [], reason: 'the API server is reached over plain HTTP' };
  try {
    const certs = await servingCert(conn);
    const why = cluster ? `kubeadm could not be run in the nodes (${problems.join('; ') || 'no running control-plane node'})` : 'not a Paddock cluster: only the API server serving certificate can be read from outside';
    return { source: 'TLS handshake with the API server', certs, reason: why };
  } catch (e) {
    return { source: 'none', certs: [], reason: `the API server certificate could not be read: ${(e as Error).message}` };
  }
}

export async function componentVersions(conn: Conn, etcd: Etcd): Promise<Component[]> {
  const out: Component[] = [];
  const v = await call<{ gitVersion?: string }>(conn, 'GET', '/version').catch(() => undefined);
  if (v?.gitVersion) out.push({ name: 'kube-apiserver (answering)', version: v.gitVersion });
  const nodes = await call<{ items: KubeObject[] }>(conn, 'GET', '/api/v1/nodes').catch(() => ({ items: [] as KubeObject[] }));
  for (const n of nodes.items) {
    const info = (n.status?.nodeInfo ?? {}) as { kubeletVersion?: string; containerRuntimeVersion?: string };
    const node = n.metadata?.name ?? '';
    if (info.kubeletVersion) out.push({ name: 'kubelet', node, version: info.kubeletVersion });
    if (info.containerRuntimeVersion) out.push({ name: 'container runtime', node, version: info.containerRuntimeVersion });
  }
  const pods = await call<{ items: KubeObject[] }>(conn, 'GET', '/api/v1/namespaces/kube-system/pods?labelSelector=tier%3Dcontrol-plane').catch(() => ({ items: [] as KubeObject[] }));
  for (const p of pods.items) {
    const image = ((p.spec?.containers ?? []) as { image?: string }[])[0]?.image ?? '';
    const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : image;
    out.push({ name: p.metadata?.labels?.component ?? p.metadata?.name ?? '', node: String(p.spec?.nodeName ?? ''), version: tag });
  }
  for (const m of etcd.members) if (m.version) out.push({ name: 'etcd (reported)', node: m.name, version: m.version });
  return out;
}

export async function clusterHealthDetails(conn: Conn, nodes: NodeExec = dockerNodeExec()): Promise<ClusterHealthDetails> {
  const [etcd, certificates] = await Promise.all([etcdHealth(conn, nodes), certificateExpiry(conn, nodes)]);
  return { etcd, certificates, components: await componentVersions(conn, etcd) };
}
