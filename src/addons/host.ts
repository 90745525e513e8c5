/**
 * What an addon runs on the host's Docker engine: proxy containers that
 * publish 127.0.0.1 ports after the cluster was created (container port
 * mappings cannot change), and controllers such as the LoadBalancer one.
 * They carry io.paddock.addon-of=<cluster> (not io.paddock.cluster, which
 * would make them look like nodes) and `paddock delete` removes them.
 */
import { createHash } from 'node:crypto';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { Labels, NETWORK_NAME } from '../shared/labels.js';
import type { DockerRuntime } from '../provisioner/runtime/docker.js';
import { getCluster } from '../provisioner/cluster-state.js';
import type { HostContainer, HostProxy } from './catalog.js';

export const AddonLabels = {
  addonOf: Labels.addonOf,
  addon: 'io.paddock.addon',
  part: 'io.paddock.addon-part',
  spec: 'io.paddock.addon-spec',
  /** The params an addon was enabled with (JSON), so disable can undo what depended on them. */
  params: 'io.paddock.addon-params',
} as const;

export const hostContainerName = (cluster: string, addon: string, part: string) => `paddock-${cluster}-addon-${addon}-${part}`;

const specHash = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);

interface Desired {
  name: string;
  image: string;
  env: string[];
  args?: string[];
  volumes?: string[];
  ports: { containerPort: number; hostPort: number }[];
  binds: string[];
  labels: Record<string, string>;
}

/** Every host container of an addon (its proxies, controllers and what they made), or of all addons. */
export async function addonContainers(runtime: DockerRuntime, cluster: string, addon?: string) {
  const filters = [`${AddonLabels.addonOf}=${cluster}`, addon ? `${AddonLabels.addon}=${addon}` : AddonLabels.addon];
  return runtime.listContainers(filters);
}

