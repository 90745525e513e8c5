/** Readiness checks of addons, as declared in addon.yaml (`readiness`). */
import type * as k8s from '@kubernetes/client-node';
import { k8sLib } from '../kube/k8s-lib.js';
import type { DockerRuntime } from '../provisioner/runtime/docker.js';
import type { Check } from './catalog.js';
import { hostContainerName } from './host.js';
import type { ClusterApi } from './kube.js';
import { apiMessage, isNotFound } from './kube.js';

export interface CheckResult {
  ok: boolean;
  detail: string;
}

export interface CheckContext {
  api: ClusterApi;
  runtime: DockerRuntime;
  cluster: string;
  addon: string;
  hostPorts: Record<string, Record<string, number>>;
}

async function rollout(api: ClusterApi, kind: 'Deployment' | 'DaemonSet', namespace: string, name: string): Promise<CheckResult> {
  const apps = api.kc.makeApiClient((await k8sLib()).AppsV1Api);
  if (kind === 'Deployment') {
    const d = await apps.readNamespacedDeployment({ name, namespace });
    const want = d.spec?.replicas ?? 1;
    const ready = d.status?.readyReplicas ?? 0;
    const updated = d.status?.updatedReplicas ?? 0;
    const ok = ready >= want && updated >= want && (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
    return { ok, detail: `deployment ${namespace}/${name}: ${ready}/${want} ready` };
  }
  const ds = await apps.readNamespacedDaemonSet({ name, namespace });
  const want = ds.status?.desiredNumberScheduled ?? 0;
  const ready = ds.status?.numberReady ?? 0;
  return { ok: want > 0 && ready >= want, detail: `daemonset ${namespace}/${name}: ${ready}/${want} ready` };
}

async function apiService(api: ClusterApi, name: string): Promise<CheckResult> {
  const obj = (await api.objects.read({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name } })) as k8s.KubernetesObject & {
    status?: { conditions?: { type: string; status: string; message?: string }[] };
  };
  const c = obj.status?.conditions?.find((x) => x.type === 'Available');
  return { ok: c?.status === 'True', detail: `APIService ${name}: ${c?.status === 'True' ? 'available' : (c?.message ?? 'not available yet')}` };
}

/** Runs a short-lived pod in kube-system and reports whether its command succeeded. */
async function podCheck(api: ClusterApi, addon: string, image: string, command: string[]): Promise<CheckResult> {
  const namespace = 'kube-system';
  const name = `paddock-check-${addon}-${Date.now().toString(36)}`;
  await api.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'paddock', 'paddock.dev/check': addon } },
      spec: {
        restartPolicy: 'Never',
        tolerations: [{ operator: 'Exists' }],
        containers: [{ name: 'check', image, imagePullPolicy: 'IfNotPresent', command }],
      },
    },
  });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const p = await api.core.readNamespacedPod({ name, namespace });
      if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') {
        const logs = String(await api.core.readNamespacedPodLog({ name, namespace }).catch(() => ''));
        const last = logs.trim().split('\n').slice(-2).join(' ').slice(0, 200);
        return { ok: p.status.phase === 'Succeeded', detail: `${command.join(' ')}: ${p.status.phase === 'Succeeded' ? 'ok' : 'failed'}${last ? ` (${last})` : ''}` };
      }
      if (Date.now() > deadline) return { ok: false, detail: `${command.join(' ')}: the check pod did not finish within 60 s` };
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await api.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}

async function hostHttp(ctx: CheckContext, proxy: string, port: string, path: string): Promise<CheckResult> {
  const hostPort = ctx.hostPorts[proxy]?.[port];
  if (!hostPort) return { ok: false, detail: `${proxy} publishes no ${port} port` };
  const url = `http://127.0.0.1:${hostPort}${path}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    return { ok: true, detail: `${url} answers (${res.status})` };
  } catch (e) {
    return { ok: false, detail: `${url} does not answer: ${(e as Error).message}` };
  }
}

async function hostContainer(ctx: CheckContext, name: string): Promise<CheckResult> {
  const full = hostContainerName(ctx.cluster, ctx.addon, name);
  const info = await ctx.runtime.docker
    .getContainer(full)
    .inspect()
    .catch(() => undefined);
  return { ok: !!info?.State.Running, detail: `container ${full}: ${info ? info.State.Status : 'missing'}` };
}

export async function runCheck(ctx: CheckContext, check: Check): Promise<CheckResult> {
  try {
    switch (check.type) {
      case 'rollout':
        return await rollout(ctx.api, check.kind, check.namespace, check.name);
      case 'apiService':
        return await apiService(ctx.api, check.name);
      case 'pod':
        return await podCheck(ctx.api, ctx.addon, check.image, check.command);
      case 'hostHttp':
        return await hostHttp(ctx, check.proxy, check.port, check.path);
      case 'hostContainer':
        return await hostContainer(ctx, check.name);
    }
  } catch (e) {
    return { ok: false, detail: `${check.type}: ${isNotFound(e) ? 'not found' : apiMessage(e)}` };
  }
}

/** All checks (deep ones only when asked), in parallel. */
export async function runChecks(ctx: CheckContext, checks: Check[], deep: boolean): Promise<CheckResult[]> {
  return Promise.all(checks.filter((c) => deep || c.type !== 'pod').map((c) => runCheck(ctx, c)));
}
