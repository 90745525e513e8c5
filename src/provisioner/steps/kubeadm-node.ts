/**
 * What every kubeadm step needs about a node: its rendered kubeadm config
 * (the config's patches applied), the files written before kubeadm runs, and
 * the error a kubeadm failure becomes.
 */
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { renderKubeadmConfig, type KubeadmNodeData } from '../kubeadm/config.js';
import { isHighlyAvailable, type NodePlan } from '../plan.js';
import type { NodeFile } from '../node-exec.js';
import type { CreateContext } from './types.js';

export const KUBEADM_CONFIG_PATH = '/kind/kubeadm.conf';
/** Where joining nodes find the cluster's CA and endpoint (see discoveryKubeconfig). */
export const DISCOVERY_KUBECONFIG_PATH = '/kind/discovery.conf';

export function controlPlaneEndpoint(ctx: CreateContext): string {
  return `${ctx.plan.loadBalancer?.name ?? ctx.bootstrapNode().name}:6443`;
}

export function kubeadmDataFor(ctx: CreateContext, node: NodePlan): KubeadmNodeData {
  const { plan, state } = ctx;
  const version = state.kubernetesVersion!;
  const minor = Number(version.split('.')[1] ?? 0);
  const hasWorkers = plan.nodes.some((n) => n.role === 'worker');
  const taints = node.taints.length > 0 ? node.taints : node.role === 'control-plane' && !hasWorkers ? [] : undefined;
  return {
    clusterName: plan.name,
    kubernetesVersion: version,
    nodeName: node.name,
    nodeIp: state.ips.get(node.name)!,
    role: node.role,
    bootstrap: node === ctx.bootstrapNode(),
    controlPlaneEndpoint: controlPlaneEndpoint(ctx),
    podSubnet: plan.networking.podSubnet,
    serviceSubnet: plan.networking.serviceSubnet,
    kubeProxyMode: plan.networking.kubeProxyMode,
    token: state.token,
    certificateKey: state.certificateKey,
    certSANs: ['localhost', '127.0.0.1', plan.networking.apiServerAddress, ...(plan.loadBalancer ? [plan.loadBalancer.name, state.ips.get(plan.loadBalancer.name)!] : [])].filter(
      (v, i, a) => v && v !== '0.0.0.0' && a.indexOf(v) === i,
    ),
    labels: node.labels,
    taints,
    featureGates: plan.featureGates,
    runtimeConfig: plan.runtimeConfig,
    minor,
    ha: isHighlyAvailable(plan),
    discoveryFile: DISCOVERY_KUBECONFIG_PATH,
  };
}

export function renderNodeConfig(ctx: CreateContext, node: NodePlan): string {
  return renderKubeadmConfig(kubeadmDataFor(ctx, node), {
    strategic: [...ctx.plan.kubeadmConfigPatches, ...node.kubeadmConfigPatches],
    json6902: [...ctx.plan.kubeadmConfigPatchesJSON6902, ...node.kubeadmConfigPatchesJSON6902],
  });
}

/**
 * The kubelet's unit reads /etc/default/kubelet: GOGC=25 there keeps its heap
 * near its live size, as the control plane's (config.ts), on an idle laptop
 * cluster (bench/lifecycle). kubeadm (re)starts the kubelet after this.
 */
export const KUBELET_ENV = 'GOGC=25\n';

export function nodeFiles(ctx: CreateContext, node: NodePlan): NodeFile[] {
  return [
    { path: KUBEADM_CONFIG_PATH, content: renderNodeConfig(ctx, node) },
    { path: '/etc/default/kubelet', content: KUBELET_ENV },
  ];
}

/** On a kubeadm failure, what the user needs: kubeadm's last lines, the kubelet's, and where the rest is. */
export async function kubeadmFailure(ctx: CreateContext, node: string, e: unknown, what: string): Promise<PaddockError> {
  const kubeadmOut = e instanceof PaddockError ? (e.output ?? '') : String(e);
  const kubelet = await ctx.exec.run(node, ['journalctl', '-u', 'kubelet', '--no-pager', '-n', '25', '-o', 'cat'], { allowFailure: true }).catch(() => undefined);
  const output = [
    '--- kubeadm (last lines) ---',
    ...kubeadmOut.trimEnd().split('\n').slice(-25),
    '--- kubelet journal (last lines) ---',
    ...(kubelet?.stdout ?? '').trimEnd().split('\n'),
  ].join('\n');
  return new PaddockError(ErrorCodes.KUBEADM_FAILED, `${what} failed on ${node}`, {
    output,
    remedy: `full log: ${ctx.logFile}; keep the nodes to debug with --retain, then \`docker exec -it ${node} journalctl -u kubelet\``,
    cause: e,
  });
}
