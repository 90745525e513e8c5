/**
 * The order a create finds its node image in: local → pinned pull → build.
 * The source is a fake of Paddock's own NodeImageSource interface (the
 * Docker side of pulls is covered by test/docker/node-image-pull.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { Progress, type ProgressEvent } from '../shared/progress.js';
import { resolveNodeImage, type FoundNodeImage, type NodeImageSource } from './create.js';

function fakeSource(opts: { local?: FoundNodeImage; pull?: () => Promise<FoundNodeImage | undefined> }) {
  const calls: string[] = [];
  const source: NodeImageSource = {
    defaultVersion: 'v1.36.3',
    find: async (v) => {
      calls.push(`find ${v ?? 'default'}`);
      return opts.local;
    },
    pull: opts.pull
      ? async (v) => {
          calls.push(`pull ${v ?? 'default'}`);
          return opts.pull!();
        }
      : undefined,
    build: async (v) => {
      calls.push(`build ${v ?? 'default'}`);
      return { name: `paddock/node:${v ?? 'v1.36.3'}`, kubernetesVersion: v ?? 'v1.36.3' };
    },
  };
  return { source, calls };
}

function recorder() {
  const events: ProgressEvent[] = [];
  return { progress: new Progress('t', (e) => events.push(e)), logs: () => events.flatMap((e) => (e.type === 'log' ? [e.line] : [])) };
}

describe('resolveNodeImage', () => {
  it('uses a local image without pulling or building', async () => {
    const { source, calls } = fakeSource({ local: { name: 'paddock/node:v1.36.3', kubernetesVersion: 'v1.36.3' }, pull: async () => undefined });
    const r = recorder();
    expect(await resolveNodeImage(source, { pull: true }, r.progress)).toMatchObject({ name: 'paddock/node:v1.36.3', how: 'local' });
    expect(calls).toEqual(['find default']);
  });

  it('pulls the pinned image when none is local, and does not build', async () => {
    const { source, calls } = fakeSource({ pull: async () => ({ name: 'paddock/node:v1.36.4', kubernetesVersion: 'v1.36.4' }) });
    const r = recorder();
    expect(await resolveNodeImage(source, { pull: true }, r.progress)).toMatchObject({ kubernetesVersion: 'v1.36.4', how: 'pulled' });
    expect(calls).toEqual(['find default', 'pull default']);
  });

  it('builds, saying why in one line, when the pull cannot reach the registry or is refused', async () => {
    const { source, calls } = fakeSource({
      pull: async () => {
        throw new PaddockError(ErrorCodes.IMAGE_MISSING, 'could not pull kindest/node@sha256:x: dial tcp: lookup registry-1.docker.io: no such host');
      },
    });
    const r = recorder();
    expect(await resolveNodeImage(source, { kubernetesVersion: 'v1.35.4', pull: true }, r.progress)).toMatchObject({ how: 'built', kubernetesVersion: 'v1.35.4' });
    expect(calls).toEqual(['find v1.35.4', 'pull v1.35.4', 'build v1.35.4']);
    expect(r.logs()).toContain('pulling the node image failed, building it instead: could not pull kindest/node@sha256:x: dial tcp: lookup registry-1.docker.io: no such host');
    expect(r.logs().some((l) => /building one from source \(about 15-25 minutes/.test(l))).toBe(true);
  });

  it('builds when no image is pinned for the version', async () => {
    const { source, calls } = fakeSource({ pull: async () => undefined });
    const r = recorder();
    expect(await resolveNodeImage(source, { kubernetesVersion: 'v1.35.4', pull: true }, r.progress)).toMatchObject({ how: 'built' });
    expect(calls).toEqual(['find v1.35.4', 'pull v1.35.4', 'build v1.35.4']);
    expect(r.logs()[0]).toBe('no pinned node image to pull for Kubernetes v1.35.4');
  });

  it('does not pull with pull off (--no-pull, PADDOCK_NODE_IMAGE_PULL=never)', async () => {
    const { source, calls } = fakeSource({ pull: async () => ({ name: 'x', kubernetesVersion: 'v1.36.4' }) });
    const r = recorder();
    expect(await resolveNodeImage(source, { pull: false }, r.progress)).toMatchObject({ how: 'built' });
    expect(calls).toEqual(['find default', 'build default']);
    expect(r.logs()[0]).toMatch(/pulling node images is off/);
  });

  it('stops on Ctrl-C during the pull instead of starting a build', async () => {
    const ac = new AbortController();
    const { source, calls } = fakeSource({
      pull: async () => {
        ac.abort(new PaddockError(ErrorCodes.CANCELLED, 'cancelled'));
        throw new PaddockError(ErrorCodes.IMAGE_MISSING, 'could not pull: aborted');
      },
    });
    await expect(resolveNodeImage(source, { pull: true }, recorder().progress, ac.signal)).rejects.toMatchObject({ code: ErrorCodes.CANCELLED });
    expect(calls).toEqual(['find default', 'pull default']);
  });

  it('lets other failures through (Docker down is not a reason to build for 20 minutes)', async () => {
    const { source, calls } = fakeSource({
      pull: async () => {
        throw new PaddockError(ErrorCodes.DOCKER_UNREACHABLE, 'Docker is not running');
      },
    });
    await expect(resolveNodeImage(source, { pull: true }, recorder().progress)).rejects.toMatchObject({ code: ErrorCodes.DOCKER_UNREACHABLE });
    expect(calls).toEqual(['find default', 'pull default']);
  });
});
