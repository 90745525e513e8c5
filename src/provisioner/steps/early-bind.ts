/**
 * Binds the pod network's and kube-proxy's DaemonSet pods to their nodes
 * while a cluster is being created, until the scheduler can.
 *
 * kube-scheduler starts with the API server, lists before RBAC's bootstrap
 * policy exists, is refused, and its informers retry with client-go's
 * backoff (0.8 s, 1.6 s, 3.2 s …): on a fresh cluster they synced ~3 s
 * after the API became healthy, and every DaemonSet pod (the CNI, so node
 * Ready, so CoreDNS) waited ~1.3 s for them. A DaemonSet pod already names
 * its node (required node affinity on metadata.name), so binding it there
 * is the scheduler's own decision, made through the same Binding API. Only
 * pods that no one has bound are bound; a pod the scheduler bound first
 * answers 409 and is left alone.
 */
import type * as k8s from '@kubernetes/client-node';
import { k8sLib } from '../../kube/k8s-lib.js';

/** The node a DaemonSet pod is pinned to, or undefined when it is not such a pod. */
export function daemonSetPodNode(pod: k8s.V1Pod): string | undefined {
  if (pod.spec?.nodeName) return undefined;
  if (!pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller)) return undefined;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** Polls kube-system for unbound DaemonSet pods and binds them, until stopped. */
export async function bindDaemonSetPodsUntil(kubeconfig: string, signal: AbortSignal, opts: { intervalMs?: number; onBound?: (pod: string, node: string) => void } = {}): Promise<number> {
  const intervalMs = opts.intervalMs ?? 150;
  const { KubeConfig, CoreV1Api } = await k8sLib();
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const tried = new Set<string>();
  let bound = 0;
  while (!signal.aborted) {
    try {
      const pods = await core.listNamespacedPod({ namespace: 'kube-system', fieldSelector: 'spec.nodeName=' });
      await Promise.all(
        pods.items.map(async (pod) => {
          const node = daemonSetPodNode(pod);
          const uid = pod.metadata?.uid;
          if (!node || !uid || tried.has(uid)) return;
          tried.add(uid);
          await core
            .createNamespacedPodBinding({
              name: pod.metadata!.name!,
              namespace: 'kube-system',
              body: { metadata: { name: pod.metadata!.name!, uid }, target: { apiVersion: 'v1', kind: 'Node', name: node } },
            })
            .then(() => {
              bound++;
              opts.onBound?.(pod.metadata!.name!, node);
            })
            .catch(() => {}); // bound by the scheduler meanwhile, or gone: its business
        }),
      );
    } catch {
      // the API is busy starting: next round
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return bound;
}
