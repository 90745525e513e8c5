import fs from 'node:fs';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { clients, isReady, waitFor } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';

const name = `t${runId()}-multi`;
const sb = sandbox();

const config = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
- role: worker
  labels:
    tier: frontend
- role: worker
  labels:
    tier: backend
  kubeadmConfigPatches:
  - |
    kind: JoinConfiguration
    nodeRegistration:
      taints:
      - key: dedicated
        value: backend
        effect: NoSchedule
`;

describeIf('cluster', await clusterUnavailableReason())('1 control plane + 2 workers from a kind config', () => {
  let api: ReturnType<typeof clients>;
  let busybox = '';

  beforeAll(async () => {
    busybox = await ensureBusyboxImage();
    const file = path.join(sb.dir, 'kind.yaml');
    fs.writeFileSync(file, config);
    const r = await sb.paddock(['create', '--name', name, '--config', file, '--image', TEST_NODE_IMAGE]);
    if (r.exitCode !== 0) throw new Error(`paddock create failed (${r.exitCode}):\n${r.all}`);
    const load = await sb.paddock(['load-image', busybox, '--cluster', name]);
    if (load.exitCode !== 0) throw new Error(`load-image failed:\n${load.all}`);
    api = clients(sb.kubeconfig, `paddock-${name}`);
  });

  afterAll(async () => {
    await sb.paddock(['delete', name]);
    await sb.cleanup([name]);
  });

  it('has three Ready nodes with the roles, labels and taints asked for', async () => {
    const nodes = (await api.core.listNode()).items;
    const byName = Object.fromEntries(nodes.map((n) => [n.metadata!.name!, n]));
    expect(Object.keys(byName).sort()).toEqual([`${name}-control-plane`, `${name}-worker`, `${name}-worker2`]);
    expect(nodes.every(isReady)).toBe(true);
    const cp = byName[`${name}-control-plane`]!;
    expect(cp.metadata?.labels).toHaveProperty('node-role.kubernetes.io/control-plane');
    expect(cp.spec?.taints?.map((t) => t.key)).toContain('node-role.kubernetes.io/control-plane');
    expect(byName[`${name}-worker`]?.metadata?.labels?.tier).toBe('frontend');
    // Taints asked for; the node.kubernetes.io/ ones are Kubernetes' own (the
    // not-ready NoExecute taint outlives Ready until the next health pass).
    const asked = (n?: k8s.V1Node) => (n?.spec?.taints ?? []).filter((t) => !t.key.startsWith('node.kubernetes.io/'));
    expect(asked(byName[`${name}-worker`])).toEqual([]);
    expect(byName[`${name}-worker2`]?.metadata?.labels?.tier).toBe('backend');
    expect(asked(byName[`${name}-worker2`])).toEqual([{ key: 'dedicated', value: 'backend', effect: 'NoSchedule' }]);
  });

  it('schedules ordinary pods on the untainted worker, and tolerating pods on the tainted one', async () => {
    const labels = { app: 'spread' };
    await api.apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'spread' },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: busybox, imagePullPolicy: 'Never', command: ['sleep', '3600'] }] } },
        },
      },
    });
    await api.core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'backend-only' },
        spec: {
          nodeSelector: { tier: 'backend' },
          tolerations: [{ key: 'dedicated', value: 'backend', effect: 'NoSchedule' }],
          containers: [{ name: 'c', image: busybox, imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
        },
      },
    });
    await waitFor('spread available', 120_000, async () => (await api.apps.readNamespacedDeployment({ name: 'spread', namespace: 'default' })).status?.availableReplicas === 3);
    const pods = (await api.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=spread' })).items;
    expect(new Set(pods.map((p) => p.spec?.nodeName))).toEqual(new Set([`${name}-worker`]));
    const pinned = await waitFor('backend-only running', 120_000, async () => {
      const p = await api.core.readNamespacedPod({ name: 'backend-only', namespace: 'default' });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    expect(pinned.spec?.nodeName).toBe(`${name}-worker2`);
  });

  it('lists the cluster with its three nodes', async () => {
    const r = await sb.paddock(['status', name, '-o', 'json']);
    const c = JSON.parse(r.stdout) as { status: string; nodes: { role: string; status: string }[] };
    expect(c.status).toBe('running');
    expect(c.nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
  });
});
