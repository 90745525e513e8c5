/**
 * Resource descriptors (after headlamp's KubeObject statics): where a kind
 * lives in the API, whether it is namespaced, and the columns and status a
 * list shows. Pure data and pure functions: the core, the CLI and tests use
 * them; nothing here talks to a cluster.
 */
import type { ResourceColumn, ResourceKind, ResourceRow, StatusTone } from '../../shared/api.js';

/** The slice of any Kubernetes object the descriptors read. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string }[];
  };
  // Each kind has its own spec/status; descriptors read them loosely.
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [k: string]: unknown;
}

export interface ResourceDescriptor {
  kind: ResourceKind;
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  columns: ResourceColumn[];
  /** Cells by column id (name, namespace and age are filled for every kind). */
  cells(o: KubeObject): Record<string, string>;
  status(o: KubeObject): { text: string; tone: StatusTone };
}

const n = (x: unknown): number => (typeof x === 'number' ? x : 0);

function readyOf(ready: unknown, want: unknown): { text: string; tone: StatusTone } {
  const r = n(ready);
  const w = n(want);
  if (w === 0) return { text: 'Scaled to 0', tone: 'muted' };
  return r >= w ? { text: 'Ready', tone: 'ok' } : { text: r === 0 ? 'Not ready' : 'Progressing', tone: r === 0 ? 'error' : 'warn' };
}

/** kubectl's STATUS column for a pod: the reason a container waits or ended, else the phase. */
export function podStatus(o: KubeObject): { text: string; tone: StatusTone } {
  if (o.metadata?.deletionTimestamp) return { text: 'Terminating', tone: 'warn' };
  const st = o.status ?? {};
  const containers: any[] = [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])]; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const c of containers) {
    const waiting = c.state?.waiting?.reason as string | undefined;
    if (waiting && waiting !== 'PodInitializing' && waiting !== 'ContainerCreating') return { text: waiting, tone: 'error' };
    const term = c.state?.terminated;
    if (term && term.exitCode !== 0 && term.reason) return { text: term.reason as string, tone: 'error' };
  }
  const phase = (st.phase as string | undefined) ?? 'Unknown';
  if (phase === 'Running') {
    const ready = (st.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True');
    return ready ? { text: 'Running', tone: 'ok' } : { text: 'Running (not ready)', tone: 'warn' };
  }
  if (phase === 'Succeeded') return { text: 'Completed', tone: 'muted' };
  if (phase === 'Failed') return { text: (st.reason as string | undefined) ?? 'Failed', tone: 'error' };
  if (phase === 'Pending') {
    const waiting = containers.find((c) => c.state?.waiting)?.state.waiting.reason as string | undefined;
    return { text: waiting ?? 'Pending', tone: 'warn' };
  }
  return { text: phase, tone: 'muted' };
}

export function podRestarts(o: KubeObject): number {
  return ((o.status?.containerStatuses ?? []) as { restartCount?: number }[]).reduce((s, c) => s + n(c.restartCount), 0);
}

export function nodeStatus(o: KubeObject): { text: string; tone: StatusTone } {
  const ready = ((o.status?.conditions ?? []) as { type?: string; status?: string }[]).find((c) => c.type === 'Ready');
  const base = ready?.status === 'True' ? 'Ready' : 'NotReady';
  if (o.spec?.unschedulable) return { text: `${base},SchedulingDisabled`, tone: 'warn' };
  return { text: base, tone: base === 'Ready' ? 'ok' : 'error' };
}

const ok = { text: '', tone: 'muted' as StatusTone };
const col = (id: string, label: string): ResourceColumn => ({ id, label });

function d(
  kind: ResourceKind,
  group: string,
  version: string,
  plural: string,
  namespaced: boolean,
  columns: ResourceColumn[],
  cells: ResourceDescriptor['cells'],
  status: ResourceDescriptor['status'] = () => ok,
): ResourceDescriptor {
  return { kind, group, version, plural, namespaced, columns, cells, status };
}

