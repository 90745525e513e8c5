/**
 * The workload browser's core (issue 11) against one real cluster, addressed
 * by its kubeconfig context as any cluster would be (issue 13): lists, a
 * live list that follows a scale, logs, rollout restart/history/undo, apply
 * with its server-side dry run, masked secrets, cordon, control-plane health.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { AppsV1Api, PolicyV1Api } from '@kubernetes/client-node';
import { clients, waitFor } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';
import { workloadHandlers } from '../../src/kube/resources/handlers.js';
import type { OpContext, PushEvent } from '../../src/shared/api.js';
import { PaddockError } from '../../src/shared/errors.js';
import { tickerPod } from '../support/manifests.js';

const name = `t${runId()}-wl`;
const context = `paddock-${name}`;
const sb = sandbox();
const ctx: OpContext = { progress: () => undefined, opId: 'test' };
const events: PushEvent[] = [];
const h = workloadHandlers({ emit: (e) => events.push(e) });

const deployment = (image: string, replicas = 1) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: ${image}
        imagePullPolicy: Never
        command: ["sh", "-c", "echo hello-from-paddock; exec sleep 3600"]
`;

describeIf('cluster', await clusterUnavailableReason())('workloads on a real cluster, by context', () => {
  let imageA = '';
  let imageB = '';
  const runningPods = async () => (await h.listResources({ context, kind: 'Pod', namespace: 'default' }, ctx)).rows.filter((r) => r.name.startsWith('web-') && r.status === 'Running');
  const templateImage = async () => (await h.listResources({ context, kind: 'Deployment', namespace: 'default' }, ctx)).rows.find((r) => r.name === 'web')?.cells.images;

  beforeAll(async () => {
    imageA = await ensureBusyboxImage();
    imageB = `${imageA.split(':')[0]}:wl-b`;
    await execa('docker', ['tag', imageA, imageB]);
    const r = await sb.paddock(['create', '--name', name, '--image', TEST_NODE_IMAGE, '--wait', '5m']);
    if (r.exitCode !== 0) throw new Error(`paddock create failed (${r.exitCode}):\n${r.all}`);
    const load = await sb.paddock(['load-image', imageA, imageB, '--cluster', name]);
    if (load.exitCode !== 0) throw new Error(`paddock load-image failed:\n${load.all}`);
    process.env.KUBECONFIG = sb.kubeconfig; // the handlers read the kubeconfig like kubectl
    await h.applyYaml({ context, yaml: deployment(imageA) }, ctx);
    await waitFor('one running web pod', 120_000, async () => (await runningPods()).length === 1);
  }, 15 * 60_000);

  afterAll(async () => {
    h.stopAll();
    await sb.paddock(['delete', name]);
    await sb.cleanup([name]);
  }, 5 * 60_000);

  it('lists every kind with its columns; the deployment is Ready 1/1', async () => {
    for (const kind of ['Deployment', 'ReplicaSet', 'Pod', 'Service', 'ConfigMap', 'Secret', 'Node', 'StorageClass', 'Event', 'DaemonSet', 'StatefulSet', 'Ingress', 'PersistentVolumeClaim', 'PersistentVolume', 'HorizontalPodAutoscaler'] as const) {
      const l = await h.listResources({ context, kind }, ctx);
      expect(l.columns.length, kind).toBeGreaterThan(0);
    }
    // The pod runs before the Deployment controller counts it ready: wait for the row to say so.
    const webRow = async () => (await h.listResources({ context, kind: 'Deployment', namespace: 'default' }, ctx)).rows.find((r) => r.name === 'web');
    await waitFor('the web Deployment to report 1/1 ready', 60_000, async () => (await webRow())?.cells.ready === '1/1');
    expect(await webRow()).toMatchObject({ status: 'Ready', tone: 'ok', cells: { ready: '1/1', images: imageA } });
    // Static pods show through their mirror pods, which the kubelet may only
    // manage to create seconds after the cluster is Ready: its first try is
    // refused until the API server has made its system PriorityClasses.
    await waitFor('the kube-apiserver mirror pod in kube-system', 90_000, async () =>
      (await h.listResources({ context, kind: 'Pod', namespace: 'kube-system' }, ctx)).rows.some((r) => r.name.startsWith('kube-apiserver-')),
    );
  });

  it('a live list pushes the new rows when the deployment is scaled, then stops when unwatched', async () => {
    const w = await h.watchResources({ context, kind: 'Pod', namespace: 'default' }, ctx);
    expect(w.rows.filter((r) => r.name.startsWith('web-'))).toHaveLength(1);
    await h.scaleWorkload({ context, kind: 'Deployment', namespace: 'default', name: 'web', replicas: 2 }, ctx);
    await waitFor('a pushed list with two running web pods', 120_000, async () =>
      events.some((e) => e.type === 'resources.changed' && e.subscriptionId === w.subscriptionId && (e.rows ?? []).filter((r) => r.name.startsWith('web-') && r.status === 'Running').length === 2),
    );
    await h.unwatchResources({ subscriptionId: w.subscriptionId }, ctx);
    await new Promise((r) => setTimeout(r, 500));
    const seen = events.length;
    await h.scaleWorkload({ context, kind: 'Deployment', namespace: 'default', name: 'web', replicas: 1 }, ctx);
    await waitFor('one running web pod', 120_000, async () => (await runningPods()).length === 1);
    expect(events.slice(seen).filter((e) => e.type === 'resources.changed' && e.subscriptionId === w.subscriptionId)).toHaveLength(0);
  });

  it('reads a pod log and names its containers', async () => {
    const [pod] = await runningPods();
    const logs = await h.podLogs({ context, namespace: 'default', pod: pod!.name, tailLines: 10 }, ctx);
    expect(logs.containers).toEqual(['main']);
    expect(logs.text).toContain('hello-from-paddock');
  });

  it('rollout: a new image is revision 2, undo brings back the first image, restart makes revision 4', async () => {
    await h.applyYaml({ context, yaml: deployment(imageB) }, ctx);
    // The old pod still runs until the deployment controller made revision 2's ReplicaSet: wait for that too.
    const history = () => h.rolloutHistory({ context, kind: 'Deployment', namespace: 'default', name: 'web' }, ctx);
    await waitFor('the new image rolled out', 120_000, async () => (await templateImage()) === imageB && (await history()).revisions.some((r) => r.revision === 2 && r.current) && (await runningPods()).length === 1);
    const hist = await history();
    expect(hist.revisions.map((r) => [r.revision, r.images[0], r.current])).toEqual([
      [1, imageA, false],
      [2, imageB, true],
    ]);
    const undo = await h.rolloutUndo({ context, kind: 'Deployment', namespace: 'default', name: 'web' }, ctx);
    expect(undo.revision).toBe(1);
    await waitFor('the first image back', 120_000, async () => (await templateImage()) === imageA);
    // Like kubectl: the old ReplicaSet is reused and becomes the newest revision,
    // once the deployment controller has caught up with the new template.
    const current = await waitFor('revision 3 current', 60_000, async () =>
      (await h.rolloutHistory({ context, kind: 'Deployment', namespace: 'default', name: 'web' }, ctx)).revisions.find((r) => r.current && r.revision === 3),
    );
    expect(current).toMatchObject({ revision: 3, images: [imageA] });
    await h.rolloutRestart({ context, kind: 'Deployment', namespace: 'default', name: 'web' }, ctx);
    await waitFor('revision 4 from the restart', 60_000, async () => (await h.rolloutHistory({ context, kind: 'Deployment', namespace: 'default', name: 'web' }, ctx)).revisions.some((r) => r.revision === 4 && r.current));
    await expect(h.rolloutUndo({ context, kind: 'Deployment', namespace: 'default', name: 'web', revision: 99 }, ctx)).rejects.toThrow(/no revision 99/);
  });

  it('apply: the server-side dry run refuses a bad document with the API message, and nothing of the batch is applied', async () => {
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first-of-batch, namespace: default}\ndata: {a: "1"}\n---\n${deployment(imageA).replace('replicas: 1', 'replicas: -1')}`;
    const err = await h.applyYaml({ context, yaml }, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaddockError);
    expect((err as PaddockError).code).toBe('INVALID_CONFIG');
    expect((err as PaddockError).message).toMatch(/spec\.replicas: Invalid value: -1: must be greater than or equal to 0.*HTTP 422/);
    const cms = await h.listResources({ context, kind: 'ConfigMap', namespace: 'default' }, ctx);
    expect(cms.rows.map((r) => r.name)).not.toContain('first-of-batch');
    const dry = await h.applyYaml({ context, yaml: yaml.split('---')[0]!, dryRun: true }, ctx);
    expect(dry.results).toEqual([{ kind: 'ConfigMap', name: 'first-of-batch', namespace: 'default', action: 'dry run ok' }]);
  });

  it('shows a Secret with its values masked unless asked', async () => {
    await h.applyYaml({ context, yaml: 'apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: default}\nstringData: {password: hunter2}\n' }, ctx);
    const masked = await h.getResourceYaml({ context, kind: 'Secret', namespace: 'default', name: 'creds' }, ctx);
    expect(masked.yaml).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(masked.yaml).not.toContain('managedFields');
    const shown = await h.getResourceYaml({ context, kind: 'Secret', namespace: 'default', name: 'creds', revealSecrets: true }, ctx);
    expect(shown.yaml).toContain(Buffer.from('hunter2').toString('base64'));
  });

  it('deletes a pod and the deployment replaces it', async () => {
    const [pod] = await runningPods();
    await h.deletePod({ context, namespace: 'default', name: pod!.name }, ctx);
    await waitFor('a replacement pod', 120_000, async () => (await runningPods()).some((p) => p.name !== pod!.name));
  });

  it('follows a pod log: new lines are pushed as they are written, and nothing after unfollow', async () => {
    await h.applyYaml({ context, yaml: tickerPod(imageA) }, ctx);
    await waitFor('the ticker running', 60_000, async () => (await h.listResources({ context, kind: 'Pod', namespace: 'default' }, ctx)).rows.some((r) => r.name === 'ticker' && r.status === 'Running'));
    const { subscriptionId } = await h.followPodLogs({ context, namespace: 'default', pod: 'ticker' }, ctx);
    const text = () => events.flatMap((e) => (e.type === 'logs.appended' && e.subscriptionId === subscriptionId ? [e.text] : [])).join('');
    await waitFor('two new ticks pushed', 30_000, async () => (text().match(/tick-\d+/g) ?? []).length >= 2);
    const ticks = (text().match(/tick-(\d+)/g) ?? []).map((t) => Number(t.slice(5)));
    expect(ticks[1]).toBe(ticks[0]! + 1); // in order, none lost
    await h.unfollowPodLogs({ subscriptionId }, ctx);
    await new Promise((r) => setTimeout(r, 500));
    const before = text();
    await new Promise((r) => setTimeout(r, 2500));
    expect(text()).toBe(before);
    await h.deletePod({ context, namespace: 'default', name: 'ticker' }, ctx);
  });

  it('cordons and uncordons the node', async () => {
    const node = `${name}-control-plane`;
    const status = async () => (await h.listResources({ context, kind: 'Node' }, ctx)).rows.find((r) => r.name === node)?.status;
    await h.cordonNode({ context, node, unschedulable: true }, ctx);
    expect(await status()).toBe('Ready,SchedulingDisabled');
    await h.cordonNode({ context, node, unschedulable: false }, ctx);
    expect(await status()).toBe('Ready');
  });

  it('drain: a PodDisruptionBudget holds the eviction back; without it the pod is evicted, DaemonSet and static pods are ignored', async () => {
    const node = `${name}-control-plane`;
    await h.applyYaml({ context, yaml: 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web, namespace: default}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: web}}\n' }, ctx);
    await waitFor('the budget to count the pod', 30_000, async () => {
      const pdb = await clients(sb.kubeconfig, context).kc.makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({ name: 'web', namespace: 'default' });
      return pdb.status?.currentHealthy === 1;
    });
    const logs: string[] = [];
    const jobCtx: OpContext = { opId: 'drain', progress: (e) => e.type === 'log' && logs.push(e.line) };
    await expect(h.drainNode({ context, node, timeoutSeconds: 5 }, jobCtx)).rejects.toThrow(/default\/web-.*disruption budget/);
    expect(logs.some((l) => /waiting for default\/web-/.test(l))).toBe(true);
    expect((await runningPods()).length).toBe(1);
    await clients(sb.kubeconfig, context).kc.makeApiClient(PolicyV1Api).deleteNamespacedPodDisruptionBudget({ name: 'web', namespace: 'default' });
    const out = await h.drainNode({ context, node, timeoutSeconds: 90 }, jobCtx);
    expect(out.evicted.some((p) => p.startsWith('default/web-'))).toBe(true);
    expect(out.ignored.some((i) => i.reason === 'DaemonSet pod')).toBe(true);
    expect(out.ignored.filter((i) => i.reason.startsWith('static pod')).length).toBe(4);
    expect(await runningPods()).toHaveLength(0); // the only node is cordoned: the replacement waits
    await h.cordonNode({ context, node, unschedulable: false }, ctx);
    await waitFor('the web pod back on the uncordoned node', 120_000, async () => (await runningPods()).length === 1);
  });

  it('reports control-plane health: /livez and /readyz pass, four static pods run', async () => {
    const health = await h.controlPlaneHealth({ context }, ctx);
    expect(health.checks.map((c) => [c.path, c.ok])).toEqual([
      ['/livez', true],
      ['/readyz', true],
    ]);
    expect(health.staticPods.map((p) => [p.component, p.status])).toEqual([
      ['kube-apiserver', 'Running'],
      ['kube-controller-manager', 'Running'],
      ['kube-scheduler', 'Running'],
      ['etcd', 'Running'],
    ]);
    expect(health.version).toMatch(/^v1\./);
  });

  it('exec: a terminal round trip (echo hi reads hi), resize is seen by stty (busybox applet: the test image links only a few), exit ends the session with its code', async () => {
    const [pod] = await runningPods();
    const { sessionId, container } = await h.execOpen({ context, namespace: 'default', pod: pod!.name, cols: 80, rows: 24 }, ctx);
    expect(container).toBe('main');
    const out = () => events.flatMap((e) => (e.type === 'exec.output' && e.sessionId === sessionId ? [e.data] : [])).join('');
    await h.execInput({ sessionId, data: 'echo h""i\r' }, ctx); // the echoed command reads `h""i`: only the output is `hi` alone
    await waitFor('hi on its own line', 30_000, async () => /(^|\n)hi\r?\n/.test(out()));
    await h.execInput({ sessionId, data: 'busybox stty size\r' }, ctx);
    await waitFor('stty: 24 80', 30_000, async () => /(^|\n)24 80\r?\n/.test(out()));
    await h.execResize({ sessionId, cols: 132, rows: 43 }, ctx);
    await h.execInput({ sessionId, data: 'busybox stty size\r' }, ctx);
    await waitFor('stty: 43 132 after the resize', 30_000, async () => /(^|\n)43 132\r?\n/.test(out()));
    await h.execInput({ sessionId, data: 'exit 3\r' }, ctx);
    const end = await waitFor('the session ended', 30_000, async () => events.find((e) => e.type === 'exec.output' && e.sessionId === sessionId && e.ended));
    expect(end).toMatchObject({ ended: true, exitCode: 3 });
    await expect(h.execInput({ sessionId, data: 'x' }, ctx)).rejects.toThrow(/has ended/);
    await expect(h.execOpen({ context, namespace: 'default', pod: 'no-such-pod', cols: 80, rows: 24 }, ctx)).rejects.toThrow(/no-such-pod.*not found/);
  });

  it('rollout undo of a StatefulSet and a DaemonSet restores the previous image (ControllerRevisions)', async () => {
    const manifest = (kind: 'StatefulSet' | 'DaemonSet', image: string) => `apiVersion: apps/v1
kind: ${kind}
metadata: {name: rev-${kind.toLowerCase()}, namespace: default}
spec:
  selector: {matchLabels: {app: rev-${kind.toLowerCase()}}}
${kind === 'StatefulSet' ? '  serviceName: rev\n  replicas: 1\n' : ''}  template:
    metadata: {labels: {app: rev-${kind.toLowerCase()}}}
    spec:
      terminationGracePeriodSeconds: 0
      tolerations: [{operator: Exists}]
      containers:
      - {name: main, image: ${image}, imagePullPolicy: Never, command: [sleep, "3600"]}
`;
    for (const kind of ['StatefulSet', 'DaemonSet'] as const) {
      const ref = { context, kind, namespace: 'default', name: `rev-${kind.toLowerCase()}` };
      const images = async () => (await h.listResources({ context, kind, namespace: 'default' }, ctx)).rows.find((r) => r.name === ref.name)?.cells.images;
      await h.applyYaml({ context, yaml: manifest(kind, imageA) }, ctx);
      await h.applyYaml({ context, yaml: manifest(kind, imageB) }, ctx);
      const hist = await waitFor(`${kind}: two revisions`, 60_000, async () => {
        const r = (await h.rolloutHistory(ref, ctx)).revisions;
        return r.length === 2 && r[1]!.current ? r : undefined;
      });
      expect(hist.map((r) => [r.revision, r.images[0], r.current])).toEqual([
        [1, imageA, false],
        [2, imageB, true],
      ]);
      expect(await images()).toBe(imageB);
      expect(await h.rolloutUndo(ref, ctx)).toEqual({ revision: 1 });
      await waitFor(`${kind}: the first image back`, 60_000, async () => (await images()) === imageA);
      // As with Deployments, the old revision comes back as the newest one.
      const after = await waitFor(`${kind}: revision 3 current`, 60_000, async () => (await h.rolloutHistory(ref, ctx)).revisions.find((r) => r.current && r.revision === 3));
      expect(after.images).toEqual([imageA]);
      await clients(sb.kubeconfig, context).kc.makeApiClient(AppsV1Api)[kind === 'StatefulSet' ? 'deleteNamespacedStatefulSet' : 'deleteNamespacedDaemonSet']({ name: ref.name, namespace: 'default' });
    }
  });

  it('node labels and taints: set, read back, remove', async () => {
    const node = `${name}-control-plane`;
    const before = await h.getNodeMeta({ context, node }, ctx);
    expect(before.labels['kubernetes.io/hostname']).toBe(node);
    const set = await h.setNodeMeta({ context, node, labels: { 'example.com/tier': 'gold', disk: 'ssd' }, taints: [...before.taints, { key: 'example.com/dedicated', value: 'db', effect: 'NoSchedule' }, { key: 'maintenance', effect: 'PreferNoSchedule' }] }, ctx);
    expect(set.labels).toMatchObject({ 'example.com/tier': 'gold', disk: 'ssd' });
    const read = await h.getNodeMeta({ context, node }, ctx);
    expect(read.taints).toEqual(expect.arrayContaining([{ key: 'example.com/dedicated', value: 'db', effect: 'NoSchedule' }, { key: 'maintenance', effect: 'PreferNoSchedule' }]));
    const nodeObj = await clients(sb.kubeconfig, context).core.readNode({ name: node });
    expect(nodeObj.metadata?.labels?.disk).toBe('ssd');
    expect(nodeObj.spec?.taints?.map((t) => t.key)).toContain('example.com/dedicated');
    const back = await h.setNodeMeta({ context, node, labels: { 'example.com/tier': null, disk: null }, taints: before.taints }, ctx);
    expect(back.labels).not.toHaveProperty('disk');
    expect(back.labels).not.toHaveProperty('example.com/tier');
    expect(back.taints).toEqual(before.taints);
    await expect(h.setNodeMeta({ context, node, taints: [{ key: 'x', effect: 'NoSchedule' }, { key: 'x', effect: 'NoSchedule' }] }, ctx)).rejects.toThrow(/HTTP 422/);
  });

  it('health details: one healthy etcd member with its version, kubeadm certificate expiry, component versions', async () => {
    const d = await h.clusterHealthDetails({ context }, ctx);
    expect(d.etcd.reason).toBeUndefined();
    expect(d.etcd.members).toHaveLength(1);
    expect(d.etcd.members[0]).toMatchObject({ name: `${name}-control-plane`, healthy: true, leader: true, version: expect.stringMatching(/^3\./) });
    expect(d.certificates.source).toMatch(/kubeadm/);
    const apiserver = d.certificates.certs.find((c) => c.name === 'apiserver');
    expect(apiserver?.residualDays).toBeGreaterThan(300);
    expect(d.certificates.certs.some((c) => c.name === 'ca (CA)' && c.residualDays > 3000)).toBe(true);
    expect(d.components.find((c) => c.name === 'kubelet')?.version).toMatch(/^v1\./);
    expect(d.components.some((c) => c.name === 'etcd' && /^3\./.test(c.version))).toBe(true);
  });

  it('CLI: paddock wl get/exec/rollout/node-meta/health by --cluster and --context', async () => {
    const get = await sb.paddock(['wl', 'get', 'deploy', '--cluster', name]);
    expect(get.exitCode, get.all).toBe(0);
    expect(get.stdout).toMatch(/^NAME\s+STATUS\s+READY/);
    expect(get.stdout).toMatch(/\nweb\s+Ready\s+1\/1/);
    const [pod] = await runningPods();
    const exec = await sb.paddock(['wl', 'exec', pod!.name, '--context', context, '--', 'sh', '-c', 'echo out-$((40+2)); exit 5']);
    expect(exec.stdout.trim()).toBe('out-42');
    expect(exec.exitCode).toBe(5);
    const hist = await sb.paddock(['wl', 'rollout', 'history', 'deploy/web', '--cluster', name, '-o', 'json']);
    expect(hist.exitCode, hist.all).toBe(0);
    expect((JSON.parse(hist.stdout) as { current: boolean }[]).filter((r) => r.current)).toHaveLength(1);
    const node = `${name}-control-plane`;
    const set = await sb.paddock(['wl', 'node-meta', node, 'cli=yes', '--taint', 'cli=yes:PreferNoSchedule', '--cluster', name]);
    expect(set.exitCode, set.all).toBe(0);
    expect(set.stdout).toContain('cli=yes:PreferNoSchedule');
    const unset = await sb.paddock(['wl', 'node-meta', node, 'cli-', '--untaint', 'cli', '--cluster', name, '-o', 'json']);
    const meta = JSON.parse(unset.stdout) as { labels: Record<string, string>; taints: { key: string }[] };
    expect(meta.labels).not.toHaveProperty('cli');
    expect(meta.taints.map((t) => t.key)).not.toContain('cli');
    const health = await sb.paddock(['wl', 'health', '--cluster', name]);
    expect(health.exitCode, health.all).toBe(0);
    expect(health.stdout).toMatch(/✓ \/readyz/);
    expect(health.stdout).toMatch(new RegExp(`✓ ${node}\\s+3\\.`));
    const bad = await sb.paddock(['wl', 'scale', 'po/x', '--replicas', '1', '--cluster', name]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.all).toMatch(/not a workload/);
  });

  it('says which context is missing', async () => {
    await expect(h.listResources({ context: 'no-such-context', kind: 'Pod' }, ctx)).rejects.toThrow(/no-such-context/);
  });
});
