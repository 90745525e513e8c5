import yaml from 'js-yaml';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { renderKubeadmConfig, type KubeadmNodeData } from '../kubeadm/config.js';
import { isHighlyAvailable, type NodePlan } from '../plan.js';
import { describeWrite, writeFilesThen, type NodeFile } from '../node-exec.js';
import { AWAIT_CONTAINERD, CONTAINERD_TIMEOUT_EXIT, containerdFailure } from './nodes.js';
import { bindDaemonSetPodsUntil } from './early-bind.js';
import { hostKubeconfig } from './ready.js';
import { k8sLib } from '../../kube/k8s-lib.js';
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
    const files = nodeFiles(ctx, node);
    // One exec writes the config, waits for containerd and runs init: its
    // first phases (certificates, manifests) need no containerd, and the
    // kubelet unit starts after containerd's.
    const init = `exec kubeadm init --config=${KUBEADM_CONFIG_PATH} --skip-token-print${isHighlyAvailable(ctx.plan) ? ' --upload-certs' : ''} --v=1`;
    // The API client is needed once the API is up (early bind, ready); this
    // process is idle while init runs, so it loads now (~0.3 s of CPU).
    k8sLib().catch(() => {});
    let r;
    try {
      r = await ctx.exec.run(node.name, writeFilesThen(files, `${AWAIT_CONTAINERD}; ${init}`), {
        logAs: describeWrite(files, `${AWAIT_CONTAINERD}; ${init}`),
        stepId: 'kubeadm-init',
        errorCode: ErrorCodes.KUBEADM_FAILED,
        allowFailure: true,
        onLine: (line) => {
          // kubeadm runs (its config is written): the manifests to apply once
          // the API takes them are read meanwhile.
          ctx.state.addonManifests ??= readAddonManifests(ctx);
          ctx.state.addonManifests.catch(() => {}); // awaited by the apply
          // Certificates exist: what joining nodes need is made and written now.
          if (CERTS_MADE.test(line) && ctx.plan.nodes.length > 1) prepareJoins(ctx);
          // The API server answers: workers' kubelets start (see startWorkers).
          if (API_ANSWERS.test(line) && ctx.plan.nodes.length > 1) startWorkers(ctx);
          // Once cluster-info exists (the bootstrap token and its RBAC come
          // before it) joins can start: they overlap kubeadm's last phases.
          // Without the line, everything starts after init.
          // The pod network, storage and CoreDNS are applied then too.
          if (!CLUSTER_INFO_CREATED.test(line)) return;
          ctx.exec.note('cluster-info made: addons, early bind and joins start');
          startAddons(ctx);
          startEarlyBind(ctx);
          if (ctx.plan.nodes.length > 1) startJoins(ctx);
        },
      });
    } catch (e) {
      throw await kubeadmFailure(ctx, node.name, e, 'kubeadm init');
    }
    if (r.exitCode === CONTAINERD_TIMEOUT_EXIT) throw await containerdFailure(ctx, node.name, `containerd answering in ${node.name}`, r.stderr);
    if (r.exitCode !== 0) {
      const failed = new PaddockError(ErrorCodes.KUBEADM_FAILED, `kubeadm init failed (exit ${r.exitCode})`, { output: (r.stdout + r.stderr).trim() });
      throw await kubeadmFailure(ctx, node.name, failed, 'kubeadm init');
    }
    const [admin] = await Promise.all([readAdminConf(ctx), useRotatableKubeletCert(ctx, node.name)]);
    ctx.state.adminKubeconfig = admin;
  },
};

/** kubeadm's --v=1 line when the API server first answered it (admin.conf's group has no binding yet). */
const API_ANSWERS = /ClusterRoleBinding for the kubeadm:cluster-admins Group by using super-admin\.conf/;

/** kubeadm's first line after its certificate phase (the CA exists from then on). */
const CERTS_MADE = /^\[kubeconfig\] Using kubeconfig folder/;

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
      return bindDaemonSetPodsUntil(ctx.state.hostKubeconfig, stop.signal, { onBound: (pod, node) => ctx.exec.note(`bound ${pod} to ${node}`) });
    })
    .catch(() => {}); // an optimisation: the scheduler binds them anyway
}

/** kubeadm's --v=1 line once the cluster-info ConfigMap is made. */
const CLUSTER_INFO_CREATED = /RBAC rules for exposing the cluster-info ConfigMap/;

