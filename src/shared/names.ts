import { ErrorCodes, PaddockError } from './errors.js';

/** Cluster names become container hostnames and kubeconfig entries: DNS-1123 labels, short. */
export const CLUSTER_NAME_MAX = 40;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function clusterNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > CLUSTER_NAME_MAX) return `it is ${name.length} characters long; at most ${CLUSTER_NAME_MAX} are allowed`;
  if (!DNS_LABEL.test(name)) return 'only lower-case letters, digits and "-" are allowed, starting and ending with a letter or digit';
  return undefined;
}

export function validateClusterName(name: string): string {
  const problem = clusterNameProblem(name);
  if (problem) {
    throw new PaddockError(ErrorCodes.INVALID_NAME, `invalid cluster name "${name}": ${problem}`, {
      remedy: 'choose a name like "dev" or "my-cluster-2"',
    });
  }
  return name;
}

export const DEFAULT_CLUSTER_NAME = 'paddock';
export const contextNameFor = (cluster: string): string => `paddock-${cluster}`;
