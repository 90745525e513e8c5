/**
 * The workload and node operations of the contract, for any kubeconfig
 * context: lists (and live lists), YAML, apply with a server-side dry run,
 * logs, scale, rollout restart/history/undo, delete pod, cordon, and the
 * control plane's health.
 */
import { randomUUID } from 'node:crypto';
import type { ApiHandlers, ControlPlaneHealth, NodeMeta, PushEvent, ResourceKind, ResourceList, RolloutRevision } from '../../shared/api.js';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { listThenWatch, stateFromList, type ListState } from '../watch.js';
import { collectionPath, descriptorOf, objectPath, podStatus, podRestarts, toRow, type KubeObject, type ResourceDescriptor } from './descriptors.js';
import { apiMessage, call, connect, rawRequest, streamGet, type Conn } from './http.js';
import { parseDocuments, toYaml } from './yaml.js';
import { drainNode } from './drain.js';
import { openExec, type ExecStream } from './exec.js';
import { clusterHealthDetails, dockerNodeExec, type NodeExec } from './health.js';

type Ops =
  | 'listResources' | 'watchResources' | 'unwatchResources' | 'getResourceYaml' | 'applyYaml' | 'podLogs'
  | 'scaleWorkload' | 'rolloutRestart' | 'rolloutHistory' | 'rolloutUndo' | 'deletePod' | 'cordonNode' | 'controlPlaneHealth' | 'drainNode' | 'followPodLogs' | 'unfollowPodLogs'
  | 'clusterHealthDetails' | 'getNodeMeta' | 'setNodeMeta' | 'execOpen' | 'execInput' | 'execResize' | 'execClose';

const ok = { ok: true as const };
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';

function rowsOf(desc: ResourceDescriptor, s: ListState): ResourceList['rows'] {
  const rows = [...s.items.values()].map((o) => toRow(desc, o));
  if (desc.kind === 'Event') return rows.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
  return rows.sort((a, b) => (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name));
}

async function list(conn: Conn, kind: ResourceKind, namespace: string | undefined, signal?: AbortSignal) {
  const desc = descriptorOf(kind);
  const path = collectionPath(desc, namespace);
  const state = stateFromList(await call(conn, 'GET', path, { signal }));
  return { desc, path, state };
}

/** Deployment revisions are its ReplicaSets' `deployment.kubernetes.io/revision`. */
async function deploymentRevisions(conn: Conn, namespace: string, name: string): Promise<{ deploy: KubeObject; revisions: (RolloutRevision & { rs: KubeObject })[] }> {
  const deploy = await call<KubeObject>(conn, 'GET', objectPath(descriptorOf('Deployment'), name, namespace));
  const rsList = await call<{ items: KubeObject[] }>(conn, 'GET', collectionPath(descriptorOf('ReplicaSet'), namespace));
  const current = deploy.metadata?.annotations?.['deployment.kubernetes.io/revision'];
  const revisions = rsList.items
    .filter((rs) => rs.metadata?.ownerReferences?.some((r) => r.kind === 'Deployment' && (r as { uid?: string }).uid === deploy.metadata?.uid))
    .map((rs) => {
      const rev = Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
      const r: RolloutRevision & { rs: KubeObject } = {
        revision: rev,
        name: rs.metadata?.name ?? '',
        images: ((rs.spec?.template?.spec?.containers ?? []) as { image?: string }[]).map((c) => c.image ?? ''),
        current: String(rev) === current,
        rs,
      };
      if (rs.metadata?.creationTimestamp) r.created = rs.metadata.creationTimestamp;
      const cause = rs.metadata?.annotations?.['kubernetes.io/change-cause'];
      if (cause) r.changeCause = cause;
      return r;
    })
    .sort((a, b) => a.revision - b.revision);
  return { deploy, revisions };
}

type Revision = RolloutRevision & { undo: { body: unknown; contentType: string } };

/**
 * StatefulSet and DaemonSet revisions are their ControllerRevisions: `data`
 * is a strategic-merge patch of the pod template ("$patch": "replace"), which
 * is what undo sends back, as kubectl does.
 */
