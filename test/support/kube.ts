/** Small helpers for cluster tests: real API calls, bounded waits. */
import * as k8s from '@kubernetes/client-node';

export function clients(kubeconfigPath: string, context: string) {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  kc.setCurrentContext(context);
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api), storage: kc.makeApiClient(k8s.StorageV1Api) };
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Runs a pod to completion and returns its phase and logs. */
export async function runPod(
  core: k8s.CoreV1Api,
  opts: { name: string; image: string; command: string[]; namespace?: string; volumes?: k8s.V1Volume[]; volumeMounts?: k8s.V1VolumeMount[]; nodeName?: string },
): Promise<{ phase: string; logs: string }> {
  const namespace = opts.namespace ?? 'default';
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: opts.name },
      spec: {
        restartPolicy: 'Never',
        nodeName: opts.nodeName,
        containers: [{ name: 'main', image: opts.image, imagePullPolicy: 'Never', command: opts.command, volumeMounts: opts.volumeMounts }],
        volumes: opts.volumes,
      },
    },
  });
  const phase = await waitFor(`pod ${opts.name} to finish`, 120_000, async () => {
    const p = await core.readNamespacedPod({ name: opts.name, namespace });
    return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p.status.phase : undefined;
  });
  const logs = await core.readNamespacedPodLog({ name: opts.name, namespace, container: 'main' });
  return { phase, logs: String(logs) };
}

export function isReady(node: k8s.V1Node): boolean {
  return !!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}
