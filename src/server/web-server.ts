/**
 * Web mode (`paddock ui --web`): the renderer and the contract over HTTP +
 * WebSocket on 127.0.0.1. Every request needs the random token (opened once
 * as ?token=…, then an HttpOnly SameSite=Strict cookie), a loopback Host
 * header (no DNS rebinding) and, for POST and WebSocket, our own Origin.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiHandlers, PushEvent } from '../shared/api.js';
import type { EventBus } from '../core/events.js';
import { createDispatcher, type Dispatcher, type Envelope } from './dispatch.js';
import { allowedHosts, hostAllowed, originAllowed, presentedToken, tokenCookieName, tokensEqual } from './guards.js';
import { defaultRendererDir, readStatic } from './static-files.js';

export interface WebServerOptions {
  core: ApiHandlers;
  bus: EventBus;
  host?: string;
  port?: number;
  /** Folder of the built renderer; defaults to dist/renderer of this package. */
  rendererDir?: string;
  /** Fixed token (tests); random otherwise. */
  token?: string;
  /** Share one dispatcher (and its job history) with another face. */
  dispatcher?: Dispatcher;
}

export interface WebServer {
  /** The URL to open, token included. */
  url: string;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const MAX_WS_BUFFER = 8 * 1024 * 1024;

const STATUS_BY_CODE: Record<string, number> = {
  USAGE: 400,
  INVALID_NAME: 400,
  INVALID_CONFIG: 400,
  CLUSTER_NOT_FOUND: 404,
  CONTEXT_NOT_FOUND: 404,
  FORBIDDEN: 403,
  IMAGE_MISSING: 404,
  CLUSTER_EXISTS: 409,
  CLUSTER_BUSY: 409,
  PORT_IN_USE: 409,
  NOT_IMPLEMENTED: 501,
  DOCKER_UNREACHABLE: 503,
};

export function statusFor(env: Envelope): number {
  if ('result' in env) return 200;
  return STATUS_BY_CODE[env.error.code] ?? 500;
}

export function contentSecurityPolicy(host: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Mantine writes its CSS variables in a <style> element.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self' ws://${host}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...extra,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

function sendDenied(res: ServerResponse, status: number, code: string, message: string, remedy?: string): void {
  sendJson(res, status, { error: { code, message, ...(remedy ? { remedy } : {}) } });
}

const NEEDS_TOKEN_HTML = `<!doctype html><meta charset="utf-8"><title>Paddock</title>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;line-height:1.5">
<h1>Paddock needs its link</h1>
<p>This address only answers the link that <code>paddock ui --web</code> printed, which carries a secret token.
Open that link again, or run <code>paddock ui --web</code> to get a new one.</p></body>`;

const NOT_BUILT_HTML = `<!doctype html><meta charset="utf-8"><title>Paddock</title>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;line-height:1.5">
<h1>The Paddock GUI is not built</h1><p>Run <code>npm run build</code> in Paddock's folder, then reload this page.</p></body>`;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const rendererDir = opts.rendererDir ?? defaultRendererDir();
  const dispatcher = opts.dispatcher ?? createDispatcher({ core: opts.core, bus: opts.bus });
  let hosts = new Set<string>();
  let cookieName = tokenCookieName(0);

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendDenied(res, 500, 'INTERNAL', 'Paddock could not answer this request');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, hosts)) {
      return sendDenied(res, 403, 'FORBIDDEN_HOST', 'Paddock answers only to 127.0.0.1 and localhost');
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const presented = presentedToken(req.headers, url, cookieName);
    if (!tokensEqual(presented, token)) {
      if (req.method === 'GET' && !url.pathname.startsWith('/api/')) return send(res, 401, NEEDS_TOKEN_HTML, 'text/html; charset=utf-8');
      return sendDenied(res, 401, 'UNAUTHORIZED', 'Missing or wrong Paddock token', 'Open the URL printed by `paddock ui --web`');
    }
    if (url.pathname.startsWith('/api/')) return handleApi(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendDenied(res, 405, 'METHOD', 'Method not allowed');
    // First visit with ?token=: keep it in a cookie and drop it from the address bar.
    if (url.searchParams.has('token')) {
      url.searchParams.delete('token');
      const clean = url.pathname + (url.search === '?' ? '' : url.search);
      return send(res, 303, '', 'text/plain', {
        location: clean,
        'set-cookie': `${cookieName}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`,
      });
    }
    const file = await readStatic(rendererDir, url.pathname);
    if (!file) {
      if (url.pathname === '/' || url.pathname === '/index.html') return send(res, 503, NOT_BUILT_HTML, 'text/html; charset=utf-8');
      return sendDenied(res, 404, 'NOT_FOUND', 'Not found');
    }
    const extra: Record<string, string> = {};
    if (file.type.startsWith('text/html')) extra['content-security-policy'] = contentSecurityPolicy(req.headers.host ?? host);
    return send(res, 200, req.method === 'HEAD' ? '' : file.body, file.type, extra);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return sendDenied(res, 405, 'METHOD', 'Use POST for /api/<operation>');
    if (!originAllowed(req.headers.origin, hosts)) return sendDenied(res, 403, 'FORBIDDEN_ORIGIN', 'Cross-origin requests are refused');
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      return sendDenied(res, 415, 'USAGE', 'Send the input as application/json');
    }
    const op = url.pathname.slice('/api/'.length);
    let input: unknown;
    try {
      const text = await readBody(req);
      input = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return sendDenied(res, 400, 'USAGE', 'The request body is not JSON (or is over 1 MiB)');
    }
    const opIdHeader = req.headers['x-paddock-op-id'];
    const env = await dispatcher.invoke(op, input, { opId: typeof opIdHeader === 'string' ? opIdHeader : undefined });
    const unknown = 'error' in env && env.error.message.startsWith('Unknown operation');
    return sendJson(res, unknown ? 404 : statusFor(env), env);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!hostAllowed(req.headers.host, hosts)) return reject(403, 'Forbidden');
    if (!originAllowed(req.headers.origin, hosts)) return reject(403, 'Forbidden');
    if (!tokensEqual(presentedToken(req.headers, url, cookieName), token)) return reject(401, 'Unauthorized');
    if (url.pathname !== '/api/events') return reject(404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const sendEvent = (e: PushEvent) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_WS_BUFFER) return ws.terminate();
      ws.send(JSON.stringify(e));
    };
    for (const e of dispatcher.jobs.replay()) sendEvent(e);
    const dispose = opts.bus.subscribe(sendEvent);
    let alive = true;
    ws.on('pong', () => (alive = true));
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, 30_000);
    ping.unref();
    ws.on('message', () => {
      // The socket is push-only; calls go through POST /api/<op>.
    });
    ws.on('close', () => {
      clearInterval(ping);
      dispose();
    });
  }

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, port);
  cookieName = tokenCookieName(port);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    token,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
