import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClusterConfig } from './load.js';
import { planCluster } from '../plan.js';

const dir = path.join(import.meta.dirname, 'testdata');
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');

describe('cluster config files', () => {
  it.each(fs.readdirSync(dir).filter((f) => f.startsWith('valid-')))('accepts %s', (f) => {
    expect(() => parseClusterConfig(read(f), f)).not.toThrow();
  });

  it.each([
    ['invalid-unknown-field.yaml', /unknown field "extraPortMapings" at nodes\[1\]\.extraPortMapings \(line 6\)/],
    ['invalid-role.yaml', /nodes\[0\]\.role: .*"control-plane".*\(line 4\)/],
    ['invalid-api-version.yaml', /apiVersion "kind.x-k8s.io\/v1alpha3" is not supported/],
    ['invalid-yaml.yaml', /is not valid YAML \(line \d+, column \d+\)/],
  ])('rejects %s with a message naming the problem', (f, message) => {
    expect(() => parseClusterConfig(read(f), f)).toThrow(message);
  });

  it('refuses a cluster without a control plane', () => {
    expect(() => planCluster({ name: 'paddock', config: read('invalid-no-control-plane.yaml') })).toThrow(/at least one control-plane/);
  });
});

describe('planCluster', () => {
  it('plans a single node from defaults, named like kind names nodes', () => {
    const plan = planCluster({ name: 'dev' }, 'paddock/node:v1.36.3');
    expect(plan.nodes.map((n) => [n.name, n.role, n.image])).toEqual([['dev-control-plane', 'control-plane', 'paddock/node:v1.36.3']]);
    expect(plan.loadBalancer).toBeUndefined();
    expect(plan.context).toBe('paddock-dev');
    expect(plan.networking.apiServerAddress).toBe('127.0.0.1');
  });

  it('plans HA with a load balancer and numbered nodes', () => {
    const plan = planCluster({ name: 'ha', controlPlanes: 3, workers: 2 });
    expect(plan.nodes.map((n) => n.name)).toEqual(['ha-control-plane', 'ha-control-plane2', 'ha-control-plane3', 'ha-worker', 'ha-worker2']);
    expect(plan.loadBalancer?.name).toBe('ha-external-load-balancer');
  });

  it("takes the file's name unless --name was given, and keeps labels, taints and ports", () => {
    const plan = planCluster({ name: 'paddock', config: read('valid-kind-multinode.yaml') });
    expect(plan.name).toBe('multi');
    expect(plan.nodes[0]?.extraPortMappings).toEqual([{ containerPort: 30080, hostPort: 38080, listenAddress: '127.0.0.1', protocol: 'TCP' }]);
    expect(plan.nodes[1]?.labels).toEqual({ tier: 'frontend' });
    expect(plan.nodes[2]?.kubeadmConfigPatches[0]).toContain('dedicated');
    expect(planCluster({ name: 'other', config: read('valid-kind-multinode.yaml') }).name).toBe('other');
  });

  it('refuses flags that contradict a nodes list, and ports mapped twice', () => {
    expect(() => planCluster({ name: 'x', workers: 1, config: read('valid-kind-multinode.yaml') })).toThrow(/cannot be combined/);
    const twice = `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  extraPortMappings:\n  - {containerPort: 80, hostPort: 8080}\n- role: worker\n  extraPortMappings:\n  - {containerPort: 80, hostPort: 8080}\n`;
    expect(() => planCluster({ name: 'x', config: twice })).toThrow(/127.0.0.1:8080\/TCP is mapped twice/);
  });

  it('rejects invalid names before anything else', () => {
    expect(() => planCluster({ name: 'Bad_Name' })).toThrow(/invalid cluster name "Bad_Name"/);
    expect(() => planCluster({ name: 'a'.repeat(41) })).toThrow(/at most 40/);
  });
});
