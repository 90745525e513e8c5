/**
 * The order a create finds its node image in: local → pinned pull → build.
 * The source is a fake of Paddock's own NodeImageSource interface (the
 * Docker side of pulls is covered by test/docker/node-image-pull.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { Progress, type ProgressEvent } from '../shared/progress.js';
import { resolveNodeImage, type FoundNodeImage, type NodeImageSource } from './create.js';

function fakeSource(opts: { local?: FoundNodeImage; pinned?: boolean; pull?: () => Promise<FoundNodeImage> }) {
  const calls: string[] = [];
  const source: NodeImageSource = {
    defaultVersion: 'v1.36.3',
    find: async (v) => {
      calls.push(`find ${v ?? 'default'}`);
      return opts.local;
    },
    pinned: (v) => (opts.pinned === false ? undefined : { ref: `kindest/node:${v ?? 'v1.36.4'}@sha256:${'a'.repeat(64)}`, kubernetesVersion: v ?? 'v1.36.4' }),
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
  return { events, progress: new Progress('t', (e) => events.push(e)), logs: () => events.flatMap((e) => (e.type === 'log' ? [e.line] : [])) };
}

const steps = (events: ProgressEvent[]) =>
  events.flatMap((e) => (e.type === 'step-start' ? [`start ${e.stepId}: ${e.title}`] : e.type === 'step-end' ? [`end ${e.stepId} ${e.ok ? 'ok' : `failed: ${e.error}`}`] : []));

describe('resolveNodeImage', () => {
  it('uses a local image without pulling or building', async () => {
    const { source, calls } = fakeSource({ local: { name: 'paddock/node:v1.36.3', kubernetesVersion: 'v1.36.3' }, pull: async () => ({ name: 'x', kubernetesVersion: 'x' }) });
    const r = recorder();
    expect(await resolveNodeImage(source, { pull: true }, r.progress)).toMatchObject({ name: 'paddock/node:v1.36.3', how: 'local' });
    expect(calls).toEqual(['find default']);
    expect(r.events).toEqual([]);
  });

  it('pulls the pinned image as a step of its own when none is local, and does not build', async () => {
    const { source, calls } = fakeSource({ pull: async () => ({ name: 'paddock/node:v1.36.4', kubernetesVersion: 'v1.36.4' }) });
    const r = recorder();
    expect(await resolveNodeImage(source, { pull: true }, r.progress)).toMatchObject({ kubernetesVersion: 'v1.36.4', how: 'pulled' });
    expect(calls).toEqual(['find default', 'pull default']);
    expect(steps(r.events)).toEqual([`start image-pull: Pulling kindest/node:v1.36.4@sha256:${'a'.repeat(64)} (Kubernetes v1.36.4)`, 'end image-pull ok']);
  });

  it('builds, saying why in one line, when the pull cannot reach the registry or is refused', async () => {
    const reason = 'could not pull kindest/node@sha256:x: dial tcp: lookup registry-1.docker.io: no such host';
    const { source, calls } = fakeSource({
      pull: async () => {
        throw new PaddockError(ErrorCodes.IMAGE_MISSING, reason);
      },
    });
    const r = recorder();
    expect(await resolveNodeImage(source, { kubernetesVersion: 'v1.35.8', pull: true }, r.progress)).toMatchObject({ how: 'built', kubernetesVersion: 'v1.35.8' });
    expect(calls).toEqual(['find v1.35.8', 'pull v1.35.8', 'build v1.35.8']);
    expect(steps(r.events)).toEqual([
      `start image-pull: Pulling kindest/node:v1.35.8@sha256:${'a'.repeat(64)} (Kubernetes v1.35.8)`,
      `end image-pull failed: ${reason}`,
      'start image-build: Building the node image for Kubernetes v1.35.8 from source (the pull failed; about 15-25 minutes the first time, cached afterwards)',
      'end image-build ok',
    ]);
    expect(r.logs()).toContain(`pulling the node image failed, building it instead: ${reason}`);
  });

  it('builds when no image is pinned for the version, without a pull step', async () => {
    const { source, calls } = fakeSource({ pinned: false, pull: async () => ({ name: 'x', kubernetesVersion: 'x' }) });
    const r = recorder();
    expect(await resolveNodeImage(source, { kubernetesVersion: 'v1.35.4', pull: true }, r.progress)).toMatchObject({ how: 'built' });
    expect(calls).toEqual(['find v1.35.4', 'build v1.35.4']);
    expect(steps(r.events)[0]).toMatch(/^start image-build: .*\(no pinned image for v1.35.4 to pull; about 15-25 minutes/);
  });

  it('does not pull with pull off (--no-pull, PADDOCK_NODE_IMAGE_PULL=never)', async () => {
    const { source, calls } = fakeSource({ pull: async () => ({ name: 'x', kubernetesVersion: 'v1.36.4' }) });
    const r = recorder();
    expect(await resolveNodeImage(source, { pull: false }, r.progress)).toMatchObject({ how: 'built' });
    expect(calls).toEqual(['find default', 'build default']);
    expect(steps(r.events)[0]).toMatch(/^start image-build: Building the node image for Kubernetes v1.36.3 from source \(pulling is off; /);
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
