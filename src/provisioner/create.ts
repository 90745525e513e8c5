/**
 * `paddock create`: validate → plan → run ordered steps → on any failure or
 * Ctrl-C, remove everything made (unless --retain). Reads like a script, as
 * kind's create does; each step lives in steps/.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterSummary, CreateClusterInput, OpContext } from '../shared/api.js';
import { ErrorCodes, PaddockError, toPaddockError } from '../shared/errors.js';
import { Progress } from '../shared/progress.js';
import { logsDir } from '../shared/paths.js';
import { Labels } from '../shared/labels.js';
import { planCluster, type ClusterPlan } from './plan.js';
import { pullAllowedByEnv } from './node-image/pins.js';
import { assertPortsFree } from './ports.js';
import { NodeExec } from './node-exec.js';
import { CREATED_MARKER, getCluster } from './cluster-state.js';
import { withClusterLock } from './cluster-lock.js';
import { removeClusterResources } from './delete.js';
import type { DockerRuntime } from './runtime/docker.js';
import { adminCredentials, hostServer, type AdminCredentials } from './admin-kubeconfig.js';
import { containerdPatchesStep, createNodesStep } from './steps/nodes.js';
import { addonsStep } from './steps/addons.js';
import { joinStep } from './steps/join.js';
import { kubeadmInitStep } from './steps/kubeadm.js';
import { waitReadyStep } from './steps/ready.js';
import type { CreateContext, Step } from './steps/types.js';

export interface FoundNodeImage {
  name: string;
  kubernetesVersion: string;
}

export interface NodeImageSource {
  /** The local image for a version (default version when undefined). */
  find(kubernetesVersion?: string): Promise<FoundNodeImage | undefined>;
  /** The pinned upstream reference a pull would fetch for a version, if any. */
  pinned?(kubernetesVersion?: string): { ref: string; kubernetesVersion: string } | undefined;
  /**
   * Pulls the pinned image for a version, reporting on stepId. Fails with
   * IMAGE_MISSING when the registry cannot be reached, refuses, or serves
   * another digest.
   */
  pull?(kubernetesVersion: string | undefined, progress: Progress, stepId: string, signal?: AbortSignal): Promise<FoundNodeImage>;
  /** Pulls an image the user named (--image, a node's image in a config); IMAGE_MISSING when it cannot. */
  pullRef?(ref: string, progress: Progress, stepId: string, signal?: AbortSignal): Promise<void>;
  /** Builds it from source (long: minutes). */
  build(kubernetesVersion: string | undefined, progress: Progress, signal?: AbortSignal): Promise<FoundNodeImage>;
  defaultVersion: string;
}

/**
 * The node image for a version: local, else the pinned image pulled (unless
 * pull is off), else built from source. The pull and the build are steps of
 * their own, so a failed pull shows as one ✗ line with its reason and the
 * build's title says why it runs and how long it takes. Ctrl-C during the
 * pull stops here.
 */
export async function resolveNodeImage(
  source: NodeImageSource,
  opts: { kubernetesVersion?: string; pull: boolean },
  progress: Progress,
  signal?: AbortSignal,
  stepId = 'image',
): Promise<FoundNodeImage & { how: 'local' | 'pulled' | 'built' }> {
  const found = await source.find(opts.kubernetesVersion);
  if (found) return { ...found, how: 'local' };
  const version = opts.kubernetesVersion ?? source.defaultVersion;
  let why = 'pulling is off';
  if (opts.pull) {
    const pin = source.pull ? source.pinned?.(opts.kubernetesVersion) : undefined;
    why = `no pinned image for ${version} to pull`;
    if (pin) {
      try {
        const pulled = await progress.step(`${stepId}-pull`, `Pulling ${pin.ref} (Kubernetes ${pin.kubernetesVersion})`, () =>
          source.pull!(opts.kubernetesVersion, progress, `${stepId}-pull`, signal),
        );
        return { ...pulled, how: 'pulled' };
      } catch (e) {
        if (signal?.aborted) throw signal.reason ?? e;
        const err = toPaddockError(e);
        if (err.code !== ErrorCodes.IMAGE_MISSING) throw err;
        why = 'the pull failed';
        progress.log(`pulling the node image failed, building it instead: ${err.message.split('\n')[0]}`, stepId);
      }
    }
  }
  const built = await progress.step(
    `${stepId}-build`,
    `Building the node image for Kubernetes ${version} from source (${why}; about 15-25 minutes the first time, cached afterwards)`,
    () => source.build(opts.kubernetesVersion, progress, signal),
  );
  return { ...built, how: 'built' };
}

