/**
 * Cluster config files: kind's `kind.x-k8s.io/v1alpha4` Cluster accepted as
 * it is, and Paddock's own `paddock.dev/v1alpha1` Cluster, which is the same
 * plus a few fields. Objects are strict: an unknown field is an error that
 * names the field (and load.ts adds its line).
 */
import { z } from 'zod';

export const KIND_API_VERSION = 'kind.x-k8s.io/v1alpha4';
export const PADDOCK_API_VERSION = 'paddock.dev/v1alpha1';

const Json6902Patch = z.strictObject({
  group: z.string(),
  version: z.string(),
  kind: z.string(),
  patch: z.string(),
});

const PortMapping = z.strictObject({
  containerPort: z.number().int().min(1).max(65535),
  hostPort: z.number().int().min(0).max(65535).optional(),
  listenAddress: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
});

const Mount = z.strictObject({
  hostPath: z.string().min(1),
  containerPath: z.string().min(1),
  readOnly: z.boolean().optional(),
  selinuxRelabel: z.boolean().optional(),
  propagation: z.enum(['None', 'HostToContainer', 'Bidirectional']).optional(),
});

const Taint = z.strictObject({
  key: z.string().min(1),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

const Node = z.strictObject({
  role: z.enum(['control-plane', 'worker']),
  image: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  extraMounts: z.array(Mount).optional(),
  extraPortMappings: z.array(PortMapping).optional(),
  kubeadmConfigPatches: z.array(z.string()).optional(),
  kubeadmConfigPatchesJSON6902: z.array(Json6902Patch).optional(),
  /** Paddock: taints without writing a kubeadm patch. */
  taints: z.array(Taint).optional(),
});

const Networking = z.strictObject({
  ipFamily: z.enum(['ipv4', 'ipv6', 'dual']).optional(),
  apiServerPort: z.number().int().min(0).max(65535).optional(),
  apiServerAddress: z.string().optional(),
  podSubnet: z.string().optional(),
  serviceSubnet: z.string().optional(),
  disableDefaultCNI: z.boolean().optional(),
  kubeProxyMode: z.enum(['iptables', 'ipvs', 'nftables', 'none']).optional(),
  dnsSearch: z.array(z.string()).optional(),
});

const common = {
  kind: z.literal('Cluster'),
  name: z.string().optional(),
  nodes: z.array(Node).optional(),
  networking: Networking.optional(),
  featureGates: z.record(z.string(), z.boolean()).optional(),
  runtimeConfig: z.record(z.string(), z.string()).optional(),
  kubeadmConfigPatches: z.array(z.string()).optional(),
  kubeadmConfigPatchesJSON6902: z.array(Json6902Patch).optional(),
  containerdConfigPatches: z.array(z.string()).optional(),
  containerdConfigPatchesJSON6902: z.array(z.string()).optional(),
};

export const KindClusterSchema = z.strictObject({ apiVersion: z.literal(KIND_API_VERSION), ...common });
export const PaddockClusterSchema = z.strictObject({
  apiVersion: z.literal(PADDOCK_API_VERSION),
  ...common,
  kubernetesVersion: z.string().regex(/^v\d+\.\d+\.\d+$/).optional(),
  image: z.string().optional(),
});

export const ClusterConfigSchema = z.discriminatedUnion('apiVersion', [KindClusterSchema, PaddockClusterSchema]);
export type ClusterConfig = z.infer<typeof ClusterConfigSchema>;
export type NodeConfig = z.infer<typeof Node>;
export type PortMappingConfig = z.infer<typeof PortMapping>;
export type MountConfig = z.infer<typeof Mount>;
export type TaintConfig = z.infer<typeof Taint>;
export type Json6902PatchConfig = z.infer<typeof Json6902Patch>;
