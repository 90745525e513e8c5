import { describe, expect, it } from 'vitest';
import { containerPort, findServicePort, isPodReady, readyPods, selectorString, serviceTargetPort, type PodLike, type ServiceLike } from './resolve.js';

function pod(name: string, o: { ready?: boolean; phase?: string; created?: string; deleting?: boolean; ports?: { name?: string; containerPort: number; protocol?: string }[] } = {}): PodLike {
  return {
    metadata: { name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z', deletionTimestamp: o.deleting ? '2026-01-01T00:01:00Z' : undefined },
    spec: { containers: [{ ports: [] }, { ports: o.ports ?? [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }] },
    status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

const svc: ServiceLike = {
  metadata: { name: 'web' },
  spec: {
    selector: { app: 'web' },
    ports: [
      { name: 'web', port: 80, targetPort: 'http' },
      { name: 'metrics', port: 9100, targetPort: 9101 },
      { name: 'plain', port: 7000 },
      { name: 'numstr', port: 7001, targetPort: '7002' },
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
    ],
  },
};

describe('pod readiness and choice', () => {
  it('only Running, Ready, not terminating pods count', () => {
    expect(isPodReady(pod('a'))).toBe(true);
    expect(isPodReady(pod('a', { ready: false }))).toBe(false);
    expect(isPodReady(pod('a', { phase: 'Pending' }))).toBe(false);
    expect(isPodReady(pod('a', { deleting: true }))).toBe(false);
  });

  it('prefers the newest ready pod, so a rollout moves to its new pod', () => {
    const pods = [pod('old', { created: '2026-01-01T00:00:00Z' }), pod('new', { created: '2026-01-02T00:00:00Z' }), pod('newest-unready', { created: '2026-01-03T00:00:00Z', ready: false })];
    expect(readyPods(pods).map((p) => p.metadata?.name)).toEqual(['new', 'old']);
  });
});

describe('service port resolution (as kubectl)', () => {
  it.each([
    ['web', 8080], // by name, named targetPort looked up in the pod
    [80, 8080], // by number
    ['metrics', 9101], // numeric targetPort
    [9100, 9101],
    ['plain', 7000], // no targetPort: the port itself
    ['numstr', 7002],
  ] as const)('%s → pod port %d', (remote, want) => {
    expect(serviceTargetPort(findServicePort(svc, remote), pod('p'))).toBe(want);
  });

  it('names the ports a service has when REMOTE matches none, and ignores UDP ports', () => {
    expect(() => findServicePort(svc, 8080)).toThrow(/has no TCP port 8080 \(it has: web \(80\), metrics \(9100\)/);
    expect(() => findServicePort(svc, 'dns')).toThrow(/named "dns"/);
  });

  it('a named targetPort missing from the pod is a clear error', () => {
    expect(() => serviceTargetPort({ port: 80, targetPort: 'grpc' }, pod('p'))).toThrow(/pod p has no container port named "grpc"/);
  });
});

describe('containerPort', () => {
  it('numbers pass through; names are found in any container, TCP only', () => {
    expect(containerPort(pod('p'), 1234)).toBe(1234);
    expect(containerPort(pod('p'), 'http')).toBe(8080);
    expect(() => containerPort(pod('p'), 'dns')).toThrow();
  });
});

describe('selectorString', () => {
  it('renders matchLabels, matchExpressions and plain maps', () => {
    expect(selectorString({ app: 'web', tier: 'fe' })).toBe('app=web,tier=fe');
    expect(
      selectorString({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'NotIn', values: ['c'] },
          { key: 'y', operator: 'Exists' },
          { key: 'z', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=web,env in (a,b),x notin (c),y,!z');
    expect(selectorString(undefined)).toBe('');
  });
});