async function controllerRevisions(conn: Conn, kind: 'StatefulSet' | 'DaemonSet', namespace: string, name: string): Promise<Revision[]> {
  const owner = await call<KubeObject>(conn, 'GET', objectPath(descriptorOf(kind), name, namespace));
  const crs = await call<{ items: (KubeObject & { revision?: number; data?: KubeObject })[] }>(conn, 'GET', `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/controllerrevisions`);
  const mine = crs.items.filter((cr) => cr.metadata?.ownerReferences?.some((r) => (r as { uid?: string }).uid === owner.metadata?.uid)).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  // A StatefulSet names its update revision; a DaemonSet's current one is the newest.
  const currentName = kind === 'StatefulSet' ? (owner.status?.updateRevision as string | undefined) : undefined;
  const newest = mine[mine.length - 1]?.metadata?.name;
  return mine.map((cr) => {
    const r: Revision = {
      revision: cr.revision ?? 0,
      name: cr.metadata?.name ?? '',
      images: ((cr.data?.spec?.template?.spec?.containers ?? []) as { image?: string }[]).map((c) => c.image ?? ''),
      current: cr.metadata?.name === (currentName ?? newest),
      undo: { body: cr.data ?? {}, contentType: STRATEGIC },
    };
    if (cr.metadata?.creationTimestamp) r.created = cr.metadata.creationTimestamp;
    const cause = cr.metadata?.annotations?.['kubernetes.io/change-cause'];
    if (cause) r.changeCause = cause;
    return r;
  });
}

async function revisionsOf(conn: Conn, kind: 'Deployment' | 'StatefulSet' | 'DaemonSet', namespace: string, name: string): Promise<Revision[]> {
  if (kind !== 'Deployment') return controllerRevisions(conn, kind, namespace, name);
  const { revisions } = await deploymentRevisions(conn, namespace, name);
  return revisions.map(({ rs, ...r }) => {
    // As kubectl does: the old ReplicaSet's template, without its pod-template-hash label, replaces the Deployment's.
    const template = structuredClone(rs.spec.template) as KubeObject;
    if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
    // No resourceVersion test: the controller bumps it with every status update while a rollout runs.
    return { ...r, undo: { body: [{ op: 'replace', path: '/spec/template', value: template }], contentType: JSON_PATCH } };
  });
}

function nodeMeta(n: KubeObject): NodeMeta {
  const taints = ((n.spec?.taints ?? []) as { key: string; value?: string; effect: NodeMeta['taints'][number]['effect'] }[]).map((t) => (t.value ? { key: t.key, value: t.value, effect: t.effect } : { key: t.key, effect: t.effect }));
  return { labels: { ...(n.metadata?.labels ?? {}) }, taints };
}

interface ExecSession {
  stream: ExecStream;
  context: string;
}

/** Where a document goes: the API's discovery says the plural and whether it is namespaced. */
async function resourcePathFor(conn: Conn, doc: KubeObject, namespace: string | undefined, cache: Map<string, { name: string; kind: string; namespaced: boolean }[]>): Promise<{ path: string; namespaced: boolean }> {
  const apiVersion = doc.apiVersion as string;
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  let resources = cache.get(base);
  if (!resources) {
    resources = (await call<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(conn, 'GET', base)).resources;
    cache.set(base, resources);
  }
  const r = resources.find((x) => x.kind === doc.kind && !x.name.includes('/'));
  if (!r) throw new PaddockError(ErrorCodes.INVALID_CONFIG, `the server does not know kind ${doc.kind} in ${apiVersion}`, { remedy: 'check apiVersion and kind, or install the CRD first' });
  const ns = doc.metadata?.namespace ?? namespace ?? 'default';
  const path = `${base}${r.namespaced ? `/namespaces/${encodeURIComponent(ns)}` : ''}/${r.name}/${encodeURIComponent(doc.metadata?.name ?? '')}`;
  return { path, namespaced: r.namespaced };
}

const CONTROL_PLANE = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];

export interface WorkloadHandlerOptions {
  /** Runs commands in Paddock's node containers (certificate expiry); Docker by default. */
  nodeExec?: NodeExec;
  /** Exec sessions open at once; the oldest is closed when a new one would pass this. */
  maxExecSessions?: number;
  /** Where live lists push `resources.changed`. */
  emit?: (e: PushEvent) => void;
  /** Live lists kept at once; the oldest stops when a new one would pass this (a closed window never unwatches). */
  maxWatches?: number;
}

