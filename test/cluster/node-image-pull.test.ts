/**
 * Cluster tier: a cluster from a node image that was not on the engine,
 * pulled from a registry on 127.0.0.1 during `paddock create --image`. The
 * real node image is pushed there under a test name first; the engine keeps
 * its layers (paddock/node stays), so the pull fetches the manifest and finds
 * every layer present, as on a machine that pulled an older pin before.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clients, isReady } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';
import { removeImages, startLocalRegistry, type LocalRegistry } from '../support/local-registry.js';

const name = `t${runId()}-pulled`;
const sb = sandbox();

describeIf('cluster', await clusterUnavailableReason())('a cluster from a pulled node image', () => {
  let registry: LocalRegistry;
  let pinned: string;
  let ref: string;
  let pushSeconds = 0;

  beforeAll(async () => {
    registry = await startLocalRegistry();
    const started = Date.now();
    pinned = await registry.push(TEST_NODE_IMAGE, `paddock-test/node-${name}`, 'v1');
    pushSeconds = (Date.now() - started) / 1000;
    ref = pinned.split('@')[0]!;
    // Only this name goes: the image itself stays under TEST_NODE_IMAGE for everyone else.
    await removeImages([ref], { force: false });
    const gone = await execa('docker', ['image', 'inspect', ref], { reject: false });
    expect(gone.exitCode, `${ref} should be gone from the engine before the create`).not.toBe(0);
  });

  afterAll(async () => {
    await sb.cleanup([name]);
    await removeImages([ref, pinned.replace(/:[^:/@]+@/, '@')].filter(Boolean), { force: false });
    await registry?.stop();
  });

  it('pulls the missing --image through the engine, then creates a Ready node from it', async () => {
    const r = await sb.paddock(['create', '--name', name, '--image', ref, '--wait', '5m']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain(`Pulling ${ref}`);
    const digests = JSON.parse((await execa('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref])).stdout) as string[];
    expect(digests).toContain(pinned.replace(/:[^:/@]+@/, '@'));
    const node = (await execa('docker', ['inspect', '--format', '{{.Config.Image}}', `${name}-control-plane`])).stdout.trim();
    expect(node).toBe(ref);
    const { core } = clients(sb.kubeconfig, `paddock-${name}`);
    const nodes = await core.listNode();
    expect(nodes.items.length).toBe(1);
    expect(isReady(nodes.items[0]!)).toBe(true);
    console.log(`node-image-pull: pushed ${TEST_NODE_IMAGE} to the test registry in ${pushSeconds.toFixed(1)} s`);
  });
});