async function ensureContainer(runtime: DockerRuntime, d: Desired, what: string): Promise<void> {
  const hash = specHash({ image: d.image, env: d.env, args: d.args, ports: d.ports, binds: d.binds, volumes: d.volumes });
  const existing = (await runtime.listContainers([`${AddonLabels.part}=${d.labels[AddonLabels.part]}`, `${AddonLabels.addonOf}=${d.labels[AddonLabels.addonOf]}`])).find((c) => c.name === d.name);
  if (existing && existing.labels[AddonLabels.spec] === hash && existing.state === 'running') return;
  if (existing) await runtime.removeContainer(existing.id);
  await runtime.removeContainer(d.name); // a same-named leftover without labels
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of d.ports) {
    exposed[`${p.containerPort}/tcp`] = {};
    bindings[`${p.containerPort}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: p.hostPort ? String(p.hostPort) : '' }];
  }
  const container = await runtime.docker.createContainer({
    name: d.name,
    Image: d.image,
    Env: d.env,
    ...(d.args?.length ? { Cmd: d.args } : {}),
    ...(d.volumes?.length ? { Volumes: Object.fromEntries(d.volumes.map((v) => [v, {}])) } : {}),
    Labels: { ...d.labels, [AddonLabels.spec]: hash },
    ExposedPorts: exposed,
    HostConfig: { PortBindings: bindings, NetworkMode: NETWORK_NAME, Binds: d.binds, RestartPolicy: { Name: 'unless-stopped' } },
  });
  try {
    await container.start();
  } catch (e) {
    await runtime.removeContainer(container.id);
    const msg = (e as Error).message;
    if (/port is already allocated|address already in use/i.test(msg)) {
      const ports = d.ports.map((p) => p.hostPort).filter(Boolean);
      throw new PaddockError(ErrorCodes.PORT_IN_USE, `${what}: a host port (${ports.join(', ')}) is already in use on 127.0.0.1`, {
        remedy: 'choose other ports with --set (0 picks a free one), or stop what listens there',
        cause: e,
      });
    }
    throw new PaddockError(ErrorCodes.DOCKER_FAILED, `${what}: starting ${d.name} failed: ${msg}`, { cause: e });
  }
}

/** Proxies from 127.0.0.1 ports to a NodePort on every node, through the paddock-lb image. */
export async function ensureProxy(runtime: DockerRuntime, cluster: string, addon: string, proxy: HostProxy, params: Record<string, string | number>, lbImage: string): Promise<void> {
  const nodes = (await getCluster(runtime, cluster)).nodes.filter((n) => n.role !== 'load-balancer' && n.ip);
  const config = {
    listeners: proxy.ports.map((p) => ({ listen: `:${p.containerPort}`, backends: nodes.map((n) => `${n.ip}:${p.nodePort}`) })),
  };
  await ensureContainer(
    runtime,
    {
      name: hostContainerName(cluster, addon, proxy.name),
      image: lbImage,
      env: [`PADDOCK_LB_CONFIG=${JSON.stringify(config)}`],
      ports: proxy.ports.map((p) => ({ containerPort: p.containerPort, hostPort: Number(params[p.hostPortParam] ?? 0) })),
      binds: [],
      labels: { [AddonLabels.addonOf]: cluster, [AddonLabels.addon]: addon, [AddonLabels.part]: `${addon}-${proxy.name}` },
    },
    `addon ${addon}`,
  );
}

export async function ensureHostContainer(
  runtime: DockerRuntime,
  cluster: string,
  addon: string,
  hc: HostContainer,
  image: string,
  env: Record<string, string>,
  args: string[],
  params: Record<string, string | number>,
): Promise<void> {
  await ensureContainer(
    runtime,
    {
      name: hostContainerName(cluster, addon, hc.name),
      image,
      env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      args,
      volumes: hc.volumes,
      ports: hc.ports.map((p) => ({ containerPort: p.containerPort, hostPort: Number(params[p.hostPortParam] ?? 0) })),
      binds: hc.dockerSocket ? ['/var/run/docker.sock:/var/run/docker.sock'] : [],
      labels: { [AddonLabels.addonOf]: cluster, [AddonLabels.addon]: addon, [AddonLabels.part]: `${addon}-${hc.name}`, [AddonLabels.params]: JSON.stringify(params) },
    },
    `addon ${addon}`,
  );
}

/** Published 127.0.0.1 ports of an addon's proxies and host containers: { name: { port name: host port } }. */
export async function proxyHostPorts(
  runtime: DockerRuntime,
  cluster: string,
  addon: string,
  proxies: { name: string; ports: { name: string; containerPort: number }[] }[],
): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const proxy of proxies) {
    const info = await runtime.docker
      .getContainer(hostContainerName(cluster, addon, proxy.name))
      .inspect()
      .catch(() => undefined);
    if (!info) continue;
    const ports: Record<string, number> = {};
    for (const p of proxy.ports) {
      const b = info.NetworkSettings.Ports?.[`${p.containerPort}/tcp`]?.[0];
      if (b?.HostPort) ports[p.name] = Number(b.HostPort);
    }
    out[proxy.name] = ports;
  }
  return out;
}

/** The params an addon's host containers were started with, if any. */
export async function enabledParams(runtime: DockerRuntime, cluster: string, addon: string): Promise<Record<string, string | number> | undefined> {
  const c = (await addonContainers(runtime, cluster, addon)).find((x) => x.labels[AddonLabels.params]);
  return c ? (JSON.parse(c.labels[AddonLabels.params]!) as Record<string, string | number>) : undefined;
}

/** Removes the controllers first (so they make nothing new), then everything else of the addon. */
export async function removeAddonContainers(runtime: DockerRuntime, cluster: string, addon: string, controllers: string[]): Promise<number> {
  for (const name of controllers) await runtime.removeContainer(hostContainerName(cluster, addon, name));
  const rest = await addonContainers(runtime, cluster, addon);
  await Promise.all(rest.map((c) => runtime.removeContainer(c.id)));
  return rest.length + controllers.length;
}
