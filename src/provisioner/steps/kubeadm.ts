import yaml from 'js-yaml';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { renderKubeadmConfig, type KubeadmNodeData } from '../kubeadm/config.js';
import { isHighlyAvailable, type NodePlan } from '../plan.js';
import type { CreateContext, Step } from './types.js';

export const KUBEADM_CONFIG_PATH = '/kind/kubeadm.conf';

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

async function writeNodeFiles(ctx: CreateContext, node: NodePlan): Promise<void> {
  await Promise.all([ctx.exec.writeFile(node.name, KUBEADM_CONFIG_PATH, renderNodeConfig(ctx, node)), ctx.exec.writeFile(node.name, '/etc/default/kubelet', KUBELET_ENV)]);
}

/** On a kubeadm failure, what the user needs: kubeadm's last lines, the kubelet's, and where the rest is. */
async function kubeadmFailure(ctx: CreateContext, node: string, e: unknown, what: string): Promise<PaddockError> {
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

export const kubeadmInitStep: Step = {
  id: 'kubeadm-init',
  title: 'Bootstrapping the control plane (kubeadm init)',
  async run(ctx) {
    const node = ctx.bootstrapNode();
    await writeNodeFiles(ctx, node);
    try {
      await ctx.exec.run(node.name, ['kubeadm', 'init', `--config=${KUBEADM_CONFIG_PATH}`, '--skip-token-print', ...(isHighlyAvailable(ctx.plan) ? ['--upload-certs'] : []), '--v=1'], {
        stepId: 'kubeadm-init',
        errorCode: ErrorCodes.KUBEADM_FAILED,
        // Once the bootstrap-token phase is done (kubelet-finalize is next),
        // joins can start: they then overlap kubeadm's last phases and the
        // pod network install (~2-4 s of a 1+2 create).
        onLine: (line) => {
          if (!ctx.state.joins && ctx.plan.nodes.length > 1 && line.includes('[kubelet-finalize]')) startJoins(ctx);
        },
      });
    } catch (e) {
      throw await kubeadmFailure(ctx, node.name, e, 'kubeadm init');
    }
    ctx.state.adminKubeconfig = (await ctx.exec.run(node.name, ['cat', '/etc/kubernetes/admin.conf'])).stdout;
  },
};

export const addonsStep: Step = {
  id: 'cni-storage',
  title: (ctx) => (ctx.plan.networking.disableDefaultCNI ? 'Installing the default storage class' : 'Installing the pod network and default storage'),
  // With several nodes the join step installs them while the nodes join.
  when: (ctx) => ctx.plan.nodes.length === 1,
  run: (ctx) => installNetworkAndStorage(ctx, 'cni-storage'),
};

async function installNetworkAndStorage(ctx: CreateContext, stepId: string): Promise<void> {
  const node = ctx.bootstrapNode().name;
  const manifests: string[] = [];
  if (!ctx.plan.networking.disableDefaultCNI) manifests.push('/kind/manifests/default-cni.yaml');
  manifests.push('/kind/manifests/default-storage.yaml');
  const [coredns, ...texts] = await Promise.all([
    ctx.exec.run(node, ['kubeadm', 'init', 'phase', 'addon', 'coredns', `--config=${KUBEADM_CONFIG_PATH}`, '--print-manifest']).then((r) => r.stdout),
    ...manifests.map((m) => ctx.exec.run(node, ['cat', m]).then((r) => r.stdout)),
  ]);
  // kind's manifests are templates over the pod subnet; render it in the node.
  const rendered = texts.map((t) => t!.replaceAll('{{ .PodSubnet }}', ctx.plan.networking.podSubnet).replaceAll('{{.PodSubnet}}', ctx.plan.networking.podSubnet));
  await ctx.exec.run(node, ['kubectl', '--kubeconfig=/etc/kubernetes/admin.conf', 'apply', '-f', '-'], {
    stdin: [...rendered, fastCoreDns(coredns!, { singleNode: ctx.plan.nodes.length === 1 })].join('\n---\n'),
    stepId,
  });
}

/**
 * kubeadm's CoreDNS probes readiness every 10 s: a pod not ready at its first
 * probe costs 10 s. The manifest is kubeadm's, with a 1 s period, and one
 * replica on a single node (a second one there adds ~15 MiB and no
 * availability).
 */
interface ManifestDoc {
  kind?: string;
  spec?: { replicas?: number; template?: { spec?: { containers?: Array<{ name?: string; readinessProbe?: { periodSeconds?: number } }> } } };
}

export function fastCoreDns(manifest: string, opts: { singleNode?: boolean } = {}): string {
  const docs = yaml.loadAll(manifest).filter((d): d is ManifestDoc => !!d && typeof d === 'object');
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const coredns = deployment?.spec?.template?.spec?.containers?.find((c) => c.name === 'coredns');
  if (!coredns?.readinessProbe) throw new PaddockError(ErrorCodes.KUBEADM_FAILED, 'kubeadm printed no CoreDNS Deployment with a readiness probe');
  coredns.readinessProbe.periodSeconds = 1;
  if (opts.singleNode && deployment?.spec) deployment.spec.replicas = 1;
  return docs.map((d) => yaml.dump(d, { lineWidth: -1, noRefs: true })).join('---\n');
}

async function join(ctx: CreateContext, node: NodePlan): Promise<void> {
  await writeNodeFiles(ctx, node);
  try {
    await ctx.exec.run(node.name, ['kubeadm', 'join', `--config=${KUBEADM_CONFIG_PATH}`, '--v=1'], { stepId: 'join', errorCode: ErrorCodes.KUBEADM_FAILED });
  } catch (e) {
    throw await kubeadmFailure(ctx, node.name, e, 'kubeadm join');
  }
}

/** Starts every join (once); failures surface in the join step. */
function startJoins(ctx: CreateContext): Promise<void> {
  if (ctx.state.joins) return ctx.state.joins;
  const first = ctx.bootstrapNode();
  const controlPlanes = ctx.plan.nodes.filter((n) => n.role === 'control-plane' && n !== first);
  const workers = ctx.plan.nodes.filter((n) => n.role === 'worker');
  // Workers join in parallel from the start; control planes one at a time,
  // since etcd admits one new member at a time.
  const workerJoins = Promise.all(workers.map((w) => join(ctx, w)));
  const cpJoins = (async () => {
    for (const cp of controlPlanes) await join(ctx, cp);
  })();
  ctx.state.joins = Promise.all([workerJoins, cpJoins]).then(() => undefined);
  ctx.state.joins.catch(() => {}); // awaited by the join step; never unhandled before
  return ctx.state.joins;
}

export const joinStep: Step = {
  id: 'join',
  title: (ctx) => {
    const joining = `joining ${ctx.plan.nodes.length - 1} node${ctx.plan.nodes.length === 2 ? '' : 's'}`;
    return ctx.plan.networking.disableDefaultCNI ? `Installing the default storage class, ${joining}` : `Installing the pod network and default storage, ${joining}`;
  },
  when: (ctx) => ctx.plan.nodes.length > 1,
  async run(ctx) {
    await Promise.all([startJoins(ctx), installNetworkAndStorage(ctx, 'join')]);
  },
};
