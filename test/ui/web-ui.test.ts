// The GUI in web mode, in Debian's Chromium, against the real core
// (data directory and KUBECONFIG in a temp folder). What the core cannot do
// yet must show as "Not available yet", never as a crash or a blank screen.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createDefaultCore } from '../../src/core/index.js';
import type { ApiHandlers, OpName } from '../../src/shared/api.js';
import { createDispatcher } from '../../src/server/dispatch.js';
import { EventBus } from '../../src/core/events.js';
import { chromiumMissingReason, launchChromium, type LaunchedBrowser } from './browser.js';
import { axeViolations, isolateHome, serve, SHOTS } from './harness.js';
import type { WebServer } from '../../src/server/index.js';

const missing = chromiumMissingReason();
if (missing) console.warn(`\n[ui tier] SKIPPED: ${missing}\n`);

const SCREENS: { path: string; heading: string; file: string; ops: OpName[] }[] = [
  { path: '/clusters', heading: 'Clusters', file: 'clusters', ops: ['listClusters'] },
  { path: '/clusters/new', heading: 'Create cluster', file: 'create-cluster', ops: [] },
  { path: '/contexts', heading: 'Contexts', file: 'contexts', ops: ['listContexts'] },
  { path: '/forwards', heading: 'Port-forwards', file: 'forwards', ops: ['listForwards'] },
  { path: '/images', heading: 'Node images', file: 'node-images', ops: ['listNodeImages'] },
  { path: '/jobs', heading: 'Jobs', file: 'jobs', ops: [] },
  { path: '/doctor', heading: 'Doctor', file: 'doctor', ops: ['doctor'] },
  { path: '/settings', heading: 'Settings', file: 'settings', ops: [] },
];

describe.skipIf(!!missing)('web UI against the real core', () => {
  let env: ReturnType<typeof isolateHome>;
  let srv: WebServer;
  let origin: string;
  let core: ApiHandlers;
  let browser: LaunchedBrowser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    env = isolateHome();
    mkdirSync(SHOTS, { recursive: true });
    core = createDefaultCore();
    ({ srv, origin } = await serve(core));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    env?.restore();
  });

  async function open(path = '/clusters'): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(srv.url);
    await page.goto(`${origin}/#${path}`);
    return page;
  }

  /** What the real core answers, through the same dispatcher the server uses. */
  async function coreSays(op: OpName) {
    return createDispatcher({ core, bus: new EventBus() }).invoke(op, {});
  }

  it('refuses the page without the token and explains what to do', async () => {
    const page = await browser.context.newPage();
    const res = await page.goto(`${origin}/`);
    expect(res?.status()).toBe(401);
    await expect.poll(() => page.getByRole('heading', { name: 'Paddock needs its link' }).count()).toBe(1);
    const api = await page.evaluate(async () => (await fetch('/api/version', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    expect(api).toBe(401);
    await page.close();
  });

  it('loads with the token, moves it to a cookie and out of the address bar', async () => {
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(srv.url);
    expect(page.url()).not.toContain('token=');
    await page.getByRole('heading', { name: 'Clusters', level: 2 }).waitFor();
    const cookies = await browser.context.cookies(origin);
    expect(cookies.find((c) => c.name === `paddock_token_${new URL(origin).port}`)).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.close();
  });

  it('navigates every screen from the sidebar, light and dark, with screenshots', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await open('/clusters');
      await page.emulateMedia({ colorScheme: scheme });
      for (const s of SCREENS) {
        if (s.path === '/clusters/new') await page.getByRole('button', { name: 'Create cluster' }).first().click();
        else await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: s.heading }).click();
        await page.getByRole('heading', { name: s.heading, level: 2 }).waitFor();
        expect(new URL(page.url()).hash).toBe(`#${s.path}`);
        // Wait for what the core answers (the doctor's checks take a moment).
        await page.locator('main [role="status"]').first().waitFor({ state: 'detached', timeout: 60_000 });
        await page.waitForTimeout(150);
        await page.screenshot({ path: join(SHOTS, `${s.file}-${scheme}.png`), fullPage: true });
      }
      await page.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it('shows each list as the core answers it: data, empty state or a clear error', async () => {
    const page = await open('/clusters');
    for (const s of SCREENS.filter((x) => x.ops.length)) {
      await page.goto(`${origin}/#${s.path}`);
      await page.getByRole('heading', { name: s.heading, level: 2 }).waitFor();
      const env = await coreSays(s.ops[0]!);
      if ('error' in env) {
        const title = env.error.code === 'NOT_IMPLEMENTED' ? 'Not available yet' : env.error.code === 'DOCKER_UNREACHABLE' ? 'Docker is not running' : undefined;
        const alert = page.getByRole('alert').first();
        await alert.waitFor();
        if (title) expect(await alert.textContent()).toContain(title);
        expect((await alert.textContent())?.toLowerCase()).toContain(env.error.message.replace(/`/g, '').slice(1, 30).toLowerCase());
      } else {
        // Some content, never a blank main area.
        await expect.poll(async () => (await page.locator('main').innerText()).length).toBeGreaterThan(40);
      }
    }
    await page.close();
  });

  it('doctor shows the real checks (or what the core says instead)', async () => {
    const page = await open('/doctor');
    const env = await coreSays('doctor');
    if ('result' in env) {
      const checks = (env.result as { checks: { title: string }[] }).checks;
      for (const c of checks) await page.getByText(c.title, { exact: true }).first().waitFor();
    } else {
      await page.getByRole('alert').filter({ hasText: env.error.code === 'NOT_IMPLEMENTED' ? 'Not available yet' : '' }).first().waitFor();
    }
    await page.close();
  });

  it('theme toggle switches light ⇄ dark and remembers it', async () => {
    const page = await open('/settings');
    await page.emulateMedia({ colorScheme: 'light' });
    const scheme = () => page.evaluate(() => document.documentElement.getAttribute('data-mantine-color-scheme'));
    await expect.poll(scheme).toBe('light');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await expect.poll(scheme).toBe('dark');
    await page.reload();
    await expect.poll(scheme).toBe('dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    await expect.poll(scheme).toBe('light');
    await page.evaluate(() => localStorage.clear());
    await page.close();
  });

  it('has no serious or critical accessibility violation (axe-core) on any screen', async () => {
    const page = await open('/clusters');
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const s of SCREENS) {
        await page.goto(`${origin}/#${s.path}`);
        await page.getByRole('heading', { name: s.heading, level: 2 }).waitFor();
        await page.waitForLoadState('networkidle');
        for (const v of await axeViolations(page)) found.push(`${scheme} ${s.path}: ${v.id} (${v.impact}) ${v.help} ×${v.nodes}`);
      }
    }
    expect(found).toEqual([]);
    await page.close();
  });
});
