/**
 * The other nodes: what each needs is made and written while the first
 * node's control plane boots; workers start their kubelet as soon as the API
 * server answers, control planes join one at a time after cluster-info.
 */
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { NodePlan } from '../plan.js';
import { describeWrite, writeFilesThen } from '../node-exec.js';
import { startAddons } from './addons.js';
import { controlPlaneEndpoint, KUBEADM_CONFIG_PATH, KUBELET_ENV, kubeadmFailure, nodeFiles, renderNodeConfig, DISCOVERY_KUBECONFIG_PATH } from './kubeadm-node.js';
import { CA_PATH, discoveryKubeconfig, workerKubeletFiles, workerKubeletStartConfig } from './kubelet-credentials.js';
import { AWAIT_CONTAINERD, CONTAINERD_TIMEOUT_EXIT, containerdFailure } from './nodes.js';
import type { CreateContext, Step } from './types.js';

const KUBECONF_SEPARATOR = '--- paddock: next kubeconfig ---';

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
export function prepareJoins(ctx: CreateContext): Map<string, Promise<void>> {
  if (ctx.state.joinPrep) return ctx.state.joinPrep;
  const first = ctx.bootstrapNode();
  const joining = ctx.plan.nodes.filter((n) => n !== first);
  const workers = joining.filter((n) => n.role === 'worker');
  const credentials = issueJoinCredentials(ctx, workers);
  credentials.catch(() => {}); // awaited by each preparation
  // Every worker's kubelet gets the cluster's documents: rendered once.
  const clusterConfig = workers.length > 0 ? renderNodeConfig(ctx, first) : '';
  const prep = new Map(
    joining.map((node) => {
      const p = (async () => {
        const [{ caPem, kubeletConfs }] = await Promise.all([credentials, ctx.state.nodeStarts?.get(node.name)]);
        const kubeletConf = kubeletConfs.get(node.name);
        const files = kubeletConf
          ? [
              { path: CA_PATH, content: caPem },
              { path: KUBEADM_CONFIG_PATH, content: workerKubeletStartConfig(renderNodeConfig(ctx, node), clusterConfig, ctx.state.ips.get(node.name)!) },
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
 * Starts the workers' kubelets (once), in parallel. A kubelet with its node
 * certificate needs no bootstrap token or RBAC rule (the node authorizer
 * has its rules built in), so they start as soon as the API server answers.
 */
export function startWorkers(ctx: CreateContext): Promise<void> {
  if (ctx.state.workerJoins) return ctx.state.workerJoins;
  const workers = ctx.plan.nodes.filter((n) => n.role === 'worker');
  ctx.state.workerJoins = Promise.all(workers.map((w) => join(ctx, w))).then(() => undefined);
  ctx.state.workerJoins.catch(() => {}); // awaited by the join step
  return ctx.state.workerJoins;
}

/** Starts every join (once); failures surface in the join step. */
export function startJoins(ctx: CreateContext): Promise<void> {
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
