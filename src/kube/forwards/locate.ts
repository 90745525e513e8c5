/**
 * Finds the pod and pod port a forward goes to right now, with one or two
 * API reads: the decision itself is in resolve.ts.
 */
import type { ContextTarget } from '../client.js';
import { ApiStatusError, getJson, type Auth } from './kube-io.js';
import { containerPort, findServicePort, readyPods, selectorString, serviceTargetPort, type LabelSelectorLike, type PodLike, type ServiceLike } from './resolve.js';
import type { ForwardTarget, RemotePort } from './target.js';

export type Location = { pod: PodLike & { metadata: { name: string } }; port: number } | { waiting: string };

const ns = (n: string) => `/api/v1/namespaces/${encodeURIComponent(n)}`;

async function podsBySelector(t: ContextTarget, auth: Auth, namespace: string, selector: string): Promise<PodLike[]> {
  const list = await getJson<{ items: PodLike[] }>(t, auth, `${ns(namespace)}/pods?labelSelector=${encodeURIComponent(selector)}`);
  return list.items;
}

function notFound(e: unknown, what: string): string | undefined {
  return e instanceof ApiStatusError && e.status === 404 ? `${what} does not exist (yet)` : undefined;
}

export async function locate(t: ContextTarget, auth: Auth, namespace: string, target: ForwardTarget, remote: RemotePort): Promise<Location> {
  const label = `${target.kind} ${namespace}/${target.name}`;
  try {
    if (target.kind === 'pod') {
      const pod = await getJson<PodLike>(t, auth, `${ns(namespace)}/pods/${encodeURIComponent(target.name)}`);
      if (readyPods([pod]).length === 0) return { waiting: `waiting for pod ${namespace}/${target.name} to be ready` };
      return { pod: pod as PodLike & { metadata: { name: string } }, port: containerPort(pod, remote) };
    }
    if (target.kind === 'deployment') {
      const d = await getJson<{ spec?: { selector?: LabelSelectorLike } }>(t, auth, `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(target.name)}`);
      const pods = readyPods(await podsBySelector(t, auth, namespace, selectorString(d.spec?.selector)));
      const pod = pods[0];
      if (!pod?.metadata?.name) return { waiting: `waiting for a ready pod of deployment ${namespace}/${target.name}` };
      return { pod: pod as PodLike & { metadata: { name: string } }, port: containerPort(pod, remote) };
    }
    const svc = await getJson<ServiceLike>(t, auth, `${ns(namespace)}/services/${encodeURIComponent(target.name)}`);
    const svcPort = findServicePort(svc, remote);
    const selector = selectorString(svc.spec?.selector);
    if (!selector) return { waiting: `service ${namespace}/${target.name} has no selector, so no pod to forward to` };
    const pod = readyPods(await podsBySelector(t, auth, namespace, selector))[0];
    if (!pod?.metadata?.name) return { waiting: `waiting for a ready pod behind service ${namespace}/${target.name}` };
    return { pod: pod as PodLike & { metadata: { name: string } }, port: serviceTargetPort(svcPort, pod) };
  } catch (e) {
    const nf = notFound(e, label);
    if (nf) return { waiting: nf };
    throw e;
  }
}
