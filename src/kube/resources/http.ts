/**
 * Requests with any verb against a context's API server, with the context's
 * own credentials (loadTarget/authFor from the forwards' kube-io). API errors
 * keep the server's own message, so the user reads what the API said.
 */
import http from 'node:http';
import https from 'node:https';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { ContextTarget } from '../client.js';
import { authFor, loadTarget, type Auth } from '../forwards/kube-io.js';

export interface Conn {
  t: ContextTarget;
  auth: Auth;
  context: string;
}

export async function connect(context: string): Promise<Conn> {
  const t = await loadTarget({ context });
  return { t, auth: await authFor(t), context };
}

export interface RawResponse {
  status: number;
  body: string;
}

export function rawRequest(
  c: Conn,
  method: string,
  path: string,
  opts: { body?: string; contentType?: string; accept?: string; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<RawResponse> {
  const url = new URL(c.t.server.replace(/\/+$/, '') + path);
  const lib = url.protocol === 'http:' ? http : https;
  const headers: Record<string, string> = { ...c.auth.headers, Accept: opts.accept ?? 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, agent: c.auth.agent, signal: opts.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new PaddockError(ErrorCodes.TIMEOUT, `no answer from ${c.t.server} (context "${c.context}") within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof PaddockError) return reject(e);
      reject(
        new PaddockError(ErrorCodes.INTERNAL, `the cluster of context "${c.context}" (${c.t.server}) does not answer: ${e.code ?? e.message}`, {
          remedy: 'check that the cluster is running; "paddock context list" shows which clusters answer',
          cause: e,
        }),
      );
    });
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** The API's Status message, as it is. */
export function apiMessage(r: RawResponse): string {
  try {
    const s = JSON.parse(r.body) as { message?: string };
    if (s.message) return s.message;
  } catch {
    // not a Status object
  }
  return r.body.trim().slice(0, 2000) || `HTTP ${r.status}`;
}

export class ApiError extends PaddockError {
  constructor(
    readonly status: number,
    message: string,
    remedy?: string,
  ) {
    super(status === 422 || status === 400 ? ErrorCodes.INVALID_CONFIG : ErrorCodes.INTERNAL, message, { remedy });
  }
}

function remedyFor(status: number, context: string): string | undefined {
  if (status === 401) return `the credentials of context "${context}" were refused; log in again or recreate the context`;
  if (status === 403) return `the user of context "${context}" may not do this; ask for a Role that allows it`;
  return undefined;
}

/** A JSON request that throws the API's own message on a non-2xx answer. */
export async function call<T>(c: Conn, method: string, path: string, opts: { body?: unknown; contentType?: string; signal?: AbortSignal } = {}): Promise<T> {
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const r = await rawRequest(c, method, path, { body, contentType: opts.contentType, signal: opts.signal });
  if (r.status < 200 || r.status >= 300) throw new ApiError(r.status, `${apiMessage(r)} (HTTP ${r.status})`, remedyFor(r.status, c.context));
  return (r.body ? JSON.parse(r.body) : {}) as T;
}

/** A streamed GET (log follow): chunks as they come, until the server ends it or the signal aborts. */
export function streamGet(c: Conn, path: string, onChunk: (text: string) => void, signal: AbortSignal): Promise<void> {
  const url = new URL(c.t.server.replace(/\/+$/, '') + path);
  const lib = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: 'GET', headers: { ...c.auth.headers, Accept: '*/*' }, agent: c.auth.agent, signal }, (res) => {
      res.setEncoding('utf8');
      if ((res.statusCode ?? 0) !== 200) {
        let body = '';
        res.on('data', (b: string) => (body += b));
        res.on('end', () => reject(new ApiError(res.statusCode ?? 0, `${apiMessage({ status: res.statusCode ?? 0, body })} (HTTP ${res.statusCode})`)));
        return;
      }
      res.on('data', (b: string) => onChunk(b));
      res.on('end', () => resolve());
      res.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
    });
    req.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
    req.end();
  });
}
