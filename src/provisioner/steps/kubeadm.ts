/**
 * `kubeadm init` on the first node, and what starts from its output: the
 * joining nodes' preparation, the workers' kubelets, the addons and the
 * early binding of DaemonSet pods.
 */
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { isHighlyAvailable } from '../plan.js';
import { describeWrite, writeFilesThen } from '../node-exec.js';
import { k8sLib } from '../../kube/k8s-lib.js';
import { readAddonManifests, startAddons } from './addons.js';
import { bindDaemonSetPodsUntil } from './early-bind.js';
import { prepareJoins, startJoins, startWorkers } from './join.js';
import { KUBEADM_CONFIG_PATH, kubeadmFailure, nodeFiles } from './kubeadm-node.js';
import { KUBELET_CLIENT_PEM, KUBELET_CONF } from './kubelet-credentials.js';
import { AWAIT_CONTAINERD, CONTAINERD_TIMEOUT_EXIT, containerdFailure } from './nodes.js';
import { hostKubeconfig } from './ready.js';
import type { CreateContext, Step } from './types.js';

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

/**
 * The first node's kubelet.conf, written by kubeadm (client-go's layout, one
 * `key: value` per line), rewritten in place in one exec. Without the
 * rotated file (rotation off) kubeadm would leave it as it is too.
 */
async function useRotatableKubeletCert(ctx: CreateContext, node: string): Promise<void> {
  const script = `test -e ${KUBELET_CLIENT_PEM} || exit 0; sed -i -e 's|^\\( *\\)client-certificate-data: .*|\\1client-certificate: ${KUBELET_CLIENT_PEM}|' -e 's|^\\( *\\)client-key-data: .*|\\1client-key: ${KUBELET_CLIENT_PEM}|' ${KUBELET_CONF}`;
  await ctx.exec.run(node, ['sh', '-c', script]);
}
