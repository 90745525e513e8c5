/**
 * The Workloads and Nodes screens against one real cluster, through the real
 * web server, transport and renderer in Chromium: a live table that follows a
 * scale, the rollout history with a roll back (a Deployment and a
 * StatefulSet), pod logs with search, a terminal into a pod, cordon,
 * uncordon and drain, node labels and taints, control-plane health with etcd
 * and certificates. Screenshots (light and dark): workloads-*.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createDefaultCore } from '../../src/core/index.js';
import { EventBus } from '../../src/core/events.js';
import type { WebServer } from '../../src/server/index.js';
import type { ApiHandlers, OpContext } from '../../src/shared/api.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';
import { chromiumMissingReason, launchChromium, type LaunchedBrowser } from './browser.js';
import { serve, SHOTS } from './harness.js';
import { tickerPod } from '../support/manifests.js';

const reason = chromiumMissingReason() ?? (await clusterUnavailableReason());
const name = `ui${runId()}-wl`;
const context = `paddock-${name}`;
const sb = sandbox();
const ctx: OpContext = { progress: () => undefined, opId: 'test' };

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: ${image}
        imagePullPolicy: Never
        command: ["sh", "-c", "echo hello-from-paddock; echo second line; exec sleep 3600"]
`;

describeIf('ui (real cluster)', reason)('workloads and nodes screens on a real cluster', () => {
  let srv: WebServer;
  let origin: string;
  let browser: LaunchedBrowser;
  let core: ApiHandlers;
  let imageA = '';
  let imageB = '';
  const savedKubeconfig = process.env.KUBECONFIG;

  beforeAll(async () => {
    imageA = await ensureBusyboxImage();
    imageB = `${imageA.split(':')[0]}:wl-b`;
    await execa('docker', ['tag', imageA, imageB]);
    const r = await sb.paddock(['create', '--name', name, '--image', TEST_NODE_IMAGE, '--wait', '5m']);
    if (r.exitCode !== 0) throw new Error(`paddock create failed (${r.exitCode}):\n${r.all}`);
    const load = await sb.paddock(['load-image', imageA, imageB, '--cluster', name]);
    if (load.exitCode !== 0) throw new Error(`paddock load-image failed:\n${load.all}`);
    process.env.KUBECONFIG = sb.kubeconfig;
    process.env.PADDOCK_HOME = sb.env.PADDOCK_HOME;
    mkdirSync(SHOTS, { recursive: true });
    const bus = new EventBus();
    core = createDefaultCore({ bus });
    await core.applyYaml({ context, yaml: deployment(imageA) }, ctx);
    ({ srv, origin } = await serve(core, bus));
    browser = await launchChromium();
  }, 15 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    await sb.paddock(['delete', name]);
    await sb.cleanup([name]);
    if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = savedKubeconfig;
  }, 5 * 60_000);

  async function open(path: string, scheme: 'light' | 'dark'): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 1360, height: 860 });
    await page.goto(srv.url);
    await page.goto(`${origin}/#${path}`);
    return { page, errors };
  }
  const shot = (page: Page, n: string) => page.screenshot({ path: join(SHOTS, `workloads-${n}.png`) });

  it('scales a deployment from its drawer and the live table follows; rolls back to revision 1', async () => {
    const { page, errors } = await open(`/workloads?context=${context}&ns=default&kind=Deployment`, 'light');
    const table = page.getByRole('table', { name: 'Deployment list' });
    const web = table.locator('tr[data-row="web"]');
    await web.getByText('Ready').waitFor({ timeout: 120_000 });
    await web.click();
    const drawer = page.getByRole('dialog');
    await drawer.getByRole('textbox', { name: 'Replicas' }).fill('2');
    await drawer.getByRole('button', { name: 'Scale' }).click();
    await drawer.getByText('Scaled to 2.').waitFor();
    // The table behind the drawer is pushed the new counts: no reload, no polling.
    await web.getByText('2/2').waitFor({ timeout: 120_000 });
    await shot(page, 'scale-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'scale-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await core.applyYaml({ context, yaml: deployment(imageB) }, ctx);
    await web.getByText(imageB).waitFor({ timeout: 60_000 });
    await drawer.getByRole('button', { name: 'Rollout restart' }).waitFor();
    await page.getByRole('tab', { name: 'YAML' }).click();
    await page.getByRole('tab', { name: 'Actions' }).click();
    const history = drawer.getByRole('table', { name: 'Rollout history' });
    await history.getByText(imageB).waitFor({ timeout: 30_000 });
    await history.getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('button', { name: 'Roll back to revision 1' }).click();
    await web.getByText(imageA).waitFor({ timeout: 60_000 });
    await history.getByRole('row').filter({ hasText: 'current' }).getByText(imageA).waitFor({ timeout: 30_000 });
    await shot(page, 'history-light');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a pod log with search, in the dark theme', async () => {
    const { page, errors } = await open(`/workloads?context=${context}&ns=default&kind=Pod`, 'dark');
    const table = page.getByRole('table', { name: 'Pod list' });
    const row = table.locator('tr[data-row^="web-"]').filter({ hasText: 'Running' }).first();
    await row.waitFor({ timeout: 120_000 });
    await shot(page, 'pods-dark');
    await row.click();
    const log = page.getByLabel('Log', { exact: true });
    await log.getByText('hello-from-paddock').waitFor({ timeout: 30_000 });
    await page.getByRole('textbox', { name: 'Search' }).fill('second');
    await expect.poll(async () => (await log.innerText()).trim()).toBe('second line');
    await shot(page, 'logs-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await shot(page, 'logs-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    // Follow: lines written after the log was read arrive by themselves.
    await core.applyYaml({ context, yaml: tickerPod(imageA) }, ctx);
    await page.keyboard.press('Escape');
    const tick = table.locator('tr[data-row="ticker"]').filter({ hasText: 'Running' });
    await tick.waitFor({ timeout: 60_000 });
    await tick.click();
    await log.getByText('tick-0').waitFor({ timeout: 30_000 });
    // Mantine's switch input is a zero-size overlay: click it the way a label click would.
    await page.getByRole('switch', { name: 'Follow' }).dispatchEvent('click');
    expect(await page.getByRole('switch', { name: 'Follow' }).isChecked()).toBe(true);
    const count = async () => ((await log.innerText()).match(/tick-\d+/g) ?? []).length;
    const start = await count();
    await expect.poll(count, { timeout: 20_000 }).toBeGreaterThan(start + 2);
    // One stream from the API: every tick in order, none lost between reading and following.
    const ticks = ((await log.innerText()).match(/tick-\d+/g) ?? []).map((t) => Number(t.slice(5)));
    expect(ticks).toEqual(ticks.map((_, i) => ticks[0]! + i));
    await shot(page, 'follow-dark');
    await page.getByRole('button', { name: 'Delete pod' }).click();
    await page.getByRole('dialog', { name: 'Delete pod ticker?' }).getByRole('button', { name: 'Delete pod' }).click();
    await tick.waitFor({ state: 'detached', timeout: 60_000 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a terminal into a pod: echo hi reads hi, a narrower window is a narrower tty, exit ends the session', async () => {
    const { page, errors } = await open(`/workloads?context=${context}&ns=default&kind=Pod`, 'dark');
    const row = page.getByRole('table', { name: 'Pod list' }).locator('tr[data-row^="web-"]').filter({ hasText: 'Running' }).first();
    await row.waitFor({ timeout: 120_000 });
    await row.click();
    await page.getByRole('tab', { name: 'Terminal' }).click();
    const term = page.getByLabel('Terminal screen');
    await page.locator('[data-session-state="open"]').waitFor({ timeout: 30_000 });
    const screen = async () => (await term.locator('.xterm-rows').innerText()).replace(/\u00a0/g, ' ');
    await term.click();
    await page.keyboard.type('echo h""i\n');
    await expect.poll(async () => (await screen()).split('\n').some((l) => l.trim() === 'hi'), { timeout: 20_000 }).toBe(true);
    // The answer of the last `stty size` typed: the first "rows cols" line after that command's line.
    const size = async () => {
      await page.keyboard.type('busybox stty size\n');
      let found: number[] | undefined;
      await expect
        .poll(async () => {
          const lines = (await screen()).split('\n');
          const cmd = lines.findLastIndex((l) => l.includes('stty size'));
          const m = lines.slice(cmd + 1).map((l) => /^(\d+) (\d+)$/.exec(l.trim())).find(Boolean);
          found = cmd >= 0 && m ? [Number(m[1]), Number(m[2])] : undefined;
          return !!found;
        }, { timeout: 20_000 })
        .toBe(true);
      return found!;
    };
    const [rows, cols] = await size();
    expect(rows).toBeGreaterThan(10);
    expect(cols).toBeGreaterThan(40);
    await shot(page, 'terminal-dark');
    // The drawer takes the whole width of a narrow window: the terminal refits and tells the API server.
    await page.setViewportSize({ width: 560, height: 860 });
    await page.keyboard.type('clear\n');
    await expect.poll(async () => (await size())[1], { timeout: 30_000 }).toBeLessThan(cols!);
    await page.setViewportSize({ width: 1360, height: 860 });
    await page.emulateMedia({ colorScheme: 'light' });
    await shot(page, 'terminal-light');
    await page.keyboard.type('exit 3\n');
    await page.getByText('The session ended (exit code 3).').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Reconnect' }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('rolls a StatefulSet back to its first image from the drawer (dark)', async () => {
    const sts = (image: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - {name: main, image: ${image}, imagePullPolicy: Never, command: [sleep, "3600"]}
`;
    await core.applyYaml({ context, yaml: sts(imageA) }, ctx);
    await core.applyYaml({ context, yaml: sts(imageB) }, ctx);
    const { page, errors } = await open(`/workloads?context=${context}&ns=default&kind=StatefulSet`, 'dark');
    const db = page.getByRole('table', { name: 'StatefulSet list' }).locator('tr[data-row="db"]');
    await db.getByText(imageB).waitFor({ timeout: 60_000 });
    await db.click();
    const history = page.getByRole('dialog').getByRole('table', { name: 'Rollout history' });
    await history.getByRole('row').filter({ hasText: 'current' }).getByText(imageB).waitFor({ timeout: 60_000 });
    await history.getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('button', { name: 'Roll back to revision 1' }).click();
    await db.getByText(imageA).waitFor({ timeout: 60_000 });
    await history.getByRole('row').filter({ hasText: 'current' }).getByText(imageA).waitFor({ timeout: 60_000 });
    await shot(page, 'undo-statefulset-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await shot(page, 'undo-statefulset-light');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an invalid edit is refused by the dry run with the API message', async () => {
    const { page } = await open(`/workloads?context=${context}&ns=default&kind=Deployment`, 'light');
    await page.getByRole('table', { name: 'Deployment list' }).locator('tr[data-row="web"]').click();
    await page.getByRole('tab', { name: 'YAML' }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByRole('textbox', { name: 'YAML to apply' });
    const text = await editor.inputValue();
    await editor.fill(text.replace(/replicas: \d+/, 'replicas: -3'));
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByText(/spec\.replicas: Invalid value: -3/).waitFor();
    await shot(page, 'apply-error-light');
    await page.close();
  });

  it('cordons, uncordons and drains a node; control-plane health lists the static pods', async () => {
    await core.deletePod({ context, namespace: 'default', name: 'ticker' }, ctx).catch(() => undefined); // a pod nothing recreates would stop the drain
    const { page, errors } = await open(`/nodes?context=${context}`, 'dark');
    const node = page.getByRole('table', { name: 'Node list' }).locator(`tr[data-row="${name}-control-plane"]`);
    await node.getByText('Ready').waitFor({ timeout: 60_000 });
    const cp = page.getByRole('table', { name: 'Control-plane pods' });
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) await cp.getByText(c, { exact: true }).waitFor({ timeout: 30_000 });
    await node.click();
    await page.getByRole('button', { name: /^Cordon/ }).click();
    await node.getByText('Ready,SchedulingDisabled').waitFor({ timeout: 30_000 });
    await shot(page, 'nodes-dark');
    await page.getByRole('button', { name: /^Uncordon/ }).click();
    await node.getByText('Ready', { exact: true }).waitFor({ timeout: 30_000 });
    await page.emulateMedia({ colorScheme: 'light' });
    await shot(page, 'nodes-light');
    // Drain: cordon plus evictions; the only node then holds DaemonSet and static pods only.
    await page.getByRole('button', { name: 'Drain', exact: true }).click();
    await page.getByRole('button', { name: 'Drain node' }).click();
    await page.getByText(/drained: \d+ pod\(s\) evicted/).waitFor({ timeout: 150_000 });
    await node.getByText('Ready,SchedulingDisabled').waitFor();
    await shot(page, 'drain-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'drain-dark');
    await page.getByRole('button', { name: /^Uncordon/ }).click();
    await node.getByText('Ready', { exact: true }).waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('edits node labels and taints; the health card shows the etcd member, certificates and versions', async () => {
    const { page, errors } = await open(`/nodes?context=${context}`, 'light');
    const nodeName = `${name}-control-plane`;
    await page.getByRole('table', { name: 'Node list' }).locator(`tr[data-row="${nodeName}"]`).click();
    const meta = page.getByLabel(`Labels and taints of ${nodeName}`);
    await meta.getByText('kubernetes.io/hostname').waitFor({ timeout: 30_000 });
    await meta.getByRole('textbox', { name: 'Key', exact: true }).fill('example.com/tier');
    await meta.getByRole('textbox', { name: 'Value' }).first().fill('gold');
    await meta.getByRole('button', { name: 'Set label' }).click();
    await meta.getByText('example.com/tier=gold').waitFor();
    await meta.getByRole('textbox', { name: 'Taint key' }).fill('dedicated');
    await meta.getByRole('textbox', { name: 'Value' }).nth(1).fill('db');
    await meta.getByRole('button', { name: 'Add taint' }).click();
    await meta.getByRole('list', { name: 'Taints' }).getByText('dedicated=db:NoSchedule').waitFor();
    const node = await core.getNodeMeta({ context, node: nodeName }, ctx);
    expect(node.labels['example.com/tier']).toBe('gold');
    expect(node.taints).toContainEqual({ key: 'dedicated', value: 'db', effect: 'NoSchedule' });
    const details = page.getByLabel('etcd, certificates and versions');
    await details.getByRole('table', { name: 'etcd members' }).getByText('healthy', { exact: true }).waitFor({ timeout: 60_000 });
    await details.getByRole('table', { name: 'Certificate expiry' }).getByText('apiserver', { exact: true }).waitFor();
    await meta.scrollIntoViewIfNeeded();
    await shot(page, 'node-meta-light');
    await details.scrollIntoViewIfNeeded();
    await shot(page, 'health-details-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'health-details-dark');
    await meta.getByRole('button', { name: 'Remove taint dedicated:NoSchedule' }).click();
    await meta.getByRole('button', { name: 'Remove label example.com/tier' }).click();
    await meta.getByText('example.com/tier=gold').waitFor({ state: 'detached' });
    await meta.getByText('dedicated=db:NoSchedule').waitFor({ state: 'detached' });
    await meta.scrollIntoViewIfNeeded();
    await shot(page, 'node-meta-dark');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
