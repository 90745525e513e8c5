import { describe, expect, it } from 'vitest';
import { checkClusterConfig } from './kind-config.js';

describe('checkClusterConfig', () => {
  it('accepts a kind v1alpha4 file and counts nodes', () => {
    const r = checkClusterConfig('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n- role: worker\n');
    expect(r).toEqual({ ok: true, message: 'Looks good: 1 control plane, 2 workers.', nodes: { controlPlanes: 1, workers: 2 } });
  });

  it.each([
    ['', /Paste a kind Cluster/],
    ['kind: [', /Not valid YAML/],
    ['- a', /YAML mapping/],
    ['kind: Pod\napiVersion: v1', /kind must be "Cluster"/],
    ['kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha3', /apiVersion must be/],
    ['kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker', /At least one node/],
    ['kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: boss', /nodes\[0\]\.role/],
  ])('rejects %j', (text, msg) => {
    const r = checkClusterConfig(text);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(msg);
  });
});
