// A new user's first minutes, against a real Docker engine and one real
// cluster: open the GUI, create a cluster in the wizard and watch it to
// Ready (with an addon chosen in the wizard), enable another addon, add a port-forward to a small web server and fetch
// through it, switch kubectl's context to the cluster, delete it. Every
// screen is photographed in light and dark under test-results/ui/new-user-flow/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDefaultCore } from '../../src/core/index.js';
import { EventBus } from '../../src/core/events.js';
import { startWatchers } from '../../src/core/watchers.js';
import { dockerRuntime } from '../../src/provisioner/runtime/docker.js';
import type { ApiHandlers } from '../../src/shared/api.js';
import type { WebServer } from '../../src/server/index.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { removeLabelled } from '../support/cleanup.js';
import { runId } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';
import { chromiumMissingReason, launchChromium, type LaunchedBrowser } from './browser.js';
import { axeViolations, isolateHome, REPO, serve } from './harness.js';

const reason = chromiumMissingReason() ?? (await clusterUnavailableReason());
const name = `ui${runId()}`;
const version = TEST_NODE_IMAGE.split(':')[1] ?? '';
const SHOTS = join(REPO, 'test-results', 'ui', 'new-user-flow');
/** A cheap addon: one host container and its RBAC. */
const ADDON = 'load-balancer';
/** Chosen in the create wizard: a host container and a containerd mirror file. */
const WIZARD_ADDON = 'registry';

