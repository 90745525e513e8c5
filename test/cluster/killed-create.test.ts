/**
 * A create killed with SIGKILL (no rollback can run) at three different
 * steps: `list` must call it broken, and `delete` must leave nothing of it:
 * no container, no anonymous /var volume, no lock, no kubeconfig entry, and
 * not the shared network when no other cluster uses it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { lockPath } from '../../src/provisioner/cluster-lock.js';
import { countLabelled } from '../support/cleanup.js';
import { waitFor } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';

const id = runId();
const sb = sandbox();
const names: string[] = [];

/** Starts `paddock create -v` and gathers its progress output (non-TTY: one "• <step> …" line per step start). */
function startCreate(name: string, workers: number): { child: ResultPromise; output: () => string } {
  names.push(name);
  const child = execa('node', [path.resolve('bin/paddock.js'), 'create', '-v', '--name', name, '--workers', String(workers), '--image', TEST_NODE_IMAGE], {
    reject: false,
    all: true,
    env: sb.env,
  });
  let text = '';
  child.all?.on('data', (d: Buffer) => (text += d.toString()));
  return { child, output: () => text };
}

const running = async (container: string, cmd: string[]) => (await execa('docker', ['exec', container, ...cmd], { reject: false })).exitCode === 0;

async function anonymousVolumes(cluster: string): Promise<string[]> {
  const ids = (await execa('docker', ['ps', '-aq', '--filter', `label=io.paddock.cluster=${cluster}`])).stdout.split('\n').filter(Boolean);
  if (!ids.length) return [];
  // A container whose create request died with the killed process may still
  // be rolled back by the engine between the listing and the inspect: skip it.
  const outs = await Promise.all(ids.map((id) => execa('docker', ['inspect', '-f', '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}', id], { reject: false })));
  return outs.flatMap((o) => (o.exitCode === 0 ? o.stdout.split(/\s+/).filter(Boolean) : []));
}

async function killAndCheck(name: string, child: ResultPromise, output: () => string): Promise<void> {
  child.kill('SIGKILL');
  const r = await child;
  expect(r.signal, output()).toBe('SIGKILL');

  // Killed: the lock its create held is still there, with a dead pid.
  expect(fs.existsSync(lockPath(name))).toBe(true);
  const status = JSON.parse((await sb.paddock(['status', name, '-o', 'json'])).stdout) as { status: string; reason?: string };
  expect(status.status).toBe('broken');
  expect(status.reason).toMatch(/interrupted/);
  const list = JSON.parse((await sb.paddock(['list', '-o', 'json'])).stdout) as { name: string; status: string }[];
  expect(list.find((c) => c.name === name)?.status).toBe('broken');

  const volumes = await anonymousVolumes(name);
  expect(volumes.length, 'each node container has its anonymous /var volume').toBeGreaterThan(0);
  const del = await sb.paddock(['delete', name]);
  expect(del.exitCode, del.all).toBe(0);

  expect(await countLabelled(`io.paddock.cluster=${name}`)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  for (const v of volumes) expect((await execa('docker', ['volume', 'inspect', v], { reject: false })).exitCode, `volume ${v} left behind`).not.toBe(0);
  expect(fs.existsSync(lockPath(name)), 'lock file left behind').toBe(false);
  const kubeconfig = fs.existsSync(sb.kubeconfig) ? fs.readFileSync(sb.kubeconfig, 'utf8') : '';
  expect(kubeconfig).not.toContain(`paddock-${name}`);
  // The `paddock` network is shared: it may only stay while other clusters' containers use it.
  const net = await execa('docker', ['network', 'inspect', '-f', '{{range .Containers}}{{.Name}} {{end}}', 'paddock'], { reject: false });
  if (net.exitCode === 0) {
    const attached = net.stdout.split(/\s+/).filter(Boolean);
    expect(attached.length, 'the paddock network was left with nothing attached').toBeGreaterThan(0);
    expect(attached.filter((c) => c.startsWith(`${name}-`))).toEqual([]);
  }
}

describeIf('cluster', await clusterUnavailableReason())('a create killed with SIGKILL is broken, and delete removes all of it', () => {
  afterAll(async () => {
    for (const n of names) await sb.paddock(['delete', n]);
    await sb.cleanup(names);
  });

  it('killed while the node containers start', async () => {
    const name = `t${id}-kill-nodes`;
    const { child, output } = startCreate(name, 1);
    // The first container exists, before kubeadm ran anywhere.
    await waitFor('a node container', 120_000, async () => output().includes('Starting 2 node containers') && (await anonymousVolumes(name)).length > 0);
    await killAndCheck(name, child, output);
  });

  it('killed during kubeadm init', async () => {
    const name = `t${id}-kill-init`;
    const { child, output } = startCreate(name, 0);
    // kubeadm has written the static pod manifests: etcd and the API server are coming up.
    await waitFor('kubeadm init writing static pods', 180_000, async () => output().includes('kubeadm init') && (await running(`${name}-control-plane`, ['test', '-f', '/etc/kubernetes/manifests/etcd.yaml'])));
    expect(output()).not.toMatch(/✓ Bootstrapping the control plane/);
    await killAndCheck(name, child, output);
  });

  it('killed while a worker joins', async () => {
    const name = `t${id}-kill-join`;
    const { child, output } = startCreate(name, 1);
    // Joins may start while kubeadm init finishes (and overlap the CNI install): Docker state says when.
    // A join can be over between two looks on a busy machine: the worker's
    // kubelet.conf (written by the join) while the create still runs counts too.
    let exited = false;
    void child.then(() => (exited = true));
    await waitFor('kubeadm join running in the worker', 300_000, async () => {
      if (exited) return true;
      return (
        (await running(`${name}-worker`, ['pgrep', '-f', 'kubeadm join'])) ||
        (await running(`${name}-worker`, ['test', '-e', '/etc/kubernetes/kubelet.conf']))
      );
    });
    if (exited) throw new Error(`the create ended before its join was seen:\n${output()}`);
    await killAndCheck(name, child, output);
  });
});
