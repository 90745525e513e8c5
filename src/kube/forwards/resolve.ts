/**
 * Which pod and which container port a forward goes to, as kubectl decides
 * it: a service port is matched by name or number and its targetPort is
 * looked up in the chosen pod (a named targetPort is a container port name);
 * deployments and services use a ready pod that is not terminating, the
 * newest first so a rollout's new pods win. Pure: the callers fetch objects.
 */
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { RemotePort } from './target.js';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}
export interface PodLike {
  metadata?: { name?: string; uid?: string; creationTimestamp?: string | Date; deletionTimestamp?: string | Date; resourceVersion?: string };
  spec?: { containers?: { ports?: ContainerPort[] }[]; nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[]; podIP?: string; hostIP?: string };
}
export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
}
export interface ServiceLike {
  metadata?: { name?: string };
  spec?: { selector?: Record<string, string>; ports?: ServicePort[]; type?: string };
}
export interface LabelSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function isPodReady(p: PodLike): boolean {
  if (p.metadata?.deletionTimestamp) return false;
  if (p.status?.phase !== 'Running') return false;
  return !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Ready pods, newest first (a rollout's new pod before the old one). */
export function readyPods(pods: PodLike[]): PodLike[] {
  const t = (p: PodLike) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return pods.filter(isPodReady).sort((a, b) => t(b) - t(a) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
}

/** A container port of the pod by name (any container), or the number as it is. */
export function containerPort(pod: PodLike, port: RemotePort): number {
  if (typeof port === 'number') return port;
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === port && (p.protocol ?? 'TCP') === 'TCP') return p.containerPort;
  }
  throw new PaddockError(ErrorCodes.INVALID_CONFIG, `pod ${pod.metadata?.name ?? '?'} has no container port named "${port}"`, {
    remedy: 'use the port number, or a name from the containers\' ports',
  });
}

/** The service port that REMOTE means: by name, else by number (kubectl's rule). */
export function findServicePort(svc: ServiceLike, remote: RemotePort): ServicePort {
  const ports = (svc.spec?.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  const found = typeof remote === 'string' ? ports.find((p) => p.name === remote) : ports.find((p) => p.port === remote);
  if (!found) {
    const have = ports.map((p) => (p.name ? `${p.name} (${p.port})` : String(p.port))).join(', ') || 'none';
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `service ${svc.metadata?.name ?? '?'} has no TCP port ${typeof remote === 'string' ? `named "${remote}"` : remote} (it has: ${have})`, {
      remedy: 'forward one of the service\'s ports, by name or number',
    });
  }
  return found;
}

/** The pod port a service port reaches on this pod. */
export function serviceTargetPort(svcPort: ServicePort, pod: PodLike): number {
  const tp = svcPort.targetPort;
  if (tp === undefined || tp === '' || tp === 0) return svcPort.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  return containerPort(pod, tp);
}

/** A label selector as the API's labelSelector query parameter. */
export function selectorString(sel: LabelSelectorLike | Record<string, string> | undefined): string {
  if (!sel) return '';
  const s = sel as LabelSelectorLike;
  const isStructured = 'matchLabels' in s || 'matchExpressions' in s;
  const labels = isStructured ? (s.matchLabels ?? {}) : (sel as Record<string, string>);
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  for (const e of isStructured ? (s.matchExpressions ?? []) : []) {
    const vals = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
