/**
 * The dashboard addon (Headlamp) and the rollback of a failed enable, on a
 * real cluster. Headlamp has no offline build: where its image is neither on
 * the local engine nor pullable (this machine), enable must fail clearly,
 * say how to load the image, and leave nothing of the addon behind (the
 * rollback of objects it had applied). Where the image can be had, the
 * addon gets healthy and `paddock dashboard` serves Headlamp with a token.
 */
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { removeLabelled } from '../support/cleanup.js';
import { clients } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';

const name = `t${runId()}-dash`;
const sb = sandbox();
const IMAGE = 'ghcr.io/headlamp-k8s/headlamp:v0.45.0';

/** Whether Headlamp's image can be had here: in the local engine, or a registry answers. */
async function imageObtainable(): Promise<string | undefined> {
  if ((await execa('docker', ['image', 'inspect', IMAGE], { reject: false })).exitCode === 0) return 'in the local Docker engine';
  const registry = await fetch('https://ghcr.io/v2/', { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
  return registry ? 'ghcr.io answers' : undefined;
}

describeIf('cluster', await clusterUnavailableReason())('dashboard addon (Headlamp) and rollback of a failed enable', () => {
  let objects: k8s.KubernetesObjectApi;
  let obtainable: string | undefined;

  /** Every object of the dashboard's kinds that carries its ownership labels. */
  const owned = async () => {
    const kinds: [string, string][] = [['v1', 'Namespace'], ['v1', 'ServiceAccount'], ['v1', 'Service'], ['apps/v1', 'Deployment'], ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding']];
    const found: string[] = [];
    for (const [v, k] of kinds) {
      const list = await objects.list(v, k, undefined, undefined, undefined, undefined, undefined, 'app.kubernetes.io/managed-by=paddock,paddock.dev/addon=dashboard');
      found.push(...list.items.map((i) => `${k} ${i.metadata?.name}`));
    }
    return found;
  };

  beforeAll(async () => {
    obtainable = await imageObtainable();
    const r = await sb.paddock(['create', '--name', name, '--image', TEST_NODE_IMAGE, '--wait', '5m']);
    if (r.exitCode !== 0) throw new Error(`create failed:\n${r.all}`);
    objects = k8s.KubernetesObjectApi.makeApiClient(clients(sb.kubeconfig, `paddock-${name}`).kc);
  });

  afterAll(async () => {
    await sb.paddock(['delete', name]);
    await removeLabelled(`io.paddock.addon-of=${name}`);
    await sb.cleanup([name]);
  });

  it('`paddock dashboard` on a cluster without the addon says how to enable it', async () => {
    const r = await sb.paddock(['dashboard', '--cluster', name, '--no-open']);
    expect(r.exitCode).toBe(4);
    expect(r.all).toMatch(/dashboard addon is not enabled on context paddock-/);
    expect(r.all).toContain(`paddock addons enable dashboard --cluster ${name}`);
  });

  it('an unknown addon or setting of the dashboard is a clear error and applies nothing', async () => {
    const a = await sb.paddock(['addons', 'enable', 'dashbord', '--cluster', name]);
    expect(a.exitCode).not.toBe(0);
    expect(a.all).toMatch(/unknown addon "dashbord"/);
    const b = await sb.paddock(['addons', 'enable', 'dashboard', '--cluster', name, '--set', 'theme=dark']);
    expect(b.exitCode).not.toBe(0);
    expect(b.all).toMatch(/addon dashboard has no setting "theme"/);
    expect(await owned()).toEqual([]);
  });

  it('enable without the image: fails fast, says how to load it, and rolls back what it applied', async (ctx) => {
    if (obtainable) {
      console.warn(`[dashboard] NOT RUN: Headlamp's image can be had here (${obtainable}), so enable does not fail`);
      ctx.skip();
    }
    const started = Date.now();
    const r = await sb.paddock(['addons', 'enable', 'dashboard', '--cluster', name, '--verbose']);
    expect(r.exitCode, r.all).toBe(4); // IMAGE_MISSING
    expect(r.all).toMatch(/image ghcr\.io\/headlamp-k8s\/headlamp:v0\.45\.0 could not be had/);
    expect(r.all).toMatch(/docker pull ghcr\.io\/headlamp-k8s\/headlamp:v0\.45\.0@sha256:/);
    expect(r.all).toMatch(/docker save -o headlamp\.tar/);
    expect(r.all).toMatch(/docker load -i headlamp\.tar/);
    expect(r.all).toContain(`paddock addons enable dashboard --cluster ${name}`);
    expect(r.all).toMatch(/everything it applied was removed again/);
    // It had applied its objects (the nodes tried to pull): the rollback step ran and removed them.
    expect(r.all).toMatch(/Rolling back dashboard/);
    console.log(`[dashboard] enable failed and rolled back in ${((Date.now() - started) / 1000).toFixed(1)} s; the user saw:\n${r.stderr.split('\n').slice(-6).join('\n')}`);
    expect(await owned()).toEqual([]);
    const ns = await objects.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'headlamp' } }).catch(() => undefined);
    expect(ns).toBeUndefined();
    const status = JSON.parse((await sb.paddock(['addons', 'status', 'dashboard', '--cluster', name, '-o', 'json'])).stdout) as { enabled: boolean };
    expect(status.enabled).toBe(false);
    const containers = (await execa('docker', ['ps', '-aq', '--filter', `label=io.paddock.addon-of=${name}`, '--filter', 'label=io.paddock.addon=dashboard'])).stdout;
    expect(containers).toBe('');
  });

  it('enable with the image: healthy, and `paddock dashboard` serves Headlamp with a token', async (ctx) => {
    if (!obtainable) {
      console.warn(`[dashboard] NOT RUN: ${IMAGE} is not in the local Docker engine and no registry answers (load it with docker load to run this)`);
      ctx.skip();
    }
    const r = await sb.paddock(['addons', 'enable', 'dashboard', '--cluster', name]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/Addon dashboard enabled \(healthy\)/);
    const child = execa('node', [path.resolve('bin/paddock.js'), 'dashboard', '--cluster', name, '--no-open'], { env: sb.env, reject: false, all: true });
    try {
      const lines = await new Promise<string[]>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URL and token within 60 s: ${out}`)), 60_000);
        child.stdout?.on('data', (c: Buffer) => {
          out += c.toString();
          const l = out.split('\n').filter(Boolean);
          if (l.length >= 2) {
            clearTimeout(timer);
            resolve(l);
          }
        });
      });
      const [url, token] = lines as [string, string];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/headlamp/i);
      // The token is a real one of the addon's admin account.
      const review = await clients(sb.kubeconfig, `paddock-${name}`).kc.makeApiClient(k8s.AuthenticationV1Api).createTokenReview({ body: { spec: { token } } });
      expect(review.status?.authenticated).toBe(true);
      expect(review.status?.user?.username).toBe('system:serviceaccount:headlamp:headlamp-admin');
    } finally {
      child.kill('SIGINT');
      await child;
    }
    expect((await sb.paddock(['addons', 'disable', 'dashboard', '--cluster', name])).exitCode).toBe(0);
    expect(await owned()).toEqual([]);
  });
});
