import { describe, expect, it } from 'vitest';
import { staleOpsFor } from './use-api.js';

describe('staleOpsFor', () => {
  it('maps push events to exactly the queries they make stale', () => {
    expect(staleOpsFor({ type: 'clusters.changed' })).toEqual(['listClusters', 'getCluster', 'listContexts']);
    expect(staleOpsFor({ type: 'forwards.changed' })).toEqual(['listForwards']);
    expect(staleOpsFor({ type: 'progress', event: {} })).toEqual([]);
    const job = (op: string, state: 'running' | 'succeeded') => ({ type: 'job.changed' as const, job: { opId: 'o', op, title: 't', state, startedAt: 0 } });
    expect(staleOpsFor(job('createCluster', 'running'))).toEqual([]);
    expect(staleOpsFor(job('buildNodeImage', 'succeeded'))).toEqual(['listNodeImages']);
    expect(staleOpsFor(job('enableAddon', 'succeeded'))).toEqual(['listAddons']);
    expect(staleOpsFor(job('stopCluster', 'succeeded'))).toContain('listClusters');
  });
});
