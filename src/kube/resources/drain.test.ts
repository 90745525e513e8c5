import { describe, expect, it } from 'vitest';
import { planDrain } from './drain.js';
import type { KubeObject } from './descriptors.js';

const pod = (name: string, extra: Partial<NonNullable<KubeObject['metadata']>> = {}, phase = 'Running'): KubeObject => ({
  metadata: { name, namespace: 'ns', ...extra },
  status: { phase },
});
const owned = (kind: string) => ({ ownerReferences: [{ kind, name: 'x', controller: true } as { kind: string; name: string }] });

describe('planDrain', () => {
  const pods = [
    pod('web', owned('ReplicaSet')),
    pod('proxy', owned('DaemonSet')),
    pod('apiserver', { annotations: { 'kubernetes.io/config.mirror': 'abc' } }),
    pod('going', { ...owned('ReplicaSet'), deletionTimestamp: '2026-01-01T00:00:00Z' }),
    pod('lonely'),
    pod('done', {}, 'Succeeded'),
  ];

  it('evicts controlled pods, ignores DaemonSet, static and terminating pods, and names the unmanaged ones', () => {
    const plan = planDrain(pods);
    expect(plan.evict.map((p) => p.metadata?.name)).toEqual(['web', 'lonely', 'done']);
    expect(plan.skip).toEqual([
      { pod: 'ns/proxy', reason: 'DaemonSet pod' },
      { pod: 'ns/apiserver', reason: 'static pod (the kubelet runs it from a file)' },
      { pod: 'ns/going', reason: 'already terminating' },
    ]);
    // A finished pod without a controller is nothing to lose.
    expect(plan.unmanaged).toEqual(['ns/lonely']);
  });

  it('with force, unmanaged pods are evicted too', () => {
    expect(planDrain(pods, { force: true }).unmanaged).toEqual([]);
  });
});
