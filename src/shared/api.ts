/**
 * The one contract between Paddock's core and its faces (CLI, Electron IPC,
 * web mode). Each operation is declared once: a name, a zod input and output,
 * and whether it is a long job that streams ProgressEvents. Faces validate
 * every payload against these schemas; the renderer never sees anything else.
 */
import { z } from 'zod';
import type { ProgressSink } from './progress.js';
import { clusterNameProblem } from './names.js';

export const ClusterNameSchema = z.string().superRefine((name, ctx) => {
  const problem = clusterNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `invalid cluster name "${name}": ${problem}` });
});

export const NodeStatusSchema = z.enum(['running', 'stopped', 'paused', 'missing', 'unknown']);
export const ClusterStatusSchema = z.enum(['creating', 'running', 'stopped', 'paused', 'degraded', 'broken']);

export const NodeSummarySchema = z.object({
  name: z.string(),
  role: z.enum(['control-plane', 'worker', 'load-balancer']),
  status: NodeStatusSchema,
  ip: z.string().optional(),
  image: z.string(),
});
export type NodeSummary = z.infer<typeof NodeSummarySchema>;

export const ClusterSummarySchema = z.object({
  name: z.string(),
  status: ClusterStatusSchema,
  /** Why the cluster is broken or degraded, in words a user can act on. */
  reason: z.string().optional(),
  kubernetesVersion: z.string().optional(),
  apiServer: z.object({ host: z.string(), port: z.number() }).optional(),
  context: z.string(),
  nodes: z.array(NodeSummarySchema),
  created: z.string().optional(),
  /** Name of the Docker engine that holds it (a docker context's name, "default", or the host). */
  engine: z.string().optional(),
});
export type ClusterSummary = z.infer<typeof ClusterSummarySchema>;

/** A Docker engine `list` looked at: the current one, and those remembered to hold clusters. */
export const EngineStatusSchema = z.object({
  name: z.string(),
  host: z.string(),
  /** Why this engine: "DOCKER_HOST", "docker context X", "default socket", "remembered: …". */
  reason: z.string(),
  current: z.boolean(),
  state: z.enum(['up', 'down']),
  error: z.string().optional(),
  /** Its clusters; for an engine that is down, those remembered there. */
  clusters: z.array(z.string()).optional(),
});
export type EngineStatus = z.infer<typeof EngineStatusSchema>;

export const CreateClusterInputSchema = z.object({
  name: ClusterNameSchema.default('paddock'),
  controlPlanes: z.number().int().min(1).max(7).optional(),
  workers: z.number().int().min(0).max(20).optional(),
  kubernetesVersion: z.string().regex(/^v\d+\.\d+\.\d+$/).optional(),
  image: z.string().min(1).optional(),
  /** A kind v1alpha4 Cluster or Paddock Cluster document, as YAML text. */
  config: z.string().optional(),
  /** Path of the config file, for error messages only. */
  configPath: z.string().optional(),
  waitSeconds: z.number().min(0).max(3600).optional(),
  retain: z.boolean().optional(),
  /** Never pull the node image (offline machines, CI): local, else built from source. */
  noPull: z.boolean().optional(),
});
export type CreateClusterInput = z.input<typeof CreateClusterInputSchema>;

export const NodeImageSchema = z.object({
  name: z.string(),
  id: z.string(),
  kubernetesVersion: z.string(),
  sizeBytes: z.number(),
  digest: z.string().optional(),
  inputsHash: z.string(),
  created: z.string(),
});
export type NodeImage = z.infer<typeof NodeImageSchema>;

/** ok, or why not: 401 unauthorized, 403 forbidden (even API discovery), unreachable, timeout, error (TLS, credential plugin). */
export const ContextProbeSchema = z.object({
  state: z.enum(['ok', 'unauthorized', 'forbidden', 'unreachable', 'timeout', 'error']),
  reason: z.string().optional(),
  /** The API server's gitVersion, when it answered. */
  version: z.string().optional(),
  ms: z.number(),
});
export type ContextProbe = z.infer<typeof ContextProbeSchema>;

