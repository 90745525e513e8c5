/**
 * A create is an ordered list of steps sharing one context. Each step has an
 * id (its timings appear in progress events and bench/create), a title for
 * people, and run(); the orchestrator handles progress, cancellation and
 * rollback, so steps stay small.
 */
import type { Progress } from '../../shared/progress.js';
import type { ClusterPlan, NodePlan } from '../plan.js';
import type { DockerRuntime } from '../runtime/docker.js';
import type { PaddockNetwork } from '../network.js';
import type { NodeExec } from '../node-exec.js';

export interface CreateState {
  image?: string;
  kubernetesVersion?: string;
  network?: PaddockNetwork;
  ips: Map<string, string>;
  apiPort?: number;
  token: string;
  certificateKey: string;
  /** admin.conf as written by kubeadm (server = the node's endpoint). */
  adminKubeconfig?: string;
  /** admin kubeconfig pointing at the host's published port. */
  hostKubeconfig?: string;
  /** Each node container's create+start; the first node's has settled when the nodes step ends. */
  nodeStarts?: Map<string, Promise<void>>;
  /** Each node started with containerd answering (steps/nodes.ts nodeUp). */
  nodeUps?: Map<string, Promise<void>>;
  /** Each joining node's files written and containerd answering (steps/kubeadm.ts prepareJoins). */
  joinPrep?: Map<string, Promise<void>>;
  /** The workers' kubelets started (steps/kubeadm.ts startWorkers). */
  workerJoins?: Promise<void>;
  /** The joins of the other nodes, started as soon as kubeadm init made them possible. */
  joins?: Promise<void>;
  /** Pod network, storage and CoreDNS manifests, read while kubeadm init runs. */
  addonManifests?: Promise<string>;
  /** Their apply, started as soon as kubeadm init made the API usable. */
  addons?: Promise<void>;
  /** admin.conf of the first node, read once. */
  adminConfRead?: Promise<string>;
  /** Stops the early binding of DaemonSet pods (early-bind.ts). */
  earlyBind?: AbortController;
}

export interface CreateContext {
  plan: ClusterPlan;
  runtime: DockerRuntime;
  progress: Progress;
  signal?: AbortSignal;
  state: CreateState;
  exec: NodeExec;
  /** Where the full log of this create goes (shown on failure). */
  logFile: string;
  bootstrapNode(): NodePlan;
}

export interface Step {
  id: string;
  title: string | ((ctx: CreateContext) => string);
  /** Steps that do not apply to this plan are left out, not run empty. */
  when?: (ctx: CreateContext) => boolean;
  run(ctx: CreateContext): Promise<void>;
}
