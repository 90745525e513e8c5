/**
 * Every addon on one real cluster, checked from the host: DNS and storage
 * (on by default), ingress (an HTTP request through an Ingress on a
 * 127.0.0.1 port made after create), load-balancer (a LoadBalancer Service
 * answers on 127.0.0.1), metrics-server (node metrics, an HPA scales under
 * load); then disable leaves nothing of any of them.
 */
import http from 'node:http';
import * as k8s from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { removeLabelled } from '../support/cleanup.js';
import { clients, waitFor } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';

const name = `t${runId()}-addons`;
const sb = sandbox();
const OWNED = 'app.kubernetes.io/managed-by=paddock,paddock.dev/addon';

/** GET with a Host header (fetch drops it, as the Fetch spec says). */
function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { Host: host }, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describeIf('cluster', await clusterUnavailableReason())('addons on a real cluster, used from the host', () => {
  let api: ReturnType<typeof clients>;
  let objects: k8s.KubernetesObjectApi;
  let busybox = '';

  // The sandbox has its own HOME; addon images are built with Go, whose module
  // and build caches live under HOME: keep the machine's, or every run is a cold build.
  let goEnv: Record<string, string> = {};
  const paddock = async (args: string[]) => {
    const r = await sb.paddock(args, { env: goEnv });
    if (r.exitCode !== 0) throw new Error(`paddock ${args.join(' ')} failed (${r.exitCode}):\n${r.all}`);
    return r;
  };
  const status = async (addon: string) => JSON.parse((await paddock(['addons', 'status', addon, '--cluster', name, '-o', 'json'])).stdout) as { enabled: boolean; health: string; status: string; usage: string };
  /** Every object of these kinds that carries the addon's ownership labels. */
  const owned = async (addon: string) => {
    const kinds: [string, string][] = [
      ['v1', 'Namespace'], ['v1', 'ServiceAccount'], ['v1', 'Service'], ['v1', 'ConfigMap'], ['v1', 'Secret'], ['apps/v1', 'Deployment'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRole'], ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'], ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
      ['networking.k8s.io/v1', 'IngressClass'], ['apiregistration.k8s.io/v1', 'APIService'], ['storage.k8s.io/v1', 'StorageClass'],
    ];
    const found: string[] = [];
    for (const [v, k] of kinds) {
      const list = await objects.list(v, k, undefined, undefined, undefined, undefined, undefined, `${OWNED}=${addon}`);
      found.push(...list.items.map((i) => `${k} ${i.metadata?.name}`));
    }
    return found;
  };
  const addonContainers = async (addon: string) =>
    (await execa('docker', ['ps', '-aq', '--filter', `label=io.paddock.addon-of=${name}`, '--filter', `label=io.paddock.addon=${addon}`])).stdout.split('\n').filter(Boolean);

  beforeAll(async () => {
    goEnv = JSON.parse((await execa('go', ['env', '-json', 'GOPATH', 'GOMODCACHE', 'GOCACHE'])).stdout) as Record<string, string>;
    busybox = await ensureBusyboxImage();
    await paddock(['create', '--name', name, '--image', TEST_NODE_IMAGE, '--wait', '5m']);
    await paddock(['load-image', busybox, '--cluster', name]);
    api = clients(sb.kubeconfig, `paddock-${name}`);
    objects = k8s.KubernetesObjectApi.makeApiClient(api.kc);
    // A small web server the addons route to.
    await api.apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              containers: [{
                name: 'web', image: busybox, imagePullPolicy: 'Never',
                command: ['sh', '-c', 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && httpd -f -p 8080 -h /www'],
                resources: { requests: { cpu: '50m' } },
              }],
            },
          },
        },
      },
    });
    await api.core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } });
  });

  afterAll(async () => {
    await sb.paddock(['delete', name]);
    await removeLabelled(`io.paddock.addon-of=${name}`);
    await sb.cleanup([name]);
  });

  it('lists every addon; dns and storage are on and healthy from the start', async () => {
    const r = await paddock(['addons', 'list', '--cluster', name, '-o', 'json']);
    const list = JSON.parse(r.stdout) as { name: string; enabled: boolean; health: string }[];
    expect(list.map((a) => a.name)).toEqual(expect.arrayContaining(['dns', 'storage', 'ingress', 'load-balancer', 'metrics-server']));
    expect(list.filter((a) => a.enabled).map((a) => a.name).sort()).toEqual(['dns', 'storage']);
    expect(list.find((a) => a.name === 'storage')?.health).toBe('healthy');
  });

  it('dns: the status check resolves a Service name from a pod; enable adopts kubeadm\'s CoreDNS', async () => {
    const s = await status('dns');
    expect(s.health).toBe('healthy');
    expect(s.status).toMatch(/✓ busybox nslookup kubernetes\.default\.svc\.cluster\.local: ok/);
    expect(await owned('dns')).toEqual([]);
    await paddock(['addons', 'enable', 'dns', '--cluster', name]);
    expect((await owned('dns')).sort()).toEqual(['ClusterRole system:coredns', 'ClusterRoleBinding system:coredns', 'ConfigMap coredns', 'Deployment coredns', 'Service kube-dns', 'ServiceAccount coredns']);
  });

  it('an unknown addon or setting is a clear error', async () => {
    const a = await sb.paddock(['addons', 'enable', 'nope', '--cluster', name], { env: goEnv });
    expect(a.exitCode).not.toBe(0);
    expect(a.all).toMatch(/unknown addon "nope"/);
    const b = await sb.paddock(['addons', 'enable', 'ingress', '--cluster', name, '--set', 'colour=blue'], { env: goEnv });
    expect(b.exitCode).not.toBe(0);
    expect(b.all).toMatch(/no setting "colour"/);
  });

  it('ingress: enabled after create, an Ingress answers on 127.0.0.1 by Host and path', async () => {
    await paddock(['addons', 'enable', 'ingress', '--cluster', name, '--set', 'httpPort=0', '--set', 'httpsPort=0']);
    const s = await status('ingress');
    expect(s.health).toBe('healthy');
    const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(s.usage)?.[1]);
    expect(port).toBeGreaterThan(0);
    const net = kcNetworking();
    await net.createNamespacedIngress({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: { rules: [{ host: 'web.localhost', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
      },
    });
    const body = await waitFor('the Ingress to answer from the host', 60_000, async () => {
      const res = await get(port, 'web.localhost');
      return res.status === 200 ? res.body : undefined;
    });
    expect(body).toMatch(/^hello from web-/);
    // Another host name is not routed to it.
    expect((await get(port, 'other.localhost')).status).toBe(404);
    // Status of the Ingress says where it is served.
    const ing = await net.readNamespacedIngress({ name: 'web', namespace: 'default' });
    expect(ing.status?.loadBalancer?.ingress?.[0]?.ip).toBe('127.0.0.1');
  });

  it('enabling twice changes nothing', async () => {
    const before = (await execa('docker', ['ps', '-q', '--no-trunc', '--filter', `label=io.paddock.addon-of=${name}`, '--filter', 'label=io.paddock.addon=ingress'])).stdout;
    const dep = await api.apps.readNamespacedDeployment({ name: 'traefik', namespace: 'ingress-traefik' });
    await paddock(['addons', 'enable', 'ingress', '--cluster', name, '--set', 'httpPort=0', '--set', 'httpsPort=0']);
    const after = (await execa('docker', ['ps', '-q', '--no-trunc', '--filter', `label=io.paddock.addon-of=${name}`, '--filter', 'label=io.paddock.addon=ingress'])).stdout;
    expect(after).toBe(before);
    const dep2 = await api.apps.readNamespacedDeployment({ name: 'traefik', namespace: 'ingress-traefik' });
    expect(dep2.metadata?.generation).toBe(dep.metadata?.generation);
  });

  it('load-balancer: a LoadBalancer Service gets 127.0.0.1 and answers from the host', async () => {
    await paddock(['addons', 'enable', 'load-balancer', '--cluster', name]);
    await api.core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'web-lb' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
    });
    const svc = await waitFor('status.loadBalancer of web-lb', 60_000, async () => {
      const s = await api.core.readNamespacedService({ name: 'web-lb', namespace: 'default' });
      return s.status?.loadBalancer?.ingress?.[0]?.ip && s.metadata?.annotations?.['paddock.dev/load-balancer-ports'] ? s : undefined;
    });
    expect(svc.status?.loadBalancer?.ingress?.[0]?.ip).toBe('127.0.0.1');
    // Port 80 of the host may be taken on a shared machine: then a free one is used and named in the annotation.
    const address = /^80=(127\.0\.0\.1:\d+)$/.exec(svc.metadata!.annotations!['paddock.dev/load-balancer-ports']!)?.[1];
    expect(address).toBeDefined();
    const body = await waitFor('the LoadBalancer Service to answer from the host', 60_000, async () => {
      const res = await fetch(`http://${address}/`);
      return res.status === 200 ? res.text() : undefined;
    });
    expect(body).toMatch(/^hello from web-/);
    // A second one stays, to see disable take the addon's marks off it.
    await api.core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'web-lb2' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 8081, targetPort: 8080 }] } },
    });
    await waitFor('status.loadBalancer of web-lb2', 60_000, async () => (await api.core.readNamespacedService({ name: 'web-lb2', namespace: 'default' })).status?.loadBalancer?.ingress?.length);
    // Deleting the Service removes its proxy container.
    await api.core.deleteNamespacedService({ name: 'web-lb', namespace: 'default' });
    await waitFor('the proxy of web-lb to go', 30_000, async () => {
      const ids = (await execa('docker', ['ps', '-aq', '--filter', `label=io.paddock.lb-service=default/web-lb`, '--filter', `label=io.paddock.addon-of=${name}`])).stdout;
      return ids.trim() === '';
    });
  });

  it('metrics-server: node metrics through the metrics API, and an HPA scales under load', async () => {
    await paddock(['addons', 'enable', 'metrics-server', '--cluster', name]);
    const metrics = new k8s.Metrics(api.kc);
    const nodes = await waitFor('node metrics', 120_000, async () => {
      const m = await metrics.getNodeMetrics();
      return m.items.length > 0 ? m.items : undefined;
    });
    expect(nodes[0]?.usage.cpu).toMatch(/^\d+(n|u|m)?$/);
    expect(nodes[0]?.usage.memory).toMatch(/^\d+(Ki|Mi)?$/);
    const autoscaling = api.kc.makeApiClient(k8s.AutoscalingV2Api);
    await autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 1,
          maxReplicas: 3,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 20 } } }],
        },
      },
    });
    // Load: a pod that keeps requesting the web Service.
    await api.core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'load' },
        spec: { containers: [{ name: 'load', image: busybox, imagePullPolicy: 'Never', command: ['sh', '-c', 'while true; do wget -q -O /dev/null http://web/ ; done'] }] },
      },
    });
    const replicas = await waitFor('the HPA to scale web to 2 or more', 300_000, async () => {
      const d = await api.apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
      return (d.spec?.replicas ?? 1) >= 2 ? d.spec?.replicas : undefined;
    });
    expect(replicas).toBeGreaterThanOrEqual(2);
    await api.core.deleteNamespacedPod({ name: 'load', namespace: 'default', gracePeriodSeconds: 0 });
    await autoscaling.deleteNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'default' });
  });

  it('registry: docker push from the host, then a pod runs the pushed image', async () => {
    await paddock(['addons', 'enable', 'registry', '--cluster', name, '--set', 'port=0']);
    const s = await status('registry');
    expect(s.health).toBe('healthy');
    const port = Number(/docker push localhost:(\d+)\//.exec(s.usage)?.[1]);
    expect(port).toBeGreaterThan(0);
    const ref = `localhost:${port}/paddock-test/app:dev`;
    await execa('docker', ['tag', busybox, ref]);
    try {
      await execa('docker', ['push', ref]);
    } finally {
      await execa('docker', ['rmi', ref], { reject: false });
    }
    await api.core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'pushed' }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: ref, imagePullPolicy: 'Always', command: ['echo', 'pulled from the local registry'] }] } },
    });
    const phase = await waitFor('the pod of the pushed image to finish', 120_000, async () => {
      const p = await api.core.readNamespacedPod({ name: 'pushed', namespace: 'default' });
      return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p.status.phase : undefined;
    });
    expect(phase).toBe('Succeeded');
    expect(String(await api.core.readNamespacedPodLog({ name: 'pushed', namespace: 'default' }))).toMatch(/pulled from the local registry/);
    await paddock(['addons', 'disable', 'registry', '--cluster', name]);
    expect(await addonContainers('registry')).toEqual([]);
    const node = `${name}-control-plane`;
    const left = await execa('docker', ['exec', node, 'ls', '/etc/containerd/certs.d'], { reject: false });
    expect(left.stdout).not.toContain(`localhost:${port}`);
    expect((await status('registry')).enabled).toBe(false);
  });

  // metrics-server first: while its APIService exists without a server, namespace deletion stalls (discovery fails).
  it.each(['metrics-server', 'ingress', 'load-balancer', 'dns'])('disable %s leaves no labelled object and no container', async (addon) => {
    expect((await owned(addon)).length).toBeGreaterThan(0);
    await paddock(['addons', 'disable', addon, '--cluster', name]);
    expect(await owned(addon)).toEqual([]);
    expect(await addonContainers(addon)).toEqual([]);
    const s = await status(addon);
    expect(s.enabled).toBe(false);
    if (addon === 'load-balancer') {
      const svc = await api.core.readNamespacedService({ name: 'web-lb2', namespace: 'default' });
      expect(svc.status?.loadBalancer?.ingress ?? []).toEqual([]);
      expect(svc.metadata?.annotations?.['paddock.dev/load-balancer-ports']).toBeUndefined();
    }
  });

  it('dns comes back with enable, adopted and labelled', async () => {
    await paddock(['addons', 'enable', 'dns', '--cluster', name]);
    expect((await owned('dns')).length).toBeGreaterThan(0);
    expect((await status('dns')).health).toBe('healthy');
  });

  function kcNetworking() {
    return api.kc.makeApiClient(k8s.NetworkingV1Api);
  }
});
