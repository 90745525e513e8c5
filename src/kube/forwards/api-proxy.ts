/**
 * `paddock proxy`: like kubectl proxy, the API of one context on a local
 * port, without credentials (the proxy adds the context's own). Guards:
 * the Host header must name this machine's loopback (or the bound address)
 * so DNS rebinding cannot reach it, a cross-site Origin is refused (kubectl
 * lets those through), and pods' exec/attach are refused as kubectl does.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { portInUse } from './manager.js';
import { authFor, loadTarget, type Auth, type ContextRef } from './kube-io.js';
import type { ContextTarget } from '../client.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const REJECT_PATHS = [/^\/api\/.*\/pods\/.*\/exec/, /^\/api\/.*\/pods\/.*\/attach/];
/** Hop-by-hop headers and the caller's own credentials never go upstream. */
const DROP_HEADERS = new Set(['host', 'authorization', 'cookie', 'connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'upgrade']);
const AUTH_TTL_MS = 30_000;

/** The host name of a Host header value ("127.0.0.1:8001", "[::1]:8001", "localhost"). */
export function hostOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const i = h.lastIndexOf(':');
  return (i >= 0 ? h.slice(0, i) : h).replace(/\.$/, '');
}

/** Why a request must be refused, or undefined to let it through. Pure, for tests. */
export function refusal(req: { host?: string; origin?: string; url: string }, boundAddress: string): string | undefined {
  if (!req.host) return 'no Host header';
  const host = hostOf(req.host);
  const allowed = (h: string) => LOOPBACK_NAMES.has(h) || (h === boundAddress && boundAddress !== '0.0.0.0' && boundAddress !== '::');
  if (!allowed(host)) return `Host "${req.host}" is not this proxy's (DNS rebinding guard)`;
  if (req.origin && req.origin !== 'null') {
    let oh = '';
    try {
      oh = new URL(req.origin).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return `Origin "${req.origin}" is not a URL`;
    }
    if (!allowed(oh)) return `cross-site request from ${req.origin}`;
  }
  const path = req.url.split('?')[0] ?? '';
  if (REJECT_PATHS.some((r) => r.test(path))) return 'exec and attach are not served by the proxy';
  return undefined;
}

export interface ApiProxy {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startApiProxy(opts: ContextRef & { address?: string; port?: number }): Promise<ApiProxy> {
  const address = opts.address ?? '127.0.0.1';
  let cached: { t: ContextTarget; auth: Auth; at: number } | undefined;
  const credentials = async () => {
    if (cached && Date.now() - cached.at < AUTH_TTL_MS) return cached;
    const t = await loadTarget(opts);
    cached = { t, auth: await authFor(t), at: Date.now() };
    return cached;
  };
  await credentials(); // a context that does not exist fails now, not at the first request
  const server = http.createServer((req, res) => {
    const why = refusal({ host: req.headers.host, origin: req.headers.origin, url: req.url ?? '/' }, address);
    if (why) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`Forbidden: ${why}\n`);
      return;
    }
    credentials().then(
      ({ t, auth }) => {
        const url = new URL(t.server.replace(/\/+$/, '') + (req.url ?? '/'));
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !DROP_HEADERS.has(k)) headers[k] = v;
        Object.assign(headers, auth.headers);
        const lib = url.protocol === 'http:' ? http : https;
        const up = lib.request(url, { method: req.method, headers, agent: auth.agent }, (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        });
        up.on('error', (e) => {
          cached = undefined;
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`Bad gateway: ${t.server}: ${e.message}\n`);
        });
        res.on('close', () => up.destroy());
        req.pipe(up);
      },
      (e: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`Bad gateway: ${(e as Error).message}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: opts.port ?? 8001, host: address, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') throw await portInUse(address, opts.port ?? 8001, `proxy for ${opts.context}`);
    throw new PaddockError(ErrorCodes.INTERNAL, `the proxy cannot listen on ${address}:${opts.port}: ${e.message}`, { cause: e });
  });
  const port = (server.address() as net.AddressInfo).port;
  const hostPart = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${hostPart}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
