import fs from 'node:fs';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { ensureLbImage } from '../lb-image.js';
import { ensurePaddockNetwork, pickAddresses, usedAddresses } from '../network.js';
import { loadBalancerSpec, nodeContainerSpec } from '../node-spec.js';
import { freePort } from '../ports.js';
import type { CreateContext, Step } from './types.js';
import { patchContainerdConfig } from '../containerd-patches.js';

const mountModules = process.platform !== 'linux' || fs.existsSync('/lib/modules');

export const createNodesStep: Step = {
  id: 'nodes',
  title: (ctx) => `Starting ${ctx.plan.nodes.length} node container${ctx.plan.nodes.length === 1 ? '' : 's'}${ctx.plan.loadBalancer ? ' and a load balancer' : ''}`,
  async run(ctx) {
    const { plan, runtime, state } = ctx;
    const lbImage = plan.loadBalancer ? await ensureLbImage(runtime, ctx.progress) : undefined;
    let network = await ensurePaddockNetwork(runtime);
    state.network = network;
    ctx.exec.note(`network ${network.name} ready`);
    const wanted = plan.nodes.length + (plan.loadBalancer ? 1 : 0);
    // Fixed ports: Docker re-picks port 0 mappings on every restart, which would break the kubeconfig.
    state.apiPort = plan.networking.apiServerPort || (await freePort(plan.networking.apiServerAddress === '0.0.0.0' ? '127.0.0.1' : plan.networking.apiServerAddress));
    const version = state.kubernetesVersion!;
    // Another create may take the same address at the same moment: retry with fresh ones.
    for (let attempt = 0; ; attempt++) {
      const ips = pickAddresses(network.subnet, await usedAddresses(runtime, network.name), wanted);
      const specs = plan.nodes.map((node, i) => {
        state.ips.set(node.name, ips[i]!);
        const publishesApi = !plan.loadBalancer && node === ctx.bootstrapNode();
        return nodeContainerSpec({ plan, node, ip: ips[i]!, network: network.name, kubernetesVersion: version, apiPort: publishesApi ? state.apiPort : undefined, mountModules });
      });
      if (plan.loadBalancer) {
        const ip = ips[plan.nodes.length]!;
        state.ips.set(plan.loadBalancer.name, ip);
        specs.push(loadBalancerSpec(plan, lbImage!, ip, network.name, state.apiPort, version));
      }
      // kubeadm init starts once the first node (and the load balancer) run;
      // the other nodes are made after them, while init runs (made at the same
      // time, they slowed the first one by ~1 s), and awaited by their join.
      const firstIndexes = [0, ...(plan.loadBalancer ? [plan.nodes.length] : [])];
      const startOne = async (i: number) => {
        const id = await runtime.createContainer(specs[i]!);
        ctx.exec.note(`${specs[i]!.name} created`);
        await runtime.startContainer(id);
        ctx.exec.note(`${specs[i]!.name} started`);
      };
      const first = firstIndexes.map(startOne);
      const firstUp = Promise.all(first);
      firstUp.catch(() => {}); // awaited below
      const starts = specs.map((_, i) => (firstIndexes.includes(i) ? first[firstIndexes.indexOf(i)]! : firstUp.then(() => startOne(i))));
      for (const p of starts) p.catch(() => {}); // each is awaited below, by its join or by the rollback
      try {
        await Promise.all(first);
        state.nodeStarts = new Map(plan.nodes.map((n, i) => [n.name, starts[i]!.catch((e) => Promise.reject(startFailure(e)))]));
        for (const p of state.nodeStarts.values()) p.catch(() => {});
        return;
      } catch (e) {
        await Promise.allSettled(starts);
        // Another create took an address at the same moment, or the delete of
        // the network's last other cluster removed it in between: again.
        const raced = /address.*(in use|already)/i.test((e as Error).message) || /network \S+ not found/i.test((e as Error).message);
        if (attempt < 3 && raced) {
          await Promise.all(specs.map((s) => runtime.removeContainer(s.name)));
          state.network = network = await ensurePaddockNetwork(runtime);
          continue;
        }
        throw startFailure(e);
      }
    }
  },
};

