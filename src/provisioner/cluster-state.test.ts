import { describe, expect, it } from 'vitest';
import { summarize } from './cluster-state.js';
import type { ContainerInfo } from './runtime/types.js';

const c = (name: string, role: string, state: ContainerInfo['state'], extra: Record<string, string> = {}): ContainerInfo => ({
  id: name,
  name,
  image: 'paddock/node:v1.36.3',
  labels: { 'io.paddock.cluster': 'dev', 'io.paddock.role': role, 'io.paddock.kubernetes-version': 'v1.36.3', ...extra },
  state,
  created: '2026-11-25T00:00:00.000Z',
  ports: [],
});

describe('cluster status from containers', () => {
  it('is running when every node runs, with the API port of its control plane', () => {
    const s = summarize('dev', [c('dev-worker', 'worker', 'running'), c('dev-control-plane', 'control-plane', 'running', { 'io.paddock.api-port': '41000' })]);
    expect(s.status).toBe('running');
    expect(s.apiServer).toEqual({ host: '127.0.0.1', port: 41000 });
    expect(s.nodes.map((n) => n.name)).toEqual(['dev-control-plane', 'dev-worker']);
    expect(s.kubernetesVersion).toBe('v1.36.3');
    expect(s.context).toBe('paddock-dev');
  });

  it.each([
    [['exited', 'exited'], 'stopped'],
    [['paused', 'paused'], 'paused'],
    [['running', 'exited'], 'degraded'],
  ] as const)('%j → %s', (states, expected) => {
    const s = summarize('dev', [c('dev-control-plane', 'control-plane', states[0]), c('dev-worker', 'worker', states[1])]);
    expect(s.status).toBe(expected);
  });

  it('is broken without a control plane (an interrupted create)', () => {
    const s = summarize('dev', [c('dev-worker', 'worker', 'running')]);
    expect(s.status).toBe('broken');
    expect(s.reason).toMatch(/paddock delete/);
  });

  it('orders nodes numerically and names what is down', () => {
    const s = summarize('dev', [
      c('dev-worker10', 'worker', 'running'),
      c('dev-worker2', 'worker', 'exited'),
      c('dev-control-plane', 'control-plane', 'running'),
      c('dev-external-load-balancer', 'load-balancer', 'running', { 'io.paddock.api-port': '41001' }),
    ]);
    expect(s.nodes.map((n) => n.name)).toEqual(['dev-external-load-balancer', 'dev-control-plane', 'dev-worker2', 'dev-worker10']);
    expect(s.reason).toBe('dev-worker2 is stopped');
    expect(s.apiServer?.port).toBe(41001);
  });
});
