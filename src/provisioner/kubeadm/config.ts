/**
 * Renders the kubeadm config of one node: pure data in, YAML out. Settings
 * that this kind of host needs are explained where they are set; kind's
 * values are used where they were proven (eviction off, preflight skipped).
 */
import { dumpDocs, applyJson6902Patches, applyStrategicPatches } from './patches.js';
import type { Json6902PatchConfig, TaintConfig } from '../config/schema.js';

export interface KubeadmNodeData {
  clusterName: string;
  kubernetesVersion: string;
  nodeName: string;
  nodeIp: string;
  role: 'control-plane' | 'worker';
  /** Where kubeadm init runs (first control plane) vs joins. */
  bootstrap: boolean;
  /** host:port every node uses for the API (first control plane or the load balancer). */
  controlPlaneEndpoint: string;
  podSubnet: string;
  serviceSubnet: string;
  kubeProxyMode: 'iptables' | 'ipvs' | 'nftables' | 'none';
  token: string;
  certificateKey: string;
  certSANs: string[];
  labels: Record<string, string>;
  /** undefined = kubeadm's default (control planes tainted); [] = untainted. */
  taints?: TaintConfig[];
  featureGates: Record<string, boolean>;
  runtimeConfig: Record<string, string>;
  /** CoreDNS image tag when the node image carries a different one than kubeadm's default. */
  corednsImageTag?: string;
  /** Kubernetes minor, to pick config API versions and version quirks. */
  minor: number;
  /** More than one control plane: only then do controller-manager and scheduler need leader election. */
  ha: boolean;
  /** A kubeconfig in the node with the cluster's CA and endpoint: joins then skip token discovery's wait for a signed cluster-info. */
  discoveryFile?: string;
}

type Doc = Record<string, unknown>;
const KUBEADM_API = 'kubeadm.k8s.io/v1beta4';

/**
 * Go lets a heap grow to twice its live size (GOGC=100) before collecting; on
 * an idle dev cluster that slack is a good part of the control plane's
 * memory. 25 took an idle single node from 506 to 415 MiB (bench/lifecycle;
 * 50: 458), for more frequent, small collections.
 */
const LAPTOP_GO_ENV = [{ name: 'GOGC', value: '25' }];

function args(map: Record<string, string>): { name: string; value: string }[] {
  return Object.entries(map).map(([name, value]) => ({ name, value }));
}

function kubeletArgs(d: KubeadmNodeData): { name: string; value: string }[] {
  const extra: Record<string, string> = { 'node-ip': d.nodeIp };
  const labels = Object.entries(d.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length) extra['node-labels'] = labels.join(',');
  return args(extra);
}

function nodeRegistration(d: KubeadmNodeData): Doc {
  return {
    name: d.nodeName,
    criSocket: 'unix:///run/containerd/containerd.sock',
    kubeletExtraArgs: kubeletArgs(d),
    ...(d.taints !== undefined ? { taints: d.taints.map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })) } : {}),
    imagePullPolicy: 'IfNotPresent',
  };
}

function runtimeConfigArg(runtimeConfig: Record<string, string>, base: Record<string, string>): Record<string, string> {
  const entries = Object.entries(runtimeConfig);
  return entries.length ? { ...base, 'runtime-config': entries.map(([k, v]) => `${k}=${v}`).join(',') } : base;
}

