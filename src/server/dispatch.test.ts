import { describe, expect, it } from 'vitest';
import { createCore } from '../core/index.js';
import { EventBus } from '../core/events.js';
import type { PushEvent } from '../shared/api.js';
import { Progress } from '../shared/progress.js';
import { PaddockError } from '../shared/errors.js';
import { createDispatcher, isValidOpId } from './dispatch.js';
import { JobTracker } from './jobs.js';
import { describeJob } from './describe-job.js';

function setup(overrides: Parameters<typeof createCore>[0] = {}) {
  const bus = new EventBus();
  const events: PushEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const d = createDispatcher({ core: createCore(overrides), bus });
  return { d, bus, events };
}

const cluster = { name: 'dev', status: 'running' as const, context: 'paddock-dev', nodes: [] };

describe('dispatcher', () => {
  it('rejects unknown operations without calling the core', async () => {
    const { d } = setup();
    const r = await d.invoke('__proto__', {});
    expect(r).toEqual({ error: { code: 'USAGE', message: 'Unknown operation "__proto__"' } });
  });

  it('validates input with the contract and reports every issue', async () => {
    const { d } = setup({ getCluster: async () => cluster });
    const r = await d.invoke('getCluster', { name: 'Not Valid!' });
    expect('error' in r && r.error.code).toBe('USAGE');
    expect('error' in r && r.issues?.[0]?.path).toBe('name');
    const bad = await d.invoke('createCluster', { workers: -1, controlPlanes: 'x' });
    expect('error' in bad && bad.issues?.map((i) => i.path).sort()).toEqual(['controlPlanes', 'workers']);
  });

  it('passes parsed input (with defaults) and answers {result}', async () => {
    let seen: unknown;
    const { d } = setup({ getCluster: async (input) => ((seen = input), cluster) });
    expect(await d.invoke('getCluster', { name: 'dev', extra: 1 })).toEqual({ result: cluster });
    expect(seen).toEqual({ name: 'dev' });
  });

  it('turns thrown errors into the SerializedError envelope', async () => {
    const { d } = setup();
    const r = await d.invoke('listClusters', {});
    expect('error' in r && r.error.code).toBe('NOT_IMPLEMENTED');
    const { d: d2 } = setup({
      listClusters: async () => {
        throw new PaddockError('DOCKER_UNREACHABLE', 'Docker is not running', { remedy: 'start Docker' });
      },
    });
    expect(await d2.invoke('listClusters', {})).toEqual({ error: { code: 'DOCKER_UNREACHABLE', message: 'Docker is not running', remedy: 'start Docker' } });
  });

  it('refuses core output outside the contract', async () => {
    const { d } = setup({ getCluster: async () => ({ name: 'x' }) as never });
    const r = await d.invoke('getCluster', { name: 'x' });
    expect('error' in r && r.error.code).toBe('INTERNAL');
  });

  it('tracks jobs: job.changed around the call, progress on the bus, caller-chosen opId', async () => {
    const { d, events } = setup({
      createCluster: async (input, ctx) => {
        const p = new Progress(ctx.opId, ctx.progress);
        await p.step('nodes', 'Create node containers', async () => p.log('hello'));
        return { ...cluster, name: input.name };
      },
    });
    const r = await d.invoke('createCluster', { name: 'dev' }, { opId: 'op-1' });
    expect(r).toEqual({ result: cluster });
    const types = events.map((e) => (e.type === 'progress' ? `progress:${e.event.type}` : e.type === 'job.changed' ? `job:${e.job.state}` : e.type));
    expect(types).toEqual(['job:running', 'progress:step-start', 'progress:log', 'progress:step-end', 'job:succeeded']);
    expect(events.every((e) => e.type !== 'progress' || e.event.opId === 'op-1')).toBe(true);
    const first = events[0];
    expect(first?.type === 'job.changed' && first.job.title).toBe('Create cluster dev');
    expect(d.jobs.get('op-1')?.state).toBe('succeeded');
  });

  it('marks failed jobs with the error and ignores unsafe opIds', async () => {
    const { d, events } = setup();
    await d.invoke('deleteCluster', { name: 'dev' }, { opId: '../../etc' });
    const last = events.at(-1);
    expect(last?.type === 'job.changed' && last.job.state).toBe('failed');
    expect(last?.type === 'job.changed' && last.job.error?.code).toBe('NOT_IMPLEMENTED');
    expect(last?.type === 'job.changed' && last.job.opId).not.toBe('../../etc');
    expect(isValidOpId('abc-DEF_1')).toBe(true);
    expect(isValidOpId('a b')).toBe(false);
  });
});

describe('job tracker', () => {
  it('replays jobs with their events and keeps step events when trimming logs', () => {
    const t = new JobTracker({ maxEventsPerJob: 3, now: () => 5 });
    t.start('a', 'createCluster', 'Create cluster a');
    t.record({ type: 'step-start', opId: 'a', stepId: 's', title: 'S', at: 1 });
    for (let i = 0; i < 5; i++) t.record({ type: 'log', opId: 'a', line: `l${i}`, at: 2 });
    t.record({ type: 'log', opId: 'unknown', line: 'x', at: 2 });
    const replay = t.replay();
    expect(replay[0]).toEqual({ type: 'job.changed', job: { opId: 'a', op: 'createCluster', title: 'Create cluster a', state: 'running', startedAt: 5 } });
    expect(replay.slice(1).map((e) => (e.type === 'progress' ? (e.event.type === 'log' ? e.event.line : e.event.type) : ''))).toEqual(['step-start', 'l3', 'l4']);
  });

  it('evicts the oldest finished jobs, never running ones', () => {
    const t = new JobTracker({ maxJobs: 2 });
    t.start('r', 'createCluster', 'r');
    t.start('f1', 'deleteCluster', 'f1');
    t.end('f1');
    t.start('f2', 'deleteCluster', 'f2');
    expect(t.list().map((j) => j.opId)).toEqual(['r', 'f2']);
    t.end('f2');
    t.start('r2', 'createCluster', 'r2');
    expect(t.list().map((j) => j.opId)).toEqual(['r', 'r2']);
    expect(t.running().map((j) => j.opId)).toEqual(['r', 'r2']);
  });

  it('describes jobs in words', () => {
    expect(describeJob('enableAddon', { name: 'dev', addon: 'ingress' })).toBe('Enable addon ingress on dev');
    expect(describeJob('buildNodeImage', { kubernetesVersion: 'v1.34.1' })).toBe('Build node image v1.34.1');
    expect(describeJob('stopCluster', { name: 'dev' })).toBe('Stop cluster dev');
  });
});

import { opNames, type ApiHandlers } from '../shared/api.js';

describe('every contract operation', () => {
  const called: string[] = [];
  const spy = Object.fromEntries(opNames.map((op) => [op, async () => void called.push(op)])) as unknown as ApiHandlers;
  const d = createDispatcher({ core: spy, bus: new EventBus() });

  it.each(opNames)('%s refuses a payload that is not its input, without calling the core', async (op) => {
    for (const bad of [42, 'x', [], true]) {
      const r = await d.invoke(op, bad);
      expect('error' in r && r.error.code, `${op} with ${JSON.stringify(bad)}`).toBe('USAGE');
    }
    expect(called.filter((c) => c === op)).toEqual([]);
  });
});