const KUBELET_CONF = '/etc/kubernetes/kubelet.conf';
const KUBELET_PKI_DIR = '/var/lib/kubelet/pki';
const CA_PATH = '/etc/kubernetes/pki/ca.crt';
/** Where kubeadm looks for certificates when it only starts a worker's kubelet: nothing there. */
const KUBELET_START_PKI = '/kind/kubelet-start-pki';
const KUBELET_CLIENT_PEM = `${KUBELET_PKI_DIR}/kubelet-client-current.pem`;

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

/**
 * The first node's kubelet.conf, written by kubeadm (client-go's layout, one
 * `key: value` per line), rewritten in place in one exec. Without the
 * rotated file (rotation off) kubeadm would leave it as it is too.
 */
async function useRotatableKubeletCert(ctx: CreateContext, node: string): Promise<void> {
  const script = `test -e ${KUBELET_CLIENT_PEM} || exit 0; sed -i -e 's|^\\( *\\)client-certificate-data: .*|\\1client-certificate: ${KUBELET_CLIENT_PEM}|' -e 's|^\\( *\\)client-key-data: .*|\\1client-key: ${KUBELET_CLIENT_PEM}|' ${KUBELET_CONF}`;
  await ctx.exec.run(node, ['sh', '-c', script]);
}

export const addonsStep: Step = {
  id: 'cni-storage',
  title: (ctx) => (ctx.plan.networking.disableDefaultCNI ? 'Installing the default storage class' : 'Installing the pod network and default storage'),
  // With several nodes the join step waits for them while the nodes join.
  when: (ctx) => ctx.plan.nodes.length === 1,
  run: (ctx) => startAddons(ctx),
};

/** The pod network, default storage and CoreDNS manifests, ready to apply (read in one exec). */
async function readAddonManifests(ctx: CreateContext): Promise<string> {
  const node = ctx.bootstrapNode().name;
  const files: string[] = [];
  if (!ctx.plan.networking.disableDefaultCNI) files.push('/kind/manifests/default-cni.yaml');
  files.push('/kind/manifests/default-storage.yaml');
  const script = `kubeadm init phase addon coredns --config=${KUBEADM_CONFIG_PATH} --print-manifest && for f do printf '\\n%s\\n' '${MANIFEST_SEPARATOR}' && cat "$f" || exit 1; done`;
  const r = await ctx.exec.run(node, ['sh', '-c', script, 'manifests', ...files], { logAs: `kubeadm init phase addon coredns --print-manifest; cat ${files.join(' ')}` });
  const [coredns, ...texts] = r.stdout.split(`\n${MANIFEST_SEPARATOR}\n`);
  // kind's manifests are templates over the pod subnet; render it in the node.
  const rendered = texts.map((t) => t.replaceAll('{{ .PodSubnet }}', ctx.plan.networking.podSubnet).replaceAll('{{.PodSubnet}}', ctx.plan.networking.podSubnet));
  return [...rendered, fastCoreDns(coredns!, { singleNode: ctx.plan.nodes.length === 1 })].join('\n---\n');
}

const MANIFEST_SEPARATOR = '# --- paddock: next manifest ---';

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

const KUBECONF_SEPARATOR = '--- paddock: next kubeconfig ---';

/**
 * A kubelet that TLS-bootstraps starts "in the background" as
 * system:anonymous: its first lists of Services and Nodes are refused and
 * retried with client-go's backoff, and it starts no pod before Services
 * were read (~2 s per worker on a fresh cluster). Given its node
 * certificate (what the bootstrap would have got: CN system:node:NAME,
 * O system:nodes, signed by the cluster CA, issued by `kubeadm kubeconfig
 * user` on the first node), it starts authenticated; kubeadm join then finds
 * the TLS bootstrap done.
 *
 * The certificate goes where the kubelet's rotation keeps it (a dated file
 * and the -current link), and kubelet.conf names that file, as kubeadm's
 * kubelet-finalize leaves it: the kubelet finds a current certificate (no
 * forced rotation at start) and rotates it as usual, and nothing is
 * rewritten after the join.
 */
export function workerKubeletFiles(kubeconfig: string, now = new Date()): NodeFile[] {
  const doc = yaml.load(kubeconfig) as { users?: Array<{ user?: Record<string, unknown> }> };
  const user = doc.users?.[0]?.user ?? {};
  const cert = user['client-certificate-data'];
  const key = user['client-key-data'];
  if (typeof cert !== 'string' || typeof key !== 'string') throw new PaddockError(ErrorCodes.KUBEADM_FAILED, '`kubeadm kubeconfig user` printed a kubeconfig without a client certificate');
  const pem = Buffer.from(cert, 'base64').toString() + Buffer.from(key, 'base64').toString();
  const stamp = now.toISOString().slice(0, 19).replace(/[T:]/g, '-');
  const dated = `kubelet-client-${stamp}.pem`;
  return [
    { path: `${KUBELET_PKI_DIR}/${dated}`, content: pem, mode: '0600' },
    { path: KUBELET_CLIENT_PEM, content: dated, mode: 'link' },
    { path: KUBELET_CONF, content: pointKubeletConfAtRotatedCert(kubeconfig), mode: '0600' },
  ];
}

