/**
 * Cluster tier: build the node image (cached: seconds when nothing changed),
 * start a node container from it the way a cluster does, and check from
 * inside what kubeadm and kind rely on.
 */
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Progress } from '../../src/shared/progress.js';
import { buildNodeImage, DEFAULT_KUBERNETES_VERSION, findNodeImage, listNodeImages, removeNodeImage, type NodeImageInfo } from '../../src/provisioner/node-image/index.js';
import { dockerUnavailableReason, describeIf } from '../support/tiers.js';

const version = process.env.PADDOCK_TEST_KUBERNETES_VERSION ?? DEFAULT_KUBERNETES_VERSION;
const cluster = `nodeimg-${randomBytes(3).toString('hex')}`;
const container = `paddock-test-${cluster}`;

async function exec(...cmd: string[]): Promise<string> {
  const r = await execa('docker', ['exec', container, ...cmd]);
  return r.stdout.trim();
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeIf('cluster', await dockerUnavailableReason())(`node image ${version}`, () => {
  let image: NodeImageInfo;

  beforeAll(async () => {
    const log: string[] = [];
    const progress = new Progress('test-node-image', (e) => {
      if (e.type === 'log') log.push(e.line);
      if (e.type === 'step-start') console.log(`[node-image] ${e.title}`);
    });
    try {
      image = await buildNodeImage({ kubernetesVersion: version, progress });
    } catch (e) {
      console.error(log.slice(-40).join('\n'));
      throw e;
    }
    await execa('docker', [
      'run', '-d', '--name', container, '--hostname', `${cluster}-control-plane`,
      '--label', 'io.paddock.test=1', '--label', `io.paddock.cluster=${cluster}`,
      '--privileged', '--cgroupns=private', '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
      '--tmpfs', '/tmp', '--tmpfs', '/run', '--volume', '/var', image.name,
    ]);
    await waitFor('systemd to finish booting', 60_000, async () => {
      const r = await execa('docker', ['exec', container, 'systemctl', 'is-system-running'], { reject: false });
      return ['running', 'degraded'].includes(r.stdout.trim());
    });
  });

  afterAll(async () => {
    // --volumes removes the anonymous /var volume too, even when a test failed.
    await execa('docker', ['rm', '--force', '--volumes', container], { reject: false });
  });

  it('is labelled as a node image of that version, within the size goal', () => {
    expect(image.name).toBe(`paddock/node:${version}`);
    expect(image.kubernetesVersion).toBe(version);
    expect(image.inputsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(image.sizeBytes).toBeLessThan(800e6);
  });

  it('systemd reaches running with nothing failed', async () => {
    const state = (await execa('docker', ['exec', container, 'systemctl', 'is-system-running'], { reject: false })).stdout.trim();
    const failed = (await execa('docker', ['exec', container, 'systemctl', '--failed', '--no-legend', '--plain'], { reject: false })).stdout.trim();
    expect({ state, failed }).toEqual({ state: 'running', failed: '' });
  });

  it('the entrypoint reports the cgroup version like kind\'s', async () => {
    const logs = await execa('docker', ['logs', container]);
    expect(`${logs.stdout}\n${logs.stderr}`).toMatch(/detected cgroup v[12]/);
  });

  it('containerd answers (crictl and ctr)', async () => {
    await waitFor('containerd', 30_000, async () => (await execa('docker', ['exec', container, 'crictl', '--timeout', '2s', 'version'], { reject: false })).exitCode === 0);
    expect(await exec('crictl', 'version')).toMatch(/RuntimeName:\s+containerd/);
    expect(await exec('ctr', 'version')).toMatch(/Version:\s+v2\./);
  });

  it('every image of `kubeadm config images list` is preloaded under its exact name', async () => {
    const wanted = (await exec('kubeadm', 'config', 'images', 'list', '--kubernetes-version', version)).split('\n').filter(Boolean);
    expect(wanted).toHaveLength(7);
    const present = new Set((await exec('ctr', '--namespace', 'k8s.io', 'images', 'list', '--quiet')).split('\n'));
    expect(wanted.filter((i) => !present.has(i))).toEqual([]);
    // …and the CRI sees them too (what the kubelet asks).
    const cri = await exec('crictl', 'images', '--output', 'json');
    const tags = new Set((JSON.parse(cri) as { images: Array<{ repoTags: string[] }> }).images.flatMap((i) => i.repoTags));
    expect(wanted.filter((i) => !tags.has(i))).toEqual([]);
  });

  it('the CNI and storage images are preloaded', async () => {
    const present = (await exec('ctr', '--namespace', 'k8s.io', 'images', 'list', '--quiet')).split('\n');
    for (const i of ['docker.io/paddock/paddocknet:v0.2.0', 'docker.io/paddock/local-path-provisioner:v0.0.30', 'docker.io/paddock/local-path-helper:v1']) {
      expect(present).toContain(i);
    }
  });

  it('kubelet, kubeadm and kubectl report the expected version', async () => {
    expect(await exec('kubelet', '--version')).toBe(`Kubernetes ${version}`);
    expect(await exec('kubeadm', 'version', '-o', 'short')).toBe(version);
    const kubectl = JSON.parse(await exec('kubectl', 'version', '--client', '-o', 'json')) as { clientVersion: { gitVersion: string } };
    expect(kubectl.clientVersion.gitVersion).toBe(version);
  });

  it('the version file and the CNI and storage manifests are there (kind\'s contract)', async () => {
    expect(await exec('cat', '/kind/version')).toBe(version);
    const cni = await exec('cat', '/kind/manifests/default-cni.yaml');
    expect(cni).toContain('kind: DaemonSet');
    const storage = await exec('cat', '/kind/manifests/default-storage.yaml');
    expect(storage).toContain('name: standard');
  });

  it('CNI plugins, runc and the kubelet unit are in place', async () => {
    const bins = await exec('ls', '/opt/cni/bin');
    for (const p of ['bridge', 'host-local', 'loopback', 'portmap', 'ptp']) expect(bins.split('\n')).toContain(p);
    expect(await exec('runc', '--version')).toMatch(/runc version 1\.4/);
    expect(await exec('systemctl', 'is-enabled', 'kubelet')).toBe('enabled');
    expect(await exec('systemctl', 'is-active', 'containerd')).toBe('active');
  });

  it('list and find see the image; remove refuses images that are not node images', async () => {
    const listed = await listNodeImages();
    expect(listed.map((i) => i.name)).toContain(image.name);
    const found = await findNodeImage(version);
    expect(found?.id).toBe(image.id);
    expect(await findNodeImage('v0.0.0')).toBeUndefined();
    await expect(removeNodeImage('paddock-no-such-image:never')).rejects.toMatchObject({ code: 'IMAGE_MISSING' });
    const stage = (await execa('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'paddock-stage/pause'])).stdout.split('\n').filter(Boolean)[0];
    if (stage) await expect(removeNodeImage(stage)).rejects.toMatchObject({ code: 'USAGE' });
    // In use by the running node (and its only tag): a clear error, and the image stays.
    if (listed.filter((i) => i.id === image.id).length === 1) {
      await expect(removeNodeImage(image.name)).rejects.toMatchObject({ code: 'USAGE' });
      expect((await findNodeImage(version))?.id).toBe(image.id);
    }
  });
});

describeIf('cluster', await dockerUnavailableReason())('a failed node-image build', () => {
  it('tags nothing and leaves no build container behind', async () => {
    const fs = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const { imagesDir } = await import('../../src/provisioner/node-image/recipe.js');
    // A copy of the recipes whose preload step fails (Go programs and rootfs stay cached).
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paddock-broken-recipes-'));
    const name = `paddock/node:test-broken-${randomBytes(3).toString('hex')}`;
    const nodeImagesBefore = (await execa('docker', ['images', '-q', '--no-trunc', '--filter', 'label=io.paddock.node-image=1'])).stdout.split('\n').filter(Boolean).sort();
    const saved = process.env.PADDOCK_IMAGES_DIR;
    try {
      await fs.cp(imagesDir(), dir, { recursive: true, verbatimSymlinks: true });
      await fs.writeFile(path.join(dir, 'node/preload.sh'), '#!/bin/bash\necho "preload broken on purpose" >&2\nexit 7\n');
      process.env.PADDOCK_IMAGES_DIR = dir;
      await expect(buildNodeImage({ kubernetesVersion: version, name, progress: new Progress('broken', () => {}) })).rejects.toMatchObject({
        code: 'IMAGE_BUILD_FAILED',
        output: expect.stringContaining('preload broken on purpose'),
      });
    } finally {
      if (saved === undefined) delete process.env.PADDOCK_IMAGES_DIR;
      else process.env.PADDOCK_IMAGES_DIR = saved;
      await fs.rm(dir, { recursive: true, force: true });
    }
    expect((await execa('docker', ['image', 'inspect', name], { reject: false })).exitCode).not.toBe(0);
    const nodeImagesAfter = (await execa('docker', ['images', '-q', '--no-trunc', '--filter', 'label=io.paddock.node-image=1'])).stdout.split('\n').filter(Boolean).sort();
    expect(nodeImagesAfter).toEqual(nodeImagesBefore);
    const leftovers = (await execa('docker', ['ps', '-a', '-q', '--filter', 'name=^paddock-preload-'])).stdout.trim();
    expect(leftovers).toBe('');
  });
});
