import { describe, expect, it } from 'vitest';
import { kindOf, workloadRef } from './workloads.js';

describe('paddock wl arguments', () => {
  it("takes kubectl's short names for kinds", () => {
    expect(kindOf('deploy')).toBe('Deployment');
    expect(kindOf('STS')).toBe('StatefulSet');
    expect(kindOf('po')).toBe('Pod');
    expect(kindOf('pvc')).toBe('PersistentVolumeClaim');
    expect(() => kindOf('widgets')).toThrow(/unknown kind "widgets"/);
  });

  it('accepts only workloads that roll out as KIND/NAME', () => {
    expect(workloadRef('ds/agent')).toEqual({ kind: 'DaemonSet', name: 'agent' });
    expect(workloadRef('deployment/web')).toEqual({ kind: 'Deployment', name: 'web' });
    expect(() => workloadRef('po/x')).toThrow(/not a workload/);
    expect(() => workloadRef('web')).toThrow(/not a workload/);
  });
});
