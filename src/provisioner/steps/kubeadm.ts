import yaml from 'js-yaml';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { renderKubeadmConfig, type KubeadmNodeData } from '../kubeadm/config.js';
import { isHighlyAvailable, type NodePlan } from '../plan.js';
import type { NodeFile } from '../node-exec.js';
import { nodeUp } from './nodes.js';
import { bindDaemonSetPodsUntil } from './early-bind.js';
import { hostKubeconfig } from './ready.js';
import type { CreateContext, Step } from './types.js';

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

function nodeFiles(ctx: CreateContext, node: NodePlan): NodeFile[] {
  return [
    { path: KUBEADM_CONFIG_PATH, content: renderNodeConfig(ctx, node) },
    { path: '/etc/default/kubelet', content: KUBELET_ENV },
  ];
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
    await ctx.exec.writeFiles(node.name, nodeFiles(ctx, node));
    // Read while init runs: they are applied the moment the API takes them.
    ctx.state.addonManifests ??= readAddonManifests(ctx);
    ctx.state.addonManifests.catch(() => {}); // awaited by the apply
    try {
      await ctx.exec.run(node.name, ['kubeadm', 'init', `--config=${KUBEADM_CONFIG_PATH}`, '--skip-token-print', ...(isHighlyAvailable(ctx.plan) ? ['--upload-certs'] : []), '--v=1'], {
        stepId: 'kubeadm-init',
        errorCode: ErrorCodes.KUBEADM_FAILED,
        // Once cluster-info exists (the bootstrap token and its RBAC come
        // before it) joins can start: they overlap kubeadm's last phases.
        // Without the line, everything starts after init.
        // The pod network, storage and CoreDNS are applied then too.
        onLine: (line) => {
          if (!CLUSTER_INFO_CREATED.test(line)) return;
          startAddons(ctx);
          startEarlyBind(ctx);
          if (ctx.plan.nodes.length > 1) startJoins(ctx);
        },
      });
    } catch (e) {
      throw await kubeadmFailure(ctx, node.name, e, 'kubeadm init');
    }
    const [admin] = await Promise.all([readAdminConf(ctx), useRotatableKubeletCert(ctx, node.name)]);
    ctx.state.adminKubeconfig = admin;
  },
};

function readAdminConf(ctx: CreateContext): Promise<string> {
  ctx.state.adminConfRead ??= ctx.exec.run(ctx.bootstrapNode().name, ['cat', '/etc/kubernetes/admin.conf']).then((r) => r.stdout);
  return ctx.state.adminConfRead;
}

/** See early-bind.ts: DaemonSet pods bound while the scheduler's informers are in backoff; stopped when the create ends. */
function startEarlyBind(ctx: CreateContext): void {
  if (ctx.state.earlyBind) return;
  const stop = new AbortController();
  ctx.state.earlyBind = stop;
  readAdminConf(ctx)
    .then((admin) => {
      if (stop.signal.aborted) return;
      ctx.state.adminKubeconfig ??= admin;
      ctx.state.hostKubeconfig ??= hostKubeconfig(ctx);
      return bindDaemonSetPodsUntil(ctx.state.hostKubeconfig, stop.signal);
    })
    .catch(() => {}); // an optimisation: the scheduler binds them anyway
}

/** kubeadm's --v=1 line once the cluster-info ConfigMap is made. */
const CLUSTER_INFO_CREATED = /RBAC rules for exposing the cluster-info ConfigMap/;

const KUBELET_CONF = '/etc/kubernetes/kubelet.conf';
const KUBELET_CLIENT_PEM = '/var/lib/kubelet/pki/kubelet-client-current.pem';

/**
 * What kubeadm's kubelet-finalize phase does, without its kubelet restart
 * (skipped: it came in the middle of the bootstrap): kubelet.conf then names
 * the certificate file the kubelet rotates instead of the embedded one it
 * started with. The running kubelet keeps its certificate until it restarts.
 */
export function pointKubeletConfAtRotatedCert(kubeletConf: string, pemPath = KUBELET_CLIENT_PEM): string {
  const doc = yaml.load(kubeletConf) as { users?: Array<{ user?: Record<string, unknown> }> };
  for (const u of doc.users ?? []) {
    if (!u.user) continue;
    delete u.user['client-certificate-data'];
    delete u.user['client-key-data'];
    u.user['client-certificate'] = pemPath;
    u.user['client-key'] = pemPath;
  }
  return yaml.dump(doc, { lineWidth: -1 });
}

async function useRotatableKubeletCert(ctx: CreateContext, node: string): Promise<void> {
  const r = await ctx.exec.run(node, ['sh', '-c', `test -e ${KUBELET_CLIENT_PEM} && cat ${KUBELET_CONF}`], { allowFailure: true });
  if (r.exitCode !== 0) return; // rotation off: kubeadm would leave it as it is too
  await ctx.exec.writeFile(node, KUBELET_CONF, pointKubeletConfAtRotatedCert(r.stdout), '0600');
}

export const addonsStep: Step = {
  id: 'cni-storage',
  title: (ctx) => (ctx.plan.networking.disableDefaultCNI ? 'Installing the default storage class' : 'Installing the pod network and default storage'),
  // With several nodes the join step waits for them while the nodes join.
  when: (ctx) => ctx.plan.nodes.length === 1,
  run: (ctx) => startAddons(ctx),
};

