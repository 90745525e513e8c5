/**
 * Talking to the API server of any kubeconfig context, authenticated by the
 * official client (@kubernetes/client-node: client certificates, bearer
 * tokens and token files, exec credential plugins, auth-provider tokens,
 * proxy-url, tls-server-name). Requests are Paddock's own so that each one
 * has a hard deadline and is really cancelled when it passes.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { k8sLib } from './k8s-lib.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { isMapping, type Located, type MergedKubeconfig } from './kubeconfig/load.js';
import { contextNotFound } from './kubeconfig/plan.js';

/** client-go resolves these relative to the file that holds the entry. */
const CLUSTER_PATHS = ['certificate-authority'];
const USER_PATHS = ['client-certificate', 'client-key', 'tokenFile'];

function resolvePaths(body: Record<string, unknown>, keys: string[], file: string): Record<string, unknown> {
  const out = structuredClone(body);
  const dir = path.dirname(path.resolve(file));
  for (const k of keys) {
    const v = out[k];
    if (typeof v === 'string' && v !== '' && !path.isAbsolute(v)) out[k] = path.join(dir, v);
  }
  // An exec command with a path separator is relative to the file too; a bare name is looked up on PATH.
  if (isMapping(out.exec) && typeof out.exec.command === 'string') {
    const c = out.exec.command;
    if ((c.includes('/') || c.includes(path.sep)) && !path.isAbsolute(c)) out.exec = { ...out.exec, command: path.join(dir, c) };
  }
  return out;
}

export interface ContextTarget {
  kc: KubeConfig;
  context: Located;
  server: string;
  namespace?: string;
  /** The exec credential plugin, for error messages. */
  execCommand?: string;
  /** Variables the exec plugin's `env` sets. */
  execEnv: string[];
}

/** A KubeConfig holding just this context, its cluster and its user, each from the file that holds it. */
export async function targetForContext(m: MergedKubeconfig, name: string): Promise<ContextTarget> {
  const context = m.contexts.get(name);
  if (!context) throw contextNotFound(name, m);
  const clusterName = typeof context.value.cluster === 'string' ? context.value.cluster : '';
  const userName = typeof context.value.user === 'string' ? context.value.user : '';
  const cluster = m.clusters.get(clusterName);
  if (!cluster || typeof cluster.value.server !== 'string' || cluster.value.server === '') {
    throw new PaddockError(ErrorCodes.KUBECONFIG_INVALID, `context "${name}" (in ${context.file}) refers to cluster "${clusterName}", which ${cluster ? 'has no server' : 'is in no kubeconfig file'}`, {
      remedy: `fix the context with "kubectl config set-context ${name} --cluster=…" or delete it`,
    });
  }
  const server = cluster.value.server as string;
  const clusterBody = resolvePaths(cluster.value, CLUSTER_PATHS, cluster.file);
  // client-node refuses plain http unless TLS checks are off; there is no TLS on http anyway.
  if (server.startsWith('http:')) clusterBody['insecure-skip-tls-verify'] = true;
  const user = m.users.get(userName);
  const userBody = user ? resolvePaths(user.value, USER_PATHS, user.file) : {};
  // kubectl's `tokenFile` (client-node only knows a `token-file` key and keeps
  // the trailing newline): read it here, trimmed; like client-go it wins over `token`.
  if (typeof userBody.tokenFile === 'string' && userBody.tokenFile !== '') {
    try {
      userBody.token = readFileSync(userBody.tokenFile, 'utf8').trim();
    } catch (e) {
      throw new PaddockError(ErrorCodes.KUBECONFIG_INVALID, `the token file ${userBody.tokenFile} of user "${userName}" (in ${user?.file}) cannot be read: ${(e as NodeJS.ErrnoException).code ?? e}`, {
        remedy: 'fix the tokenFile path in that user entry, or log in again to recreate it',
      });
    }
    delete userBody.tokenFile;
  }
  const namespace = typeof context.value.namespace === 'string' && context.value.namespace !== '' ? context.value.namespace : undefined;
  const kc = new (await k8sLib()).KubeConfig();
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: clusterBody }],
    users: [{ name: userName || 'anonymous', user: userBody }],
    contexts: [{ name, context: { cluster: 'c', user: userName || 'anonymous', ...(namespace ? { namespace } : {}) } }],
    'current-context': name,
  };
  try {
    kc.loadFromString(JSON.stringify(doc));
  } catch (e) {
    throw new PaddockError(ErrorCodes.KUBECONFIG_INVALID, `context "${name}" cannot be used: ${(e as Error).message}`, { cause: e });
  }
  const exec = isMapping(userBody.exec) ? userBody.exec : undefined;
  const execEnv = Array.isArray(exec?.env) ? exec.env.filter(isMapping).map((e) => String(e.name)) : [];
  return { kc, context, server, namespace, execCommand: typeof exec?.command === 'string' ? exec.command : undefined, execEnv };
}

/**
 * client-node's exec authenticator writes the plugin's `env` into
 * process.env (and never removes it); in a long-lived app that leaks one
 * context's AWS_PROFILE into the next plugin. Its path from
 * applyToFetchOptions() to spawn() has no await, so the variables are put
 * back right after that synchronous part: the plugin got them, nothing else
 * sees them, and plugins never wait for each other. (The exec test fails if
 * a client-node upgrade adds an await on that path.)
 */
