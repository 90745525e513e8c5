import { describe, expect, it } from 'vitest';
import { ResourceKindSchema } from '../../shared/api.js';
import { formatAge } from '../../shared/age.js';
import { collectionPath, DESCRIPTORS, descriptorOf, objectPath, podStatus, toRow, type KubeObject } from './descriptors.js';

describe('descriptors', () => {
  it('has one for every kind of the contract, with its own columns', () => {
    for (const kind of ResourceKindSchema.options) {
      const d = DESCRIPTORS[kind];
      expect(d.kind).toBe(kind);
      expect(d.columns.length).toBeGreaterThan(0);
      // Every declared column gets a cell, even for an empty object.
      const cells = d.cells({ metadata: { name: 'x' } });
      for (const c of d.columns) expect(typeof cells[c.id]).toBe('string');
    }
  });

  it.each([
    ['Pod', 'default', '/api/v1/namespaces/default/pods'],
    ['Pod', undefined, '/api/v1/pods'],
    ['Deployment', 'kube-system', '/apis/apps/v1/namespaces/kube-system/deployments'],
    ['Ingress', 'a', '/apis/networking.k8s.io/v1/namespaces/a/ingresses'],
    ['Node', 'ignored', '/api/v1/nodes'],
    ['StorageClass', undefined, '/apis/storage.k8s.io/v1/storageclasses'],
    ['HorizontalPodAutoscaler', 'd', '/apis/autoscaling/v2/namespaces/d/horizontalpodautoscalers'],
  ] as const)('%s in %s lists at %s', (kind, ns, path) => {
    expect(collectionPath(descriptorOf(kind), ns)).toBe(path);
  });

  it('object paths default a namespaced kind to "default"', () => {
    expect(objectPath(descriptorOf('Pod'), 'p')).toBe('/api/v1/namespaces/default/pods/p');
    expect(objectPath(descriptorOf('Node'), 'n1')).toBe('/api/v1/nodes/n1');
  });

  it('a Deployment row: ready counts, images and a status colour', () => {
    const o: KubeObject = {
      metadata: { uid: 'u1', name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { replicas: 3, template: { spec: { containers: [{ image: 'busybox:1' }] } } },
      status: { readyReplicas: 1, updatedReplicas: 3, availableReplicas: 1 },
    };
    expect(toRow(descriptorOf('Deployment'), o)).toEqual({
      uid: 'u1',
      name: 'web',
      namespace: 'default',
      status: 'Progressing',
      tone: 'warn',
      created: '2026-01-01T00:00:00Z',
      cells: { ready: '1/3', upToDate: '3', available: '1', images: 'busybox:1' },
    });
    expect(toRow(descriptorOf('Deployment'), { ...o, status: { readyReplicas: 3 } }).tone).toBe('ok');
    expect(toRow(descriptorOf('Deployment'), { ...o, spec: { replicas: 0 } }).status).toBe('Scaled to 0');
  });

  it.each([
    ['running and ready', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }, 'Running', 'ok'],
    ['running, not ready', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }, 'Running (not ready)', 'warn'],
    ['crash looping', { phase: 'Running', containerStatuses: [{ state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, 'CrashLoopBackOff', 'error'],
    ['image never pulled', { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ErrImageNeverPull' } } }] }, 'ErrImageNeverPull', 'error'],
    ['creating', { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ContainerCreating' } } }] }, 'ContainerCreating', 'warn'],
    ['completed', { phase: 'Succeeded' }, 'Completed', 'muted'],
  ])('pod status: %s', (_t, status, text, tone) => {
    expect(podStatus({ status })).toEqual({ text, tone });
  });

  it('a cordoned node says SchedulingDisabled', () => {
    const node: KubeObject = { metadata: { name: 'n', labels: { 'node-role.kubernetes.io/control-plane': '' } }, spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    const row = toRow(descriptorOf('Node'), node);
    expect(row.status).toBe('Ready,SchedulingDisabled');
    expect(row.tone).toBe('warn');
    expect(row.cells.roles).toBe('control-plane');
  });

  it('events are dated by when they were last seen, warnings in amber', () => {
    const row = toRow(descriptorOf('Event'), { type: 'Warning', reason: 'BackOff', lastTimestamp: '2026-02-02T00:00:00Z', involvedObject: { kind: 'Pod', name: 'p' }, metadata: { name: 'e', creationTimestamp: '2026-01-01T00:00:00Z' } });
    expect(row.created).toBe('2026-02-02T00:00:00Z');
    expect(row.tone).toBe('warn');
    expect(row.cells.object).toBe('Pod/p');
  });
});

describe('formatAge', () => {
  const now = Date.parse('2026-01-10T00:00:00Z');
  it.each([
    ['2026-01-09T23:59:55Z', '5s'],
    ['2026-01-09T23:55:00Z', '5m'],
    ['2026-01-09T21:00:00Z', '3h'],
    ['2026-01-05T00:00:00Z', '5d'],
    [undefined, ''],
  ])('%s → %s', (created, age) => expect(formatAge(created, now)).toBe(age));
});
