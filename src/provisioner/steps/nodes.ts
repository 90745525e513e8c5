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
    const network = await ensurePaddockNetwork(runtime);
    state.network = network;
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
      try {
        await Promise.all(specs.map(async (s) => runtime.startContainer(await runtime.createContainer(s))));
        return;
      } catch (e) {
        const msg = (e as Error).message;
        if (attempt < 3 && /address.*(in use|already)/i.test(msg)) {
          await Promise.all(specs.map((s) => runtime.removeContainer(s.name)));
          continue;
        }
        if (/port is already allocated|address already in use/i.test(msg)) {
          throw new PaddockError(ErrorCodes.PORT_IN_USE, `a host port of the cluster is already in use: ${msg}`, { remedy: 'choose other host ports, or stop what uses them' });
        }
        if (/Conflict.*container name/i.test(msg)) {
          throw new PaddockError(ErrorCodes.CLUSTER_EXISTS, `a container with a node's name already exists: ${msg}`, {
            remedy: 'remove that container, or choose another cluster name',
          });
        }
        throw e;
      }
    }
  },
};

async function waitFor(ctx: CreateContext, what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    ctx.signal?.throwIfAborted();
    if (await probe()) return;
    if (Date.now() > deadline) throw new PaddockError(ErrorCodes.TIMEOUT, `${what} did not happen within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const waitContainerdStep: Step = {
  id: 'containerd',
  title: 'Waiting for containerd in every node',
  async run(ctx) {
    await Promise.all(
      ctx.plan.nodes.map((n) =>
        waitFor(ctx, `containerd answering in ${n.name}`, 60_000, async () => {
          const info = await ctx.runtime.inspectContainer(n.name);
          if (info && !info.State.Running) {
            const logs = await ctx.runtime.docker.getContainer(n.name).logs({ stdout: true, stderr: true, tail: 40 }).catch(() => Buffer.from(''));
            throw new PaddockError(ErrorCodes.DOCKER_FAILED, `node ${n.name} exited (code ${info.State.ExitCode}) while starting`, { output: logs.toString() });
          }
          const r = await ctx.exec.run(n.name, ['test', '-S', '/run/containerd/containerd.sock'], { allowFailure: true });
          return r.exitCode === 0;
        }),
      ),
    );
  },
};

export const containerdPatchesStep: Step = {
  id: 'containerd-config',
  title: 'Applying containerd config patches',
  when: (ctx) => ctx.plan.containerdConfigPatches.length > 0 || ctx.plan.containerdConfigPatchesJSON6902.length > 0,
  async run(ctx) {
    await Promise.all(
      ctx.plan.nodes.map(async (n) => {
        const base = (await ctx.exec.run(n.name, ['cat', '/etc/containerd/config.toml'])).stdout;
        const patched = patchContainerdConfig(base, ctx.plan.containerdConfigPatches, ctx.plan.containerdConfigPatchesJSON6902);
        await ctx.exec.writeFile(n.name, '/etc/containerd/config.toml', patched);
        await ctx.exec.run(n.name, ['systemctl', 'restart', 'containerd']);
        await waitFor(ctx, `containerd answering in ${n.name} after its restart`, 60_000, async () => {
          const r = await ctx.exec.run(n.name, ['test', '-S', '/run/containerd/containerd.sock'], { allowFailure: true });
          return r.exitCode === 0;
        });
      }),
    );
  },
};
