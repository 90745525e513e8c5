/**
 * The Docker provider, over dockerode. engine.ts picks the engine by Docker's
 * own rules (--docker-context, DOCKER_HOST, docker contexts, the default
 * socket), so Docker Desktop, rootless Docker and remote engines work without
 * Paddock-specific settings.
 */
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import type { ContainerInfo, ContainerSpec, EngineInfo, ExecResult } from './types.js';
import { dockerError as toDockerError, isNotFound } from './docker-errors.js';
import { dockerodeOptions, resolveEngine, type Engine } from './engine.js';

export interface ExecOptions {
  stdin?: string | Buffer | NodeJS.ReadableStream;
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  /** Called with each chunk of output as it arrives (for log tails). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  privileged?: boolean;
}

/** The engine's answer when a forced removal could not kill the container (frozen tasks). */
const FROZEN_KILL = /did not receive an exit event/i;

export class DockerRuntime {
  readonly docker: Docker;
  readonly engine: Engine;

  constructor(engine: Engine = resolveEngine(), docker?: Docker) {
    this.engine = engine;
    this.docker = docker ?? new Docker(dockerodeOptions(engine));
  }

  /** Errors name this engine and how it was chosen. */
  private fail(e: unknown, doing: string) {
    return toDockerError(e, doing, this.engine);
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (e) {
      throw this.fail(e, 'connecting');
    }
  }

  async info(): Promise<EngineInfo> {
    try {
      const [info, version] = await Promise.all([this.docker.info(), this.docker.version()]);
      const secOpts: string[] = info.SecurityOptions ?? [];
      return {
        serverVersion: version.Version,
        apiVersion: version.ApiVersion,
        os: info.OperatingSystem,
        kernel: info.KernelVersion,
        cgroupVersion: info.CgroupVersion === '2' ? '2' : info.CgroupVersion === '1' ? '1' : 'unknown',
        cgroupDriver: info.CgroupDriver,
        memTotalBytes: info.MemTotal,
        cpus: info.NCPU,
        rootless: secOpts.some((s) => s.includes('rootless')),
        dockerRootDir: info.DockerRootDir,
        securityOptions: secOpts,
      };
    } catch (e) {
      throw this.fail(e, 'reading engine info');
    }
  }

  // ---------- networks ----------

