import type * as k8s from '@kubernetes/client-node';
import { k8sLib } from '../../kube/k8s-lib.js';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { adminCredentials, hostServer, standaloneKubeconfig } from '../admin-kubeconfig.js';
import type { CreateContext, Step } from './types.js';

export function hostKubeconfig(ctx: CreateContext): string {
  const creds = adminCredentials(ctx.state.adminKubeconfig!, hostServer(ctx.plan.networking.apiServerAddress, ctx.state.apiPort!));
  return standaloneKubeconfig(ctx.plan.name, creds);
}

interface Readiness {
  readyNodes: number;
  wantedNodes: number;
  corednsReady: boolean;
  notReady: string[];
}

/**
 * Ready, and rid of the not-ready NoSchedule taint (a node that just turned
 * Ready keeps it until the controller manager sees it; pods are not
 * scheduled there meanwhile). Its NoExecute twin, removed at the controller
 * manager's next health pass, is tolerated by every pod for 300 s (the
 * DefaultTolerationSeconds admission), so it does not hold up a create.
 */
export function schedulable(n: k8s.V1Node): boolean {
  return !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoSchedule');
}

async function readiness(core: k8s.CoreV1Api, apps: k8s.AppsV1Api, wantedNodes: number): Promise<Readiness> {
  const [nodes, dns] = await Promise.all([
    core.listNode(),
    apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' }).catch(() => undefined),
  ]);
  const notReady: string[] = [];
  let ready = 0;
  for (const n of nodes.items) {
    if (schedulable(n)) ready++;
    else notReady.push(n.metadata?.name ?? '?');
  }
  const corednsReady = !!dns && (dns.status?.readyReplicas ?? 0) >= 1 && !!dns.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
  return { readyNodes: ready, wantedNodes, corednsReady, notReady };
}

/** Waits, through the API from the host, until every node is Ready and CoreDNS is available. */
export const waitReadyStep: Step = {
  id: 'ready',
  title: 'Waiting for nodes and CoreDNS to be ready',
  when: (ctx) => ctx.plan.waitSeconds > 0,
  async run(ctx) {
    ctx.state.hostKubeconfig ??= hostKubeconfig(ctx);
    const { KubeConfig, CoreV1Api, AppsV1Api } = await k8sLib();
    const kc = new KubeConfig();
    kc.loadFromString(ctx.state.hostKubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const deadline = Date.now() + ctx.plan.waitSeconds * 1000;
    let last: Readiness | undefined;
    let lastError: unknown;
    for (;;) {
      ctx.signal?.throwIfAborted();
      try {
        last = await readiness(core, apps, ctx.plan.nodes.length);
        ctx.progress.percent('ready', ((last.readyNodes + (last.corednsReady ? 1 : 0)) / (last.wantedNodes + 1)) * 100);
        if (last.readyNodes === last.wantedNodes && last.corednsReady) return;
      } catch (e) {
        lastError = e;
      }
      if (Date.now() > deadline) {
        const why = last
          ? `${last.readyNodes}/${last.wantedNodes} nodes Ready${last.notReady.length ? ` (not ready: ${last.notReady.join(', ')})` : ''}, CoreDNS ${last.corednsReady ? 'ready' : 'not ready'}`
          : `the API server did not answer: ${(lastError as Error)?.message}`;
        throw new PaddockError(ErrorCodes.TIMEOUT, `the cluster was not ready within ${ctx.plan.waitSeconds} s: ${why}`, {
          remedy: `run again with a longer --wait, or --retain to look inside (full log: ${ctx.logFile})`,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  },
};
