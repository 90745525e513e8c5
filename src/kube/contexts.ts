/**
 * The context operations of the contract (list, use, rename, delete,
 * namespace), for every context of the kubeconfig, not only Paddock's.
 * Reads merge the files like kubectl; every write goes through
 * updateKubeconfig (lock, re-read, atomic write).
 */
import type { ApiHandlers, ContextInfo } from '../shared/api.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { clusterNameProblem } from '../shared/names.js';
import { kubeGet, KubeRequestError, probeContext, targetForContext, type ProbeResult } from './client.js';
import { contextFields, loadKubeconfig, type MergedKubeconfig } from './kubeconfig/load.js';
import { planDeleteContext, planRenameContext, planSetNamespace, planUseContext } from './kubeconfig/plan.js';
import { updateKubeconfig } from './kubeconfig/write.js';

const PADDOCK_PREFIX = 'paddock-';

/** The Paddock cluster a context name belongs to (`paddock-<cluster>`), if any. */
export function paddockClusterOf(contextName: string): string | undefined {
  if (!contextName.startsWith(PADDOCK_PREFIX)) return undefined;
  const name = contextName.slice(PADDOCK_PREFIX.length);
  return clusterNameProblem(name) === undefined ? name : undefined;
}

/** A read that does not hold the lock: tolerant like kubectl, retrying a half-written file. */
export function readKubeconfig(files?: string[]): Promise<MergedKubeconfig> {
  return loadKubeconfig({ files, mode: 'read', retries: 3 });
}

export function contextInfos(m: MergedKubeconfig): ContextInfo[] {
  return [...m.contexts.values()]
    .map((c) => {
      const f = contextFields(c.value);
      const server = f.cluster ? m.clusters.get(f.cluster)?.value.server : undefined;
      const info: ContextInfo = {
        name: c.name,
        current: c.name === m.currentContext,
        cluster: f.cluster ?? '',
        user: f.user ?? '',
        file: c.file,
      };
      if (f.namespace) info.namespace = f.namespace;
      if (typeof server === 'string' && server !== '') info.server = server;
      const paddock = paddockClusterOf(c.name);
      if (paddock) info.paddockCluster = paddock;
      return info;
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // kubectl get-contexts order
}

/** `context list --probe` answers within 3 s whatever the clusters do: each probe gets this long, all at once (the rest is margin for a loaded machine: 2.5 s went to 3.0 s at load 39 on 2 cores). */
export const PROBE_TIMEOUT_MS = 2000;

export interface ListOptions {
  /** Contact each cluster (in parallel, each at most timeoutMs, default PROBE_TIMEOUT_MS). */
  probe?: boolean;
  timeoutMs?: number;
  files?: string[];
  signal?: AbortSignal;
}

export interface ContextListing {
  contexts: (Omit<ContextInfo, 'probe'> & { probe?: ProbeResult })[];
  currentContext?: string;
}

/** Lists contexts; with probe, each carries `reachable` and the detailed probe result. */
export async function listContextInfos(opts: ListOptions = {}): Promise<ContextListing> {
  const m = await readKubeconfig(opts.files);
  const infos = contextInfos(m) as ContextListing['contexts']; // no probe field yet
  if (opts.probe) {
    await Promise.all(
      infos.map(async (info) => {
        info.probe = await probeContext(m, info.name, opts.timeoutMs ?? PROBE_TIMEOUT_MS, opts.signal);
        info.reachable = info.probe.reachable;
      }),
    );
  }
  return { contexts: infos, currentContext: m.currentContext };
}

const ok = { ok: true as const };

/** Namespaces of the context's cluster, sorted. A user who may not list them sees the context's own namespace. */
export async function listNamespacesOf(context: string, opts: { timeoutMs?: number; signal?: AbortSignal; files?: string[] } = {}): Promise<string[]> {
  const m = await readKubeconfig(opts.files);
  const t = await targetForContext(m, context);
  let res;
  try {
    res = await kubeGet(t, '/api/v1/namespaces', opts.timeoutMs ?? 10_000, opts.signal);
  } catch (e) {
    if (e instanceof KubeRequestError) {
      const code = e.kind === 'timeout' ? ErrorCodes.TIMEOUT : ErrorCodes.INTERNAL;
      const remedy =
        e.kind === 'auth-plugin'
          ? `install the credential plugin named in the user of context "${context}" (${t.execCommand ?? 'exec'}), or fix its path`
          : `check that the cluster of context "${context}" (${t.server}) is running; "paddock context list" shows which clusters answer`;
      throw new PaddockError(code, `cannot list namespaces of context "${context}": ${e.message}`, { remedy, cause: e });
    }
    throw e;
  }
  if (res.status === 403) return [t.namespace ?? 'default'];
  if (res.status === 401) {
    throw new PaddockError(ErrorCodes.INTERNAL, `the cluster of context "${context}" refused its credentials (HTTP 401)`, {
      remedy: 'the token or certificate has expired or is wrong; log in again or recreate the context',
    });
  }
  if (res.status < 200 || res.status >= 300) {
    throw new PaddockError(ErrorCodes.INTERNAL, `listing namespaces of context "${context}" failed: HTTP ${res.status}`, { output: res.body.slice(0, 2000) });
  }
  let list: { items?: { metadata?: { name?: unknown } }[] };
  try {
    list = JSON.parse(res.body) as typeof list;
  } catch {
    throw new PaddockError(ErrorCodes.INTERNAL, `the server of context "${context}" (${t.server}) did not answer with JSON: is it a Kubernetes API server?`, {
      output: res.body.slice(0, 2000),
    });
  }
  return (list.items ?? [])
    .map((i) => i.metadata?.name)
    .filter((n): n is string => typeof n === 'string')
    .sort();
}

type ContextOps = 'listContexts' | 'useContext' | 'renameContext' | 'deleteContext' | 'setContextNamespace' | 'listNamespaces';

/** The handlers the core wires into createCore(). */
export const contextHandlers: Pick<ApiHandlers, ContextOps> = {
  async listContexts({ probe }, ctx) {
    // Without probe only the files are read: no cluster is contacted.
    const { contexts, currentContext } = await listContextInfos({ probe, signal: ctx.signal });
    return {
      contexts: contexts.map(({ probe: p, ...info }) => {
        if (!p) return info;
        const out: ContextInfo = { ...info, probe: { state: p.state, ms: p.ms } };
        if (p.reason) out.probe!.reason = p.reason;
        if (p.version) out.probe!.version = p.version;
        return out;
      }),
      currentContext,
    };
  },
  async useContext({ name }) {
    await updateKubeconfig((m) => planUseContext(m, name));
    return ok;
  },
  async renameContext({ from, to }) {
    await updateKubeconfig((m) => planRenameContext(m, from, to));
    return ok;
  },
  async deleteContext({ name }) {
    await updateKubeconfig((m) => planDeleteContext(m, name));
    return ok;
  },
  async setContextNamespace({ context, namespace }) {
    await updateKubeconfig((m) => planSetNamespace(m, context, namespace));
    return ok;
  },
  async listNamespaces({ context }, ctx) {
    return { namespaces: await listNamespacesOf(context, { signal: ctx.signal }) };
  },
};
