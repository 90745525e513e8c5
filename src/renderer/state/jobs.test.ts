import { describe, expect, it } from 'vitest';
import type { PushEvent } from '../../shared/api.js';
import { formatDuration, JobsStore, LOG_TAIL, reduceJobs, sortedJobs, type JobsState } from './jobs.js';

const job = (state: 'running' | 'succeeded' | 'failed', extra = {}): PushEvent => ({
  type: 'job.changed',
  job: { opId: 'a', op: 'createCluster', title: 'Create cluster dev', state, startedAt: 1, ...extra },
});

describe('jobs reducer', () => {
  it('builds steps with ✓/✗, timings and percent from progress events', () => {
    const events: PushEvent[] = [
      job('running'),
      { type: 'progress', event: { type: 'step-start', opId: 'a', stepId: 'img', title: 'Ensure node image', at: 2 } },
      { type: 'progress', event: { type: 'percent', opId: 'a', stepId: 'img', percent: 40, at: 3 } },
      { type: 'progress', event: { type: 'step-end', opId: 'a', stepId: 'img', ok: true, durationMs: 1200, at: 4 } },
      { type: 'progress', event: { type: 'step-start', opId: 'a', stepId: 'init', title: 'kubeadm init', at: 5 } },
      { type: 'progress', event: { type: 'log', opId: 'a', line: 'boom', at: 6 } },
      { type: 'progress', event: { type: 'step-end', opId: 'a', stepId: 'init', ok: false, durationMs: 10, error: 'exit 1', at: 7 } },
      job('failed', { endedAt: 8, error: { code: 'KUBEADM_FAILED', message: 'kubeadm init failed', remedy: 'see log' } }),
    ];
    const s = events.reduce(reduceJobs, {} as JobsState);
    const a = s.a!;
    expect(a.steps).toEqual([
      { stepId: 'img', title: 'Ensure node image', state: 'ok', startedAt: 2, percent: 40, durationMs: 1200 },
      { stepId: 'init', title: 'kubeadm init', state: 'failed', startedAt: 5, durationMs: 10, error: 'exit 1' },
    ]);
    expect(a.log).toEqual(['boom']);
    expect(a.info.error?.code).toBe('KUBEADM_FAILED');
  });

  it('accepts progress before the job event and closes running steps when the job ends', () => {
    let s = reduceJobs({}, { type: 'progress', event: { type: 'step-start', opId: 'a', stepId: 's', title: 'S', at: 1 } });
    expect(s.a?.info.state).toBe('running');
    s = reduceJobs(s, job('failed'));
    expect(s.a?.steps[0]?.state).toBe('failed');
    expect(s.a?.info.title).toBe('Create cluster dev');
  });

  it('keeps only the log tail and ignores unrelated events', () => {
    let s: JobsState = reduceJobs({}, job('running'));
    for (let i = 0; i < LOG_TAIL + 5; i++) s = reduceJobs(s, { type: 'progress', event: { type: 'log', opId: 'a', line: `l${i}`, at: i } });
    expect(s.a?.log.length).toBe(LOG_TAIL);
    expect(s.a?.log[0]).toBe('l5');
    expect(reduceJobs(s, { type: 'clusters.changed' })).toBe(s);
    expect(reduceJobs(s, { type: 'progress', event: null })).toBe(s);
  });

  it('store notifies subscribers only on change; jobs sort newest first', () => {
    const store = new JobsStore();
    let n = 0;
    const off = store.subscribe(() => n++);
    store.apply({ type: 'clusters.changed' });
    store.apply(job('running'));
    off();
    store.apply(job('succeeded'));
    expect(n).toBe(1);
    const two = reduceJobs(store.getSnapshot(), { type: 'job.changed', job: { opId: 'b', op: 'x', title: 'B', state: 'running', startedAt: 9 } });
    expect(sortedJobs(two).map((j) => j.info.opId)).toEqual(['b', 'a']);
  });

  it('formats durations for people', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});
