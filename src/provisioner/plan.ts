/**
 * Plans a cluster from the user's request: flags and/or a config file →
 * a ClusterPlan with every default filled in. Pure and unit-tested; nothing
 * here touches Docker.
 */
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { validateClusterName, contextNameFor } from '../shared/names.js';
import type { CreateClusterInput } from '../shared/api.js';
import { parseClusterConfig } from './config/load.js';
import type { ClusterConfig, Json6902PatchConfig, MountConfig, PortMappingConfig, TaintConfig } from './config/schema.js';

export interface NodePlan {
  name: string;
  role: 'control-plane' | 'worker';
  /** 1-based index among nodes of the same role. */
  index: number;
  image: string;
  labels: Record<string, string>;
  taints: TaintConfig[];
  extraPortMappings: Required<Pick<PortMappingConfig, 'containerPort' | 'hostPort' | 'listenAddress' | 'protocol'>>[];
  extraMounts: MountConfig[];
  kubeadmConfigPatches: string[];
  kubeadmConfigPatchesJSON6902: Json6902PatchConfig[];
}

export interface NetworkingPlan {
  ipFamily: 'ipv4' | 'ipv6' | 'dual';
  apiServerAddress: string;
  /** 0 = a free port chosen by Docker. */
  apiServerPort: number;
  podSubnet: string;
  serviceSubnet: string;
  disableDefaultCNI: boolean;
  kubeProxyMode: 'iptables' | 'ipvs' | 'nftables' | 'none';
  dnsSearch?: string[];
}

export interface ClusterPlan {
  name: string;
  context: string;
  kubernetesVersion?: string;
  image?: string;
  nodes: NodePlan[];
  loadBalancer?: { name: string };
  networking: NetworkingPlan;
  featureGates: Record<string, boolean>;
  runtimeConfig: Record<string, string>;
  kubeadmConfigPatches: string[];
  kubeadmConfigPatchesJSON6902: Json6902PatchConfig[];
  containerdConfigPatches: string[];
  containerdConfigPatchesJSON6902: string[];
  waitSeconds: number;
  retain: boolean;
}

export function nodeName(cluster: string, role: 'control-plane' | 'worker', index: number): string {
  return `${cluster}-${role}${index === 1 ? '' : index}`;
}

/** Several control planes: etcd members to join one by one, certificates to share, a load balancer in front. */
export function isHighlyAvailable(plan: Pick<ClusterPlan, 'nodes'>): boolean {
  return plan.nodes.filter((n) => n.role === 'control-plane').length > 1;
}

export function loadBalancerName(cluster: string): string {
  return `${cluster}-external-load-balancer`;
}

export const DEFAULT_POD_SUBNET = '10.244.0.0/16';
export const DEFAULT_SERVICE_SUBNET = '10.96.0.0/16';
export const DEFAULT_WAIT_SECONDS = 300;

