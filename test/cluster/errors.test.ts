import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { countLabelled } from '../support/cleanup.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';

const id = runId();
const sb = sandbox();
const made: string[] = [];

async function assertNothingLeft(cluster: string): Promise<void> {
  expect(await countLabelled(`io.paddock.cluster=${cluster}`)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  const kc = fs.existsSync(sb.kubeconfig) ? fs.readFileSync(sb.kubeconfig, 'utf8') : '';
  expect(kc).not.toContain(`paddock-${cluster}`);
}

describeIf('cluster', await clusterUnavailableReason())('create failures are clear and leave nothing behind', () => {
  afterAll(async () => {
    await sb.cleanup(made);
  });

  it('refuses an invalid name (exit 2)', async () => {
    const r = await sb.paddock(['create', '--name', 'No_Such-Name']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: invalid cluster name "No_Such-Name"/);
  });

  it('says Docker is not running (exit 3)', async () => {
    const name = `t${id}-nodocker`;
    const r = await sb.paddock(['create', '--name', name], { env: { DOCKER_HOST: 'unix:///tmp/no-docker-here.sock' } });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/Docker is not running or not reachable/);
    await assertNothingLeft(name);
  });

  it('says how to get a missing image (exit 4)', async () => {
    const name = `t${id}-noimage`;
    const r = await sb.paddock(['create', '--name', name, '--image', 'paddock/node:v0.0.0-missing']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/node image paddock\/node:v0.0.0-missing is not on this Docker engine/);
    expect(r.stderr).toMatch(/paddock node-image build/);
    await assertNothingLeft(name);
  });

  it('refuses a name that is taken, without touching the existing cluster', async () => {
    const name = `t${id}-taken`;
    made.push(name);
    const image = await ensureBusyboxImage();
    await execa('docker', ['run', '-d', '--name', `${name}-control-plane`, '--label', `io.paddock.cluster=${name}`, '--label', 'io.paddock.role=control-plane', image, 'sleep', '300']);
    const r = await sb.paddock(['create', '--name', name, '--image', TEST_NODE_IMAGE]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`a cluster named "${name}" already exists`));
    expect((await countLabelled(`io.paddock.cluster=${name}`)).containers).toBe(1);
  });

  it('names a host port that is in use, and the process holding it', async () => {
    const name = `t${id}-port`;
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const file = path.join(sb.dir, 'port.yaml');
      fs.writeFileSync(file, `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  extraPortMappings:\n  - containerPort: 80\n    hostPort: ${port}\n`);
      const r = await sb.paddock(['create', '--name', name, '--config', file, '--image', TEST_NODE_IMAGE]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`port 127.0.0.1:${port} .* is already in use by node \\(pid ${process.pid}\\)`));
      await assertNothingLeft(name);
    } finally {
      server.close();
    }
  });

  it('rejects a config with an unknown field, naming it and its line', async () => {
    const file = path.join(sb.dir, 'typo.yaml');
    fs.writeFileSync(file, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  extraPortMapings: []\n');
    const r = await sb.paddock(['create', '--name', `t${id}-typo`, '--config', file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown field "extraPortMapings" at nodes\[0\]\.extraPortMapings \(line 5\)/);
  });

  it('shows kubeadm output on a kubeadm failure and rolls everything back', async () => {
    const name = `t${id}-kubeadm`;
    made.push(name);
    const file = path.join(sb.dir, 'bad-kubeadm.yaml');
    fs.writeFileSync(
      file,
      'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nkubeadmConfigPatches:\n- |\n  kind: ClusterConfiguration\n  networking:\n    serviceSubnet: not-a-cidr\n',
    );
    const r = await sb.paddock(['create', '--name', name, '--config', file, '--image', TEST_NODE_IMAGE]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/kubeadm init failed on .*-control-plane/);
    expect(r.stderr).toMatch(/--- kubeadm \(last lines\) ---/);
    expect(r.stderr).toMatch(/not-a-cidr/);
    expect(r.stderr).toMatch(/full log: .*create-.*\.log/);
    await assertNothingLeft(name);
  });

  it('rolls back when interrupted with Ctrl-C (SIGINT)', async () => {
    const name = `t${id}-sigint`;
    made.push(name);
    const child = execa('node', [path.resolve('bin/paddock.js'), 'create', '--name', name, '--image', TEST_NODE_IMAGE], { reject: false, env: sb.env, all: true });
    // Interrupt once the nodes exist.
    const deadline = Date.now() + 120_000;
    while ((await countLabelled(`io.paddock.cluster=${name}`)).containers === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.all).toMatch(/interrupted: cleaning up/);
    await assertNothingLeft(name);
  });
});