/** The pod network, default storage and CoreDNS manifests, ready to apply. */
async function readAddonManifests(ctx: CreateContext): Promise<string> {
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
  return [...rendered, fastCoreDns(coredns!, { singleNode: ctx.plan.nodes.length === 1 })].join('\n---\n');
}

/** Applies them (once), as soon as kubeadm init made the API usable; failures surface in the step that waits. */
function startAddons(ctx: CreateContext): Promise<void> {
  if (ctx.state.addons) return ctx.state.addons;
  const node = ctx.bootstrapNode().name;
  const stepId = ctx.plan.nodes.length === 1 ? 'cni-storage' : 'join';
  ctx.state.addonManifests ??= readAddonManifests(ctx);
  ctx.state.addons = ctx.state.addonManifests.then(async (stdin) => {
    await ctx.exec.run(node, ['kubectl', '--kubeconfig=/etc/kubernetes/admin.conf', 'apply', '-f', '-'], { stdin, stepId });
  });
  ctx.state.addons.catch(() => {}); // awaited by the step; never unhandled before
  return ctx.state.addons;
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

/**
 * A kubeconfig with the cluster's endpoint and CA and no credentials: kubeadm
 * join reads cluster-info with it anonymously and TLS-bootstraps with the token.
 */
export function discoveryKubeconfig(clusterName: string, server: string, caPem: string): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'discovery', user: {} }],
    contexts: [{ name: 'discovery', context: { cluster: clusterName, user: 'discovery' } }],
    'current-context': 'discovery',
  });
}

interface JoinInputs {
  discovery: Promise<string>;
  /** Workers' kubelet.conf, issued by the first node (see issueKubeletConfs). */
  kubeletConfs: Promise<Map<string, string>>;
}

async function join(ctx: CreateContext, node: NodePlan, inputs: JoinInputs): Promise<void> {
  await nodeUp(ctx, node.name);
  const kubeletConf = node.role === 'worker' ? (await inputs.kubeletConfs).get(node.name) : undefined;
  await ctx.exec.writeFiles(node.name, [
    { path: DISCOVERY_KUBECONFIG_PATH, content: await inputs.discovery },
    ...nodeFiles(ctx, node),
    ...(kubeletConf ? [{ path: KUBELET_CONF, content: kubeletConf, mode: '0600' }] : []),
  ]);
  try {
    await ctx.exec.run(node.name, ['kubeadm', 'join', `--config=${KUBEADM_CONFIG_PATH}`, '--v=1'], { stepId: 'join', errorCode: ErrorCodes.KUBEADM_FAILED });
  } catch (e) {
    throw await kubeadmFailure(ctx, node.name, e, 'kubeadm join');
  }
  if (kubeletConf) await useRotatableKubeletCert(ctx, node.name);
}

const KUBECONF_SEPARATOR = '--- paddock: next kubeconfig ---';

/**
 * A kubelet that TLS-bootstraps starts "in the background" as
 * system:anonymous: its first lists of Services and Nodes are refused and
 * retried with client-go's backoff, and it starts no pod before Services
 * were read (~2 s per worker on a fresh cluster). Given a kubelet.conf with
 * its node certificate (what the bootstrap would have got: CN
 * system:node:NAME, O system:nodes, signed by the cluster CA, issued by
 * `kubeadm kubeconfig user` on the first node), it starts authenticated;
 * kubeadm join then finds the TLS bootstrap done. Rotation is unchanged.
 */
function issueKubeletConfs(ctx: CreateContext, workers: NodePlan[]): Promise<Map<string, string>> {
  if (workers.length === 0) return Promise.resolve(new Map());
  const script = `for n do kubeadm kubeconfig user --config=${KUBEADM_CONFIG_PATH} --client-name "system:node:$n" --org system:nodes || exit 1; echo '${KUBECONF_SEPARATOR}'; done`;
  return ctx.exec.run(ctx.bootstrapNode().name, ['sh', '-c', script, 'issue', ...workers.map((w) => w.name)], { logAs: `kubeadm kubeconfig user (kubelet.conf of ${workers.map((w) => w.name).join(', ')})` }).then((r) => {
    const confs = r.stdout.split(`${KUBECONF_SEPARATOR}\n`);
    return new Map(workers.map((w, i) => [w.name, confs[i]!]));
  });
}

/** Starts every join (once); failures surface in the join step. */
function startJoins(ctx: CreateContext): Promise<void> {
  if (ctx.state.joins) return ctx.state.joins;
  const first = ctx.bootstrapNode();
  const controlPlanes = ctx.plan.nodes.filter((n) => n.role === 'control-plane' && n !== first);
  const workers = ctx.plan.nodes.filter((n) => n.role === 'worker');
  const inputs: JoinInputs = {
    discovery: ctx.exec
      .run(first.name, ['cat', '/etc/kubernetes/pki/ca.crt'])
      .then((r) => discoveryKubeconfig(ctx.plan.name, `https://${controlPlaneEndpoint(ctx)}`, r.stdout)),
    kubeletConfs: issueKubeletConfs(ctx, workers),
  };
  inputs.discovery.catch(() => {});
  inputs.kubeletConfs.catch(() => {}); // both awaited by each join
  // Workers join in parallel from the start; control planes one at a time,
  // since etcd admits one new member at a time.
  const workerJoins = Promise.all(workers.map((w) => join(ctx, w, inputs)));
  const cpJoins = (async () => {
    for (const cp of controlPlanes) await join(ctx, cp, inputs);
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
    await Promise.all([startJoins(ctx), startAddons(ctx)]);
  },
};
