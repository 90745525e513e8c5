import { describe, expect, it } from 'vitest';
import { planCluster } from './plan.js';
import { loadBalancerSpec, nodeContainerSpec } from './node-spec.js';

describe('node container spec', () => {
  const plan = planCluster(
    {
      name: 'dev',
      config: `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  extraPortMappings:\n  - {containerPort: 30080, hostPort: 38080}\n  extraMounts:\n  - {hostPath: /tmp/src, containerPath: /src, readOnly: true, propagation: HostToContainer}\n- role: control-plane\n`,
    },
    'paddock/node:v1.36.3',
  );

  it('makes a kind-style privileged node with a fixed address, labels and port mappings', () => {
    const spec = nodeContainerSpec({ plan, node: plan.nodes[0]!, ip: '172.30.0.2', network: 'paddock', kubernetesVersion: 'v1.36.3', apiPort: 40000, mountModules: true });
    expect(spec).toMatchObject({
      name: 'dev-control-plane',
      hostname: 'dev-control-plane',
      privileged: true,
      node: true,
      ipv4Address: '172.30.0.2',
      volumes: ['/var'],
      stopSignal: 'SIGRTMIN+3',
      restartPolicy: 'unless-stopped',
      labels: { 'io.paddock.cluster': 'dev', 'io.paddock.role': 'control-plane', 'io.paddock.ip': '172.30.0.2', 'io.paddock.api-port': '40000' },
    });
    expect(spec.tmpfs).toEqual({ '/run': 'rw', '/tmp': 'rw' });
    expect(spec.ports).toEqual([
      { containerPort: 30080, hostPort: 38080, hostIp: '127.0.0.1', protocol: 'tcp' },
      { containerPort: 6443, hostPort: 40000, hostIp: '127.0.0.1', protocol: 'tcp' },
    ]);
    expect(spec.mounts).toEqual([
      { hostPath: '/lib/modules', containerPath: '/lib/modules', readOnly: true },
      { hostPath: '/tmp/src', containerPath: '/src', readOnly: true, propagation: 'rslave' },
    ]);
  });

  it('points the load balancer at every control plane and publishes the API port', () => {
    const lb = loadBalancerSpec(plan, 'paddock/lb:x', '172.30.0.9', 'paddock', 40001, 'v1.36.3');
    expect(JSON.parse(lb.env!.PADDOCK_LB_CONFIG!)).toEqual({ listeners: [{ listen: ':6443', backends: ['dev-control-plane:6443', 'dev-control-plane2:6443'] }] });
    expect(lb.ports).toEqual([{ containerPort: 6443, hostPort: 40001, hostIp: '127.0.0.1', protocol: 'tcp' }]);
    expect(lb.labels['io.paddock.role']).toBe('load-balancer');
  });
});
