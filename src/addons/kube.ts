/** The cluster's API from the host, through the context Paddock wrote (paddock-<name>). */
import type * as k8s from '@kubernetes/client-node';
import { k8sLib } from '../kube/k8s-lib.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { contextNameFor } from '../shared/names.js';

export interface ClusterApi {
  kc: k8s.KubeConfig;
  objects: k8s.KubernetesObjectApi;
  core: k8s.CoreV1Api;
}

export async function clusterApi(cluster: string): Promise<ClusterApi> {
  const { KubeConfig, KubernetesObjectApi, CoreV1Api } = await k8sLib();
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const context = contextNameFor(cluster);
  if (!kc.getContextObject(context)) {
    throw new PaddockError(ErrorCodes.CONTEXT_NOT_FOUND, `no kubeconfig context ${context} for cluster "${cluster}"`, {
      remedy: `write it again with \`paddock kubeconfig ${cluster}\`, or check $KUBECONFIG`,
    });
  }
  kc.setCurrentContext(context);
  return { kc, objects: KubernetesObjectApi.makeApiClient(kc), core: kc.makeApiClient(CoreV1Api) };
}

/** HTTP status of a client error (the 1.x client throws ApiException with `code`). */
export function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown; statusCode?: unknown })?.code ?? (e as { statusCode?: unknown })?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (e: unknown) => statusOf(e) === 404;

/** A readable message from an ApiException (its body holds the Status message). */
export function apiMessage(e: unknown): string {
  const body = (e as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      /* not JSON */
    }
  }
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}