function startFailure(e: unknown): unknown {
  const msg = (e as Error).message;
  if (/port is already allocated|address already in use/i.test(msg)) {
    return new PaddockError(ErrorCodes.PORT_IN_USE, `a host port of the cluster is already in use: ${msg}`, { remedy: 'choose other host ports, or stop what uses them' });
  }
  if (/Conflict.*container name/i.test(msg)) {
    return new PaddockError(ErrorCodes.CLUSTER_EXISTS, `a container with a node's name already exists: ${msg}`, {
      remedy: 'remove that container, or choose another cluster name',
    });
  }
  return e;
}

const CONTAINERD_SOCKET = '/run/containerd/containerd.sock';
/** How a node's shell says its containerd did not answer within 60 s. */
export const CONTAINERD_TIMEOUT_EXIT = 97;

/**
 * Waits, in the node, for its containerd: a shell line to run before what
 * needs it, in the same exec (an exec per poll would cost the engine a runc
 * exec each time, on every node).
 */
export const AWAIT_CONTAINERD = `timeout 60 sh -c 'until test -S ${CONTAINERD_SOCKET}; do sleep 0.05; done' || exit ${CONTAINERD_TIMEOUT_EXIT}`;

/** Why a node's containerd did not answer: the node exited (with its last log lines), or a timeout. */
export async function containerdFailure(ctx: CreateContext, node: string, what: string, output: string): Promise<PaddockError> {
  const info = await ctx.runtime.inspectContainer(node);
  if (info && !info.State.Running) {
    const logs = await ctx.runtime.docker.getContainer(node).logs({ stdout: true, stderr: true, tail: 40 }).catch(() => Buffer.from(''));
    return new PaddockError(ErrorCodes.DOCKER_FAILED, `node ${node} exited (code ${info.State.ExitCode}) while starting`, { output: logs.toString() });
  }
  return new PaddockError(ErrorCodes.TIMEOUT, `${what} did not happen within 60 s`, { output });
}

async function waitContainerd(ctx: CreateContext, node: string, what: string): Promise<void> {
  const r = await ctx.exec.run(node, ['sh', '-c', AWAIT_CONTAINERD], { allowFailure: true }).catch((e: unknown) => ({ exitCode: -1, stdout: '', stderr: (e as Error).message }));
  if (r.exitCode !== 0) throw await containerdFailure(ctx, node, what, r.stderr);
}

/** A node's container started and its containerd answering (once per node). */
export function nodeUp(ctx: CreateContext, node: string): Promise<void> {
  const ups = (ctx.state.nodeUps ??= new Map());
  let up = ups.get(node);
  if (!up) {
    up = (async () => {
      await ctx.state.nodeStarts?.get(node);
      await waitContainerd(ctx, node, `containerd answering in ${node}`);
    })();
    up.catch(() => {}); // awaited by whoever needs the node
    ups.set(node, up);
  }
  return up;
}

export const containerdPatchesStep: Step = {
  id: 'containerd-config',
  title: 'Applying containerd config patches',
  when: (ctx) => ctx.plan.containerdConfigPatches.length > 0 || ctx.plan.containerdConfigPatchesJSON6902.length > 0,
  async run(ctx) {
    await Promise.all(
      ctx.plan.nodes.map(async (n) => {
        await nodeUp(ctx, n.name);
        const base = (await ctx.exec.run(n.name, ['cat', '/etc/containerd/config.toml'])).stdout;
        const patched = patchContainerdConfig(base, ctx.plan.containerdConfigPatches, ctx.plan.containerdConfigPatchesJSON6902);
        await ctx.exec.writeFile(n.name, '/etc/containerd/config.toml', patched);
        await ctx.exec.run(n.name, ['systemctl', 'restart', 'containerd']);
        await waitContainerd(ctx, n.name, `containerd answering in ${n.name} after its restart`);
      }),
    );
  },
};
