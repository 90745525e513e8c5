import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { clients, isReady, waitFor } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { containerIps, internalIps, readPvcFile, writePvcFile } from '../support/restart.js';
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

describeIf('cluster', await clusterUnavailableReason())('cluster lifecycle (1 control plane + 2 workers): stop/start, pause, crash, logs, busy', () => {
  let api: ReturnType<typeof clients>;
  let before: Status;
  let busybox = '';

  beforeAll(async () => {
    busybox = await ensureBusyboxImage();
    const r = await sb.paddock(['create', '--name', name, '--workers', '2', '--image', TEST_NODE_IMAGE]);
    if (r.exitCode !== 0) throw new Error(`paddock create failed (${r.exitCode}):\n${r.all}`);
    const load = await sb.paddock(['load-image', busybox, '--cluster', name]);
    if (load.exitCode !== 0) throw new Error(`paddock load-image failed:\n${load.all}`);
    api = clients(sb.kubeconfig, `paddock-${name}`);
    await api.core.createNamespace({ body: { metadata: { name: 'kept' } } });
    before = await status();
  });

  afterAll(async () => {
    await sb.paddock(['delete', name]);
    await sb.cleanup([name]);
  });

  it('stops, then two concurrent starts: one waits or says busy, and the cluster comes back with the same addresses, API port and data', async () => {
    await writePvcFile(api.core, busybox, 'kept-across-restart');
    const ipsBefore = await internalIps(api.core);
    const containersBefore = await containerIps(name);
    expect(Object.keys(ipsBefore)).toHaveLength(3);
    for (const [c, [ip, label]] of Object.entries(containersBefore)) expect(ip, c).toBe(label);

    const stop = await sb.paddock(['stop', name]);
    expect(stop.exitCode, stop.all).toBe(0);
    console.log(`stop: ${stop.stderr.match(/✓ Stopping.*/)?.[0]}`);
    expect((await status()).status).toBe('stopped');

    // A container that took a stopped node's address: start says which, and what to do.
    const cpIp = before.nodes.find((n) => n.name === `${name}-control-plane`)!.ip!;
    await execa('docker', ['run', '-d', '--name', `${name}-squatter`, '--label', `io.paddock.addon-of=${name}`, '--network', 'paddock', '--ip', cpIp, busybox, 'sleep', '600']);
    const refused = await sb.paddock(['start', name]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`its address ${cpIp} is taken by container "${name}-squatter"`);
    await execa('docker', ['rm', '-f', `${name}-squatter`]);
    if ((await status()).status !== 'stopped') expect((await sb.paddock(['stop', name])).exitCode).toBe(0);

    // Two real CLI processes, as a user's terminal and the GUI would.
    const starts = await Promise.all([sb.paddock(['start', name]), sb.paddock(['start', name])]);
    const ok = starts.filter((r) => r.exitCode === 0);
    expect(ok.length, starts.map((r) => r.all).join('\n---\n')).toBeGreaterThanOrEqual(1);
    for (const r of starts.filter((x) => x.exitCode !== 0)) {
      expect(r.stderr).toMatch(new RegExp(`cluster "${name}" is busy: start since \\S+ \\(pid \\d+\\)`));
    }

    const after = await status();
    expect(after.status).toBe('running');
    expect(after.apiServer?.port).toBe(before.apiServer?.port);
    expect(after.nodes.map((n) => [n.name, n.ip])).toEqual(before.nodes.map((n) => [n.name, n.ip]));
    expect(await containerIps(name)).toEqual(containersBefore);
    // `start` returns once every node is Ready, through the unchanged kubeconfig.
    const nodes = (await api.core.listNode()).items;
    expect(nodes).toHaveLength(3);
    expect(nodes.every(isReady)).toBe(true);
    expect(await internalIps(api.core)).toEqual(ipsBefore);
    expect((await api.core.readNamespace({ name: 'kept' })).metadata?.name).toBe('kept');
    expect(await readPvcFile(api.core, busybox)).toBe('kept-across-restart');
  });

  it('pauses (the API stops answering) and unpauses (it answers again)', async () => {
    const pause = await sb.paddock(['pause', name]);
    expect(pause.exitCode, pause.all).toBe(0);
    expect((await status()).status).toBe('paused');
    await expect(fetch(`https://127.0.0.1:${before.apiServer!.port}/livez`, { signal: AbortSignal.timeout(1500) })).rejects.toThrow();
    const unpause = await sb.paddock(['unpause', name]);
    expect(unpause.exitCode, unpause.all).toBe(0);
    await waitFor('API after unpause', 60_000, async () => (await api.core.listNode()).items.length === 3);
  });

  it('comes back by itself when a node crashes (restart policy)', async () => {
    const pid = (await execa('docker', ['inspect', '-f', '{{.State.Pid}}', `${name}-control-plane`])).stdout.trim();
    await execa('kill', ['-9', pid]);
    await waitFor('node container restarted', 60_000, async () => (await execa('docker', ['inspect', '-f', '{{.RestartCount}} {{.State.Running}}', `${name}-control-plane`])).stdout.trim().endsWith('true'));
    const nodes = await waitFor('nodes Ready after the crash', 180_000, async () => {
      const items = (await api.core.listNode()).items;
      return items.length === 3 && items.every(isReady) ? items : undefined;
    });
    expect(nodes).toHaveLength(3);
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
});
