// The contexts screen on the real context handlers (issue 13): a kubeconfig
// whose contexts point at small real servers that answer, refuse the token,
// refuse discovery to an anonymous user, hang, or are closed. The list shows
// at once from the files; each row's State fills in from the probe, with the
// server version and the reason. Screenshot: contexts-probe-light.png.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/index.js';
import { contextHandlers } from '../../src/kube/contexts.js';
import { closedPortUrl, json, startBlackhole, startHttpServer, type TestServer } from '../../src/kube/testing-servers.js';
import type { WebServer } from '../../src/server/index.js';
import { chromiumMissingReason, launchChromium, type LaunchedBrowser } from './browser.js';
import { isolateHome, serve, SHOTS } from './harness.js';

const missing = chromiumMissingReason();
if (missing) console.warn(`\n[ui tier] SKIPPED: ${missing}\n`);

describe.skipIf(!!missing)('contexts screen: probe states of every context', () => {
  let home: ReturnType<typeof isolateHome>;
  let srv: WebServer;
  let origin: string;
  let browser: LaunchedBrowser;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    home = isolateHome();
    const api = await startHttpServer((req, res) => {
      if (req.url === '/version') return json(res, 200, { gitVersion: 'v1.36.3' });
      if (!req.headers.authorization) return json(res, 403, { kind: 'Status', code: 403, message: 'forbidden: User "system:anonymous" cannot get path "/api"' });
      if (req.headers.authorization !== 'Bearer good') return json(res, 401, { kind: 'Status', code: 401, message: 'Unauthorized' });
      return json(res, 200, { kind: 'APIVersions', versions: ['v1'] });
    });
    const hole = await startBlackhole();
    servers.push(api, hole);
    const closed = await closedPortUrl();
    writeFileSync(
      process.env.KUBECONFIG!,
      `apiVersion: v1
kind: Config
clusters:
- {name: api, cluster: {server: '${api.url}'}}
- {name: hole, cluster: {server: '${hole.url}'}}
- {name: closed, cluster: {server: '${closed}'}}
users:
- {name: good, user: {token: good}}
- {name: bad, user: {token: bad}}
- {name: nobody, user: {}}
contexts:
- {name: team-ok, context: {cluster: api, user: good}}
- {name: team-expired, context: {cluster: api, user: bad}}
- {name: team-anonymous, context: {cluster: api, user: nobody}}
- {name: team-hung, context: {cluster: hole, user: good}}
- {name: team-down, context: {cluster: closed, user: good}}
current-context: team-ok
`,
    );
    ({ srv, origin } = await serve(createCore({ ...contextHandlers })));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    await Promise.all(servers.map((s) => s.close()));
    home?.restore();
  });

  it('each row shows its state, the version when the server answered, and why when it is not ok', async () => {
    const page = await browser.context.newPage();
    await page.goto(srv.url);
    await page.goto(`${origin}/#/contexts`);
    const table = page.getByRole('table', { name: 'Contexts' });
    await table.waitFor();
    const row = (name: string) => table.getByRole('row').filter({ hasText: name });
    const state = (name: string) => row(name).locator('[data-probe-state]').getAttribute('data-probe-state', { timeout: 10_000 });
    expect(await state('team-ok')).toBe('ok');
    expect(await row('team-ok').innerText()).toContain('v1.36.3');
    expect(await state('team-expired')).toBe('unauthorized');
    expect(await row('team-expired').innerText()).toContain('HTTP 401');
    expect(await state('team-anonymous')).toBe('forbidden');
    expect(await row('team-anonymous').innerText()).toContain('system:anonymous');
    expect(await state('team-down')).toBe('unreachable');
    expect(await row('team-down').innerText()).toContain('ECONNREFUSED');
    expect(await state('team-hung')).toBe('timeout');
    expect(await row('team-hung').innerText()).toMatch(/no answer from .* within \d+ ms/);
    await page.screenshot({ path: join(SHOTS, 'contexts-probe-light.png'), fullPage: true });
    await page.close();
  });
});
