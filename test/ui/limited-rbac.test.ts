// Limited RBAC in the GUI (issue 13), on the real core handlers (contexts,
// access reviews, the guarded workload handlers) against a small real API
// server that enforces a namespace-scoped user's rules: it may read
// deployments in team-a, nothing else. The Workloads screen shows team-a's
// rows with a notice saying why when every namespace is asked for, and the
// actions the user may not do are disabled with the server's reason.
// Screenshot: limited-rbac-light.png.
import { mkdirSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/index.js';
import { contextHandlers } from '../../src/kube/contexts.js';
import { accessHandlers, guardWorkloadHandlers } from '../../src/kube/access.js';
import { workloadHandlers } from '../../src/kube/resources/handlers.js';
import { json, startHttpServer, type TestServer } from '../../src/kube/testing-servers.js';
import type { WebServer } from '../../src/server/index.js';
import { EventBus } from '../../src/core/events.js';
import { chromiumMissingReason, launchChromium, type LaunchedBrowser } from './browser.js';
import { isolateHome, serve, SHOTS } from './harness.js';

const missing = chromiumMissingReason();
if (missing) console.warn(`\n[ui tier] SKIPPED: ${missing}\n`);

const created = new Date(Date.now() - 3600_000).toISOString();
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'team-a', uid: 'd1', resourceVersion: '5', creationTimestamp: created, annotations: { 'deployment.kubernetes.io/revision': '1' } },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
  status: { replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2, conditions: [{ type: 'Available', status: 'True' }] },
};

/** Reads deployments and replicasets in team-a; everything else is 403, as RBAC would answer. */
function rbacServer(): Promise<TestServer> {
  const allowed = (a: { verb: string; resource: string; namespace?: string; subresource?: string }) =>
    a.namespace === 'team-a' && ['deployments', 'replicasets'].includes(a.resource) && !a.subresource && ['get', 'list', 'watch'].includes(a.verb);
  const deny = (res: http.ServerResponse, what: string) =>
    json(res, 403, { kind: 'Status', code: 403, message: `${what} is forbidden: User "system:serviceaccount:team-a:viewer" cannot do this` });
  return startHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const a = (JSON.parse(body) as { spec: { resourceAttributes: Parameters<typeof allowed>[0] } }).spec.resourceAttributes;
        json(res, 201, { kind: 'SelfSubjectAccessReview', status: { allowed: allowed(a) } });
      });
      return;
    }
    if (req.method !== 'GET') return deny(res, url.pathname);
    if (url.pathname === '/apis/apps/v1/namespaces/team-a/deployments') {
      if (url.searchParams.get('watch')) {
        res.writeHead(200, { 'content-type': 'application/json' }); // a watch with nothing to say: held open
        return;
      }
      return json(res, 200, { kind: 'DeploymentList', metadata: { resourceVersion: '9' }, items: [deployment] });
    }
    if (url.pathname === '/apis/apps/v1/namespaces/team-a/deployments/web') return json(res, 200, deployment);
    if (url.pathname === '/apis/apps/v1/namespaces/team-a/replicasets') {
      return json(res, 200, { kind: 'ReplicaSetList', metadata: { resourceVersion: '9' }, items: [{ metadata: { name: 'web-1', namespace: 'team-a', uid: 'r1', creationTimestamp: created, annotations: { 'deployment.kubernetes.io/revision': '1' }, ownerReferences: [{ kind: 'Deployment', uid: 'd1' }] }, spec: { template: deployment.spec.template } }] });
    }
    return deny(res, url.pathname);
  });
}

describe.skipIf(!!missing)('limited RBAC: a degraded but honest Workloads screen', () => {
  let home: ReturnType<typeof isolateHome>;
  let srv: WebServer;
  let origin: string;
  let browser: LaunchedBrowser;
  let api: TestServer;
  let workloads: ReturnType<typeof workloadHandlers> | undefined;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    home = isolateHome();
    api = await rbacServer();
    writeFileSync(
      process.env.KUBECONFIG!,
      `apiVersion: v1
kind: Config
clusters: [{name: team, cluster: {server: '${api.url}'}}]
users: [{name: viewer, user: {token: sa-token}}]
contexts: [{name: team-viewer, context: {cluster: team, user: viewer, namespace: team-a}}]
current-context: team-viewer
`,
    );
    const bus = new EventBus();
    workloads = workloadHandlers({ emit: (e) => bus.emit(e) });
    const core = createCore({ ...contextHandlers, ...accessHandlers, ...guardWorkloadHandlers(workloads) });
    ({ srv, origin } = await serve(core, bus));
    browser = await launchChromium();
  });
  afterAll(async () => {
    workloads?.stopAll(); // ends the held-open watches
    await browser?.close();
    await srv?.close();
    await api?.close();
    home?.restore();
  });

  it('all namespaces: the rows of team-a with a notice saying why; Scale and restart disabled with the reason', async () => {
    const page = await browser.context.newPage();
    await page.goto(srv.url);
    await page.goto(`${origin}/#/workloads?context=team-viewer&ns=*`);
    const notice = page.locator('[data-narrowed-to="team-a"]');
    await notice.waitFor({ timeout: 15_000 });
    expect(await notice.innerText()).toMatch(/Showing namespace team-a only: the user of context "team-viewer" may not list deployments\.apps in every namespace/);
    const table = page.getByRole('table', { name: 'Deployment list' });
    await table.getByRole('row').filter({ hasText: 'web' }).click();
    await page.getByRole('tab', { name: 'Actions' }).click();
    const scale = page.getByRole('button', { name: 'Scale' });
    await expect.poll(() => scale.isDisabled(), { timeout: 10_000 }).toBe(true);
    const reason = await page.locator('[data-denied-reason]').first().getAttribute('data-denied-reason');
    expect(reason).toContain('may not patch deployments/scale.apps "web" in namespace "team-a"');
    expect(await page.getByRole('button', { name: 'Rollout restart' }).isDisabled()).toBe(true);
    // The reason is what the pointer finds on the disabled button.
    await page.locator('[data-denied-reason]').first().hover();
    const tip = page.getByRole('tooltip');
    await tip.waitFor({ timeout: 5000 });
    expect(await tip.innerText()).toContain('may not patch deployments/scale.apps "web"');
    await page.waitForTimeout(400); // the tooltip's fade-in, for the screenshot only
    await page.screenshot({ path: join(SHOTS, 'limited-rbac-light.png'), fullPage: true });
    await page.close();
  });

  it('without ?ns= the screen opens in the context namespace: no notice, the same rows', async () => {
    const page = await browser.context.newPage();
    await page.goto(srv.url);
    await page.goto(`${origin}/#/workloads?context=team-viewer`);
    await page.getByRole('table', { name: 'Deployment list' }).getByRole('row').filter({ hasText: 'web' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-narrowed-to]').count()).toBe(0);
    await page.close();
  });
});