export interface KubeconfigWriter {
  upsert(cluster: string, creds: AdminCredentials): Promise<void>;
  remove(cluster: string): Promise<void>;
}

export interface CreateDeps {
  runtime: DockerRuntime;
  nodeImages: NodeImageSource;
  kubeconfig: KubeconfigWriter;
}

const steps: Step[] = [createNodesStep, containerdPatchesStep, kubeadmInitStep, addonsStep, joinStep, waitReadyStep];

export async function createCluster(deps: CreateDeps, input: CreateClusterInput & { name: string }, op: OpContext): Promise<ClusterSummary> {
  const plan = planCluster(input);
  const pull = !input.noPull && pullAllowedByEnv();
  await deps.runtime.ping();
  return withClusterLock(plan.name, 'create', () => createLocked(deps, plan, op, pull));
}

async function createLocked(deps: CreateDeps, plan: ClusterPlan, op: OpContext, pull: boolean): Promise<ClusterSummary> {
  const progress = new Progress(op.opId, op.progress);
  const { runtime } = deps;

  const existing = await runtime.listContainers([`${Labels.cluster}=${plan.name}`]);
  if (existing.length > 0) {
    throw new PaddockError(ErrorCodes.CLUSTER_EXISTS, `a cluster named "${plan.name}" already exists`, {
      remedy: `delete it first with \`paddock delete ${plan.name}\`, or choose another --name`,
    });
  }
  await assertPortsFree([
    ...(plan.networking.apiServerPort ? [{ host: plan.networking.apiServerAddress, port: plan.networking.apiServerPort, what: 'API server' }] : []),
    ...plan.nodes.flatMap((n) =>
      n.extraPortMappings.filter((p) => p.protocol === 'TCP').map((p) => ({ host: p.listenAddress, port: p.hostPort, what: `${n.name} containerPort ${p.containerPort}` })),
    ),
  ]);

  fs.mkdirSync(logsDir(), { recursive: true });
  const logFile = path.join(logsDir(), `create-${plan.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const ctx: CreateContext = {
    plan,
    runtime,
    progress,
    signal: op.signal,
    logFile,
    exec: new NodeExec(runtime, progress, logFile),
    state: { ips: new Map(), token: bootstrapToken(), certificateKey: randomBytes(32).toString('hex') },
    bootstrapNode: () => plan.nodes[0]!,
  };

  await progress.step('image', 'Finding the node image', () => resolveImage(deps, plan, ctx, pull));

  // The kubeconfig entry is written while the cluster gets ready: its write
  // and the re-check that guards it from kubectl (~1 s) then cost nothing.
  let kubeconfigWrite: Promise<void> | undefined;
  const startKubeconfigWrite = () => {
    if (kubeconfigWrite || !ctx.state.adminKubeconfig) return;
    const creds = adminCredentials(ctx.state.adminKubeconfig, hostServer(plan.networking.apiServerAddress, ctx.state.apiPort!));
    kubeconfigWrite = deps.kubeconfig.upsert(plan.name, creds);
    kubeconfigWrite.catch(() => {}); // awaited below; never unhandled meanwhile
  };
  // The step still running when Ctrl-C came: rollback waits for it to settle.
  let inFlight: Promise<unknown> = Promise.resolve();
  try {
    for (const step of steps) {
      if (step.when && !step.when(ctx)) continue;
      op.signal?.throwIfAborted();
      const title = typeof step.title === 'function' ? step.title(ctx) : step.title;
      await progress.step(step.id, title, () => {
        const running = step.run(ctx);
        inFlight = running.catch(() => {});
        return abortable(running, op.signal);
      });
      startKubeconfigWrite();
    }
    ctx.state.earlyBind?.abort();
    await progress.step('kubeconfig', `Adding context "${plan.context}" to your kubeconfig`, async () => {
      startKubeconfigWrite();
      await kubeconfigWrite;
    });
    // Last: the mark that this create ran to its end (see cluster-state).
    await ctx.exec.run(ctx.bootstrapNode().name, ['sh', '-c', `mkdir -p "$(dirname ${CREATED_MARKER})" && date -u +%FT%TZ > ${CREATED_MARKER}`]);
  } catch (e) {
    ctx.state.earlyBind?.abort();
    const err = op.signal?.aborted ? toPaddockError(op.signal.reason ?? e) : toPaddockError(e);
    if (plan.retain) {
      progress.log(`--retain: keeping the nodes of "${plan.name}" to debug; remove them with \`paddock delete ${plan.name}\``);
    } else {
      await progress.step('rollback', 'Removing what the failed create made', async () => {
        // Removing the nodes ends any exec still running in them; a step that
        // was creating containers may add one more, so sweep again once it settled.
        await removeClusterResources(runtime, plan.name);
        const starting = [...(ctx.state.nodeStarts?.values() ?? [])];
        await Promise.race([Promise.allSettled([inFlight, ...starting]), new Promise((r) => setTimeout(r, 30_000).unref())]);
        await removeClusterResources(runtime, plan.name);
        if (kubeconfigWrite) {
          await kubeconfigWrite.catch(() => {});
          await deps.kubeconfig.remove(plan.name).catch(() => {});
        }
      });
    }
    throw err;
  }
  return getCluster(runtime, plan.name);
}