const selectorText = (sel: Record<string, string> | undefined) =>
  Object.entries(sel ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export const DESCRIPTORS: Record<ResourceKind, ResourceDescriptor> = {
  Deployment: d(
    'Deployment', 'apps', 'v1', 'deployments', true,
    [col('ready', 'Ready'), col('upToDate', 'Up-to-date'), col('available', 'Available'), col('images', 'Images')],
    (o) => ({
      ready: `${n(o.status?.readyReplicas)}/${n(o.spec?.replicas)}`,
      upToDate: String(n(o.status?.updatedReplicas)),
      available: String(n(o.status?.availableReplicas)),
      images: imagesOf(o.spec?.template),
    }),
    (o) => readyOf(o.status?.readyReplicas, o.spec?.replicas),
  ),
  StatefulSet: d(
    'StatefulSet', 'apps', 'v1', 'statefulsets', true,
    [col('ready', 'Ready'), col('images', 'Images')],
    (o) => ({ ready: `${n(o.status?.readyReplicas)}/${n(o.spec?.replicas)}`, images: imagesOf(o.spec?.template) }),
    (o) => readyOf(o.status?.readyReplicas, o.spec?.replicas),
  ),
  DaemonSet: d(
    'DaemonSet', 'apps', 'v1', 'daemonsets', true,
    [col('desired', 'Desired'), col('ready', 'Ready'), col('available', 'Available'), col('images', 'Images')],
    (o) => ({
      desired: String(n(o.status?.desiredNumberScheduled)),
      ready: String(n(o.status?.numberReady)),
      available: String(n(o.status?.numberAvailable)),
      images: imagesOf(o.spec?.template),
    }),
    (o) => readyOf(o.status?.numberReady, o.status?.desiredNumberScheduled),
  ),
  ReplicaSet: d(
    'ReplicaSet', 'apps', 'v1', 'replicasets', true,
    [col('desired', 'Desired'), col('ready', 'Ready'), col('owner', 'Owner')],
    (o) => ({ desired: String(n(o.spec?.replicas)), ready: String(n(o.status?.readyReplicas)), owner: ownerOf(o) }),
    (o) => readyOf(o.status?.readyReplicas, o.spec?.replicas),
  ),
  Pod: d(
    'Pod', '', 'v1', 'pods', true,
    [col('ready', 'Ready'), col('restarts', 'Restarts'), col('node', 'Node'), col('ip', 'IP')],
    (o) => {
      const cs = (o.status?.containerStatuses ?? []) as { ready?: boolean }[];
      const total = ((o.spec?.containers ?? []) as unknown[]).length;
      // containers: not a column; the terminal's container picker reads it.
      const containers = ((o.spec?.containers ?? []) as { name?: string }[]).map((c) => c.name ?? '').join(',');
      return { ready: `${cs.filter((c) => c.ready).length}/${total}`, restarts: String(podRestarts(o)), node: o.spec?.nodeName ?? '', ip: o.status?.podIP ?? '', containers };
    },
    podStatus,
  ),
  Service: d(
    'Service', '', 'v1', 'services', true,
    [col('type', 'Type'), col('clusterIP', 'Cluster IP'), col('externalIP', 'External IP'), col('ports', 'Ports'), col('selector', 'Selector')],
    (o) => ({
      type: o.spec?.type ?? 'ClusterIP',
      clusterIP: o.spec?.clusterIP ?? '',
      externalIP: ((o.status?.loadBalancer?.ingress ?? []) as { ip?: string; hostname?: string }[]).map((i) => i.ip ?? i.hostname).join(',') || (o.spec?.type === 'LoadBalancer' ? '<pending>' : ''),
      ports: ((o.spec?.ports ?? []) as { port?: number; nodePort?: number; protocol?: string }[]).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(','),
      selector: selectorText(o.spec?.selector),
    }),
  ),
  Ingress: d(
    'Ingress', 'networking.k8s.io', 'v1', 'ingresses', true,
    [col('class', 'Class'), col('hosts', 'Hosts'), col('address', 'Address')],
    (o) => ({
      class: o.spec?.ingressClassName ?? '',
      hosts: ((o.spec?.rules ?? []) as { host?: string }[]).map((r) => r.host ?? '*').join(','),
      address: ((o.status?.loadBalancer?.ingress ?? []) as { ip?: string; hostname?: string }[]).map((i) => i.ip ?? i.hostname).join(','),
    }),
  ),
  ConfigMap: d('ConfigMap', '', 'v1', 'configmaps', true, [col('data', 'Data')], (o) => ({ data: String(Object.keys((o.data as object) ?? {}).length + Object.keys((o.binaryData as object) ?? {}).length) })),
  Secret: d('Secret', '', 'v1', 'secrets', true, [col('type', 'Type'), col('data', 'Data')], (o) => ({ type: String(o.type ?? ''), data: String(Object.keys((o.data as object) ?? {}).length) })),
  PersistentVolumeClaim: d(
    'PersistentVolumeClaim', '', 'v1', 'persistentvolumeclaims', true,
    [col('volume', 'Volume'), col('capacity', 'Capacity'), col('storageClass', 'Storage class')],
    (o) => ({ volume: o.spec?.volumeName ?? '', capacity: o.status?.capacity?.storage ?? '', storageClass: o.spec?.storageClassName ?? '' }),
    (o) => phaseTone(o.status?.phase, 'Bound'),
  ),
  PersistentVolume: d(
    'PersistentVolume', '', 'v1', 'persistentvolumes', false,
    [col('capacity', 'Capacity'), col('reclaim', 'Reclaim'), col('claim', 'Claim'), col('storageClass', 'Storage class')],
    (o) => ({
      capacity: o.spec?.capacity?.storage ?? '',
      reclaim: o.spec?.persistentVolumeReclaimPolicy ?? '',
      claim: o.spec?.claimRef ? `${o.spec.claimRef.namespace}/${o.spec.claimRef.name}` : '',
      storageClass: o.spec?.storageClassName ?? '',
    }),
    (o) => phaseTone(o.status?.phase, 'Bound', 'Available'),
  ),
  StorageClass: d(
    'StorageClass', 'storage.k8s.io', 'v1', 'storageclasses', false,
    [col('provisioner', 'Provisioner'), col('reclaim', 'Reclaim'), col('binding', 'Binding mode'), col('default', 'Default')],
    (o) => ({
      provisioner: String(o.provisioner ?? ''),
      reclaim: String(o.reclaimPolicy ?? 'Delete'),
      binding: String(o.volumeBindingMode ?? 'Immediate'),
      default: o.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? 'yes' : '',
    }),
  ),
  HorizontalPodAutoscaler: d(
    'HorizontalPodAutoscaler', 'autoscaling', 'v2', 'horizontalpodautoscalers', true,
    [col('target', 'Target'), col('minMax', 'Min/Max'), col('replicas', 'Replicas')],
    (o) => ({
      target: `${o.spec?.scaleTargetRef?.kind ?? ''}/${o.spec?.scaleTargetRef?.name ?? ''}`,
      minMax: `${o.spec?.minReplicas ?? 1}/${o.spec?.maxReplicas ?? ''}`,
      replicas: String(n(o.status?.currentReplicas)),
    }),
  ),
  Event: d(
    'Event', '', 'v1', 'events', true,
    [col('type', 'Type'), col('reason', 'Reason'), col('object', 'Object'), col('message', 'Message'), col('count', 'Count')],
    (o) => ({
      type: String(o.type ?? ''),
      reason: String(o.reason ?? ''),
      object: `${(o.involvedObject as { kind?: string })?.kind ?? ''}/${(o.involvedObject as { name?: string })?.name ?? ''}`,
      message: String(o.message ?? ''),
      count: String(n(o.count) || 1),
    }),
    (o) => (o.type === 'Warning' ? { text: 'Warning', tone: 'warn' } : { text: String(o.type ?? 'Normal'), tone: 'muted' }),
  ),
  Node: d(
    'Node', '', 'v1', 'nodes', false,
    [col('roles', 'Roles'), col('version', 'Version'), col('internalIP', 'Internal IP')],
    (o) => ({
      roles: Object.keys(o.metadata?.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length)).join(',') || '<none>',
      version: o.status?.nodeInfo?.kubeletVersion ?? '',
      internalIP: ((o.status?.addresses ?? []) as { type?: string; address?: string }[]).find((a) => a.type === 'InternalIP')?.address ?? '',
    }),
    nodeStatus,
  ),
};

