/**
 * Cluster tier: clusters from node images that were not on the engine,
 * pulled from a registry on 127.0.0.1 where the real node image was pushed
 * under a test name (nothing can be pulled from the internet here).
 *
 * 1. `create --image` of a name the main engine lacks: the engine keeps the
 *    layers (TEST_NODE_IMAGE stays for everyone else), so the pull fetches the
 *    manifest and finds every layer present.
 * 2. The pinned path on an empty engine (a second dockerd, chosen by
 *    DOCKER_HOST): `create --kubernetes` finds nothing, pulls the pin from
 *    PADDOCK_NODE_IMAGE_PINS by digest (a real 746 MB download), tags it
 *    paddock/node:<version> and makes a Ready node from it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clients, isReady } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, loudSkip, TEST_NODE_IMAGE } from '../support/tiers.js';
import { removeImages, startLocalRegistry, type LocalRegistry } from '../support/local-registry.js';
import { secondDockerdUnavailableReason, startSecondDockerd, type SecondDockerd } from '../support/second-dockerd.js';
import { stepTimer } from '../support/timings.js';

const id = runId();
const name = `t${id}-pulled`;
const pinnedName = `t${id}-pinned`;
const sb = sandbox();
const { timed, print: printTimings } = stepTimer('node-image-pull timings');
const byDigest = (pinnedRef: string) => pinnedRef.replace(/:[^:/@]+@/, '@');

const secondReason = await secondDockerdUnavailableReason();
if (secondReason) loudSkip('cluster', `the pinned pull onto an empty engine needs a second dockerd: ${secondReason}`);

describeIf('cluster', await clusterUnavailableReason())('clusters from pulled node images', () => {
  let registry: LocalRegistry;
  let pinned = '';
  let ref = '';
  let second: SecondDockerd | undefined;
  let version = '';

  beforeAll(async () => {
    const labels = JSON.parse((await execa('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', TEST_NODE_IMAGE])).stdout) as Record<string, string>;
    version = labels['io.paddock.kubernetes-version'] ?? '';
    expect(version, `${TEST_NODE_IMAGE} has no io.paddock.kubernetes-version label`).toMatch(/^v\d+\.\d+\.\d+$/);
    registry = await startLocalRegistry();
    pinned = await timed(`push ${TEST_NODE_IMAGE} to the test registry`, () => registry.push(TEST_NODE_IMAGE, `paddock-test/node-${id}`, version));
    ref = pinned.split('@')[0]!;
    // Only this name goes: the image itself stays under TEST_NODE_IMAGE for everyone else.
    await removeImages([ref], { force: false });
    const gone = await execa('docker', ['image', 'inspect', ref], { reject: false });
    expect(gone.exitCode, `${ref} should be gone from the engine before the create`).not.toBe(0);
  });

  afterAll(async () => {
    await sb.paddock(['delete', pinnedName], { env: { DOCKER_HOST: second?.host ?? '' } }).catch(() => undefined);
    await sb.cleanup([name]);
    if (ref) await removeImages([ref, byDigest(pinned)], { force: false });
    await registry?.stop();
    const left = second ? await second.destroy() : [];
    printTimings();
    expect(left, 'what the second engine left behind').toEqual([]);
  });

  it('pulls the missing --image through the engine, then creates a Ready node from it', async () => {
    const r = await timed('create --image (pull finds every layer) → Ready', () => sb.paddock(['create', '--name', name, '--image', ref, '--wait', '5m']));
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain(`Pulling ${ref}`);
    const digests = JSON.parse((await execa('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref])).stdout) as string[];
    expect(digests).toContain(byDigest(pinned));
    const node = (await execa('docker', ['inspect', '--format', '{{.Config.Image}}', `${name}-control-plane`])).stdout.trim();
    expect(node).toBe(ref);
    const nodes = await clients(sb.kubeconfig, `paddock-${name}`).core.listNode();
    expect(nodes.items.length).toBe(1);
    expect(isReady(nodes.items[0]!)).toBe(true);
    const del = await sb.paddock(['delete', name]);
    expect(del.exitCode, del.all).toBe(0);
  });

  it.skipIf(!!secondReason)('on an empty engine, create pulls the pinned image by digest (DOCKER_HOST) and makes a Ready node', async () => {
    second = await timed('second dockerd: start', () => startSecondDockerd());
    const pins = path.join(sb.dir, 'pins.json');
    fs.writeFileSync(pins, JSON.stringify({ [version]: pinned }));
    const env = { DOCKER_HOST: second.host, PADDOCK_NODE_IMAGE_PINS: pins };
    const r = await timed(`create --kubernetes ${version}: pull 746 MB by digest + create → Ready`, () =>
      sb.paddock(['create', '--name', pinnedName, '--kubernetes', version, '--wait', '5m'], { env }),
    );
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain(`✓ Pulling ${pinned} (Kubernetes ${version})`);
    expect(r.all).not.toMatch(/Building the node image/);
    const local = await second.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', `paddock/node:${version}`]);
    expect(JSON.parse(local.stdout)).toContain(byDigest(pinned));
    const list = await sb.paddock(['node-image', 'list', '-o', 'json'], { env });
    expect(JSON.parse(list.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: `paddock/node:${version}`, kubernetesVersion: version })]));
    const nodes = await clients(sb.kubeconfig, `paddock-${pinnedName}`).core.listNode();
    expect(nodes.items.map((n) => [n.metadata?.name, isReady(n), n.status?.nodeInfo?.kubeletVersion])).toEqual([[`${pinnedName}-control-plane`, true, version]]);
    const del = await sb.paddock(['delete', pinnedName], { env });
    expect(del.exitCode, del.all).toBe(0);
  });
});
