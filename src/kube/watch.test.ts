import { describe, expect, it } from 'vitest';
import { applyWatchEvent, stateFromList, type ListState } from './watch.js';
import type { KubeObject } from './resources/descriptors.js';

const pod = (uid: string, rv: string, phase = 'Running'): KubeObject => ({ kind: 'Pod', metadata: { uid, name: uid, namespace: 'default', resourceVersion: rv }, status: { phase } });
const start = (): ListState => stateFromList({ items: [pod('a', '10'), pod('b', '11')], metadata: { resourceVersion: '11' } });
const names = (s: ListState) => [...s.items.values()].map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`);

describe('applyWatchEvent', () => {
  it('keeps the list and its resourceVersion', () => {
    const s = start();
    expect(names(s)).toEqual(['a@10', 'b@11']);
    expect(s.resourceVersion).toBe('11');
  });

  it.each([
    ['ADDED adds a new uid', { type: 'ADDED', object: pod('c', '12') }, ['a@10', 'b@11', 'c@12'], '12'],
    ['MODIFIED replaces by uid', { type: 'MODIFIED', object: pod('a', '13', 'Failed') }, ['a@13', 'b@11'], '13'],
    ['ADDED for a held uid (a relist) upserts', { type: 'ADDED', object: pod('b', '14') }, ['a@10', 'b@14'], '14'],
    ['DELETED removes', { type: 'DELETED', object: pod('a', '15') }, ['b@11'], '15'],
    ['DELETED of an unknown uid only moves the version', { type: 'DELETED', object: pod('z', '16') }, ['a@10', 'b@11'], '16'],
    ['BOOKMARK only moves the version', { type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } }, ['a@10', 'b@11'], '20'],
  ] as const)('%s', (_t, event, want, rv) => {
    const s = applyWatchEvent(start(), event as never);
    expect(names(s)).toEqual(want);
    expect(s.resourceVersion).toBe(rv);
  });

  it('drops a stale MODIFIED (older than the version held) and returns the same state', () => {
    const s = start();
    expect(applyWatchEvent(s, { type: 'MODIFIED', object: pod('b', '9') })).toBe(s);
  });

  it('ERROR changes nothing', () => {
    const s = start();
    expect(applyWatchEvent(s, { type: 'ERROR', object: { code: 410 } as never })).toBe(s);
  });

  it('never mutates the state it was given', () => {
    const s = start();
    applyWatchEvent(s, { type: 'DELETED', object: pod('a', '15') });
    applyWatchEvent(s, { type: 'ADDED', object: pod('c', '12') });
    expect(names(s)).toEqual(['a@10', 'b@11']);
  });

  it('compares non-numeric versions by never calling them stale', () => {
    const s = stateFromList({ items: [pod('a', 'x9')] });
    expect(names(applyWatchEvent(s, { type: 'MODIFIED', object: pod('a', 'x1') }))).toEqual(['a@x1']);
  });
});