export const ContextInfoSchema = z.object({
  name: z.string(),
  current: z.boolean(),
  cluster: z.string(),
  user: z.string(),
  namespace: z.string().optional(),
  file: z.string(),
  server: z.string().optional(),
  /** Set when a Paddock cluster owns this context. */
  paddockCluster: z.string().optional(),
  reachable: z.boolean().optional(),
  /** Only when listed with `probe`: what one quick look at the cluster saw (issue 13). */
  probe: ContextProbeSchema.optional(),
});
export type ContextInfo = z.infer<typeof ContextInfoSchema>;

/** One "kubectl auth can-i" question (a SelfSubjectAccessReview's resourceAttributes). */
export const AccessCheckSchema = z.object({
  verb: z.string().min(1),
  resource: z.string().min(1),
  group: z.string().optional(),
  subresource: z.string().optional(),
  /** Omitted: cluster-wide (cluster-scoped resources, or every namespace). */
  namespace: z.string().optional(),
  name: z.string().optional(),
});
export type AccessCheck = z.infer<typeof AccessCheckSchema>;
/** allowed is false only when the API server said no; a review that could not be made says so in reason and does not disable anything. */
export const AccessResultSchema = AccessCheckSchema.extend({ allowed: z.boolean(), reason: z.string().optional() });
export type AccessResult = z.infer<typeof AccessResultSchema>;

export const DoctorCheckSchema = z.object({
  id: z.string(),
  title: z.string(),
  verdict: z.enum(['ok', 'warn', 'fail', 'info']),
  detail: z.string(),
  remedy: z.string().optional(),
});
export type DoctorCheck = z.infer<typeof DoctorCheckSchema>;

export const AddonInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  version: z.string(),
  enabled: z.boolean(),
  health: z.enum(['healthy', 'unhealthy', 'unknown', 'disabled']),
  /** What the health checks saw, one line per check (e.g. "✓ deployment kube-system/coredns: 2/2 ready"). */
  status: z.string().optional(),
  usage: z.string().optional(),
  /** Installed by every new cluster. */
  defaultEnabled: z.boolean().optional(),
  /** Settings for `enable --set key=value`. */
  params: z.record(z.string(), z.object({ description: z.string(), default: z.string() })).optional(),
});
export type AddonInfo = z.infer<typeof AddonInfoSchema>;

export const ForwardSpecSchema = z.object({
  context: z.string().min(1),
  namespace: z.string().default('default'),
  target: z.string().regex(/^(pod|po|svc|service|deploy|deployment)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/),
  localAddress: z.string().default('127.0.0.1'),
  localPort: z.number().int().min(0).max(65535),
  remotePort: z.union([z.number().int().min(1).max(65535), z.string().min(1)]),
  autoStart: z.boolean().default(true),
  /** The kubeconfig file that holds the context (remembered, so a forward can say when it is gone). */
  kubeconfig: z.string().optional(),
});
export type ForwardSpec = z.input<typeof ForwardSpecSchema>;
export const ForwardInfoSchema = ForwardSpecSchema.extend({
  id: z.string(),
  /** stopped; waiting (for a ready pod, or for the cluster); connected (to `pod`); error (`reason`, retried with backoff). */
  state: z.enum(['stopped', 'waiting', 'connected', 'error']),
  /** Why the forward is in this state, in words. */
  reason: z.string().optional(),
  pod: z.string().optional(),
  /** The pod's port that `remotePort` resolved to. */
  podPort: z.number().optional(),
  /** Bytes from the pod to local clients, and from local clients to the pod, since the forward started. */
  bytesIn: z.number(),
  bytesOut: z.number(),
  /** Connections open now, and since the forward started. */
  connections: z.number(),
  connectionsTotal: z.number().optional(),
  lastError: z.string().optional(),
  /** This process holds the forward; false: it is stopped here, or held by the process `heldBy`. */
  local: z.boolean().optional(),
  heldBy: z.number().optional(),
  /** How connections reach the pod: straight through a NAT rule in its node container, or through the Kubernetes API; `pathReason` says why not directly. */
  path: z.enum(['direct', 'api']).optional(),
  pathReason: z.string().optional(),
});
export type ForwardInfo = z.infer<typeof ForwardInfoSchema>;

