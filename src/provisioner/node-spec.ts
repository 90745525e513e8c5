/**
 * The Docker container of a node, as data. Each setting says why: these are
 * the settings a kind-style node needs on cgroup v1 and v2 hosts.
 */
import { Labels } from '../shared/labels.js';
import type { ClusterPlan, NodePlan } from './plan.js';
import type { ContainerSpec, Mount, PortMapping } from './runtime/types.js';

export interface NodeSpecInput {
  plan: ClusterPlan;
  node: NodePlan;
  ip: string;
  network: string;
  kubernetesVersion: string;
  /** Set on the node that publishes the API server (first control plane without a load balancer). */
  apiPort?: number;
  extraLabels?: Record<string, string>;
  /** Mount the host's /lib/modules (absent on some hosts; Docker would create it). */
  mountModules: boolean;
}

const propagation: Record<string, Mount['propagation']> = { None: 'rprivate', HostToContainer: 'rslave', Bidirectional: 'rshared' };

export function nodeContainerSpec(i: NodeSpecInput): ContainerSpec {
  const { plan, node } = i;
  const ports: PortMapping[] = node.extraPortMappings.map((p) => ({
    containerPort: p.containerPort,
    hostPort: p.hostPort,
    hostIp: p.listenAddress,
    protocol: p.protocol.toLowerCase() as PortMapping['protocol'],
  }));
  if (i.apiPort !== undefined) ports.push({ containerPort: 6443, hostPort: i.apiPort, hostIp: plan.networking.apiServerAddress, protocol: 'tcp' });
  return {
    name: node.name,
    hostname: node.name,
    image: node.image,
    labels: {
      [Labels.cluster]: plan.name,
      [Labels.role]: node.role,
      [Labels.ip]: i.ip,
      [Labels.version]: i.kubernetesVersion,
      ...(i.apiPort !== undefined ? { [Labels.apiPort]: String(i.apiPort), [Labels.apiAddress]: plan.networking.apiServerAddress } : {}),
      ...i.extraLabels,
    },
    network: i.network,
    // Fixed address: certificates, etcd peers and kubelet configs name it.
    ipv4Address: i.ip,
    node: true,
    privileged: true,
    tmpfs: { '/run': 'rw', '/tmp': 'rw' },
    // containerd's overlayfs snapshots cannot live on the container's own overlay root.
    volumes: ['/var'],
    mounts: [
      // kube-proxy and the kubelet look at kernel modules; read-only is enough.
      ...(i.mountModules ? [{ hostPath: '/lib/modules', containerPath: '/lib/modules', readOnly: true }] : []),
      ...node.extraMounts.map((m) => ({ hostPath: m.hostPath, containerPath: m.containerPath, readOnly: m.readOnly, propagation: m.propagation ? propagation[m.propagation] : undefined })),
    ],
    ports,
    // Come back after a Docker or host restart, but stay down after `paddock stop`.
    restartPolicy: 'unless-stopped',
    // systemd's clean shutdown signal.
    stopSignal: 'SIGRTMIN+3',
    env: { container: 'docker' },
  };
}

export function loadBalancerSpec(plan: ClusterPlan, image: string, ip: string, network: string, apiPort: number, kubernetesVersion: string): ContainerSpec {
  const backends = plan.nodes.filter((n) => n.role === 'control-plane').map((n) => `${n.name}:6443`);
  return {
    name: plan.loadBalancer!.name,
    hostname: plan.loadBalancer!.name,
    image,
    labels: {
      [Labels.cluster]: plan.name,
      [Labels.role]: 'load-balancer',
      [Labels.ip]: ip,
      [Labels.version]: kubernetesVersion,
      [Labels.apiPort]: String(apiPort),
      [Labels.apiAddress]: plan.networking.apiServerAddress,
    },
    network,
    ipv4Address: ip,
    env: { PADDOCK_LB_CONFIG: JSON.stringify({ listeners: [{ listen: ':6443', backends }] }) },
    ports: [{ containerPort: 6443, hostPort: apiPort, hostIp: plan.networking.apiServerAddress, protocol: 'tcp' }],
    restartPolicy: 'unless-stopped',
  };
}
