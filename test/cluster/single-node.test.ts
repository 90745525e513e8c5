import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { clients, isReady, runPod, waitFor } from '../support/kube.js';
import { webDeployment } from '../support/manifests.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';
import { freePort } from '../../src/provisioner/ports.js';

const name = `t${runId()}-one`;
const sb = sandbox();

describeIf('cluster', await clusterUnavailableReason())('single-node cluster from a kind config', () => {
  let api: ReturnType<typeof clients>;
  let busybox = '';
  let nodePortHost = 0;

  beforeAll(async () => {
    busybox = await ensureBusyboxImage();
    nodePortHost = await freePort();
    const config = path.join(sb.dir, 'kind.yaml');
    fs.writeFileSync(
      config,
      [
        'kind: Cluster',
        'apiVersion: kind.x-k8s.io/v1alpha4',
        'containerdConfigPatches:',
        '- |-',
        '  [plugins."io.containerd.cri.v1.images".registry]',
        '  config_path = "/etc/containerd/certs.d"',
        'nodes:',
        '- role: control-plane',
        '  extraPortMappings:',
        '  - containerPort: 30080',
        `    hostPort: ${nodePortHost}`,
        '',
      ].join('\n'),
    );
    const r = await sb.paddock(['create', '--name', name, '--config', config, '--image', TEST_NODE_IMAGE, '--wait', '5m']);
    if (r.exitCode !== 0) throw new Error(`paddock create failed (${r.exitCode}):\n${r.all}`);
    const load = await sb.paddock(['load-image', busybox, '--cluster', name]);
    if (load.exitCode !== 0) throw new Error(`paddock load-image failed:\n${load.all}`);
    api = clients(sb.kubeconfig, `paddock-${name}`);
  });

  afterAll(async () => {
    await sb.paddock(['delete', name]);
    await sb.cleanup([name]);
  });

  it('wrote a context into the kubeconfig (mode 0600) and made it current', () => {
    const doc = yaml.load(fs.readFileSync(sb.kubeconfig, 'utf8')) as { 'current-context': string; clusters: { cluster: { server: string } }[] };
    expect(doc['current-context']).toBe(`paddock-${name}`);
    expect(doc.clusters[0]?.cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(fs.statSync(sb.kubeconfig).mode & 0o777).toBe(0o600);
  });

  it('lists the cluster as running', async () => {
    const r = await sb.paddock(['list', '-o', 'json']);
    const c = (JSON.parse(r.stdout) as { name: string; status: string; nodes: unknown[] }[]).find((x) => x.name === name);
    expect(c?.status).toBe('running');
    expect(c?.nodes).toHaveLength(1);
  });

  it('has a Ready node running the expected Kubernetes version', async () => {
    const nodes = await api.core.listNode();
    expect(nodes.items).toHaveLength(1);
    expect(isReady(nodes.items[0]!)).toBe(true);
    expect(nodes.items[0]?.status?.nodeInfo?.kubeletVersion).toMatch(/^v1\.\d+\.\d+/);
  });

  it('resolves kubernetes.default through CoreDNS from a pod', async () => {
    const r = await runPod(api.core, { name: 'dns-check', image: busybox, command: ['nslookup', 'kubernetes.default.svc.cluster.local'] });
    // busybox's nslookup also asks for AAAA and may exit 1 on "no answer" there; the A record is what counts.
    expect(r.logs).toMatch(/Address:?\s+10\.96\.0\.1/);
  });

  it('runs a 2-replica Deployment whose Service answers from another pod and from the host via a NodePort', async () => {
    const labels = { app: 'web' };
    await api.apps.createNamespacedDeployment({ namespace: 'default', body: webDeployment(busybox, { replicas: 2 }) });
    await api.core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'web' }, spec: { type: 'NodePort', selector: labels, ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] } },
    });
    await waitFor('deployment web available', 120_000, async () => (await api.apps.readNamespacedDeployment({ name: 'web', namespace: 'default' })).status?.availableReplicas === 2);
    const r = await runPod(api.core, { name: 'svc-check', image: busybox, command: ['wget', '-qO-', 'http://web.default.svc.cluster.local/'] });
    expect(r.phase).toBe('Succeeded');
    expect(r.logs).toMatch(/^web-/);
    const fromHost = await waitFor('NodePort from the host', 30_000, async () => {
      const res = await fetch(`http://127.0.0.1:${nodePortHost}/`, { signal: AbortSignal.timeout(3000) });
      return res.ok ? (await res.text()).trim() : undefined;
    });
    expect(fromHost).toMatch(/^web-/);
  });

  it('binds a PVC through the default StorageClass and keeps a file across pods', async () => {
    const classes = await api.storage.listStorageClass();
    const defaults = classes.items.filter((c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
    expect(defaults).toHaveLength(1);
    await api.core.createNamespacedPersistentVolumeClaim({
      namespace: 'default',
      body: { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } },
    });
    const volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
    const volumeMounts = [{ name: 'data', mountPath: '/data' }];
    const write = await runPod(api.core, { name: 'pvc-write', image: busybox, command: ['sh', '-c', 'echo kept > /data/file && cat /data/file'], volumes, volumeMounts });
    expect(write.phase).toBe('Succeeded');
    const pvc = await api.core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace: 'default' });
    expect(pvc.status?.phase).toBe('Bound');
    await api.core.deleteNamespacedPod({ name: 'pvc-write', namespace: 'default' });
    const read = await runPod(api.core, { name: 'pvc-read', image: busybox, command: ['cat', '/data/file'], volumes, volumeMounts });
    expect(read.logs.trim()).toBe('kept');
  });

  it("applied the config's containerd patch and containerd runs with it", async () => {
    const { execa } = await import('execa');
    const config = (await execa('docker', ['exec', `${name}-control-plane`, 'cat', '/etc/containerd/config.toml'])).stdout;
    expect(config).toContain('config_path = "/etc/containerd/certs.d"');
    expect(config).toContain('restrict_oom_score_adj = true');
  });

  it('prints a working standalone kubeconfig', async () => {
    const r = await sb.paddock(['kubeconfig', name]);
    expect(r.exitCode).toBe(0);
    const doc = yaml.load(r.stdout) as { 'current-context': string };
    expect(doc['current-context']).toBe(`paddock-${name}`);
  });
});