/** The CA (for discovery) and each worker's kubeconfig, from one exec on the first node. */
async function issueJoinCredentials(ctx: CreateContext, workers: NodePlan[]): Promise<{ caPem: string; kubeletConfs: Map<string, string> }> {
  const script = `cat /etc/kubernetes/pki/ca.crt && echo '${KUBECONF_SEPARATOR}' && for n do kubeadm kubeconfig user --config=${KUBEADM_CONFIG_PATH} --client-name "system:node:$n" --org system:nodes && echo '${KUBECONF_SEPARATOR}' || exit 1; done`;
  const r = await ctx.exec.run(ctx.bootstrapNode().name, ['sh', '-c', script, 'issue', ...workers.map((w) => w.name)], {
    logAs: `cat ca.crt; kubeadm kubeconfig user (kubelet.conf of ${workers.map((w) => w.name).join(', ') || 'no worker'})`,
  });
  const [caPem, ...confs] = r.stdout.split(`${KUBECONF_SEPARATOR}\n`);
  return { caPem: caPem!, kubeletConfs: new Map(workers.map((w, i) => [w.name, confs[i]!])) };
}

/**
 * What each joining node needs, made and written as soon as the first
 * node's certificates exist, while its control plane boots: at cluster-info
 * only `kubeadm join` is left to run. One exec on the first node, then one
 * per joining node (files written, containerd awaited), as each one runs.
 */
function prepareJoins(ctx: CreateContext): Map<string, Promise<void>> {
  if (ctx.state.joinPrep) return ctx.state.joinPrep;
  const first = ctx.bootstrapNode();
  const joining = ctx.plan.nodes.filter((n) => n !== first);
  const workers = joining.filter((n) => n.role === 'worker');
  const credentials = issueJoinCredentials(ctx, workers);
  credentials.catch(() => {}); // awaited by each preparation
  const prep = new Map(
    joining.map((node) => {
      const p = (async () => {
        const [{ caPem, kubeletConfs }] = await Promise.all([credentials, ctx.state.nodeStarts?.get(node.name)]);
        const kubeletConf = kubeletConfs.get(node.name);
        const files = kubeletConf
          ? [
              { path: CA_PATH, content: caPem },
              { path: KUBEADM_CONFIG_PATH, content: workerKubeletStartConfig(renderNodeConfig(ctx, node), renderNodeConfig(ctx, first), ctx.state.ips.get(node.name)!) },
              { path: '/etc/default/kubelet', content: KUBELET_ENV },
              ...workerKubeletFiles(kubeletConf),
            ]
          : [{ path: DISCOVERY_KUBECONFIG_PATH, content: discoveryKubeconfig(ctx.plan.name, `https://${controlPlaneEndpoint(ctx)}`, caPem) }, ...nodeFiles(ctx, node)];
        const r = await ctx.exec.run(node.name, writeFilesThen(files, AWAIT_CONTAINERD), { logAs: describeWrite(files, 'await containerd'), allowFailure: true });
        if (r.exitCode === CONTAINERD_TIMEOUT_EXIT) throw await containerdFailure(ctx, node.name, `containerd answering in ${node.name}`, r.stderr);
        if (r.exitCode !== 0) throw new PaddockError(ErrorCodes.DOCKER_FAILED, `writing the join configuration to ${node.name} failed (exit ${r.exitCode})`, { output: (r.stdout + r.stderr).trim() });
      })();
      p.catch(() => {}); // awaited by the node's join
      return [node.name, p] as const;
    }),
  );
  ctx.state.joinPrep = prep;
  return prep;
}

async function join(ctx: CreateContext, node: NodePlan): Promise<void> {
  await prepareJoins(ctx).get(node.name);
  // A worker with its certificate needs only its kubelet started (see workerKubeletStartConfig).
  const cmd = node.role === 'worker' ? ['kubeadm', 'init', 'phase', 'kubelet-start', `--config=${KUBEADM_CONFIG_PATH}`, '--v=1'] : ['kubeadm', 'join', `--config=${KUBEADM_CONFIG_PATH}`, '--v=1'];
  try {
    await ctx.exec.run(node.name, cmd, { stepId: 'join', errorCode: ErrorCodes.KUBEADM_FAILED });
  } catch (e) {
    throw await kubeadmFailure(ctx, node.name, e, node.role === 'worker' ? 'starting the kubelet (kubeadm init phase kubelet-start)' : 'kubeadm join');
  }
}

