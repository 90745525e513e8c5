import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { schedulable } from './ready.js';

const node = (ready: string, taints?: k8s.V1Taint[]): k8s.V1Node => ({ spec: { taints }, status: { conditions: [{ type: 'Ready', status: ready }] } }) as k8s.V1Node;

describe('a node counts as ready for the create', () => {
  it('when Ready and without the not-ready taints', () => {
    expect(schedulable(node('True'))).toBe(true);
    expect(schedulable(node('True', [{ key: 'dedicated', value: 'backend', effect: 'NoSchedule' }]))).toBe(true);
  });

  it('even while the not-ready NoExecute taint waits for the next health pass: every pod tolerates it for 300 s', () => {
    expect(schedulable(node('True', [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]))).toBe(true);
  });

  it('not while the controller manager has not yet removed the not-ready NoSchedule taint, or before Ready', () => {
    expect(schedulable(node('True', [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]))).toBe(false);
    expect(schedulable(node('False'))).toBe(false);
  });
});
