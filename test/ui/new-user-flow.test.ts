// A new user's first minutes, against a real Docker engine and a real
// cluster: open the GUI, create a cluster in the wizard and watch it to
// Ready, look at it, switch kubectl's context to it, delete it.
// Addons and forwards join this flow when their core lands.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDefaultCore } from '../../src/core/index.js';
import type { WebServer } from '../../src/server/index.js';
import { removeLabelled } from '../support/cleanup.js';
import { runId } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';
import { chromiumMissingReason, launchChromium, type LaunchedBrowser } from './browser.js';
import { isolateHome, serve, SHOTS } from './harness.js';

const reason = chromiumMissingReason() ?? (await clusterUnavailableReason());
const name = `ui${runId()}`;
const version = TEST_NODE_IMAGE.split(':')[1] ?? '';

describeIf('ui (real cluster)', reason)('new user flow with a real cluster', () => {
  let env: ReturnType<typeof isolateHome>;
  let srv: WebServer;
  let origin: string;
  let browser: LaunchedBrowser;

  beforeAll(async () => {
    env = isolateHome();
    mkdirSync(SHOTS, { recursive: true });
    ({ srv, origin } = await serve(createDefaultCore()));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    await removeLabelled(`io.paddock.cluster=${name}`);
    env?.restore();
  });

  it('creates, shows, switches to and deletes a cluster from the GUI', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(srv.url);
    await page.getByRole('heading', { name: 'Clusters', level: 2 }).waitFor();
    await page.getByRole('button', { name: /Create (your first )?cluster/ }).first().click();

    await page.getByRole('textbox', { name: 'Name' }).fill(name);
    await page.getByRole('textbox', { name: 'Kubernetes version' }).click();
    await page.getByRole('option', { name: version }).click();
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.getByRole('heading', { name: `Create cluster ${name}` }).waitFor();
    await page.getByLabel('done', { exact: true }).first().waitFor({ timeout: 300_000 });
    await page.screenshot({ path: join(SHOTS, 'real-create-progress-light.png'), fullPage: true });
    await page.getByRole('button', { name: `Open ${name}` }).waitFor({ timeout: 900_000 });
    console.log(`[ui figures] wizard → cluster ${name} Ready: ${Math.round((Date.now() - t0) / 1000)} s`);
    expect(await page.getByLabel('failed', { exact: true }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'real-create-done-light.png'), fullPage: true });

    await page.getByRole('button', { name: `Open ${name}` }).click();
    const nodes = page.getByRole('table', { name: 'Nodes' });
    await nodes.waitFor();
    expect((await nodes.innerText()).toLowerCase()).toContain('running');
    await page.getByRole('tab', { name: 'Kubeconfig' }).click();
    await page.getByText(`paddock-${name}`).first().waitFor();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('tab', { name: 'Nodes' }).click();
    await page.screenshot({ path: join(SHOTS, 'real-cluster-detail-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contexts' }).click();
    const row = page.getByRole('table', { name: 'Contexts' }).getByRole('row').filter({ hasText: `paddock-${name}` });
    await row.waitFor();
    if ((await row.getByText('current', { exact: true }).count()) === 0) {
      await row.getByRole('button', { name: 'Use' }).click();
      await row.getByText('current', { exact: true }).waitFor({ timeout: 15_000 });
    }
    await page.screenshot({ path: join(SHOTS, 'real-contexts-light.png'), fullPage: true });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' }).click();
    await page.getByRole('button', { name: `Delete ${name}` }).click();
    await page.getByRole('dialog', { name: `Delete cluster ${name}?` }).getByRole('button', { name: 'Delete cluster' }).click();
    await page.getByRole('link', { name, exact: true }).waitFor({ state: 'detached', timeout: 300_000 });
    expect(errors).toEqual([]);
    await page.close();
  });
});
