// Real HTTP and WebSocket round trips against startWebServer (no http mocks).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCore } from '../core/index.js';
import { EventBus } from '../core/events.js';
import { opNames, type PushEvent } from '../shared/api.js';
import { Progress } from '../shared/progress.js';
import { startWebServer, type WebServer } from './web-server.js';
import { resolveStatic } from './static-files.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(base: URL, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: base.hostname, port: base.port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('web mode server', () => {
  let srv: WebServer;
  let base: URL;
  const bus = new EventBus();
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const root = mkdtempSync(join(tmpdir(), 'paddock-web-'));
  const dir = join(root, 'renderer');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Paddock</title><div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'no');

  const core = createCore({
    getCluster: async ({ name }) => ({ name, status: 'running', context: `paddock-${name}`, nodes: [] }),
    createCluster: async (input, ctx) => {
      const p = new Progress(ctx.opId, ctx.progress);
      await p.step('containers', 'Create node containers', async () => {
        p.log('docker run …');
        await gate;
      });
      return { name: input.name, status: 'running', context: `paddock-${input.name}`, nodes: [] };
    },
  });

  beforeAll(async () => {
    srv = await startWebServer({ core, bus, rendererDir: dir });
    base = new URL(srv.url);
  });
  afterAll(async () => {
    await srv.close();
    rmSync(root, { recursive: true, force: true });
  });

  const auth = () => ({ 'x-paddock-token': srv.token, 'content-type': 'application/json', host: base.host });
  const ownOrigin = () => `http://${base.host}`;

  it('listens on 127.0.0.1 with a long random token in the URL', () => {
    expect(base.hostname).toBe('127.0.0.1');
    expect(srv.token.length).toBeGreaterThanOrEqual(40);
    expect(base.searchParams.get('token')).toBe(srv.token);
  });

  it('refuses the page and the API without the token', async () => {
    const page = await call(base, '/');
    expect(page.status).toBe(401);
    expect(page.body).toContain('paddock ui --web');
    const api = await call(base, '/api/version', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body).error.code).toBe('UNAUTHORIZED');
    const wrong = await call(base, '/api/version', { method: 'POST', headers: { ...auth(), 'x-paddock-token': 'x'.repeat(43) }, body: '{}' });
    expect(wrong.status).toBe(401);
  });

  it('trades ?token= for an HttpOnly SameSite=Strict cookie and serves the renderer with a CSP', async () => {
    const first = await call(base, `/?token=${srv.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await call(base, '/', { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    const js = await call(base, '/assets/app.js', { headers: { cookie: cookie.split(';')[0]! } });
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  it('never serves files outside the renderer folder', async () => {
    const r = await call(base, '/..%2fsecret.txt', { headers: auth() });
    expect(r.status).toBe(404);
    expect(resolveStatic(dir, '/../secret.txt')).toBeUndefined();
    expect(resolveStatic(dir, '/%2e%2e/secret.txt')).toBeUndefined();
  });

  it('refuses foreign Host headers (DNS rebinding)', async () => {
    const r = await call(base, '/api/version', { method: 'POST', headers: { ...auth(), host: `evil.example:${base.port}` }, body: '{}' });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.code).toBe('FORBIDDEN_HOST');
  });

  it('refuses POSTs from a foreign Origin and non-JSON bodies', async () => {
    const r = await call(base, '/api/version', { method: 'POST', headers: { ...auth(), origin: 'http://evil.example' }, body: '{}' });
    expect(r.status).toBe(403);
    const form = await call(base, '/api/version', { method: 'POST', headers: { ...auth(), 'content-type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(415);
    const get = await call(base, '/api/version', { headers: auth() });
    expect(get.status).toBe(405);
  });

  it('answers the contract: {result}, 400 with zod issues, 404 for unknown ops, 501 for NOT_IMPLEMENTED', async () => {
    const ok = await call(base, '/api/getCluster', { method: 'POST', headers: { ...auth(), origin: ownOrigin() }, body: '{"name":"dev"}' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ result: { name: 'dev', status: 'running', context: 'paddock-dev', nodes: [] } });

    const bad = await call(base, '/api/getCluster', { method: 'POST', headers: auth(), body: '{"name":"Bad Name"}' });
    expect(bad.status).toBe(400);
    const badBody = JSON.parse(bad.body);
    expect(badBody.error.code).toBe('USAGE');
    expect(badBody.issues[0].path).toBe('name');

    const notJson = await call(base, '/api/getCluster', { method: 'POST', headers: auth(), body: '{nope' });
    expect(notJson.status).toBe(400);

    const unknown = await call(base, '/api/rmRf', { method: 'POST', headers: auth(), body: '{}' });
    expect(unknown.status).toBe(404);

    const na = await call(base, '/api/listClusters', { method: 'POST', headers: auth(), body: '{}' });
    expect(na.status).toBe(501);
    expect(JSON.parse(na.body).error).toMatchObject({ code: 'NOT_IMPLEMENTED' });
  });

  it('answers 400 with issues for a wrong payload on every operation of the contract', async () => {
    for (const op of opNames) {
      const r = await call(base, `/api/${op}`, { method: 'POST', headers: auth(), body: '42' });
      expect(r.status, op).toBe(400);
      expect(JSON.parse(r.body).issues.length, op).toBeGreaterThan(0);
    }
  });

  it('refuses WebSockets without the token or from a foreign Origin', async () => {
    const wsUrl = `ws://${base.host}/api/events`;
    const status = (url: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => (ws.close(), resolve(101)));
        ws.on('error', () => resolve(-1));
      });
    expect(await status(wsUrl)).toBe(401);
    expect(await status(`${wsUrl}?token=${srv.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await status(`${wsUrl}?token=${srv.token}`, { origin: ownOrigin() })).toBe(101);
  });

  it('streams a job over the WebSocket keyed by the caller opId, and replays it to late subscribers', async () => {
    const ws = new WebSocket(`ws://${base.host}/api/events?token=${srv.token}`, { headers: { origin: ownOrigin() } });
    const got: PushEvent[] = [];
    ws.on('message', (m) => got.push(JSON.parse(String(m)) as PushEvent));
    await new Promise((r) => ws.on('open', r));
    const pending = call(base, '/api/createCluster', { method: 'POST', headers: { ...auth(), 'x-paddock-op-id': 'web-op-1' }, body: '{"name":"dev"}' });
    await expect.poll(() => got.some((e) => e.type === 'progress' && e.event.type === 'log')).toBe(true);

    // A second window opening mid-job sees the job and its steps so far.
    const late = new WebSocket(`ws://${base.host}/api/events`, { headers: { origin: ownOrigin(), cookie: `paddock_token_${base.port}=${srv.token}` } });
    const lateGot: PushEvent[] = [];
    late.on('message', (m) => lateGot.push(JSON.parse(String(m)) as PushEvent));
    await expect.poll(() => lateGot.length).toBeGreaterThanOrEqual(3);
    expect(lateGot[0]).toMatchObject({ type: 'job.changed', job: { opId: 'web-op-1', state: 'running', title: 'Create cluster dev' } });

    release();
    const r = await pending;
    expect(r.status).toBe(200);
    await expect.poll(() => got.some((e) => e.type === 'job.changed' && e.job.state === 'succeeded')).toBe(true);
    const kinds = got.map((e) => (e.type === 'progress' ? e.event.type : e.type === 'job.changed' ? `job:${e.job.state}` : e.type));
    expect(kinds).toEqual(['job:running', 'step-start', 'log', 'step-end', 'job:succeeded']);
    expect(got.filter((e) => e.type === 'progress').every((e) => e.type === 'progress' && e.event.opId === 'web-op-1')).toBe(true);

    bus.emit({ type: 'clusters.changed' });
    await expect.poll(() => got.at(-1)?.type).toBe('clusters.changed');
    ws.close();
    late.close();
  });
});
