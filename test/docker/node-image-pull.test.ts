/**
 * Docker tier: pinned node images pulled through the engine's API from a
 * registry on 127.0.0.1 (the registry addon's image), with the pin table
 * pointed at it by PADDOCK_NODE_IMAGE_PINS. A tiny unique image stands in
 * for the node image: these tests are about the pull, not the node (the
 * cluster tier creates a cluster from a pulled node image).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Progress, type ProgressEvent } from '../../src/shared/progress.js';
import { dockerRuntime } from '../../src/provisioner/runtime/docker.js';
import { resolveNodeImage, type NodeImageSource } from '../../src/provisioner/create.js';
import { findPulledNodeImage, pullImage, pullNodeImage } from '../../src/provisioner/node-image/pull.js';
import { loadPins, pinFor } from '../../src/provisioner/node-image/pins.js';
import { nodeImageHandlers } from '../../src/core/node-images.js';
import { removeNodeImage } from '../../src/provisioner/node-image/images.js';
import { dockerUnavailableReason, describeIf } from '../support/tiers.js';
import { removeImages, startLocalRegistry, uniqueTinyImage, type LocalRegistry } from '../support/local-registry.js';
import { sandbox, type Sandbox } from '../support/paddock.js';

const id = randomBytes(3).toString('hex');
const repo = `paddock-test/node-${id}`;
// Versions no real node image has, so nothing here touches paddock/node:v1.36.x.
const V = { good: 'v1.99.1', mismatch: 'v1.99.2', unreachable: 'v1.99.3' };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function recorder() {
  const events: ProgressEvent[] = [];
  return { events, progress: new Progress(`pull-${id}`, (e) => events.push(e)), logs: () => events.flatMap((e) => (e.type === 'log' ? [e.line] : [])) };
}

async function imageDigests(ref: string): Promise<string[] | undefined> {
  const r = await execa('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref], { reject: false });
  return r.exitCode === 0 ? (JSON.parse(r.stdout) as string[]) : undefined;
}

describeIf('docker', await dockerUnavailableReason())('pinned node image pulls', () => {
  let registry: LocalRegistry;
  let pinned: string; // host/repo:v1.99.1@sha256:…
  let otherDigest: string;
  let pinsFile: string;
  let sb: Sandbox;
  const savedPins = process.env.PADDOCK_NODE_IMAGE_PINS;
  const cleanupRefs: string[] = [];

  beforeAll(async () => {
    registry = await startLocalRegistry();
    const tiny = await uniqueTinyImage(`paddock-test/tiny-${id}:a`);
    const other = await uniqueTinyImage(`paddock-test/tiny-${id}:b`);
    pinned = await registry.push(tiny, repo, V.good);
    // Another image's digest, pushed to another repository: the pinned repository does not have it.
    otherDigest = (await registry.push(other, `${repo}-other`, 'x')).split('@')[1]!;
    const closed = await freePort();
    pinsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-pins-')), 'pins.json');
    fs.writeFileSync(
      pinsFile,
      JSON.stringify({
        [V.good]: pinned,
        [V.mismatch]: `${registry.host}/${repo}:${V.mismatch}@${otherDigest}`,
        [V.unreachable]: `127.0.0.1:${closed}/${repo}:${V.unreachable}@${pinned.split('@')[1]}`,
      }),
    );
    process.env.PADDOCK_NODE_IMAGE_PINS = pinsFile;
    // Only the registry has the image now: the pull has to download it.
    await removeImages([tiny, other, `${registry.host}/${repo}:${V.good}`, `${registry.host}/${repo}-other:x`]);
    cleanupRefs.push(pinned.replace(/:[^:/@]+@/, '@'), `${registry.host}/${repo}-other@${otherDigest}`, ...Object.values(V).map((v) => `paddock/node:${v}`));
    sb = sandbox();
  });

  afterAll(async () => {
    if (savedPins === undefined) delete process.env.PADDOCK_NODE_IMAGE_PINS;
    else process.env.PADDOCK_NODE_IMAGE_PINS = savedPins;
    await removeImages(cleanupRefs);
    await registry?.stop();
    if (pinsFile) fs.rmSync(path.dirname(pinsFile), { recursive: true, force: true });
    await sb?.cleanup([]);
  });

  it('pulls the pinned image by digest with layer and byte progress, and tags it paddock/node:<version>', async () => {
    const runtime = dockerRuntime();
    expect(await findPulledNodeImage(runtime, V.good)).toBeUndefined();
    const r = recorder();
    const pulled = await pullNodeImage(runtime, { kubernetesVersion: V.good, progress: r.progress, stepId: 'pull' });
    expect(pulled).toEqual({ name: `paddock/node:${V.good}`, kubernetesVersion: V.good, pinned: pinned.replace(/:[^:/@]+@/, '@') });
    expect(await imageDigests(`paddock/node:${V.good}`)).toContain(pulled.pinned);
    const percents = r.events.flatMap((e) => (e.type === 'percent' ? [e.percent] : []));
    expect(percents.length).toBeGreaterThan(0);
    expect(percents.at(-1)).toBe(100);
    expect(r.logs().some((l) => /^pulling .*: \d+\/\d+ layers, \d+ MB of \d+ MB downloaded$/.test(l))).toBe(true);
    expect(r.logs().at(-1)).toMatch(/^pulled .*: 1 layers, 3 MB downloaded$/);
    // find knows it now, and list shows it with the pinned version and digest.
    expect(await findPulledNodeImage(runtime, V.good)).toMatchObject({ name: `paddock/node:${V.good}`, kubernetesVersion: V.good });
    const { images } = await nodeImageHandlers(runtime).listNodeImages({}, { opId: 'x', progress: () => {} } as never);
    expect(images.find((i) => i.name === `paddock/node:${V.good}`)).toMatchObject({ kubernetesVersion: V.good, digest: pinned.split('@')[1] });
  });

  it('refuses a pin whose digest the registry does not serve for it, and tags nothing', async () => {
    const r = recorder();
    await expect(pullNodeImage(dockerRuntime(), { kubernetesVersion: V.mismatch, progress: r.progress })).rejects.toMatchObject({
      code: 'IMAGE_MISSING',
      message: expect.stringMatching(new RegExp(`could not pull ${registry.host}/${repo}@${otherDigest}: .*(manifest unknown|not found)`, 'i')),
    });
    expect(await imageDigests(`paddock/node:${V.mismatch}`)).toBeUndefined();
    expect(await imageDigests(`${registry.host}/${repo}@${otherDigest}`)).toBeUndefined();
  });

  it('falls back to building, with the reason in one line, when the registry cannot be reached', async () => {
    const runtime = dockerRuntime();
    const built: string[] = [];
    // Real find and pull; the 20-minute build is replaced by a record of the call.
    const source: NodeImageSource = {
      defaultVersion: V.unreachable,
      find: (v) => findPulledNodeImage(runtime, v),
      pinned: (v) => pinFor(v, V.unreachable, loadPins()),
      pull: (v, progress, stepId, signal) => pullNodeImage(runtime, { kubernetesVersion: v, progress, stepId, signal }),
      build: async (v) => {
        built.push(v ?? 'default');
        return { name: 'built', kubernetesVersion: v ?? V.unreachable };
      },
    };
    const r = recorder();
    expect(await resolveNodeImage(source, { kubernetesVersion: V.unreachable, pull: true }, r.progress)).toMatchObject({ how: 'built' });
    expect(built).toEqual([V.unreachable]);
    const why = r.logs().find((l) => l.startsWith('pulling the node image failed, building it instead: '));
    expect(why).toMatch(/could not pull 127\.0\.0\.1:\d+\/.*connection refused/);
    expect(why).not.toContain('\n');
    const failedPull = r.events.find((e) => e.type === 'step-end' && e.stepId === 'image-pull');
    expect(failedPull).toMatchObject({ ok: false, error: expect.stringMatching(/connection refused/) });
    expect(r.events.find((e) => e.type === 'step-start' && e.stepId === 'image-build')).toMatchObject({ title: expect.stringMatching(/\(the pull failed; about 15-25 minutes/) });
    // And the same source finds the image pulled in the first test without pulling again.
    expect(await resolveNodeImage({ ...source, pull: async () => { throw new Error('pulled again'); } }, { kubernetesVersion: V.good, pull: true }, recorder().progress)).toMatchObject({ how: 'local' });
  });

  it('stops a pull when its signal aborts, before or during the download', async () => {
    const ac = new AbortController();
    ac.abort(new Error('Ctrl-C'));
    await expect(pullImage(dockerRuntime(), pinned, recorder().progress, 'pull', ac.signal)).rejects.toThrow(/Ctrl-C/);

    // A bigger image (uncompressible, so the download takes a while), aborted at its first downloaded bytes.
    const big = await uniqueTinyImage(`paddock-test/tiny-${id}:big`, 64);
    const bigRef = (await registry.push(big, `${repo}-big`, 'x')).replace(/:[^:/@]+@/, '@');
    cleanupRefs.push(bigRef);
    await removeImages([big, `${registry.host}/${repo}-big:x`]);
    const during = new AbortController();
    const seen: ProgressEvent[] = [];
    const progress = new Progress('abort', (e) => {
      seen.push(e);
      if (e.type === 'percent' && e.percent > 0) during.abort(new Error('Ctrl-C during the pull'));
    });
    await expect(pullImage(dockerRuntime(), bigRef, progress, 'pull', during.signal)).rejects.toThrow(/Ctrl-C during the pull/);
    expect(seen.some((e) => e.type === 'percent' && e.percent < 100)).toBe(true);
    // The engine dropped the pull with the connection: the image never arrived.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await imageDigests(bigRef)).toBeUndefined();
  });

  it('node-image rm removes a pulled pinned image (it has no Paddock label)', async () => {
    const runtime = dockerRuntime();
    await pullNodeImage(runtime, { kubernetesVersion: V.good, progress: recorder().progress });
    await removeNodeImage(`paddock/node:${V.good}`);
    expect(await imageDigests(`paddock/node:${V.good}`)).toBeUndefined();
    expect(await findPulledNodeImage(runtime, V.good)).toBeUndefined();
    expect(await imageDigests(pinned.replace(/:[^:/@]+@/, '@'))).toBeUndefined();
  });

  it('CLI: node-image pull pulls the pin; create --no-pull and PADDOCK_NODE_IMAGE_PULL=never skip pulling', async () => {
    await removeImages([`paddock/node:${V.good}`, pinned.replace(/:[^:/@]+@/, '@')]);
    const env = { PADDOCK_NODE_IMAGE_PINS: pinsFile };
    const pull = await sb.paddock(['--verbose', 'node-image', 'pull', '--kubernetes', V.good], { env });
    expect(pull.exitCode, pull.all).toBe(0);
    expect(pull.stdout).toContain(`paddock/node:${V.good}  Kubernetes ${V.good}`);
    expect(pull.all).toContain(`Pulling ${pinned} (Kubernetes ${V.good})`);
    expect(pull.all).toMatch(/pulled .*: 1 layers, 3 MB downloaded/);

    await removeImages([`paddock/node:${V.good}`, pinned.replace(/:[^:/@]+@/, '@')]);
    for (const [args, extraEnv] of [[['--no-pull'], {}], [[], { PADDOCK_NODE_IMAGE_PULL: 'never' }]] as const) {
      // No local image and no pull: create goes to the build, which cannot build this made-up version.
      const r = await sb.paddock(['create', '--name', `nopull-${id}`, '--kubernetes', V.good, ...args], { env: { ...env, ...extraEnv }, timeoutMs: 120_000 });
      expect(r.exitCode, r.all).not.toBe(0);
      expect(r.all).toContain(`Building the node image for Kubernetes ${V.good} from source (pulling is off; about 15-25 minutes`);
      expect(r.all).not.toMatch(/Pulling /);
      expect(await imageDigests(`paddock/node:${V.good}`)).toBeUndefined();
    }
    const bad = await sb.paddock(['node-image', 'pull', '--kubernetes', V.unreachable], { env });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.all).toMatch(/could not pull 127\.0\.0\.1:\d+\/.*connection refused/);
  });

  it('CLI: create --image that is not here tries to pull it, and says so when it cannot', async () => {
    const missing = `127.0.0.1:${await freePort()}/${repo}:nowhere`;
    const r = await sb.paddock(['create', '--name', `img-${id}`, '--image', missing], { timeoutMs: 120_000 });
    expect(r.exitCode, r.all).toBe(4);
    expect(r.all).toContain(`node image ${missing} is not on this Docker engine, and could not pull ${missing}`);
    expect(r.all).toMatch(/paddock node-image build/);
    const leftovers = await execa('docker', ['ps', '-a', '--quiet', '--filter', `label=io.paddock.cluster=img-${id}`]);
    expect(leftovers.stdout).toBe('');
  });
});
