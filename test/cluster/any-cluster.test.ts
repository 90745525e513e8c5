/**
 * Every cluster, not only Paddock's (issue 13), against one cluster Paddock
 * did not make: kind v0.33.0 (built from its Go module when not cached) on
 * Paddock's node image, with its own kubeconfig file. Next to its context,
 * a second file holds a namespace-scoped ServiceAccount user the test makes,
 * a context whose token is wrong, and one pointing at a closed port.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { clients, waitFor } from '../support/kube.js';
import { webDeployment } from '../support/manifests.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';
import { closedPortUrl } from '../../src/kube/testing-servers.js';
import { listContextInfos, listNamespacesOf } from '../../src/kube/contexts.js';
import { accessHandlers, guardWorkloadHandlers } from '../../src/kube/access.js';
import { workloadHandlers } from '../../src/kube/resources/handlers.js';
import { freePort } from '../../src/provisioner/ports.js';
import type { ContextInfo, ForwardInfo, OpContext } from '../../src/shared/api.js';

const KIND_VERSION = 'v0.33.0';
const kindDir = path.join(os.homedir(), '.cache', 'paddock-bench', 'bin');
const kindBin = path.join(kindDir, 'kind');

/** kind from its Go module, built once per machine (CI's Go module cache is warm); undefined when ready, else why not. */
async function kindUnavailableReason(): Promise<string | undefined> {
  if (fs.existsSync(kindBin)) return undefined;
  const go = await execa('go', ['version'], { reject: false });
  if (go.exitCode !== 0) return `kind ${KIND_VERSION} is not at ${kindBin} and Go is not installed to build it (${go.stderr || go.message})`;
  console.log(`any-cluster: building kind ${KIND_VERSION} from sigs.k8s.io/kind into ${kindDir} (once) …`);
  const r = await execa('go', ['install', `sigs.k8s.io/kind@${KIND_VERSION}`], { env: { GOBIN: kindDir, GOFLAGS: '-trimpath' }, reject: false, all: true, timeout: 15 * 60_000 });
  if (r.exitCode !== 0 || !fs.existsSync(kindBin)) return `go install sigs.k8s.io/kind@${KIND_VERSION} failed: ${String(r.all ?? r.message).split('\n').slice(-5).join(' | ')}`;
  console.log(`any-cluster: kind ${KIND_VERSION} built`);
  return undefined;
}

const reason = (await clusterUnavailableReason()) ?? (await kindUnavailableReason());

const name = `t${runId()}-any`;
const kindContext = `kind-${name}`;
const sb = sandbox();
const extra = path.join(sb.dir, 'team.yaml');
const ns = 'shop';
const ctx: OpContext = { opId: 'any-cluster', progress: () => {} };

/** kind's own kubeadm config needs the same cgroup v1 allowance Paddock sets on this kind of host. */
const KIND_CONFIG = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
kubeadmConfigPatches:
- |
  kind: KubeletConfiguration
  failCgroupV1: false
