import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { schedulable } from './ready.js';

const node = (ready: string, taints?: k8s.V1Taint[]): k8s.V1Node => ({ spec: { taints }, status: { conditions: [{ type: 'Ready', status: ready }] } }) as k8s.V1Node;

describe('a node counts as ready for the create', () => {
  it('when Ready and without the not-ready taints', () => {
    expect(schedulable(node('True'))).toBe(true);
    expect(schedulable(node('True', [{ key: 'dedicated', value: 'backend', effect: 'NoSchedule' }]))).toBe(true);
  });

  it('not while the controller manager has not yet removed a not-ready taint, or before Ready', () => {
    expect(schedulable(node('True', [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]))).toBe(false);
    expect(schedulable(node('True', [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]))).toBe(false);
    expect(schedulable(node('False'))).toBe(false);
  });
});