function phaseTone(phase: unknown, ...good: string[]): { text: string; tone: StatusTone } {
  const p = typeof phase === 'string' ? phase : 'Unknown';
  return { text: p, tone: good.includes(p) ? 'ok' : p === 'Pending' || p === 'Released' ? 'warn' : 'error' };
}

function imagesOf(template: { spec?: { containers?: { image?: string }[] } } | undefined): string {
  return (template?.spec?.containers ?? []).map((c) => c.image ?? '').join(',');
}

function ownerOf(o: KubeObject): string {
  const r = o.metadata?.ownerReferences?.[0];
  return r ? `${r.kind}/${r.name}` : '';
}

export function descriptorOf(kind: ResourceKind): ResourceDescriptor {
  return DESCRIPTORS[kind];
}

/** The collection path of a kind, in one namespace or across all. */
export function collectionPath(desc: ResourceDescriptor, namespace?: string): string {
  const base = desc.group === '' ? `/api/${desc.version}` : `/apis/${desc.group}/${desc.version}`;
  const ns = desc.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${desc.plural}`;
}

export function objectPath(desc: ResourceDescriptor, name: string, namespace?: string): string {
  return `${collectionPath(desc, desc.namespaced ? (namespace ?? 'default') : undefined)}/${encodeURIComponent(name)}`;
}

/** The row a list shows for one object. */
export function toRow(desc: ResourceDescriptor, o: KubeObject): ResourceRow {
  const s = desc.status(o);
  const row: ResourceRow = {
    uid: o.metadata?.uid ?? `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`,
    name: o.metadata?.name ?? '',
    status: s.text,
    tone: s.tone,
    cells: desc.cells(o),
  };
  if (o.metadata?.namespace) row.namespace = o.metadata.namespace;
  // Events are about when they last happened, not when the object was made.
  const created = desc.kind === 'Event' ? ((o.lastTimestamp as string | undefined) ?? (o.eventTime as string | undefined) ?? o.metadata?.creationTimestamp) : o.metadata?.creationTimestamp;
  if (created) row.created = created;
  return row;
}