export function renderKubeadmDocs(d: KubeadmNodeData): Doc[] {
  const [endpointHost, endpointPort] = d.controlPlaneEndpoint.split(':');
  const docs: Doc[] = [];
  const featureGates = Object.keys(d.featureGates).length ? d.featureGates : undefined;
  const fgArg: Record<string, string> = featureGates ? { 'feature-gates': Object.entries(featureGates).map(([k, v]) => `${k}=${v}`).join(',') } : {};
  docs.push({
    apiVersion: KUBEADM_API,
    kind: 'ClusterConfiguration',
    clusterName: d.clusterName,
    kubernetesVersion: d.kubernetesVersion,
    controlPlaneEndpoint: `${endpointHost}:${endpointPort ?? '6443'}`,
    // ECDSA keys are generated in milliseconds; RSA-2048 keys cost most of the certs phase.
    encryptionAlgorithm: 'ECDSA-P256',
    networking: { podSubnet: d.podSubnet, serviceSubnet: d.serviceSubnet, dnsDomain: 'cluster.local' },
    apiServer: {
      certSANs: d.certSANs,
      extraArgs: args(runtimeConfigArg(d.runtimeConfig, fgArg)),
      extraEnvs: LAPTOP_GO_ENV,
    },
    // With one control plane there is nobody to elect: without it the controller
    // manager waits for RBAC, then retries its lease every 2 s.
    // Each controller gets its own service-account client at start-up; at the
    // default 20 QPS those requests alone took ~4 s before the node-ipam and
    // DaemonSet controllers ran (measured: node Ready 2-3 s sooner).
    // A new node carries the not-ready NoExecute taint until the node
    // lifecycle controller's next health pass after it is Ready: every 5 s by
    // default, so a cluster Ready in seconds still had it; 1 s costs little
    // with a handful of nodes.
    controllerManager: {
      extraArgs: args({ ...fgArg, 'bind-address': '127.0.0.1', 'kube-api-qps': '200', 'kube-api-burst': '400', 'node-monitor-period': '1s', ...(d.ha ? {} : { 'leader-elect': 'false' }) }),
      extraEnvs: LAPTOP_GO_ENV,
    },
    scheduler: { extraArgs: args({ ...fgArg, 'bind-address': '127.0.0.1', ...(d.ha ? {} : { 'leader-elect': 'false' }) }), extraEnvs: LAPTOP_GO_ENV },
    etcd: { local: { dataDir: '/var/lib/etcd', extraEnvs: LAPTOP_GO_ENV } },
    ...(d.corednsImageTag ? { dns: { imageTag: d.corednsImageTag } } : {}),
  });
  if (d.bootstrap) {
    docs.push({
      apiVersion: KUBEADM_API,
      kind: 'InitConfiguration',
      bootstrapTokens: [{ token: d.token, ttl: '24h0m0s', usages: ['signing', 'authentication'], groups: ['system:bootstrappers:kubeadm:default-node-token'] }],
      certificateKey: d.certificateKey,
      localAPIEndpoint: { advertiseAddress: d.nodeIp, bindPort: 6443 },
      nodeRegistration: nodeRegistration(d),
      // Preflight's SystemVerification refuses cgroup v1 from 1.35 on, and
      // its image pulls are pointless: every image is preloaded. CoreDNS is
      // applied by Paddock from kubeadm's own manifest (--print-manifest),
      // with a 1 s readiness period, so no pod is made from the 10 s one.
      // kubelet-finalize restarts the kubelet mid-bootstrap to point it at its
      // rotatable certificate; Paddock rewrites kubelet.conf the same way
      // without the restart (steps/kubeadm.ts), used from the next start.
      skipPhases: ['preflight', 'kubelet-finalize', 'addon/coredns', ...(d.kubeProxyMode === 'none' ? ['addon/kube-proxy'] : [])],
    });
  } else {
    docs.push({
      apiVersion: KUBEADM_API,
      kind: 'JoinConfiguration',
      // Token discovery waits for the controller manager to sign cluster-info
      // and retries every 5 s: a join started right after init waited ~5 s.
      // A file with the CA (read from the first node) needs no signature.
      discovery: d.discoveryFile
        ? { file: { kubeConfigPath: d.discoveryFile }, tlsBootstrapToken: d.token }
        : { bootstrapToken: { apiServerEndpoint: `${endpointHost}:${endpointPort ?? '6443'}`, token: d.token, unsafeSkipCAVerification: true } },
      nodeRegistration: nodeRegistration(d),
      ...(d.role === 'control-plane' ? { controlPlane: { localAPIEndpoint: { advertiseAddress: d.nodeIp, bindPort: 6443 }, certificateKey: d.certificateKey } } : {}),
      skipPhases: ['preflight'],
    });
  }
  docs.push({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
    cgroupRoot: '/kubelet',
    failSwapOn: false,
    // 1.35+ refuses cgroup v1 unless told; harmless on cgroup v2 hosts.
    failCgroupV1: false,
    // A laptop's disk is often >85% full: never evict a dev cluster's pods for it (kind's choice).
    imageGCHighThresholdPercent: 100,
    evictionHard: { 'nodefs.available': '0%', 'nodefs.inodesFree': '0%', 'imagefs.available': '0%' },
    // Watch (the default) lists a pod's ConfigMaps and Secrets through a
    // reflector: when the kubelet sees a pod before the API server's node
    // authorizer has linked it to the node (common while a cluster boots),
    // the list is refused, the reflector backs off and the volume waits
    // ~1.7 s (CoreDNS on a new worker). Cache reads them with GETs (the TTL
    // the controller manager sets is 0 on a small cluster) and retries after
    // 0.5 s; a changed ConfigMap still reaches pods at the next pod sync.
    configMapAndSecretChangeDetectionStrategy: 'Cache',
    ...(featureGates ? { featureGates } : {}),
  });
  docs.push({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: d.kubeProxyMode === 'none' ? 'iptables' : d.kubeProxyMode,
    // kube-proxy would otherwise try to raise nf_conntrack_max, read-only in a container.
    conntrack: { maxPerCore: 0 },
    ...(featureGates ? { featureGates } : {}),
  });
  return docs;
}

export interface KubeadmPatches {
  strategic: string[];
  json6902: Json6902PatchConfig[];
}

export function renderKubeadmConfig(d: KubeadmNodeData, patches: KubeadmPatches = { strategic: [], json6902: [] }): string {
  let docs = renderKubeadmDocs(d);
  docs = applyStrategicPatches(docs, patches.strategic);
  docs = applyJson6902Patches(docs, patches.json6902);
  return dumpDocs(docs);
}