nodes:
- role: control-plane
`;

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
const answer = async (port: number) => {
  const r = await get(port).catch(() => undefined);
  return r?.status === 200 ? r.body : undefined;
};

describeIf('cluster', reason)('any kubeconfig context: a kind cluster Paddock did not make', () => {
  let api: ReturnType<typeof clients>;
  let fg: ResultPromise | undefined;
  let kindCreated = false;
  // kind leaves its "kind" Docker network behind on delete: removed after the test if the test made it.
  let kindNetworkExisted = true;
  const env = () => ({ ...sb.env, KUBECONFIG: `${sb.kubeconfig}${path.delimiter}${extra}` });
  const h = guardWorkloadHandlers(workloadHandlers());

  const readyPods = async () =>
    (await api.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items.filter(
      (p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );

  beforeAll(async () => {
    const busybox = await ensureBusyboxImage();
    const cfg = path.join(sb.dir, 'kind.yaml');
    fs.writeFileSync(cfg, KIND_CONFIG);
    console.log(`any-cluster: kind create cluster --name ${name} --image ${TEST_NODE_IMAGE} …`);
    const started = Date.now();
    kindNetworkExisted = (await execa('docker', ['network', 'inspect', 'kind'], { reject: false })).exitCode === 0;
    const r = await execa(kindBin, ['create', 'cluster', '--name', name, '--image', TEST_NODE_IMAGE, '--config', cfg, '--kubeconfig', sb.kubeconfig, '--wait', '4m'], { env: sb.env, reject: false, all: true });
    kindCreated = true;
    if (r.exitCode !== 0) throw new Error(`kind create failed (${r.exitCode}):\n${r.all}`);
    console.log(`any-cluster: kind cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const load = await execa(kindBin, ['load', 'docker-image', busybox, '--name', name], { env: sb.env, reject: false, all: true });
    if (load.exitCode !== 0) throw new Error(`kind load docker-image failed:\n${load.all}`);

    api = clients(sb.kubeconfig, kindContext);
    await api.core.createNamespace({ body: { metadata: { name: ns } } });
    const labels = { app: 'web' };
    await api.apps.createNamespacedDeployment({ namespace: ns, body: webDeployment(busybox) });
    await api.core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } } });

    // A namespace-scoped user: a ServiceAccount that may read pods, logs, services and deployments in `shop` only.
    await api.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'reader' } } });
    const rbac = api.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'reader' },
        rules: [
          { apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'events'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list', 'watch'] },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }] } });
    const tr = await api.core.createNamespacedServiceAccountToken({ name: 'reader', namespace: ns, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const token = tr.status?.token;
    if (!token) throw new Error('the TokenRequest gave no token');

    const cluster = api.kc.getCurrentCluster()!;
    const closed = await closedPortUrl();
    fs.writeFileSync(
      extra,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- {name: team, cluster: {server: '${cluster.server}', certificate-authority-data: ${cluster.caData}}}`,
        `- {name: dead, cluster: {server: '${closed}', certificate-authority-data: ${cluster.caData}}}`,
        'users:',
        `- {name: shop-reader, user: {token: '${token}'}}`,
        `- {name: wrong, user: {token: 'not-a-token'}}`,
        'contexts:',
        `- {name: shop-reader, context: {cluster: team, user: shop-reader, namespace: ${ns}}}`,
        '- {name: wrong-token, context: {cluster: team, user: wrong}}',
        '- {name: dead, context: {cluster: dead, user: shop-reader}}',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    process.env.KUBECONFIG = env().KUBECONFIG; // for the in-process core below
    await waitFor('deployment web available', 180_000, async () => (await readyPods()).length === 1);
  }, 15 * 60_000);

  afterAll(async () => {
    fg?.kill('SIGKILL');
    if (kindCreated) {
      const d = await execa(kindBin, ['delete', 'cluster', '--name', name, '--kubeconfig', sb.kubeconfig], { env: sb.env, reject: false, all: true });
      if (d.exitCode !== 0) console.warn(`kind delete cluster --name ${name} failed:\n${d.all}`);
      // Refused while another kind cluster still uses it: then it is not ours to remove.
      if (!kindNetworkExisted) await execa('docker', ['network', 'rm', 'kind'], { reject: false });
    }
    await sb.cleanup([]);
  }, 5 * 60_000);

  it('its context shows in `paddock context list` (files only), with the file it is in', async () => {
    const r = await sb.paddock(['context', 'list', '-o', 'json'], { env: env() });
    expect(r.exitCode, r.all).toBe(0);
    const contexts = JSON.parse(r.stdout) as ContextInfo[];
    expect(contexts.map((c) => c.name).sort()).toEqual(['dead', kindContext, 'shop-reader', 'wrong-token'].sort());
    expect(contexts.find((c) => c.name === kindContext)).toMatchObject({ file: sb.kubeconfig, current: true, server: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) });
    expect(contexts.every((c) => c.probe === undefined)).toBe(true);
  });

  it('`context list --probe`: kind and the ServiceAccount ok with the server version, the wrong token unauthorized, the closed port unreachable within 3 s', async () => {
    const r = await sb.paddock(['context', 'list', '--probe', '-o', 'json'], { env: env() });
    expect(r.exitCode, r.all).toBe(0);
    const by = new Map((JSON.parse(r.stdout) as ContextInfo[]).map((c) => [c.name, c.probe]));
    const version = TEST_NODE_IMAGE.split(':')[1];
    expect(by.get(kindContext)).toMatchObject({ state: 'ok', version });
    expect(by.get('shop-reader')).toMatchObject({ state: 'ok', version });
    expect(by.get('wrong-token')).toMatchObject({ state: 'unauthorized', reason: expect.stringContaining('401') });
    expect(by.get('dead')).toMatchObject({ state: 'unreachable', reason: expect.stringContaining('ECONNREFUSED') });
    expect(by.get('dead')!.ms).toBeLessThan(3000);
    // The table names the states too, and how long the whole probe took.
    const table = await sb.paddock(['context', 'list', '--probe'], { env: env() });
    expect(table.stdout).toMatch(new RegExp(`dead\\s.*unreachable`));
    expect(table.stderr).toMatch(/Probed 4 context\(s\) in \d+ ms/);
    const inProcess = await listContextInfos({ probe: true });
    console.log(`probe timings (ms): ${inProcess.contexts.map((c) => `${c.name}=${c.probe?.state}/${c.probe?.ms}`).join(', ')}; CLI: ${table.stderr.trim()}`);
  });

  it('a forward added with --context to a service in it answers on 127.0.0.1, and again after its pod is replaced', async () => {
    const port = await freePort();
    const a = await sb.paddock(['forward', 'add', 'svc/web', `${port}:80`, '--context', kindContext, '-n', ns], { env: env() });
    expect(a.exitCode, a.all).toBe(0);
    const saved = JSON.parse((await sb.paddock(['forward', 'list', '-o', 'json'], { env: env() })).stdout) as ForwardInfo[];
    expect(saved[0]).toMatchObject({ context: kindContext, kubeconfig: sb.kubeconfig, namespace: ns, target: 'svc/web' });
    fg = execa('node', [path.resolve('bin/paddock.js'), 'forward', 'start', '--all'], { env: env(), all: true, reject: false });
    const pod = (await readyPods())[0]!.metadata!.name!;
    expect(await waitFor('the forward to answer', 30_000, () => answer(port))).toBe(pod);
    await api.core.deleteNamespacedPod({ name: pod, namespace: ns });
    const next = await waitFor('the replacement pod to be Ready', 120_000, async () => {
      const pods = await readyPods();
      return pods.length === 1 && pods[0]!.metadata!.name !== pod ? pods[0]!.metadata!.name! : undefined;
    });
    expect(await waitFor('the forward to answer from the replacement', 30_000, async () => ((await answer(port)) === next ? next : undefined))).toBe(next);
    fg.kill('SIGINT');
    await fg;
    fg = undefined;
  });

  it('the workload API lists its pods, and the proxy serves its API with --context', async () => {
    const list = await h.listResources({ context: kindContext, kind: 'Pod', namespace: ns }, ctx);
    // The replaced pod may still be terminating: the ready one is listed, with its state.
    const ready = (await readyPods()).map((p) => p.metadata!.name!);
    expect(list.rows.map((r) => r.name)).toEqual(expect.arrayContaining(ready));
    expect(list.rows.find((r) => r.name === ready[0])?.status).toBe('Running');
    expect(list.narrowedTo).toBeUndefined();
    const all = await h.listResources({ context: kindContext, kind: 'Pod' }, ctx);
    expect(all.rows.some((r) => r.namespace === 'kube-system')).toBe(true);

    const port = await freePort();
    const proxy = execa('node', [path.resolve('bin/paddock.js'), 'proxy', '--context', kindContext, '-p', String(port)], { env: env(), all: true, reject: false });
    try {
      const body = await waitFor('the proxy to serve', 30_000, async () => {
        const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          http.get({ host: '127.0.0.1', port, path: `/api/v1/namespaces/${ns}/services/web`, agent: false }, (res) => {
            let b = '';
            res.on('data', (c: Buffer) => (b += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
          }).on('error', reject);
        }).catch(() => undefined);
        return r?.status === 200 ? r.body : undefined;
      });
      expect(JSON.parse(body)).toMatchObject({ kind: 'Service', metadata: { name: 'web', namespace: ns } });
    } finally {
      proxy.kill('SIGINT');
      await proxy;
    }
  });

  it('a namespace-scoped ServiceAccount gets the degraded but working view, each limit with its reason', async () => {
    // Namespaces: listing them is forbidden, so the context's own is offered.
    expect(await listNamespacesOf('shop-reader')).toEqual([ns]);
    // Every namespace forbidden: the rows of `shop`, marked with why.
    const pods = await h.listResources({ context: 'shop-reader', kind: 'Pod' }, ctx);
    expect(pods.narrowedTo).toEqual({ namespace: ns, reason: expect.stringContaining('may not list pods in every namespace') });
    const pod = (await readyPods())[0]!.metadata!.name!;
    expect(pods.rows.map((r) => r.name)).toContain(pod);
    const deploys = await h.listResources({ context: 'shop-reader', kind: 'Deployment' }, ctx);
    expect(deploys.rows.map((r) => r.name)).toEqual(['web']);
    // Nodes are cluster-scoped: no fallback, a clear FORBIDDEN.
    await expect(h.listResources({ context: 'shop-reader', kind: 'Node' }, ctx)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('may not list nodes') });
    // What it may do, asked of the server (what the GUI disables buttons with).
    const { results } = await accessHandlers.accessReview(
      {
        context: 'shop-reader',
        checks: [
          { verb: 'list', resource: 'pods', namespace: ns },
          { verb: 'get', resource: 'pods', subresource: 'log', namespace: ns },
          { verb: 'delete', resource: 'pods', namespace: ns },
          { verb: 'patch', resource: 'deployments', group: 'apps', subresource: 'scale', namespace: ns },
        ],
      },
      ctx,
    );
    expect(results.map((r) => r.allowed)).toEqual([true, true, false, false]);
    expect(results[2]!.reason).toContain('may not delete pods in namespace "shop"');
    // Actions it may not do are refused before anything is sent, with the reason; the pod is still there.
    await expect(h.deletePod({ context: 'shop-reader', namespace: ns, name: pod }, ctx)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining(`may not delete pods "${pod}" in namespace "shop"`),
      remedy: expect.stringContaining('kubectl auth can-i delete pods -n shop'),
    });
    await expect(h.scaleWorkload({ context: 'shop-reader', kind: 'Deployment', namespace: ns, name: 'web', replicas: 3 }, ctx)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(h.cordonNode({ context: 'shop-reader', node: `${name}-control-plane`, unschedulable: true }, ctx)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('may not patch nodes') });
    expect((await readyPods()).map((p) => p.metadata!.name)).toContain(pod);
    expect((await api.apps.readNamespacedDeployment({ name: 'web', namespace: ns })).spec?.replicas).toBe(1);
    // What it may do still works: logs of its pods.
    const logs = await h.podLogs({ context: 'shop-reader', namespace: ns, pod }, ctx);
    expect(logs.containers).toEqual(['web']);
  });

  it('a forward whose context disappears says so, naming the file it came from', async () => {
    const port = await freePort();
    const a = await sb.paddock(['forward', 'add', 'svc/web', `${port}:80`, '--context', 'shop-reader'], { env: env() });
    expect(a.exitCode, a.all).toBe(0);
    const id = a.stdout.trim();
    const text = fs.readFileSync(extra, 'utf8');
    fs.writeFileSync(extra, text.replace(/- \{name: shop-reader, context: [^\n]*\n/, ''));
    let out = '';
    const held = execa('node', [path.resolve('bin/paddock.js'), 'forward', 'start', id], { env: env(), all: true, reject: false });
    held.all?.on('data', (c: Buffer) => (out += c.toString()));
    try {
      // Started, it keeps its port and waits for the context; its state names the lost context and the file it came from.
      await waitFor('the forward to say its context is gone', 30_000, async () => /context "shop-reader" is gone: it was saved from .*team\.yaml, which no longer has it/.test(out));
      const list = JSON.parse((await sb.paddock(['forward', 'list', '-o', 'json'], { env: env() })).stdout) as ForwardInfo[];
      expect(list.find((f) => f.id === id)).toMatchObject({ state: 'waiting', heldBy: held.pid, reason: expect.stringContaining('is gone') });
      held.kill('SIGINT');
      await held;
    } finally {
      held.kill('SIGKILL');
      fs.writeFileSync(extra, text);
    }
  });
});