/**
 * What `kubeadm join` does on a worker that already has its certificate:
 * write the kubelet's configuration (the cluster's, which join downloads
 * from the kubelet-config ConfigMap), its flags from the node's
 * registration, and start it. `kubeadm init phase kubelet-start` does that
 * offline, from an InitConfiguration carrying the worker's registration
 * (name, kubelet arguments, patches, as the worker's JoinConfiguration has
 * them after the config's patches) next to the first node's cluster
 * documents. It needs no API server, so the kubelet starts ~1 s sooner
 * than through join's discovery and downloads, and can start as soon as
 * the API server answers. Taints go in as the kubelet flag join would have
 * written (init leaves them to its mark-control-plane phase).
 */
export function workerKubeletStartConfig(workerConfig: string, clusterConfig: string, nodeIp: string): string {
  const docs = (text: string) => yaml.loadAll(text).filter((d): d is Record<string, any> => !!d && typeof d === 'object');
  const join = docs(workerConfig).find((d) => d.kind === 'JoinConfiguration');
  if (!join) throw new PaddockError(ErrorCodes.INTERNAL, "a worker's kubeadm config has no JoinConfiguration");
  const registration = { ...(join.nodeRegistration ?? {}) };
  const taints: Array<{ key: string; value?: string; effect: string }> = registration.taints ?? [];
  // InitConfiguration defaults missing taints to the control plane's; a worker has none unless asked.
  registration.taints = [];
  if (taints.length > 0) registration.kubeletExtraArgs = withArg(registration.kubeletExtraArgs, 'register-with-taints', taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(','));
  const init = {
    apiVersion: join.apiVersion,
    kind: 'InitConfiguration',
    localAPIEndpoint: { advertiseAddress: nodeIp, bindPort: 6443 },
    nodeRegistration: registration,
    ...(join.patches ? { patches: join.patches } : {}),
  };
  const cluster = docs(clusterConfig).filter((d) => d.kind !== 'InitConfiguration' && d.kind !== 'JoinConfiguration');
  // The worker holds the cluster's CA certificate without its key: kubeadm
  // would take that for an external CA and ask for every other certificate.
  // It looks in an empty folder instead, and the kubelet is told the CA's
  // path kubeadm would have given it.
  const clusterDoc = cluster.find((d) => d.kind === 'ClusterConfiguration');
  const kubelet = cluster.find((d) => d.kind === 'KubeletConfiguration');
  if (clusterDoc && kubelet) {
    const caFile = `${clusterDoc.certificatesDir ?? '/etc/kubernetes/pki'}/ca.crt`;
    clusterDoc.certificatesDir = KUBELET_START_PKI;
    kubelet.authentication = { ...kubelet.authentication, x509: { clientCAFile: caFile, ...kubelet.authentication?.x509 } };
  }
  return [init, ...cluster].map((d) => yaml.dump(d, { lineWidth: -1, noRefs: true })).join('---\n');
}

/** kubeletExtraArgs (v1beta4's list or v1beta3's map) with one more argument, unless the user set it. */
function withArg(extra: unknown, name: string, value: string): unknown {
  if (Array.isArray(extra)) return extra.some((a) => a?.name === name) ? extra : [...extra, { name, value }];
  if (extra && typeof extra === 'object') return name in extra ? extra : { ...extra, [name]: value };
  return [{ name, value }];
}

/**
 * Starts the workers' kubelets (once), in parallel. A kubelet with its node
 * certificate needs no bootstrap token or RBAC rule (the node authorizer
 * has its rules built in), so they start as soon as the API server answers.
 */
function startWorkers(ctx: CreateContext): Promise<void> {
  if (ctx.state.workerJoins) return ctx.state.workerJoins;
  const workers = ctx.plan.nodes.filter((n) => n.role === 'worker');
  ctx.state.workerJoins = Promise.all(workers.map((w) => join(ctx, w))).then(() => undefined);
  ctx.state.workerJoins.catch(() => {}); // awaited by the join step
  return ctx.state.workerJoins;
}

/** Starts every join (once); failures surface in the join step. */
function startJoins(ctx: CreateContext): Promise<void> {
  if (ctx.state.joins) return ctx.state.joins;
  const first = ctx.bootstrapNode();
  const controlPlanes = ctx.plan.nodes.filter((n) => n.role === 'control-plane' && n !== first);
  const workerJoins = startWorkers(ctx);
  // Control planes join one at a time, since etcd admits one new member at a time.
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
    await Promise.all([startJoins(ctx), startAddons(ctx)]);
  },
};
