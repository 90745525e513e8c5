// The screens full of data (scripted core handlers, see fixtures.ts) through
// the real server, transport and renderer: layouts, live updates, the create
// wizard's progress view, confirmations. Screenshots: sample-*.png.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { EventBus } from '../../src/core/events.js';
import type { WebServer } from '../../src/server/index.js';
import { chromiumMissingReason, launchChromium, type LaunchedBrowser } from './browser.js';
import { fixture, type Fixture } from './fixtures.js';
import { axeViolations, serve, SHOTS } from './harness.js';

const missing = chromiumMissingReason();
if (missing) console.warn(`\n[ui tier] SKIPPED: ${missing}\n`);

describe.skipIf(!!missing)('screens with data', () => {
  let fx: Fixture;
  let srv: WebServer;
  let bus: EventBus;
  let origin: string;
  let browser: LaunchedBrowser;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    fx = fixture();
    ({ srv, bus, origin } = await serve(fx.core));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  async function open(path: string, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(srv.url);
    await page.goto(`${origin}/#${path}`);
    return page;
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `sample-${name}.png`), fullPage: true });

  it('lists clusters with status, versions, nodes, API address and the actions each status allows', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await open('/clusters', scheme);
      const table = page.getByRole('table', { name: 'Clusters' });
      await table.waitFor();
      const rows = table.getByRole('row');
      expect(await rows.count()).toBe(4);
      const dev = rows.filter({ hasText: 'paddock-dev' });
      expect(await dev.innerText()).toMatch(/running[\s\S]*v1\.34\.1[\s\S]*1 control plane, 2 workers[\s\S]*https:\/\/127\.0\.0\.1:41234/i);
      expect(await dev.getByRole('button', { name: 'Stop dev' }).count()).toBe(1);
      expect(await rows.filter({ hasText: 'paddock-ha' }).getByRole('button', { name: 'Start ha' }).count()).toBe(1);
      await shot(page, `clusters-${scheme}`);
      await page.close();
    }
  });

  it('updates live on push events, without reloading', async () => {
    const page = await open('/clusters');
    await page.getByRole('table', { name: 'Clusters' }).waitFor();
    fx.clusters.push({ name: 'pushed', status: 'running', context: 'paddock-pushed', nodes: [] });
    bus.emit({ type: 'clusters.changed' });
    await page.getByRole('link', { name: 'pushed' }).waitFor({ timeout: 5000 });
    fx.clusters.pop();
    bus.emit({ type: 'clusters.changed' });
    await page.getByRole('link', { name: 'pushed' }).waitFor({ state: 'detached', timeout: 5000 });
    await page.close();
  });

  it('asks before deleting and pauses in one click', async () => {
    fx.clusters.push({ name: 'scratch', status: 'running', context: 'paddock-scratch', nodes: [] });
    const page = await open('/clusters');
    await page.getByRole('button', { name: 'Delete scratch' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete cluster scratch?' });
    await dialog.waitFor();
    await shot(page, 'delete-confirm-light');
    await dialog.getByRole('button', { name: 'Delete cluster' }).click();
    await expect.poll(() => fx.calls.includes('delete scratch')).toBe(true);
    await page.getByRole('link', { name: 'scratch' }).waitFor({ state: 'detached', timeout: 5000 });
    await page.getByRole('button', { name: 'Pause dev' }).click();
    await expect.poll(() => fx.calls.includes('pause dev')).toBe(true);
    await page.close();
  });

  it('shows a cluster: facts, nodes, addons with health, kubeconfig', async () => {
    const page = await open('/clusters/legacy');
    await page.getByText('node legacy-worker is missing', { exact: false }).first().waitFor();
    await shot(page, 'cluster-detail-light');
    await page.goto(`${origin}/#/clusters/dev`);
    await page.getByRole('table', { name: 'Nodes' }).waitFor();
    await page.getByRole('tab', { name: 'Addons' }).click();
    await page.getByRole('table', { name: 'Addons' }).waitFor();
    await shot(page, 'cluster-addons-light');
    await page.getByRole('tab', { name: 'Kubeconfig' }).click();
    await page.getByRole('button', { name: 'Copy kubeconfig' }).waitFor();
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'cluster-kubeconfig-dark');
    await page.close();
  });

  it('validates the wizard as you type, then shows live progress to ✓', async () => {
    const page = await open('/clusters/new');
    const name = page.getByRole('textbox', { name: 'Name' });
    await name.fill('Bad Name');
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Create cluster' }).isDisabled()).toBe(true);
    const ports = page.getByRole('textbox', { name: 'Published ports' });
    await ports.fill('80');
    await page.getByText('"80" is not HOST:CONTAINER, like 8080:80').waitFor();
    await ports.fill('8080:80 8443:443');
    await page.getByRole('button', { name: 'Edit as a kind config…' }).click();
    const yaml = page.getByRole('textbox', { name: 'Cluster config' });
    await expect.poll(() => yaml.inputValue()).toContain('hostPort: 8443');
    await page.getByText('Simple').click();
    await ports.fill('');
    await page.getByText('kind config (YAML)').click();
    await yaml.fill('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: boss\n');
    await page.getByText('nodes[0].role must be "control-plane" or "worker".').waitFor();
    await yaml.fill('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n');
    await page.getByText('Looks good: 1 control plane, 1 worker.').waitFor();
    await shot(page, 'create-yaml-light');
    await page.getByText('Simple').click();
    await name.fill('shop');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.getByRole('heading', { name: 'Create cluster shop' }).waitFor();
    await page.getByText('Initialise the control plane (kubeadm init)').waitFor();
    await page.getByText('1 job running').waitFor();
    await shot(page, 'create-progress-light');
    fx.release();
    await page.getByRole('button', { name: 'Open shop' }).waitFor();
    expect(await page.getByLabel('done', { exact: true }).count()).toBe(6);
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'create-done-dark');
    await page.close();
  });

  it('shows a failed create with ✗, the log tail and what to do; the job survives a reload', async () => {
    const page = await open('/clusters/new');
    await page.getByRole('textbox', { name: 'Name' }).fill('broken');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.getByText('kubeadm init failed on broken-control-plane', { exact: false }).first().waitFor();
    expect(await page.getByLabel('failed', { exact: true }).count()).toBe(1);
    await page.getByText('What to do:').waitFor();
    await page.locator('pre:visible').filter({ hasText: '[kubelet-check] The kubelet is not healthy after 4m0s' }).first().waitFor();
    await shot(page, 'create-failed-light');
    // A new window (reload) gets the job back from the server's replay.
    await page.reload();
    await page.getByText('What to do:').waitFor();
    await page.getByLabel('failed', { exact: true }).first().waitFor();
    await page.goto(`${origin}/#/jobs`);
    await page.getByRole('table', { name: 'Jobs' }).waitFor();
    await shot(page, 'jobs-light');
    await page.close();
  });

  it('contexts: switch the current context', async () => {
    const page = await open('/contexts');
    const table = page.getByRole('table', { name: 'Contexts' });
    await table.waitFor();
    await shot(page, 'contexts-light');
    await table.getByRole('row').filter({ hasText: 'paddock-ha' }).getByRole('button', { name: 'Use' }).click();
    await expect.poll(() => fx.calls.includes('use paddock-ha')).toBe(true);
    bus.emit({ type: 'contexts.changed' });
    await expect.poll(() => table.getByRole('row').filter({ hasText: 'paddock-ha' }).getByText('current').count()).toBe(1);
    await page.close();
  });

  it('forwards: state, traffic, toggle; the add dialog lists contexts and namespaces', async () => {
    const page = await open('/forwards', 'dark');
    await page.getByRole('table', { name: 'Port-forwards' }).waitFor();
    await shot(page, 'forwards-dark');
    await page.getByRole('switch', { name: 'Start forward 5432' }).click({ force: true });
    await expect.poll(() => fx.calls.includes('start f2')).toBe(true);
    await page.getByRole('button', { name: 'Add forward' }).first().click();
    await page.getByRole('dialog', { name: 'Add a port-forward' }).waitFor();
    await page.emulateMedia({ colorScheme: 'light' });
    await shot(page, 'forward-add-light');
    await page.close();
  });

  it('node images and doctor verdicts', async () => {
    const page = await open('/images');
    await page.getByRole('table', { name: 'Node images' }).waitFor();
    await shot(page, 'node-images-light');
    await page.goto(`${origin}/#/doctor`);
    await page.getByText('1 problem to fix before creating clusters').waitFor();
    await shot(page, 'doctor-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'doctor-dark');
    await page.close();
  });

  it('works from the keyboard and on a narrow window', async () => {
    const page = await open('/clusters');
    await page.getByRole('table', { name: 'Clusters' }).waitFor();
    // Tab to the sidebar's Contexts link and follow it with Enter.
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent === 'Contexts');
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Contexts', level: 2 }).waitFor();
    // Narrow: the sidebar hides behind a burger button.
    await page.setViewportSize({ width: 480, height: 800 });
    const forwards = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Port-forwards' });
    const onScreen = async () => {
      const box = await forwards.boundingBox();
      return !!box && box.x + box.width > 0;
    };
    await expect.poll(onScreen).toBe(false);
    await shot(page, 'narrow-closed-light');
    await page.getByRole('button', { name: 'Toggle navigation' }).click();
    await forwards.click();
    await page.getByRole('heading', { name: 'Port-forwards', level: 2 }).waitFor();
    await shot(page, 'narrow-forwards-light');
    await page.close();
  });

  it('renders a table of 10 clusters on open and from the sidebar (timings printed, not asserted)', async () => {
    const extra = Array.from({ length: 10 - fx.clusters.length }, (_, i) => ({
      name: `bench-${i}`,
      status: 'running' as const,
      kubernetesVersion: 'v1.34.1',
      apiServer: { host: '127.0.0.1', port: 42000 + i },
      context: `paddock-bench-${i}`,
      nodes: [],
    }));
    fx.clusters.push(...extra);
    const page = await browser.context.newPage();
    const t0 = Date.now();
    await page.goto(srv.url);
    await page.getByRole('table', { name: 'Clusters' }).getByRole('row').nth(10).waitFor();
    const launchMs = Date.now() - t0;
    await page.goto(`${origin}/#/settings`);
    await page.getByRole('heading', { name: 'Settings', level: 2 }).waitFor();
    const t1 = Date.now();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' }).click();
    await page.getByRole('table', { name: 'Clusters' }).getByRole('row').nth(10).waitFor();
    const renderMs = Date.now() - t1;
    console.log(`[ui figures] web mode open → clusters table with 10 clusters: ${launchMs} ms; clusters screen with 10 clusters from the sidebar: ${renderMs} ms`);
    // Speed goals (1.5 s, 200 ms) are benchmark figures, not pass/fail conditions of a test.
    expect(await page.getByRole('table', { name: 'Clusters' }).getByRole('row').count()).toBe(11);
    fx.clusters.splice(fx.clusters.length - extra.length, extra.length);
    await page.close();
  });

  it('has no serious accessibility violation with data on screen, and no page errors', async () => {
    const page = await open('/clusters');
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const p of ['/clusters', '/clusters/dev', '/contexts', '/forwards', '/images', '/doctor', '/jobs']) {
        await page.goto(`${origin}/#${p}`);
        await page.waitForLoadState('networkidle');
        await page.waitForTimeout(200);
        for (const v of await axeViolations(page)) found.push(`${scheme} ${p}: ${v.id} ${v.help} ×${v.nodes}`);
      }
    }
    expect(found).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
