/**
 * `paddock doctor`: every known cause of a cluster that won't start, checked
 * against the real machine, each with a verdict and what to do.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import type { DoctorCheck } from '../shared/api.js';
import { isPaddockError } from '../shared/errors.js';
import type { DockerRuntime } from '../provisioner/runtime/docker.js';
import type { EngineInfo } from '../provisioner/runtime/types.js';
import { engineLabel } from '../provisioner/runtime/engine.js';

const GiB = 1024 ** 3;

export interface DoctorDeps {
  runtime: DockerRuntime;
  /** The node image to try a privileged container with, if one is present. */
  findNodeImage: () => Promise<string | undefined>;
  readFile?: (p: string) => Promise<string>;
}

async function readNumber(read: (p: string) => Promise<string>, p: string): Promise<number | undefined> {
  try {
    const n = Number((await read(p)).trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Pure verdict for inotify limits; kind documents failures below these. */
export function inotifyCheck(watches: number | undefined, instances: number | undefined): DoctorCheck {
  const id = 'inotify';
  const title = 'inotify limits';
  if (watches === undefined || instances === undefined) {
    return { id, title, verdict: 'info', detail: 'not a Linux host (or /proc not readable): limits live in Docker\'s VM' };
  }
  const detail = `max_user_watches=${watches}, max_user_instances=${instances}`;
  if (watches < 524288 || instances < 512) {
    return {
      id,
      title,
      verdict: 'warn',
      detail: `${detail}: low for several clusters (kubelet and pods use inotify)`,
      remedy: 'sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512 (add them to /etc/sysctl.d/ to keep them)',
    };
  }
  return { id, title, verdict: 'ok', detail };
}

export function memoryCheck(availableBytes: number, engineTotal?: number): DoctorCheck {
  const gib = (availableBytes / GiB).toFixed(1);
  const engine = engineTotal ? `; Docker sees ${(engineTotal / GiB).toFixed(1)} GiB` : '';
  if (availableBytes < 2 * GiB) {
    return {
      id: 'memory',
      title: 'free memory',
      verdict: 'fail',
      detail: `${gib} GiB available${engine}: a single-node cluster needs about 2 GiB`,
      remedy: 'close other programs or give Docker Desktop more memory (Settings → Resources)',
    };
  }
  if (availableBytes < 4 * GiB) {
    return { id: 'memory', title: 'free memory', verdict: 'warn', detail: `${gib} GiB available${engine}: enough for one small cluster`, remedy: 'multi-node and HA clusters want 4 GiB or more' };
  }
  return { id: 'memory', title: 'free memory', verdict: 'ok', detail: `${gib} GiB available${engine}` };
}

export function diskCheck(freeBytes: number | undefined, where: string): DoctorCheck {
  if (freeBytes === undefined) return { id: 'disk', title: 'free disk', verdict: 'info', detail: `could not read free space of ${where} (remote engine or Docker Desktop VM)` };
  const gib = (freeBytes / GiB).toFixed(1);
  if (freeBytes < 5 * GiB) {
    return {
      id: 'disk',
      title: 'free disk',
      verdict: 'fail',
      detail: `${gib} GiB free at ${where}: node images and clusters need at least 5 GiB (a from-source image build about 10 GiB)`,
      remedy: 'free space, e.g. `docker system prune` and `paddock node-image rm` of unused images',
    };
  }
  if (freeBytes < 15 * GiB) return { id: 'disk', title: 'free disk', verdict: 'warn', detail: `${gib} GiB free at ${where}: building node images from source wants about 15 GiB` };
  return { id: 'disk', title: 'free disk', verdict: 'ok', detail: `${gib} GiB free at ${where}` };
}

export function cgroupCheck(info: EngineInfo): DoctorCheck {
  if (info.cgroupVersion === '2') return { id: 'cgroups', title: 'cgroups', verdict: 'ok', detail: `cgroup v2 (driver ${info.cgroupDriver}); private cgroup namespaces supported` };
  if (info.cgroupVersion === '1') {
    return {
      id: 'cgroups',
      title: 'cgroups',
      verdict: 'warn',
      detail: `cgroup v1 (driver ${info.cgroupDriver}): Kubernetes 1.35+ deprecates it; Paddock sets failCgroupV1=false so clusters still run`,
      remedy: 'move the host to cgroup v2 when you can (systemd.unified_cgroup_hierarchy=1)',
    };
  }
  return { id: 'cgroups', title: 'cgroups', verdict: 'warn', detail: 'the engine did not report its cgroup version' };
}

export async function runDoctor(deps: DoctorDeps): Promise<DoctorCheck[]> {
  const read = deps.readFile ?? ((p: string) => fs.readFile(p, 'utf8'));
  const checks: DoctorCheck[] = [];
  let info: EngineInfo | undefined;
  const engine = deps.runtime.engine;
  // Which engine, and the rule that chose it: the first thing to know when clusters are "missing".
  checks.push({ id: 'engine', title: 'Docker endpoint', verdict: 'info', detail: `${engineLabel(engine)}, chosen by ${engine.reason}` });
  try {
    info = await deps.runtime.info();
    checks.push({
      id: 'docker',
      title: 'Docker engine',
      verdict: 'ok',
      detail: `reachable: Docker ${info.serverVersion} (API ${info.apiVersion}) on ${info.os}, kernel ${info.kernel}, ${info.cpus} CPUs${info.rootless ? ', rootless' : ''}`,
    });
  } catch (e) {
    checks.push({
      id: 'docker',
      title: 'Docker engine',
      verdict: 'fail',
      detail: isPaddockError(e) ? e.message : String(e),
      remedy: isPaddockError(e) ? e.remedy : undefined,
    });
  }
  if (info) checks.push(cgroupCheck(info));

  const memAvailable = await readMemAvailable(read);
  checks.push(memoryCheck(memAvailable ?? os.freemem(), info?.memTotalBytes));

  const diskPath = info && (await pathExists(info.dockerRootDir)) ? info.dockerRootDir : os.homedir();
  checks.push(diskCheck(await freeBytes(diskPath), diskPath));

  if (process.platform === 'linux') {
    const watches = await readNumber(read, '/proc/sys/fs/inotify/max_user_watches');
    const instances = await readNumber(read, '/proc/sys/fs/inotify/max_user_instances');
    checks.push(inotifyCheck(watches, instances));
  } else {
    checks.push(inotifyCheck(undefined, undefined));
  }

  const image = info ? await deps.findNodeImage().catch(() => undefined) : undefined;
  if (!info) {
    checks.push({ id: 'privileged', title: 'privileged containers', verdict: 'fail', detail: 'not checked: Docker is not reachable' });
  } else if (!image) {
    checks.push({
      id: 'node-image',
      title: 'node image',
      verdict: 'warn',
      detail: 'no Paddock node image on this engine yet',
      remedy: 'it is pulled (or, offline, built from source with `paddock node-image build`) on the first `paddock create`',
    });
  } else {
    checks.push({ id: 'node-image', title: 'node image', verdict: 'ok', detail: image });
    checks.push(await privilegedCheck(deps.runtime, image));
  }
  return checks;
}

async function privilegedCheck(runtime: DockerRuntime, image: string): Promise<DoctorCheck> {
  const name = `paddock-doctor-${process.pid}-${Date.now()}`;
  try {
    const id = await runtime.createContainer({
      name,
      image,
      labels: { 'io.paddock.doctor': '1' },
      privileged: true,
      entrypoint: ['/bin/true'],
      cmd: [],
    });
    await runtime.startContainer(id);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const c = await runtime.inspectContainer(id);
      if (!c || !c.State.Running) {
        const code = c?.State.ExitCode ?? -1;
        if (code === 0) return { id: 'privileged', title: 'privileged containers', verdict: 'ok', detail: 'a --privileged container ran' };
        return { id: 'privileged', title: 'privileged containers', verdict: 'fail', detail: `a --privileged container exited with ${code}: ${c?.State.Error ?? ''}`.trim() };
      }
      if (Date.now() > deadline) return { id: 'privileged', title: 'privileged containers', verdict: 'warn', detail: 'a privileged test container did not finish in 15 s' };
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    return {
      id: 'privileged',
      title: 'privileged containers',
      verdict: 'fail',
      detail: isPaddockError(e) ? e.message : String(e),
      remedy: 'nodes need --privileged: rootless Docker and some hardened engines refuse it',
    };
  } finally {
    await runtime.removeContainer(name).catch(() => {});
  }
}

async function readMemAvailable(read: (p: string) => Promise<string>): Promise<number | undefined> {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(await read('/proc/meminfo'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function pathExists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

async function freeBytes(p: string): Promise<number | undefined> {
  try {
    const s = await fs.statfs(p);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}