export function planCluster(input: CreateClusterInput & { name: string }, defaultImage?: string): ClusterPlan {
  let config: ClusterConfig | undefined;
  if (input.config !== undefined) config = parseClusterConfig(input.config, input.configPath ?? 'config');
  const name = validateClusterName(input.name);
  if (config?.name && config.name !== name && input.name === 'paddock') {
    // kind semantics: the file's name applies unless --name was given.
    validateClusterName(config.name);
  }
  const clusterName = config?.name && input.name === 'paddock' ? config.name : name;

  const fromConfig = config?.nodes ?? [];
  if (config && fromConfig.length > 0 && (input.controlPlanes !== undefined || input.workers !== undefined)) {
    throw new PaddockError(ErrorCodes.USAGE, '--control-planes/--workers cannot be combined with a config file that lists nodes', {
      remedy: 'describe the nodes in the config file, or drop its nodes list',
    });
  }
  const paddockCfg = config && config.apiVersion === 'paddock.dev/v1alpha1' ? config : undefined;
  const image = input.image ?? paddockCfg?.image ?? defaultImage;
  const kubernetesVersion = input.kubernetesVersion ?? paddockCfg?.kubernetesVersion;

  type RawNode = NonNullable<ClusterConfig['nodes']>[number];
  let rawNodes: RawNode[] = fromConfig;
  if (rawNodes.length === 0) {
    const cps = input.controlPlanes ?? 1;
    const workers = input.workers ?? 0;
    rawNodes = [...Array.from({ length: cps }, () => ({ role: 'control-plane' as const })), ...Array.from({ length: workers }, () => ({ role: 'worker' as const }))];
  }
  const controlPlanes = rawNodes.filter((n) => n.role === 'control-plane');
  if (controlPlanes.length === 0) {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, 'a cluster needs at least one control-plane node', { remedy: 'add a node with role: control-plane' });
  }
  // Control planes first: the first one is where kubeadm init runs.
  const ordered = [...controlPlanes, ...rawNodes.filter((n) => n.role === 'worker')];
  const counters = { 'control-plane': 0, worker: 0 };
  const nodes: NodePlan[] = ordered.map((n) => {
    const index = ++counters[n.role];
    return {
      name: nodeName(clusterName, n.role, index),
      role: n.role,
      index,
      image: n.image ?? image ?? '',
      labels: n.labels ?? {},
      taints: n.taints ?? [],
      extraPortMappings: (n.extraPortMappings ?? []).map((p) => ({
        containerPort: p.containerPort,
        hostPort: p.hostPort ?? 0,
        listenAddress: p.listenAddress ?? '127.0.0.1',
        protocol: p.protocol ?? 'TCP',
      })),
      extraMounts: n.extraMounts ?? [],
      kubeadmConfigPatches: n.kubeadmConfigPatches ?? [],
      kubeadmConfigPatchesJSON6902: n.kubeadmConfigPatchesJSON6902 ?? [],
    };
  });

  const net = config?.networking ?? {};
  if (net.ipFamily && net.ipFamily !== 'ipv4') {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `networking.ipFamily "${net.ipFamily}" is not supported yet; only ipv4 clusters can be created`, {
      remedy: 'remove networking.ipFamily or set it to ipv4',
    });
  }
  const hostPorts = new Map<string, string>();
  for (const n of nodes) {
    for (const p of n.extraPortMappings) {
      if (p.hostPort === 0) continue;
      const key = `${p.listenAddress}:${p.hostPort}/${p.protocol}`;
      const other = hostPorts.get(key);
      if (other) throw new PaddockError(ErrorCodes.INVALID_CONFIG, `host port ${key} is mapped twice (${other} and ${n.name})`);
      hostPorts.set(key, n.name);
    }
  }
  return {
    name: clusterName,
    context: contextNameFor(clusterName),
    kubernetesVersion,
    image,
    nodes,
    loadBalancer: controlPlanes.length > 1 ? { name: loadBalancerName(clusterName) } : undefined,
    networking: {
      ipFamily: 'ipv4',
      apiServerAddress: net.apiServerAddress ?? '127.0.0.1',
      apiServerPort: net.apiServerPort ?? 0,
      podSubnet: net.podSubnet ?? DEFAULT_POD_SUBNET,
      serviceSubnet: net.serviceSubnet ?? DEFAULT_SERVICE_SUBNET,
      disableDefaultCNI: net.disableDefaultCNI ?? false,
      kubeProxyMode: net.kubeProxyMode ?? 'iptables',
      dnsSearch: net.dnsSearch,
    },
    featureGates: config?.featureGates ?? {},
    runtimeConfig: config?.runtimeConfig ?? {},
    kubeadmConfigPatches: config?.kubeadmConfigPatches ?? [],
    kubeadmConfigPatchesJSON6902: config?.kubeadmConfigPatchesJSON6902 ?? [],
    containerdConfigPatches: config?.containerdConfigPatches ?? [],
    containerdConfigPatchesJSON6902: config?.containerdConfigPatchesJSON6902 ?? [],
    waitSeconds: input.waitSeconds ?? DEFAULT_WAIT_SECONDS,
    retain: input.retain ?? false,
  };
}