  /** ipRange: the part of the subnet Docker may hand out to containers that ask for no fixed address. */
  async ensureNetwork(name: string, labels: Record<string, string>, subnet?: string, ipRange?: string, gateway?: string): Promise<{ id: string; created: boolean }> {
    try {
      const existing = await this.docker.listNetworks({ filters: { name: [name] } });
      const exact = existing.find((n) => n.Name === name);
      if (exact) return { id: exact.Id, created: false };
      const net = await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: labels,
        Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'true' },
        ...(subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: subnet, ...(ipRange ? { IPRange: ipRange } : {}), ...(gateway ? { Gateway: gateway } : {}) }] } } : {}),
      });
      return { id: net.id, created: true };
    } catch (e) {
      // Another process created it between our list and create.
      if ((e as { statusCode?: number }).statusCode === 409) {
        const again = await this.docker.listNetworks({ filters: { name: [name] } });
        const exact = again.find((n) => n.Name === name);
        if (exact) return { id: exact.Id, created: false };
      }
      throw this.fail(e, `creating network ${name}`);
    }
  }

  async inspectNetwork(name: string): Promise<Docker.NetworkInspectInfo | undefined> {
    try {
      return await this.docker.getNetwork(name).inspect();
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.fail(e, `inspecting network ${name}`);
    }
  }

  /** Removes the network only when no container is attached (other clusters share it). */
  async removeNetworkIfUnused(name: string): Promise<boolean> {
    const info = await this.inspectNetwork(name);
    if (!info) return false;
    if (info.Containers && Object.keys(info.Containers).length > 0) return false;
    // Stopped containers are not in that list, yet cannot start without the network.
    const stopped = await this.docker.listContainers({ all: true, filters: { network: [name] } }).catch((e) => {
      throw this.fail(e, `listing the containers of network ${name}`);
    });
    if (stopped.length > 0) return false;
    try {
      await this.docker.getNetwork(name).remove();
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      // 403/409 "has active endpoints": someone attached meanwhile; leave it.
      const code = (e as { statusCode?: number }).statusCode;
      if (code === 403 || code === 409) return false;
      throw this.fail(e, `removing network ${name}`);
    }
  }

  async listNetworks(labelFilter: string[]): Promise<Docker.NetworkInspectInfo[]> {
    try {
      return await this.docker.listNetworks({ filters: { label: labelFilter } });
    } catch (e) {
      throw this.fail(e, 'listing networks');
    }
  }

  // ---------- containers ----------

  async createContainer(spec: ContainerSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of spec.ports ?? []) {
      const key = `${p.containerPort}/${p.protocol}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort === 0 ? '' : String(p.hostPort) });
    }
    const volumes: Record<string, object> = {};
    for (const v of spec.volumes ?? []) volumes[v] = {};
    const binds = (spec.mounts ?? []).map((m) => {
      const opts = [m.readOnly ? 'ro' : 'rw', ...(m.propagation ? [m.propagation] : [])];
      return `${m.hostPath}:${m.containerPath}:${opts.join(',')}`;
    });
    const securityOpt = [...(spec.securityOpt ?? [])];
    const tmpfs = { ...(spec.tmpfs ?? {}) };
    const hostConfig: Docker.HostConfig & { CgroupnsMode?: string } = {
      Privileged: spec.privileged ?? false,
      PortBindings: bindings,
      Binds: binds,
      Tmpfs: tmpfs,
      SecurityOpt: securityOpt,
      RestartPolicy: { Name: spec.restartPolicy ?? 'no' },
      NetworkMode: spec.network,
      Init: false,
    };
    if (spec.node) {
      // kind-style node: systemd inside needs its own cgroup namespace, a
      // writable /run and /tmp, and no seccomp/apparmor filtering of the
      // nested container runtime.
      hostConfig.CgroupnsMode = 'private';
      hostConfig.Tmpfs = { '/run': 'rw', '/tmp': 'rw', ...tmpfs };
      hostConfig.SecurityOpt = ['seccomp=unconfined', 'apparmor=unconfined', ...securityOpt];
      hostConfig.Privileged = true;
    }
    const networkingConfig = spec.network
      ? {
          EndpointsConfig: {
            [spec.network]: {
              ...(spec.ipv4Address ? { IPAMConfig: { IPv4Address: spec.ipv4Address } } : {}),
              ...(spec.networkAliases ? { Aliases: spec.networkAliases } : {}),
            },
          },
        }
      : undefined;
    try {
      const c = await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Hostname: spec.hostname,
        Labels: spec.labels,
        Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        Cmd: spec.cmd,
        Entrypoint: spec.entrypoint,
        ExposedPorts: exposed,
        Volumes: volumes,
        StopSignal: spec.stopSignal,
        Tty: spec.node ? true : false,
        HostConfig: hostConfig,
        NetworkingConfig: networkingConfig,
      });
      return c.id;
    } catch (e) {
      throw this.fail(e, `creating container ${spec.name}`);
    }
  }

  async startContainer(idOrName: string): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).start();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 304) return; // already started
      throw this.fail(e, `starting container ${idOrName}`);
    }
  }

  async stopContainer(idOrName: string, timeoutSeconds = 10): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).stop({ t: timeoutSeconds });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code === 304 || isNotFound(e)) return;
      throw this.fail(e, `stopping container ${idOrName}`);
    }
  }

  async pauseContainer(idOrName: string): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).pause();
    } catch (e) {
      throw this.fail(e, `pausing container ${idOrName}`);
    }
  }

  async unpauseContainer(idOrName: string): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).unpause();
    } catch (e) {
      throw this.fail(e, `unpausing container ${idOrName}`);
    }
  }

  /** Force-removes a container and its anonymous volumes; a missing one is fine. */
  async removeContainer(idOrName: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.docker.getContainer(idOrName).remove({ force: true, v: true });
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        // 409: removal already in progress.
        if ((e as { statusCode?: number }).statusCode === 409 && !FROZEN_KILL.test(String((e as Error).message))) return;
        if (attempt === 0 && FROZEN_KILL.test(String((e as Error).message)) && (await this.thawContainer(idOrName))) continue;
        throw this.fail(e, `removing container ${idOrName}`);
      }
    }
  }

  /**
   * A node killed while its own runc had a container's cgroup frozen (a
   * create killed during kubeadm init) keeps frozen tasks: SIGKILL waits on
   * them and the engine gives up ("did not receive an exit event"). A
   * short-lived privileged helper, run from the node's own image on the
   * engine's host, thaws every frozen cgroup under the container (v1
   * freezer.state, v2 cgroup.freeze); the kill then completes. True when a
   * helper ran.
   */
  private async thawContainer(idOrName: string): Promise<boolean> {
    let helper: Docker.Container | undefined;
    try {
      const info = await this.docker.getContainer(idOrName).inspect();
      const script =
        'find /host-cgroup -path "*$1*" \\( -name freezer.state -o -name cgroup.freeze \\) 2>/dev/null | while read -r f; do ' +
        'case "$f" in *freezer.state) grep -q FROZEN "$f" && echo THAWED > "$f";; *) echo 0 > "$f";; esac; done; true';
      helper = await this.docker.createContainer({
        Image: info.Image,
        Entrypoint: ['sh', '-c', script, 'thaw', info.Id],
        Labels: { 'io.paddock.helper': 'thaw' },
        HostConfig: { Privileged: true, NetworkMode: 'none', Binds: ['/sys/fs/cgroup:/host-cgroup'] },
      });
      await helper.start();
      await helper.wait();
      return true;
    } catch {
      return false; // the original error is the one to report
    } finally {
      await helper?.remove({ force: true }).catch(() => undefined);
    }
  }

  async listContainers(labelFilters: string[]): Promise<ContainerInfo[]> {
    try {
      const list = await this.docker.listContainers({ all: true, filters: { label: labelFilters } });
      return list.map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        image: c.Image,
        labels: c.Labels ?? {},
        state: (c.State as ContainerInfo['state']) ?? 'unknown',
        created: new Date(c.Created * 1000).toISOString(),
        ipv4: Object.values(c.NetworkSettings?.Networks ?? {})[0]?.IPAddress || undefined,
        ports: (c.Ports ?? [])
          .filter((p) => p.PublicPort)
          .map((p) => ({ containerPort: p.PrivatePort, hostPort: p.PublicPort, hostIp: p.IP ?? '', protocol: p.Type })),
      }));
    } catch (e) {
      throw this.fail(e, 'listing containers');
    }
  }

  async inspectContainer(idOrName: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(idOrName).inspect();
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.fail(e, `inspecting container ${idOrName}`);
    }
  }

  /** Runs a command in a container and collects its output (no shell involved). */
  async exec(idOrName: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    try {
      const container = this.docker.getContainer(idOrName);
      const exec = await container.exec({
        Cmd: cmd,
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: opts.stdin !== undefined,
        Env: opts.env ? Object.entries(opts.env).map(([k, v]) => `${k}=${v}`) : undefined,
        User: opts.user,
        WorkingDir: opts.workingDir,
        Privileged: opts.privileged,
      });
      const stream = await exec.start({ hijack: true, stdin: opts.stdin !== undefined });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      stdout.on('data', (b: Buffer) => {
        out.push(b);
        opts.onOutput?.(b.toString(), 'stdout');
      });
      stderr.on('data', (b: Buffer) => {
        err.push(b);
        opts.onOutput?.(b.toString(), 'stderr');
      });
      this.docker.modem.demuxStream(stream, stdout, stderr);
      if (typeof opts.stdin === 'string' || Buffer.isBuffer(opts.stdin)) {
        stream.end(opts.stdin);
      } else if (opts.stdin) {
        opts.stdin.pipe(stream);
      }
      await new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
      const inspected = await exec.inspect();
      return { exitCode: inspected.ExitCode ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
    } catch (e) {
      throw this.fail(e, `running ${cmd[0]} in ${idOrName}`);
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw this.fail(e, `inspecting image ${ref}`);
    }
  }

  async inspectImage(ref: string): Promise<Docker.ImageInspectInfo | undefined> {
    try {
      return await this.docker.getImage(ref).inspect();
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.fail(e, `inspecting image ${ref}`);
    }
  }

  async listVolumes(labelFilters: string[]): Promise<{ name: string; labels: Record<string, string> }[]> {
    try {
      const res = await this.docker.listVolumes({ filters: { label: labelFilters } });
      return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
    } catch (e) {
      throw this.fail(e, 'listing volumes');
    }
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove({ force: true });
    } catch (e) {
      if (isNotFound(e)) return;
      throw this.fail(e, `removing volume ${name}`);
    }
  }
}

const shared = new Map<string, DockerRuntime>();
/**
 * One client per engine and process: dockerode keeps its agent and connection
 * settings. Without an engine, the one Docker's rules choose (see engine.ts).
 */
export function dockerRuntime(engine: Engine = resolveEngine()): DockerRuntime {
  const key = JSON.stringify(engine);
  let rt = shared.get(key);
  if (!rt) shared.set(key, (rt = new DockerRuntime(engine)));
  return rt;
}