export const ProxyInputSchema = z.object({
  context: z.string().min(1),
  kubeconfig: z.string().optional(),
  address: z.string().default('127.0.0.1'),
  /** 0: any free port. */
  port: z.number().int().min(0).max(65535).default(8001),
});
export const ProxyInfoSchema = z.object({ id: z.string(), context: z.string(), url: z.string() });
export type ProxyInfo = z.infer<typeof ProxyInfoSchema>;

// ── Inside a cluster (issue 11), addressed by kubeconfig context (issue 13) ──
export const ResourceKindSchema = z.enum([
  'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod', 'Service', 'Ingress', 'ConfigMap', 'Secret',
  'PersistentVolumeClaim', 'PersistentVolume', 'StorageClass', 'HorizontalPodAutoscaler', 'Event', 'Node',
]);
export type ResourceKind = z.infer<typeof ResourceKindSchema>;
export const StatusToneSchema = z.enum(['ok', 'warn', 'error', 'muted']);
export type StatusTone = z.infer<typeof StatusToneSchema>;
export const ResourceColumnSchema = z.object({ id: z.string(), label: z.string() });
export type ResourceColumn = z.infer<typeof ResourceColumnSchema>;
export const ResourceRowSchema = z.object({
  uid: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
  status: z.string(),
  tone: StatusToneSchema,
  /** creationTimestamp (for events: when last seen); the face renders the age. */
  created: z.string().optional(),
  cells: z.record(z.string(), z.string()),
});
export type ResourceRow = z.infer<typeof ResourceRowSchema>;
const ResourceListSchema = z.object({
  kind: ResourceKindSchema,
  columns: z.array(ResourceColumnSchema),
  rows: z.array(ResourceRowSchema),
  resourceVersion: z.string().optional(),
  /** Set when every namespace was asked for but the user may not list them all: the rows are of this namespace only, and why (issue 13). */
  narrowedTo: z.object({ namespace: z.string(), reason: z.string() }).optional(),
});
export type ResourceList = z.infer<typeof ResourceListSchema>;
const Ctx = z.object({ context: z.string().min(1) });
/** Without namespace: every namespace (cluster-scoped kinds ignore it). */
const ListInput = Ctx.extend({ kind: ResourceKindSchema, namespace: z.string().min(1).optional() });
const ObjRef = Ctx.extend({ kind: ResourceKindSchema, namespace: z.string().min(1).optional(), name: z.string().min(1) });
const WorkloadRef = Ctx.extend({ kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet']), namespace: z.string().min(1), name: z.string().min(1) });
export const RolloutRevisionSchema = z.object({ revision: z.number(), name: z.string(), created: z.string().optional(), images: z.array(z.string()), changeCause: z.string().optional(), current: z.boolean() });
export type RolloutRevision = z.infer<typeof RolloutRevisionSchema>;
export const ControlPlaneHealthSchema = z.object({
  checks: z.array(z.object({ path: z.string(), ok: z.boolean(), detail: z.string() })),
  staticPods: z.array(z.object({ node: z.string(), component: z.string(), pod: z.string(), status: z.string(), tone: StatusToneSchema, restarts: z.number(), image: z.string().optional() })),
  version: z.string().optional(),
});
export type ControlPlaneHealth = z.infer<typeof ControlPlaneHealthSchema>;
/** etcd members and their health (etcd's API asked from a Paddock node, else etcdctl in the etcd pod); `reason` when they cannot be read. */
export const EtcdHealthSchema = z.object({
  source: z.string(),
  members: z.array(z.object({ name: z.string(), id: z.string(), clientURLs: z.array(z.string()), healthy: z.boolean(), detail: z.string(), version: z.string().optional(), leader: z.boolean().optional() })),
  reason: z.string().optional(),
});
/** Certificate expiry as `kubeadm certs check-expiration` shows it (Paddock clusters), or the API server's serving certificate. */
export const CertExpirySchema = z.object({
  source: z.string(),
  certs: z.array(z.object({ name: z.string(), expires: z.string(), residualDays: z.number(), authority: z.string().optional(), node: z.string().optional() })),
  reason: z.string().optional(),
});
export const ClusterHealthDetailsSchema = z.object({
  etcd: EtcdHealthSchema,
  certificates: CertExpirySchema,
  /** Component versions: API server, kubelet and container runtime per node, etcd, static pod images. */
  components: z.array(z.object({ name: z.string(), node: z.string().optional(), version: z.string() })),
});
export type ClusterHealthDetails = z.infer<typeof ClusterHealthDetailsSchema>;
const LabelKey = z.string().regex(/^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'a label key is [prefix/]name: name up to 63 letters, digits, - _ . (prefix a DNS subdomain)');
const LabelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'a label value is up to 63 letters, digits, - _ . starting and ending with a letter or digit');
export const TaintSchema = z.object({ key: LabelKey, value: LabelValue.optional(), effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']) });
export type Taint = z.infer<typeof TaintSchema>;
export const NodeMetaSchema = z.object({ labels: z.record(z.string(), z.string()), taints: z.array(TaintSchema.extend({ key: z.string(), value: z.string().optional() })) });
export type NodeMeta = z.infer<typeof NodeMetaSchema>;
const ExecSession = z.object({ sessionId: z.string().min(1).max(64) });

const NameInput = z.object({ name: ClusterNameSchema });
const Empty = z.object({});
const Void = z.object({ ok: z.literal(true) });

function op<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, opts: { job?: boolean } = {}) {
  return { input, output, job: opts.job ?? false };
}

export const api = {
  version: op(Empty, z.object({ paddock: z.string(), node: z.string(), defaultKubernetes: z.string() })),
  doctor: op(Empty, z.object({ checks: z.array(DoctorCheckSchema) })),

  listClusters: op(Empty, z.object({ clusters: z.array(ClusterSummarySchema), engines: z.array(EngineStatusSchema).optional() })),
  getCluster: op(NameInput, ClusterSummarySchema),
  createCluster: op(CreateClusterInputSchema, ClusterSummarySchema, { job: true }),
  deleteCluster: op(NameInput, Void, { job: true }),
  startCluster: op(NameInput, ClusterSummarySchema, { job: true }),
  stopCluster: op(NameInput, ClusterSummarySchema, { job: true }),
  pauseCluster: op(NameInput, ClusterSummarySchema),
  unpauseCluster: op(NameInput, ClusterSummarySchema),
  getKubeconfig: op(NameInput.extend({ internal: z.boolean().optional() }), z.object({ kubeconfig: z.string() })),
  exportLogs: op(NameInput.extend({ dir: z.string().optional() }), z.object({ dir: z.string(), archive: z.string() }), { job: true }),
  loadImages: op(NameInput.extend({ images: z.array(z.string().min(1)).min(1) }), Void, { job: true }),

  listNodeImages: op(Empty, z.object({ images: z.array(NodeImageSchema) })),
  buildNodeImage: op(z.object({ kubernetesVersion: z.string().optional(), name: z.string().optional() }), NodeImageSchema, { job: true }),
  removeNodeImage: op(z.object({ ref: z.string().min(1) }), Void),
  /** Pulls the pinned upstream node image for a version (by digest) and tags it paddock/node:<version>. */
  pullNodeImage: op(z.object({ kubernetesVersion: z.string().regex(/^v\d+\.\d+\.\d+$/).optional() }), NodeImageSchema, { job: true }),

  /** Read from the kubeconfig files only; with probe, every cluster is contacted too (in parallel, ≤ 3 s in all). */
  listContexts: op(z.object({ probe: z.boolean().optional() }), z.object({ contexts: z.array(ContextInfoSchema), currentContext: z.string().optional() })),
  /** What the context's user may do (SelfSubjectAccessReview per check), so faces can disable what would be refused. */
  accessReview: op(z.object({ context: z.string().min(1), checks: z.array(AccessCheckSchema).min(1).max(64) }), z.object({ results: z.array(AccessResultSchema) })),
  useContext: op(z.object({ name: z.string().min(1) }), Void),
  renameContext: op(z.object({ from: z.string().min(1), to: z.string().min(1) }), Void),
  deleteContext: op(z.object({ name: z.string().min(1) }), Void),
  setContextNamespace: op(z.object({ context: z.string().min(1), namespace: z.string().min(1) }), Void),
  listNamespaces: op(z.object({ context: z.string().min(1) }), z.object({ namespaces: z.array(z.string()) })),

  /** With `addon`, only that one, with its slower checks too (`paddock addons status NAME`). */
  listAddons: op(NameInput.extend({ addon: z.string().optional() }), z.object({ addons: z.array(AddonInfoSchema) })),
  /** The catalog without a cluster (the create wizard's addon choice). */
  listAddonCatalog: op(Empty, z.object({ addons: z.array(AddonInfoSchema) })),
  enableAddon: op(NameInput.extend({ addon: z.string(), settings: z.record(z.string(), z.string()).optional() }), AddonInfoSchema, { job: true }),
  disableAddon: op(NameInput.extend({ addon: z.string() }), AddonInfoSchema, { job: true }),

  listForwards: op(Empty, z.object({ forwards: z.array(ForwardInfoSchema) })),
  addForward: op(ForwardSpecSchema, ForwardInfoSchema),
  removeForward: op(z.object({ id: z.string() }), Void),
  startForward: op(z.object({ id: z.string() }), ForwardInfoSchema),
  stopForward: op(z.object({ id: z.string() }), ForwardInfoSchema),
  /** App start (GUI, tray, `forward start --all`): start saved forwards, only the auto-start ones unless told. */
  startAllForwards: op(z.object({ autoStartOnly: z.boolean().default(true) }), z.object({ forwards: z.array(ForwardInfoSchema) })),
  stopAllForwards: op(Empty, z.object({ forwards: z.array(ForwardInfoSchema) })),
  /** kubectl proxy: the context's API on a local port without credentials; lives as long as this process. */
  startProxy: op(ProxyInputSchema, ProxyInfoSchema),
  stopProxy: op(z.object({ id: z.string() }), Void),
  /** Headlamp (the dashboard addon) through a saved local forward, started in this process, with a 1-hour ServiceAccount token. */
  openDashboard: op(z.object({ context: z.string().min(1), kubeconfig: z.string().optional() }), z.object({ url: z.string(), token: z.string(), expiresAt: z.string(), forwardId: z.string() })),
  /** Rows of one kind, with status and creation time, for any kubeconfig context. */
  listResources: op(ListInput, ResourceListSchema),
  /** Live rows: list, then watch; `resources.changed` pushes the new rows under the returned id until unwatchResources. */
  watchResources: op(ListInput, ResourceListSchema.extend({ subscriptionId: z.string() })),
  unwatchResources: op(z.object({ subscriptionId: z.string() }), Void),
  /** The object as YAML, without managedFields; Secret values are masked unless revealSecrets. */
  getResourceYaml: op(ObjRef.extend({ revealSecrets: z.boolean().optional() }), z.object({ yaml: z.string() })),
  /** Server-side dry run first; with dryRun only that. The API's error comes back as it is (INVALID_CONFIG). */
  applyYaml: op(Ctx.extend({ yaml: z.string().min(1), namespace: z.string().optional(), dryRun: z.boolean().optional() }), z.object({ results: z.array(z.object({ kind: z.string(), name: z.string(), namespace: z.string().optional(), action: z.string() })) })),
  podLogs: op(Ctx.extend({ namespace: z.string().min(1), pod: z.string().min(1), container: z.string().optional(), previous: z.boolean().optional(), tailLines: z.number().int().min(1).max(100_000).optional() }), z.object({ text: z.string(), containers: z.array(z.string()) })),
  /** Follows a pod's log (the last tailLines, default none, then new lines): `logs.appended` pushes new text under the returned id until unfollowPodLogs or the container ends. */
  followPodLogs: op(Ctx.extend({ namespace: z.string().min(1), pod: z.string().min(1), container: z.string().optional(), tailLines: z.number().int().min(0).max(100_000).optional() }), z.object({ subscriptionId: z.string() })),
  unfollowPodLogs: op(z.object({ subscriptionId: z.string() }), Void),
  scaleWorkload: op(WorkloadRef.extend({ replicas: z.number().int().min(0).max(10_000) }), Void),
  rolloutRestart: op(WorkloadRef, Void),
  rolloutHistory: op(WorkloadRef, z.object({ revisions: z.array(RolloutRevisionSchema) })),
  rolloutUndo: op(WorkloadRef.extend({ revision: z.number().int().min(0).optional() }), z.object({ revision: z.number() })),
  deletePod: op(Ctx.extend({ namespace: z.string().min(1), name: z.string().min(1) }), Void),
  cordonNode: op(Ctx.extend({ node: z.string().min(1), unschedulable: z.boolean() }), Void),
  controlPlaneHealth: op(Ctx, ControlPlaneHealthSchema),
  /** etcd members and health, certificate expiry, component versions (slower: execs into the etcd pod and the node). */
  clusterHealthDetails: op(Ctx, ClusterHealthDetailsSchema),
  getNodeMeta: op(Ctx.extend({ node: z.string().min(1) }), NodeMetaSchema),
  /** labels: value sets, null removes; taints (when given) replace the node's list. */
  setNodeMeta: op(Ctx.extend({ node: z.string().min(1), labels: z.record(LabelKey, LabelValue.nullable()).optional(), taints: z.array(TaintSchema).optional() }), NodeMetaSchema),
  /** A terminal in a container (the API's exec stream, tty): output is pushed as `exec.output` under the returned id. */
  execOpen: op(Ctx.extend({ namespace: z.string().min(1), pod: z.string().min(1), container: z.string().optional(), command: z.array(z.string().min(1)).min(1).max(64).optional(), cols: z.number().int().min(1).max(1000).default(80), rows: z.number().int().min(1).max(1000).default(24) }), ExecSession.extend({ container: z.string() })),
  execInput: op(ExecSession.extend({ data: z.string().max(65_536) }), Void),
  execResize: op(ExecSession.extend({ cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) }), Void),
  execClose: op(ExecSession, Void),
  /** Cordon, then evict every pod (PDBs respected, DaemonSet and static pods ignored); pods without a controller only with force. */
  drainNode: op(Ctx.extend({ node: z.string().min(1), force: z.boolean().optional(), timeoutSeconds: z.number().int().min(1).max(3600).optional() }), z.object({ evicted: z.array(z.string()), ignored: z.array(z.object({ pod: z.string(), reason: z.string() })) }), { job: true }),
} as const;

export type Api = typeof api;
export type OpName = keyof Api;
export type OpInput<N extends OpName> = z.input<Api[N]['input']>;
export type OpParsedInput<N extends OpName> = z.output<Api[N]['input']>;
export type OpOutput<N extends OpName> = z.output<Api[N]['output']>;

export interface OpContext {
  progress: ProgressSink;
  signal?: AbortSignal;
  /** Identifies this call's ProgressEvents (opId). */
  opId: string;
}

/** What the core implements and every face calls. */
export type ApiHandlers = { [N in OpName]: (input: OpParsedInput<N>, ctx: OpContext) => Promise<OpOutput<N>> };

/** A long operation as the faces see it (tray badge, GUI progress view, notifications). */
export const JobInfoSchema = z.object({
  opId: z.string(),
  op: z.string(),
  /** Human title, e.g. "Create cluster dev". */
  title: z.string(),
  state: z.enum(['running', 'succeeded', 'failed']),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  error: z.object({ code: z.string(), message: z.string(), remedy: z.string().optional(), output: z.string().optional() }).optional(),
});
export type JobInfo = z.infer<typeof JobInfoSchema>;

/** Events pushed to the GUI and tray (past tense, like `cluster.created`). */
export const PushEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('job.changed'), job: JobInfoSchema }),
  z.object({ type: z.literal('clusters.changed') }),
  z.object({ type: z.literal('contexts.changed') }),
  z.object({ type: z.literal('forwards.changed') }),
  z.object({ type: z.literal('logs.appended'), subscriptionId: z.string(), text: z.string(), ended: z.boolean().optional(), error: z.string().optional() }),
  z.object({ type: z.literal('exec.output'), sessionId: z.string(), data: z.string(), ended: z.boolean().optional(), exitCode: z.number().optional(), error: z.string().optional() }),
  z.object({ type: z.literal('resources.changed'), subscriptionId: z.string(), rows: z.array(ResourceRowSchema).optional(), error: z.string().optional() }),
  z.object({ type: z.literal('progress'), event: z.any() }),
]);
export type PushEvent = z.infer<typeof PushEventSchema>;

export const opNames = Object.keys(api) as OpName[];
export function isOpName(x: string): x is OpName {
  return Object.prototype.hasOwnProperty.call(api, x);
}
