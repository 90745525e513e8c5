import https from 'node:https';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { clients, isReady, waitFor } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { containerIps, internalIps, readPvcFile, writePvcFile } from '../support/restart.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';

const name = `t${runId()}-ha`;
const sb = sandbox();

async function nodeFile(node: string, file: string): Promise<string> {
  return (await execa('docker', ['exec', node, 'cat', file])).stdout;
}

/** etcd's member list over its JSON gateway, with the health-check client certificate. */
async function etcdMembers(node: string): Promise<string[]> {
  const [ca, cert, key, ip] = await Promise.all([
    nodeFile(node, '/etc/kubernetes/pki/etcd/ca.crt'),
    nodeFile(node, '/etc/kubernetes/pki/etcd/healthcheck-client.crt'),
    nodeFile(node, '/etc/kubernetes/pki/etcd/healthcheck-client.key'),
    execa('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', node]).then((r) => r.stdout.trim()),
  ]);
  const body = await new Promise<string>((resolve, reject) => {
    const req = https.request({ host: ip, port: 2379, path: '/v3/cluster/member/list', method: 'POST', ca, cert, key, servername: node, timeout: 5000 }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve(data));
    });
    req.on('error', reject);
    req.end('{}');
  });
  return ((JSON.parse(body) as { members?: { name: string }[] }).members ?? []).map((m) => m.name).sort();
}

describeIf('cluster', await clusterUnavailableReason())('HA: 3 control planes + 1 worker behind the load balancer', () => {
  let api: ReturnType<typeof clients>;

  beforeAll(async () => {
    const r = await sb.paddock(['create', '--name', name, '--control-planes', '3', '--workers', '1', '--image', TEST_NODE_IMAGE, '--wait', '10m']);
    if (r.exitCode !== 0) throw new Error(`paddock create failed (${r.exitCode}):\n${r.all}`);
    api = clients(sb.kubeconfig, `paddock-${name}`);
  });

  afterAll(async () => {
    await sb.paddock(['delete', name]);
    await sb.cleanup([name]);
  });

  it('has four Ready nodes and an API published by the load balancer', async () => {
    const nodes = (await api.core.listNode()).items;
    expect(nodes).toHaveLength(4);
    expect(nodes.every(isReady)).toBe(true);
    const status = JSON.parse((await sb.paddock(['status', name, '-o', 'json'])).stdout) as { nodes: { role: string }[] };
    expect(status.nodes.map((n) => n.role)).toEqual(['load-balancer', 'control-plane', 'control-plane', 'control-plane', 'worker']);
  });

  it('has three etcd members', async () => {
    expect(await etcdMembers(`${name}-control-plane`)).toEqual([`${name}-control-plane`, `${name}-control-plane2`, `${name}-control-plane3`]);
  });

  it('keeps answering with one control plane stopped', async () => {
    await execa('docker', ['stop', '-t', '5', `${name}-control-plane`]);
    const nodes = await waitFor('API through the load balancer', 60_000, async () => (await api.core.listNode()).items);
    expect(nodes).toHaveLength(4);
    // And writes still work: etcd keeps quorum with 2 of 3.
    await api.core.createNamespace({ body: { metadata: { name: 'still-writable' } } });
    expect((await api.core.readNamespace({ name: 'still-writable' })).metadata?.name).toBe('still-writable');
  });

  it('stops and starts as a whole (load balancer, then all control planes) with the same addresses and data', async () => {
    // The test before left one control plane stopped: `start` brings a partly stopped cluster back too.
    const restart = await sb.paddock(['start', name]);
    expect(restart.exitCode, restart.all).toBe(0);
    const busybox = await ensureBusyboxImage();
    const load = await sb.paddock(['load-image', busybox, '--cluster', name]);
    expect(load.exitCode, load.all).toBe(0);
    await writePvcFile(api.core, busybox, 'kept-in-ha');
    const ipsBefore = await internalIps(api.core);
    const port = (JSON.parse((await sb.paddock(['status', name, '-o', 'json'])).stdout) as { apiServer?: { port: number } }).apiServer?.port;

    const stop = await sb.paddock(['stop', name]);
    expect(stop.exitCode, stop.all).toBe(0);
    // etcd's three members all start from disk at once: quorum comes back without any of them re-joining.
    const start = await sb.paddock(['start', name]);
    expect(start.exitCode, start.all).toBe(0);

    const status = JSON.parse((await sb.paddock(['status', name, '-o', 'json'])).stdout) as { status: string; apiServer?: { port: number } };
    expect(status.status).toBe('running');
    expect(status.apiServer?.port).toBe(port);
    for (const [c, [ip, label]] of Object.entries(await containerIps(name))) expect(ip, c).toBe(label);
    const nodes = (await api.core.listNode()).items;
    expect(nodes).toHaveLength(4);
    expect(nodes.every(isReady)).toBe(true);
    expect(await internalIps(api.core)).toEqual(ipsBefore);
    expect(await etcdMembers(`${name}-control-plane`)).toHaveLength(3);
    expect(await readPvcFile(api.core, busybox)).toBe('kept-in-ha');
  });
});
