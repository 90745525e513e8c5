import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { countLabelled } from '../support/cleanup.js';
import { clients, isReady, waitFor } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';

const id = runId();
const name = `t${id}-life`;
const sb = sandbox();

interface Status {
  status: string;
  reason?: string;
  apiServer?: { port: number };
  nodes: { name: string; ip?: string; status: string }[];
}
const status = async (n = name): Promise<Status> => JSON.parse((await sb.paddock(['status', n, '-o', 'json'])).stdout) as Status;

describeIf('cluster', await clusterUnavailableReason())('cluster lifecycle: stop/start, pause, crash, logs, busy, killed create', () => {
  let api: ReturnType<typeof clients>;
  let before: Status;

  beforeAll(async () => {
    const r = await sb.paddock(['create', '--name', name, '--workers', '1', '--image', TEST_NODE_IMAGE]);
    if (r.exitCode !== 0) throw new Error(`paddock create failed (${r.exitCode}):\n${r.all}`);
    api = clients(sb.kubeconfig, `paddock-${name}`);
    await api.core.createNamespace({ body: { metadata: { name: 'kept' } } });
    before = await status();
  });

  afterAll(async () => {
    await sb.paddock(['delete', name]);
    await sb.cleanup([name, `t${id}-killed`]);
  });

  it('stops and starts with the same addresses, API port and data', async () => {
    const stop = await sb.paddock(['stop', name]);
    expect(stop.exitCode).toBe(0);
    expect((await status()).status).toBe('stopped');
    const start = await sb.paddock(['start', name]);
    expect(start.exitCode, start.all).toBe(0);
    const after = await status();
    expect(after.status).toBe('running');
    expect(after.apiServer?.port).toBe(before.apiServer?.port);
    expect(after.nodes.map((n) => [n.name, n.ip])).toEqual(before.nodes.map((n) => [n.name, n.ip]));
    // `start` returns once every node is Ready, through the unchanged kubeconfig.
    const nodes = (await api.core.listNode()).items;
    expect(nodes.every(isReady)).toBe(true);
    expect((await api.core.readNamespace({ name: 'kept' })).metadata?.name).toBe('kept');
  });

  it('pauses (the API stops answering) and unpauses (it answers again)', async () => {
    expect((await sb.paddock(['pause', name])).exitCode).toBe(0);
    expect((await status()).status).toBe('paused');
    await expect(fetch(`https://127.0.0.1:${before.apiServer!.port}/livez`, { signal: AbortSignal.timeout(1500) })).rejects.toThrow();
    expect((await sb.paddock(['unpause', name])).exitCode).toBe(0);
    await waitFor('API after unpause', 60_000, async () => (await api.core.listNode()).items.length === 2);
  });

  it('comes back by itself when a node crashes (restart policy)', async () => {
    const pid = (await execa('docker', ['inspect', '-f', '{{.State.Pid}}', `${name}-control-plane`])).stdout.trim();
    await execa('kill', ['-9', pid]);
    await waitFor('node container restarted', 60_000, async () => (await execa('docker', ['inspect', '-f', '{{.RestartCount}} {{.State.Running}}', `${name}-control-plane`])).stdout.trim().endsWith('true'));
    const nodes = await waitFor('nodes Ready after the crash', 180_000, async () => {
      const items = (await api.core.listNode()).items;
      return items.length === 2 && items.every(isReady) ? items : undefined;
    });
    expect(nodes).toHaveLength(2);
    expect((await status()).nodes.find((n) => n.name === `${name}-control-plane`)?.ip).toBe(before.nodes.find((n) => n.name === `${name}-control-plane`)?.ip);
  });

  it('exports logs into a folder and an archive', async () => {
    const dir = path.join(sb.dir, 'logs');
    const r = await sb.paddock(['export-logs', name, dir]);
    expect(r.exitCode, r.all).toBe(0);
    const cp = path.join(dir, 'nodes', `${name}-control-plane`);
    expect(fs.readFileSync(path.join(cp, 'kubelet.log'), 'utf8')).toMatch(/kubelet/);
    expect(fs.readFileSync(path.join(cp, 'containerd.log'), 'utf8')).toMatch(/containerd/);
    expect(fs.readdirSync(path.join(cp, 'var-log', 'pods')).some((d) => d.startsWith('kube-system_kube-apiserver'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'events.txt'), 'utf8')).toMatch(/NAMESPACE/);
    expect(fs.readFileSync(path.join(dir, 'nodes-describe.txt'), 'utf8')).toContain(`${name}-worker`);
    expect(fs.readdirSync(path.join(dir, 'paddock')).some((f) => f.startsWith(`create-${name}-`))).toBe(true);
    expect(fs.statSync(`${dir}.tar.gz`).size).toBeGreaterThan(1000);
  });

  it('says the cluster is busy while another process works on it', async () => {
    const { lockPath } = await import('../../src/provisioner/cluster-lock.js');
    const lock = lockPath(name);
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, operation: 'stop', since: '2026-11-25T12:00:00.000Z' }));
    try {
      const r = await sb.paddock(['delete', name]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`cluster "${name}" is busy: stop since 2026-11-25T12:00:00.000Z`));
    } finally {
      fs.rmSync(lock);
    }
  });

  it('recognises a create killed with SIGKILL as broken, and delete removes all of it', async () => {
    const killed = `t${id}-killed`;
    const child = execa('node', [path.resolve('bin/paddock.js'), 'create', '--name', killed, '--image', TEST_NODE_IMAGE], { reject: false, env: sb.env });
    // Kill it in the middle of bootstrapping.
    await waitFor('kubeadm running', 120_000, async () => (await execa('docker', ['exec', `${killed}-control-plane`, 'pgrep', 'kubeadm'], { reject: false })).exitCode === 0);
    child.kill('SIGKILL');
    await child;
    const s = await status(killed);
    expect(s.status).toBe('broken');
    expect(s.reason).toMatch(/interrupted/);
    const list = JSON.parse((await sb.paddock(['list', '-o', 'json'])).stdout) as { name: string; status: string }[];
    expect(list.find((c) => c.name === killed)?.status).toBe('broken');
    expect((await sb.paddock(['delete', killed])).exitCode).toBe(0);
    expect(await countLabelled(`io.paddock.cluster=${killed}`)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
