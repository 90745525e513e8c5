/**
 * @kubernetes/client-node, loaded on first use. Loading it is about a third
 * of the CLI's start-up (~0.3 s of a 2-core machine's time), and most
 * commands (list, delete, node-image, forward list …) never need it; a
 * create needs it only once the API server is up. Modules import its types
 * with `import type` and its values through this.
 */
export type K8sLib = typeof import('@kubernetes/client-node');

let loading: Promise<K8sLib> | undefined;

export function k8sLib(): Promise<K8sLib> {
  loading ??= import('@kubernetes/client-node');
  return loading;
}
