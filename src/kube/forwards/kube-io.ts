/**
 * The few API calls forwards and the proxy make, with the context's own
 * credentials (client-node's KubeConfig: certificates, tokens, exec plugins,
 * proxy-url, tls-server-name): JSON GETs, a streamed watch, a portforward
 * WebSocket (v4.channel.k8s.io), and the raw auth for the proxy.
 */
import http from 'node:http';
import https from 'node:https';
import WebSocket from 'ws';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { targetForContext, type ContextTarget } from '../client.js';
import { readKubeconfig } from '../contexts.js';

export interface ContextRef {
  context: string;
  /** The kubeconfig file the context came from, used when $KUBECONFIG no longer names it. */
  kubeconfig?: string;
}

/** The context from $KUBECONFIG's files, else from the file the forward remembers. */
export async function loadTarget(ref: ContextRef): Promise<ContextTarget> {
  const m = await readKubeconfig();
  if (m.contexts.has(ref.context) || !ref.kubeconfig) return targetForContext(m, ref.context);
  const alone = await readKubeconfig([ref.kubeconfig]).catch(() => undefined);
  if (alone?.contexts.has(ref.context)) return targetForContext(alone, ref.context);
  // Gone: say where it came from, so "context deleted" and "KUBECONFIG changed" read differently.
  const where = m.files.map((f) => f.path).join(', ');
  const fileGone = alone === undefined || alone.files.every((f) => !f.exists);
  throw new PaddockError(
    ErrorCodes.CONTEXT_NOT_FOUND,
    `context "${ref.context}" is gone: it was saved from ${ref.kubeconfig}, which ${fileGone ? 'no longer exists' : 'no longer has it'}, and it is not in ${where} either`,
    { remedy: 'recreate the context (or its cluster), or remove this forward and add it again with another --context' },
  );
}

export interface Auth {
  agent: http.Agent | undefined;
  headers: Record<string, string>;
}

/**
 * Credentials as request options. client-node's exec authenticator leaves
 * the plugin's env in process.env; its path to spawn() is synchronous, so
 * the variables are restored right after the call (as src/kube/client.ts does).
 */
export async function authFor(t: ContextTarget): Promise<Auth> {
  const saved = t.execEnv.map((k) => [k, process.env[k]] as const);
  let p: ReturnType<ContextTarget['kc']['applyToFetchOptions']>;
  try {
    p = t.kc.applyToFetchOptions({});
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  let opts: Awaited<typeof p>;
  try {
    opts = await p;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const what = t.execCommand && err.code === 'ENOENT' ? `the credential plugin "${t.execCommand}" is not installed or not on PATH` : `getting credentials failed: ${err.message}`;
    throw new PaddockError(ErrorCodes.KUBECONFIG_INVALID, what, { cause: e, remedy: 'check the user entry of this context with `kubectl config view`' });
  }
  const headers: Record<string, string> = {};
  (opts.headers as Headers | undefined)?.forEach((v, k) => (headers[k] = v));
  return { agent: opts.agent as http.Agent | undefined, headers };
}

export class ApiStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function apiMessage(status: number, body: string): string {
  try {
    const s = JSON.parse(body) as { message?: string };
    if (s.message) return `${s.message} (HTTP ${status})`;
  } catch {
    // not a Status object
  }
  return `HTTP ${status}`;
}

function request(t: ContextTarget, auth: Auth, path: string, opts: { timeoutMs?: number; signal?: AbortSignal }): Promise<http.IncomingMessage> {
  const url = new URL(t.server.replace(/\/+$/, '') + path);
  const lib = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: 'GET', headers: { ...auth.headers, Accept: 'application/json' }, agent: auth.agent, signal: opts.signal }, resolve);
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer from ${t.server} within ${opts.timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ECONNREFUSED' ? new Error(`${t.server} does not answer (ECONNREFUSED)`) : e));
    req.end();
  });
}

export async function getJson<T>(t: ContextTarget, auth: Auth, path: string, signal?: AbortSignal): Promise<T> {
  const res = await request(t, auth, path, { timeoutMs: 10_000, signal });
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) throw new ApiStatusError(res.statusCode ?? 0, apiMessage(res.statusCode ?? 0, body));
  return JSON.parse(body) as T;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** Streams watch events until the server ends the watch, the signal aborts, or the connection fails (rejects). */
export async function watch<T>(t: ContextTarget, auth: Auth, path: string, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
  const res = await request(t, auth, path, { signal });
  if ((res.statusCode ?? 0) !== 200) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    throw new ApiStatusError(res.statusCode ?? 0, apiMessage(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
  }
  let buf = '';
  res.setEncoding('utf8');
  try {
    for await (const chunk of res) {
      buf += chunk as string;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
      }
    }
  } catch (e) {
    if (signal.aborted) throw e;
    throw new Error(`lost the connection to ${t.server} (${(e as Error).message})`, { cause: e });
  }
}

/** One portforward stream pair to a pod port: channel 0 data, channel 1 errors. */
export function openPortForward(t: ContextTarget, auth: Auth, namespace: string, pod: string, port: number): WebSocket {
  const base = t.server.replace(/\/+$/, '').replace(/^http/, 'ws');
  const url = `${base}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward?ports=${port}`;
  return new WebSocket(url, ['v4.channel.k8s.io'], { agent: auth.agent, headers: auth.headers, perMessageDeflate: false, handshakeTimeout: 10_000 });
}
