import { describe, expect, it } from 'vitest';
import type * as k8s from '@kubernetes/client-node';
import { daemonSetPodNode } from './early-bind.js';

const dsPod = (over: Partial<k8s.V1Pod> = {}): k8s.V1Pod => ({
  metadata: { name: 'paddocknet-x', uid: 'u1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'paddocknet', uid: 'd', controller: true }] },
  spec: {
    containers: [],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['dev-worker'] }] }] } } },
  },
  ...over,
});

describe('daemonSetPodNode', () => {
  it('reads the node a DaemonSet pod is pinned to', () => {
    expect(daemonSetPodNode(dsPod())).toBe('dev-worker');
  });

  it('leaves bound pods, pods of other owners and pods without a single pinned node alone', () => {
    expect(daemonSetPodNode(dsPod({ spec: { ...dsPod().spec!, nodeName: 'dev-worker' } }))).toBeUndefined();
    expect(daemonSetPodNode(dsPod({ metadata: { name: 'x', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'r', controller: true }] } }))).toBeUndefined();
    const two = dsPod();
    two.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0]!.matchFields![0]!.values = ['a', 'b'];
    expect(daemonSetPodNode(two)).toBeUndefined();
    expect(daemonSetPodNode(dsPod({ spec: { containers: [] } }))).toBeUndefined();
  });
});