export function workloadHandlers(opts: WorkloadHandlerOptions = {}): Pick<ApiHandlers, Ops> & { stopAll(): void } {
  const watches = new Map<string, AbortController>();
  const maxWatches = opts.maxWatches ?? 16;
  const sessions = new Map<string, ExecSession>();
  const maxSessions = opts.maxExecSessions ?? 16;
  const session = (id: string) => {
    const s = sessions.get(id);
    if (!s) throw new PaddockError(ErrorCodes.USAGE, `the terminal session ${id} has ended`, { remedy: 'open a new terminal' });
    return s;
  };

  return {
    stopAll() {
      for (const ac of watches.values()) ac.abort();
      watches.clear();
      for (const s of sessions.values()) s.stream.close();
      sessions.clear();
    },

    async listResources({ context, kind, namespace }, ctx) {
      const conn = await connect(context);
      const { desc, state } = await list(conn, kind, namespace, ctx.signal);
      return { kind, columns: desc.columns, rows: rowsOf(desc, state), resourceVersion: state.resourceVersion };
    },

    async watchResources({ context, kind, namespace }, ctx) {
      const conn = await connect(context);
      const { desc, path, state } = await list(conn, kind, namespace, ctx.signal);
      const subscriptionId = randomUUID();
      const ac = new AbortController();
      watches.set(subscriptionId, ac);
      while (watches.size > maxWatches) {
        const [oldest, old] = watches.entries().next().value as [string, AbortController];
        old.abort();
        watches.delete(oldest);
      }
      void listThenWatch({
        conn,
        path,
        initial: state,
        signal: ac.signal,
        onState: (s) => opts.emit?.({ type: 'resources.changed', subscriptionId, rows: rowsOf(desc, s) }),
        onError: (e) => opts.emit?.({ type: 'resources.changed', subscriptionId, error: e.message }),
      }).catch((e: Error) => opts.emit?.({ type: 'resources.changed', subscriptionId, error: e.message }));
      return { kind, columns: desc.columns, rows: rowsOf(desc, state), resourceVersion: state.resourceVersion, subscriptionId };
    },

    async unwatchResources({ subscriptionId }) {
      watches.get(subscriptionId)?.abort();
      watches.delete(subscriptionId);
      return ok;
    },

    async getResourceYaml({ context, kind, namespace, name, revealSecrets }, ctx) {
      const conn = await connect(context);
      const o = await call<KubeObject>(conn, 'GET', objectPath(descriptorOf(kind), name, namespace), { signal: ctx.signal });
      return { yaml: toYaml(o, { revealSecrets }) };
    },

    async applyYaml({ context, yaml: text, namespace, dryRun }) {
      let docs: KubeObject[];
      try {
        docs = parseDocuments(text);
      } catch (e) {
        throw new PaddockError(ErrorCodes.INVALID_CONFIG, `the YAML cannot be applied: ${(e as Error).message}`);
      }
      const conn = await connect(context);
      const cache = new Map<string, { name: string; kind: string; namespaced: boolean }[]>();
      const planned = await Promise.all(docs.map(async (doc) => ({ doc, ...(await resourcePathFor(conn, doc, namespace, cache)) })));
      // Server-side apply; the dry run first so nothing is changed unless every document passes.
      const send = (p: (typeof planned)[number], dry: boolean) => {
        const d = structuredClone(p.doc);
        if (d.metadata) delete (d.metadata as Record<string, unknown>).managedFields;
        if (d.metadata) delete (d.metadata as Record<string, unknown>).resourceVersion;
        return call<KubeObject>(conn, 'PATCH', `${p.path}?fieldManager=paddock&force=true${dry ? '&dryRun=All' : ''}`, { body: JSON.stringify(d), contentType: 'application/apply-patch+yaml' });
      };
      for (const p of planned) await send(p, true);
      const results: { kind: string; name: string; namespace?: string; action: string }[] = [];
      for (const p of planned) {
        if (!dryRun) await send(p, false);
        const r: (typeof results)[number] = { kind: String(p.doc.kind), name: p.doc.metadata?.name ?? '', action: dryRun ? 'dry run ok' : 'applied' };
        if (p.namespaced) r.namespace = p.doc.metadata?.namespace ?? namespace ?? 'default';
        results.push(r);
      }
      return { results };
    },

    async podLogs({ context, namespace, pod, container, previous, tailLines }, ctx) {
      const conn = await connect(context);
      const p = await call<KubeObject>(conn, 'GET', objectPath(descriptorOf('Pod'), pod, namespace), { signal: ctx.signal });
      const containers = ((p.spec?.containers ?? []) as { name: string }[]).map((c) => c.name);
      const q = new URLSearchParams();
      q.set('container', container ?? containers[0] ?? '');
      if (previous) q.set('previous', 'true');
      q.set('tailLines', String(tailLines ?? 1000));
      q.set('timestamps', 'false');
      const r = await rawRequest(conn, 'GET', `${objectPath(descriptorOf('Pod'), pod, namespace)}/log?${q}`, { accept: '*/*', signal: ctx.signal });
      if (r.status !== 200) throw new PaddockError(ErrorCodes.INTERNAL, `${apiMessage(r)} (HTTP ${r.status})`);
      return { text: r.body, containers };
    },

    async followPodLogs({ context, namespace, pod, container, tailLines }) {
      const conn = await connect(context);
      const subscriptionId = randomUUID();
      const ac = new AbortController();
      watches.set(subscriptionId, ac);
      const q = new URLSearchParams({ follow: 'true', tailLines: String(tailLines ?? 0) });
      if (container) q.set('container', container);
      // Chunks are gathered for 200 ms: a chatty pod is a few pushes a second, not one per line.
      let pending = '';
      let timer: NodeJS.Timeout | undefined;
      const flush = () => {
        timer = undefined;
        if (pending) opts.emit?.({ type: 'logs.appended', subscriptionId, text: pending });
        pending = '';
      };
      void streamGet(conn, `${objectPath(descriptorOf('Pod'), pod, namespace)}/log?${q}`, (t) => {
        pending += t;
        timer ??= setTimeout(flush, 200);
      }, ac.signal).then(
        () => {
          if (timer) clearTimeout(timer);
          flush();
          if (!ac.signal.aborted) opts.emit?.({ type: 'logs.appended', subscriptionId, text: '', ended: true });
          watches.delete(subscriptionId);
        },
        (e: Error) => {
          flush();
          opts.emit?.({ type: 'logs.appended', subscriptionId, text: '', ended: true, error: e.message });
          watches.delete(subscriptionId);
        },
      );
      return { subscriptionId };
    },

    async unfollowPodLogs({ subscriptionId }) {
      watches.get(subscriptionId)?.abort();
      watches.delete(subscriptionId);
      return ok;
    },

    async scaleWorkload({ context, kind, namespace, name, replicas }) {
      if (kind === 'DaemonSet') throw new PaddockError(ErrorCodes.USAGE, 'a DaemonSet runs one pod per node and cannot be scaled');
      const conn = await connect(context);
      await call(conn, 'PATCH', `${objectPath(descriptorOf(kind), name, namespace)}/scale`, { body: { spec: { replicas } }, contentType: MERGE });
      return ok;
    },

    async rolloutRestart({ context, kind, namespace, name }) {
      const conn = await connect(context);
      // What `kubectl rollout restart` does: a new pod-template annotation starts a rollout.
      const body = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } };
      await call(conn, 'PATCH', objectPath(descriptorOf(kind), name, namespace), { body, contentType: MERGE });
      return ok;
    },

    async rolloutHistory({ context, kind, namespace, name }) {
      const revisions = await revisionsOf(await connect(context), kind, namespace, name);
      return { revisions: revisions.map(({ undo: _u, ...r }) => r) };
    },

    async rolloutUndo({ context, kind, namespace, name, revision }) {
      const conn = await connect(context);
      const revisions = await revisionsOf(conn, kind, namespace, name);
      const current = revisions.find((r) => r.current);
      const target = revision ? revisions.find((r) => r.revision === revision) : [...revisions].reverse().find((r) => !r.current);
      const what = `${kind.toLowerCase()} ${name}`;
      if (!target) {
        throw new PaddockError(ErrorCodes.USAGE, revision ? `${what} has no revision ${revision}` : `${what} has no previous revision`, {
          remedy: `revisions: ${revisions.map((r) => r.revision).join(', ') || 'none'}`,
        });
      }
      if (target === current) return { revision: target.revision };
      await call(conn, 'PATCH', objectPath(descriptorOf(kind), name, namespace), { body: target.undo.body, contentType: target.undo.contentType });
      return { revision: target.revision };
    },

    async deletePod({ context, namespace, name }) {
      const conn = await connect(context);
      await call(conn, 'DELETE', objectPath(descriptorOf('Pod'), name, namespace));
      return ok;
    },

    async cordonNode({ context, node, unschedulable }) {
      const conn = await connect(context);
      await call(conn, 'PATCH', objectPath(descriptorOf('Node'), node), { body: { spec: { unschedulable: unschedulable ? true : null } }, contentType: MERGE });
      return ok;
    },

    async getNodeMeta({ context, node }, ctx) {
      const conn = await connect(context);
      return nodeMeta(await call<KubeObject>(conn, 'GET', objectPath(descriptorOf('Node'), node), { signal: ctx.signal }));
    },

    async setNodeMeta({ context, node, labels, taints }) {
      const conn = await connect(context);
      // A JSON merge patch: null removes a label; a taints list replaces the node's.
      const body: { metadata?: unknown; spec?: unknown } = {};
      if (labels && Object.keys(labels).length) body.metadata = { labels };
      if (taints) body.spec = { taints: taints.map((t) => (t.value ? t : { key: t.key, effect: t.effect })) };
      return nodeMeta(await call<KubeObject>(conn, 'PATCH', objectPath(descriptorOf('Node'), node), { body, contentType: MERGE }));
    },

    async execOpen({ context, namespace, pod, container, command, cols, rows }) {
      const conn = await connect(context);
      let name = container;
      if (!name) {
        const p = await call<KubeObject>(conn, 'GET', objectPath(descriptorOf('Pod'), pod, namespace));
        name = ((p.spec?.containers ?? []) as { name: string }[])[0]?.name ?? '';
      }
      // bash when the image has it, sh otherwise; TERM so that editors and `clear` work in xterm.js.
      const cmd = command ?? ['sh', '-c', 'TERM=xterm-256color; export TERM; command -v bash >/dev/null 2>&1 && exec bash; exec sh'];
      const stream = openExec(conn, { namespace, pod, container: name, command: cmd, tty: true, stdin: true, cols, rows });
      const sessionId = randomUUID();
      // Output is gathered for a few ms: a burst is one push, a keystroke's echo still comes at once.
      let pending = '';
      let timer: NodeJS.Timeout | undefined;
      const flush = () => {
        timer = undefined;
        if (pending) opts.emit?.({ type: 'exec.output', sessionId, data: pending });
        pending = '';
      };
      stream.onOutput((t) => {
        pending += t;
        timer ??= setTimeout(flush, 8);
      });
      stream.onEnd((end) => {
        if (timer) clearTimeout(timer);
        flush();
        sessions.delete(sessionId);
        opts.emit?.({ type: 'exec.output', sessionId, data: '', ended: true, ...end });
      });
      await stream.opened;
      sessions.set(sessionId, { stream, context });
      while (sessions.size > maxSessions) {
        const [oldest, s] = sessions.entries().next().value as [string, ExecSession];
        s.stream.close();
        sessions.delete(oldest);
      }
      return { sessionId, container: name };
    },

    async execInput({ sessionId, data }) {
      session(sessionId).stream.write(data);
      return ok;
    },

    async execResize({ sessionId, cols, rows }) {
      session(sessionId).stream.resize(cols, rows);
      return ok;
    },

    async execClose({ sessionId }) {
      sessions.get(sessionId)?.stream.close();
      sessions.delete(sessionId);
      return ok;
    },

    async clusterHealthDetails({ context }) {
      return clusterHealthDetails(await connect(context), opts.nodeExec ?? dockerNodeExec());
    },

    async drainNode({ context, node, force, timeoutSeconds }, ctx) {
      return drainNode(await connect(context), node, { force, timeoutSeconds }, ctx);
    },

    async controlPlaneHealth({ context }, ctx) {
      const conn = await connect(context);
      const checks: ControlPlaneHealth['checks'] = [];
      for (const path of ['/livez', '/readyz']) {
        const r = await rawRequest(conn, 'GET', `${path}?verbose`, { accept: '*/*', timeoutMs: 5000, signal: ctx.signal }).catch((e: Error) => ({ status: 0, body: e.message }));
        const failed = r.body.split('\n').filter((l) => l.startsWith('[-]'));
        checks.push({ path, ok: r.status === 200, detail: r.status === 200 ? `${r.body.split('\n').filter((l) => l.startsWith('[+]')).length} checks passed` : failed.join('\n') || `HTTP ${r.status}: ${r.body.trim().slice(0, 500)}` });
      }
      const version = await call<{ gitVersion?: string }>(conn, 'GET', '/version').then((v) => v.gitVersion).catch(() => undefined);
      // kubeadm's static pods carry tier=control-plane and component=<name>; a cluster without them (managed ones) shows none.
      const pods = await call<{ items: KubeObject[] }>(conn, 'GET', '/api/v1/namespaces/kube-system/pods?labelSelector=tier%3Dcontrol-plane').catch(() => ({ items: [] as KubeObject[] }));
      const staticPods = pods.items
        .map((p) => {
          const s = podStatus(p);
          return {
            node: String(p.spec?.nodeName ?? ''),
            component: p.metadata?.labels?.component ?? p.metadata?.name ?? '',
            pod: p.metadata?.name ?? '',
            status: s.text,
            tone: s.tone,
            restarts: podRestarts(p),
            image: ((p.spec?.containers ?? []) as { image?: string }[])[0]?.image,
          };
        })
        .sort((a, b) => a.node.localeCompare(b.node) || CONTROL_PLANE.indexOf(a.component) - CONTROL_PLANE.indexOf(b.component));
      return { checks, staticPods, ...(version ? { version } : {}) };
    },
  };
}