function withRestoredEnv<T>(names: string[], fn: () => Promise<T>): Promise<T> {
  if (names.length === 0) return fn();
  const saved = names.map((k) => [k, process.env[k]] as const);
  try {
    return fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export interface KubeResponse {
  status: number;
  body: string;
}

export type FailureKind = 'timeout' | 'unreachable' | 'tls' | 'auth-plugin';

export class KubeRequestError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function describeNetworkError(e: NodeJS.ErrnoException, server: string): KubeRequestError {
  const code = e.code ?? '';
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code + e.message)) {
    return new KubeRequestError('tls', `TLS with ${server} failed: ${e.message}`, { cause: e });
  }
  return new KubeRequestError('unreachable', `${server} does not answer (${code || e.message})`, { cause: e });
}

/** GET `apiPath` with the context's credentials; any HTTP status resolves, network failures reject. */
export async function kubeGet(t: ContextTarget, apiPath: string, timeoutMs: number, signal?: AbortSignal): Promise<KubeResponse> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const onAbort = () => ac.abort();
  signal?.addEventListener('abort', onAbort);
  try {
    const auth = withRestoredEnv(t.execEnv, () => t.kc.applyToFetchOptions({}));
    auth.catch(() => undefined); // a plugin that fails after the deadline must not crash the app
    const timedOut = new Promise<never>((_, reject) =>
      ac.signal.addEventListener('abort', () => reject(new KubeRequestError('timeout', `no answer from ${t.server} within ${timeoutMs} ms`)), { once: true }),
    );
    timedOut.catch(() => undefined);
    let opts: Awaited<ReturnType<KubeConfig['applyToFetchOptions']>>;
    try {
      opts = await Promise.race([auth, timedOut]);
    } catch (e) {
      if (e instanceof KubeRequestError) throw e;
      const err = e as NodeJS.ErrnoException;
      const what = t.execCommand && err.code === 'ENOENT' ? `the credential plugin "${t.execCommand}" is not installed or not on PATH` : `getting credentials failed: ${err.message}`;
      throw new KubeRequestError('auth-plugin', what, { cause: e });
    }
    const headers: Record<string, string> = {};
    (opts.headers as Headers | undefined)?.forEach((v, k) => (headers[k] = v));
    const url = new URL(t.server.replace(/\/+$/, '') + apiPath);
    const lib = url.protocol === 'http:' ? http : https;
    return await new Promise<KubeResponse>((resolve, reject) => {
      const req = lib.request(url, { method: 'GET', headers: { ...headers, Accept: 'application/json' }, agent: opts.agent as http.Agent, signal: ac.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (ac.signal.aborted) reject(new KubeRequestError('timeout', `no answer from ${t.server} within ${timeoutMs} ms`));
        else reject(describeNetworkError(e, t.server));
      });
      req.end();
    });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

export type ProbeState = 'ok' | 'unauthorized' | 'forbidden' | 'error' | 'unreachable' | 'timeout';

export interface ProbeResult {
  state: ProbeState;
  /** The server gave an HTTP answer, whatever it was (401/403 included). */
  reachable: boolean;
  status?: number;
  /** gitVersion from /version. */
  version?: string;
  reason?: string;
  ms: number;
}

/**
 * One quick look with the context's own credentials: /version (the server
 * version; readable even anonymously) and /api (discovery, which every
 * authenticated user may read) in parallel, so a 401 or 403 is the
 * credentials' verdict, not /version's. Never throws.
 */
export async function probeContext(m: MergedKubeconfig, name: string, timeoutMs = 1500, signal?: AbortSignal): Promise<ProbeResult> {
  const started = Date.now();
  const done = (r: Omit<ProbeResult, 'ms'>): ProbeResult => ({ ...r, ms: Date.now() - started });
  try {
    const t = await targetForContext(m, name);
    const [ver, api] = await Promise.all([kubeGet(t, '/version', timeoutMs, signal), kubeGet(t, '/api', timeoutMs, signal)]);
    let version: string | undefined;
    try {
      const v = JSON.parse(ver.body) as { gitVersion?: unknown };
      if (ver.status === 200 && typeof v.gitVersion === 'string') version = v.gitVersion;
    } catch {
      // An answer that is not JSON is still an answer.
    }
    const withVersion = version ? { version } : {};
    const status = api.status === 401 || ver.status === 401 ? 401 : api.status;
    if (status === 401) return done({ state: 'unauthorized', reachable: true, status, reason: `the server refused the credentials of user "${t.context.value.user ?? ''}" (HTTP 401): expired or wrong token or certificate`, ...withVersion });
    if (status === 403) return done({ state: 'forbidden', reachable: true, status, reason: `the user may not even read API discovery (HTTP 403): ${apiStatusMessage(api.body) ?? 'no RBAC rule allows it'}`, ...withVersion });
    if (status < 200 || status >= 300) return done({ state: 'error', reachable: true, status, reason: `HTTP ${status}${apiStatusMessage(api.body) ? `: ${apiStatusMessage(api.body)}` : ''}`, ...withVersion });
    return done({ state: 'ok', reachable: true, status, ...withVersion });
  } catch (e) {
    if (e instanceof KubeRequestError) {
      const state: ProbeState = e.kind === 'timeout' ? 'timeout' : e.kind === 'unreachable' ? 'unreachable' : 'error';
      return done({ state, reachable: false, reason: e.message });
    }
    return done({ state: 'error', reachable: false, reason: e instanceof Error ? e.message : String(e) });
  }
}

function apiStatusMessage(body: string): string | undefined {
  try {
    const m = (JSON.parse(body) as { message?: unknown }).message;
    return typeof m === 'string' && m !== '' ? m : undefined;
  } catch {
    return undefined;
  }
}