/** Rejects as soon as the signal fires, so Ctrl-C does not wait for a long exec. */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new PaddockError(ErrorCodes.CANCELLED, 'cancelled'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function bootstrapToken(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const pick = (n: number) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
  return `${pick(6)}.${pick(16)}`;
}

async function resolveImage(deps: CreateDeps, plan: ClusterPlan, ctx: CreateContext, pull: boolean): Promise<void> {
  const { runtime } = deps;
  const explicit = plan.image;
  // A named image that is not here is pulled before giving up (unless pull is off).
  const ensureNamed = async (ref: string, forWhat: string) => {
    if (await runtime.imageExists(ref)) return;
    let why = 'pulling is off (--no-pull or PADDOCK_NODE_IMAGE_PULL=never)';
    if (pull && deps.nodeImages.pullRef) {
      try {
        await ctx.progress.step('image-pull', `Pulling ${ref}`, () => deps.nodeImages.pullRef!(ref, ctx.progress, 'image-pull', ctx.signal));
        return;
      } catch (e) {
        if (ctx.signal?.aborted) throw ctx.signal.reason ?? e;
        const err = toPaddockError(e);
        if (err.code !== ErrorCodes.IMAGE_MISSING) throw err;
        why = err.message;
      }
    }
    throw new PaddockError(ErrorCodes.IMAGE_MISSING, `node image ${ref}${forWhat} is not on this Docker engine, and ${why}`, {
      remedy: 'build one with `paddock node-image build`, pull it with `docker pull`, or leave out --image to use the default',
    });
  };
  if (explicit) {
    await ensureNamed(explicit, '');
    ctx.state.image = explicit;
    ctx.state.kubernetesVersion = plan.kubernetesVersion ?? (await versionOfImage(runtime, explicit));
  } else {
    const found = await resolveNodeImage(deps.nodeImages, { kubernetesVersion: plan.kubernetesVersion, pull }, ctx.progress, ctx.signal);
    ctx.state.image = found.name;
    ctx.state.kubernetesVersion = found.kubernetesVersion;
  }
  for (const n of plan.nodes) if (!n.image) n.image = ctx.state.image;
  for (const n of plan.nodes) {
    if (n.image !== ctx.state.image) await ensureNamed(n.image, ` (for ${n.name})`);
  }
}

/** kind's image contract: the version is in /kind/version, and in our images' labels. */
async function versionOfImage(runtime: DockerRuntime, image: string): Promise<string> {
  const info = await runtime.inspectImage(image);
  const label = info?.Config?.Labels?.[Labels.version] ?? info?.Config?.Labels?.['io.paddock.kubernetes-version'];
  if (label) return label;
  const m = /:(v\d+\.\d+\.\d+)/.exec(image);
  if (m) return m[1]!;
  throw new PaddockError(ErrorCodes.IMAGE_MISSING, `cannot tell the Kubernetes version of ${image}`, { remedy: 'pass --kubernetes vX.Y.Z as well' });
}