describeIf('ui (real cluster)', reason)('new user flow with a real cluster', () => {
  let env: ReturnType<typeof isolateHome>;
  let srv: WebServer;
  let core: ApiHandlers;
  let browser: LaunchedBrowser;
  let shot = 0;
  /** Serious or critical axe-core findings on every screen photographed. */
  const a11y: string[] = [];
  let stopWatchers: (() => void) | undefined;

  /** The screen as it is, in light and in dark (the app follows the system scheme). */
  async function photograph(page: Page, what: string): Promise<void> {
    const n = String(++shot).padStart(2, '0');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.screenshot({ path: join(SHOTS, `${n}-${what}-light.png`), fullPage: true });
    for (const v of await axeViolations(page)) {
      // Where: axe is in the page now (axeViolations injected it).
      const where = (await page.evaluate(`axe.run(document, { runOnly: ['${v.id}'] }).then(r => r.violations.flatMap(x => x.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n').slice(-1)[0])))`)) as string[];
      a11y.push(`${what}: ${v.impact} ${v.id} (${v.help}): ${where.join('; ')}`);
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SHOTS, `${n}-${what}-dark.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  }

  beforeAll(async () => {
    env = isolateHome();
    mkdirSync(SHOTS, { recursive: true });
    // As the app runs: the core pushes to the page's bus, watchers follow Docker and the kubeconfig files.
    const bus = new EventBus();
    core = createDefaultCore({ bus });
    ({ srv } = await serve(core, bus));
    stopWatchers = startWatchers(dockerRuntime(), bus);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await core?.stopAllForwards({}, { opId: 'ui-stop', progress: () => {} }).catch(() => undefined);
    stopWatchers?.();
    await browser?.close();
    await srv?.close();
    await removeLabelled(`io.paddock.addon-of=${name}`);
    await removeLabelled(`io.paddock.cluster=${name}`);
    env?.restore();
  });

  it('creates a cluster, enables an addon, forwards to a web server, switches context and deletes it, all from the GUI', async () => {
    const page = await browser.context.newPage();
    try {
      await flow(page);
    } catch (e) {
      await page.screenshot({ path: join(SHOTS, 'failed-here.png'), fullPage: true }).catch(() => undefined);
      throw e;
    }
  });

  async function flow(page: Page): Promise<void> {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const nav = (link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
    await page.goto(srv.url);
    await page.getByRole('heading', { name: 'Clusters', level: 2 }).waitFor();
    await page.getByText('Loading clusters', { exact: false }).waitFor({ state: 'detached', timeout: 30_000 });
    await photograph(page, 'clusters-empty');
    await page.getByRole('button', { name: /Create (your first )?cluster/ }).first().click();

    // The wizard.
    await page.getByRole('textbox', { name: 'Name' }).fill(name);
    await page.getByRole('textbox', { name: 'Kubernetes version' }).click();
    await page.getByRole('option', { name: version }).click();
    // One addon chosen in the wizard (enabled once the cluster is Ready), another later from the Addons tab.
    await page.getByRole('textbox', { name: 'Addons to enable' }).click();
    await page.getByRole('option', { name: new RegExp(`^${WIZARD_ADDON}`) }).click();
    await page.keyboard.press('Escape');
    await photograph(page, 'create-wizard');
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.getByRole('heading', { name: `Create cluster ${name}` }).waitFor();
    await page.getByLabel('done', { exact: true }).first().waitFor({ timeout: 300_000 });
    await photograph(page, 'create-progress');
    await page.getByRole('button', { name: `Open ${name}` }).waitFor({ timeout: 900_000 });
    console.log(`[ui figures] wizard → cluster ${name} Ready: ${Math.round((Date.now() - t0) / 1000)} s`);
    expect(await page.getByLabel('failed', { exact: true }).count()).toBe(0);
    await photograph(page, 'create-done');

    // The cluster: nodes, kubeconfig.
    await page.getByRole('button', { name: `Open ${name}` }).click();
    const nodes = page.getByRole('table', { name: 'Nodes' });
    await nodes.waitFor();
    expect((await nodes.innerText()).toLowerCase()).toContain('running');
    await photograph(page, 'cluster-nodes');
    await page.getByRole('tab', { name: 'Kubeconfig' }).click();
    await page.getByText(`paddock-${name}`).first().waitFor();
    await photograph(page, 'cluster-kubeconfig');

    // Enable an addon from the Addons tab and watch it get healthy.
    await page.getByRole('tab', { name: 'Addons' }).click();
    const addons = page.getByRole('table', { name: 'Addons' });
    await addons.waitFor();
    const wizardRow = addons.getByRole('row').filter({ has: page.getByText(WIZARD_ADDON, { exact: true }) });
    await wizardRow.getByRole('switch', { name: `Disable ${WIZARD_ADDON}` }).waitFor({ timeout: 300_000 });
    await wizardRow.getByText('healthy', { exact: true }).waitFor({ timeout: 60_000 });
    await photograph(page, 'cluster-addons');
    const addonRow = addons.getByRole('row').filter({ has: page.getByText(ADDON, { exact: true }) });
    await addonRow.getByRole('switch', { name: `Enable ${ADDON}` }).click({ force: true });
    await photograph(page, 'addon-enabling');
    await addonRow.getByRole('switch', { name: `Disable ${ADDON}` }).waitFor({ timeout: 300_000 });
    await addonRow.getByText('healthy', { exact: true }).waitFor({ timeout: 60_000 });
    await photograph(page, 'addon-enabled');

    // A small web server in the cluster (what a user would have deployed).
    const busybox = await ensureBusyboxImage();
    await core.loadImages({ name, images: [busybox] }, { opId: 'ui-load', progress: () => {} });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(process.env.KUBECONFIG!);
    kc.setCurrentContext(`paddock-${name}`);
    await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: busybox, imagePullPolicy: 'Never', command: ['sh', '-c', 'mkdir -p /www && echo "hello from paddock" > /www/index.html && httpd -f -p 8080 -h /www'] }] },
          },
        },
      },
    });
    await kc.makeApiClient(k8s.CoreV1Api).createNamespacedService({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } });

    // Add a forward from the Forwards screen, picking the Service from the live list, and fetch through it.
    await nav('Port-forwards');
    await page.getByRole('heading', { name: 'Port-forwards', level: 2 }).waitFor();
    await photograph(page, 'forwards-empty');
    await page.getByRole('button', { name: 'Add forward' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add a port-forward' });
    await dialog.waitFor();
    await dialog.getByRole('textbox', { name: 'Target' }).click();
    await page.getByRole('option', { name: 'svc/web' }).click({ timeout: 30_000 });
    expect(await dialog.getByRole('textbox', { name: 'Remote port' }).inputValue()).toBe('80');
    await dialog.getByRole('textbox', { name: 'Local port' }).fill('0');
    await photograph(page, 'forward-add');
    await dialog.getByRole('button', { name: 'Add forward' }).click();
    const fwdRow = page.getByRole('table', { name: 'Port-forwards' }).getByRole('row').filter({ hasText: 'svc/web' });
    await fwdRow.getByText('connected', { exact: true }).waitFor({ timeout: 60_000 });
    const address = await fwdRow.getByRole('link').first().innerText();
    const res = await fetch(`http://${address}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('hello from paddock');
    await page.waitForTimeout(1500); // the traffic figures follow the forwards.changed push
    await photograph(page, 'forwards-connected');

    // Switch kubectl's context: another context is current first, as on a user's machine.
    const file = process.env.KUBECONFIG!;
    const kubeconfig = yaml.load(readFileSync(file, 'utf8')) as { contexts: { name: string; context: object }[]; 'current-context': string };
    const mine = kubeconfig.contexts.find((c) => c.name === `paddock-${name}`)!;
    kubeconfig.contexts.push({ name: 'work', context: mine.context });
    kubeconfig['current-context'] = 'work';
    writeFileSync(file, yaml.dump(kubeconfig));
    await nav('Contexts');
    // The "work" row names the same cluster entry: tell the rows apart by the context name.
    const row = page.getByRole('table', { name: 'Contexts' }).getByRole('row').filter({ hasText: `paddock-${name}` }).filter({ hasNotText: 'work' });
    await row.waitFor();
    const workRow = page.getByRole('table', { name: 'Contexts' }).getByRole('row').filter({ hasText: 'work' });
    await workRow.getByText('current', { exact: true }).waitFor({ timeout: 15_000 });
    await photograph(page, 'contexts-before');
    await row.getByRole('button', { name: 'Use' }).click();
    await row.getByText('current', { exact: true }).waitFor({ timeout: 15_000 });
    await page.locator('button[data-loading]').waitFor({ state: 'detached', timeout: 30_000 }); // the reachability probe the switch started
    expect((yaml.load(readFileSync(file, 'utf8')) as { 'current-context': string })['current-context']).toBe(`paddock-${name}`);
    await photograph(page, 'contexts-switched');

    // Delete the cluster, with its confirmation.
    await nav('Clusters');
    await page.getByRole('button', { name: `Delete ${name}` }).click();
    const confirm = page.getByRole('dialog', { name: `Delete cluster ${name}?` });
    await confirm.waitFor();
    await page.waitForTimeout(400); // the modal's fade-in, so the shot shows what the user reads
    await photograph(page, 'delete-confirm');
    await confirm.getByRole('button', { name: 'Delete cluster' }).click();
    await page.getByRole('link', { name, exact: true }).waitFor({ state: 'detached', timeout: 300_000 });
    await photograph(page, 'clusters-after-delete');

    // What is left of the forward once its cluster is gone, then remove it.
    await nav('Port-forwards');
    await fwdRow.waitFor();
    // Waiting for the cluster to come back (same name), not an error.
    await fwdRow.getByText(`cluster "${name}" is gone (deleted?)`, { exact: false }).waitFor({ timeout: 30_000 });
    await photograph(page, 'forwards-cluster-gone');
    await fwdRow.getByRole('button', { name: /Remove forward/ }).click();
    await fwdRow.waitFor({ state: 'detached', timeout: 15_000 });
    expect(errors).toEqual([]);
    expect(a11y).toEqual([]);
    await page.close();
  }
});
