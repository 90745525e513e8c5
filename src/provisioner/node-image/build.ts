/**
 * Builds a Paddock node image offline: Go programs from their modules,
 * the root file system from Debian packages, component images with Docker
 * (FROM scratch, no pull), preloaded into the node's containerd, committed.
 * Every stage is cached by the hash of its inputs (inputs.ts); the final
 * image is tagged only at the very end, so a failed build tags nothing.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { paddockCacheDir } from '../../shared/paths.js';
import type { Progress } from '../../shared/progress.js';
import { dockerPing, dockerRootDir, imageExists, imagesWithLabels, inspectImages, removeContainer, removeImage } from './docker.js';
import { computeStageKeys, sha, ROOTFS_MIRROR, ROOTFS_SUITE, type StageKeys, type Toolchain } from './inputs.js';
import {
  COREDNS_BUILT_VERSION,
  defaultNodeImageName,
  DEFAULT_KUBERNETES_VERSION,
  goPrograms,
  ImageLabels,
  imagesDir,
  KUBERNETES_RELEASES,
  LOCAL_PATH_HELPER_IMAGE,
  LOCAL_PATH_IMAGE,
  PADDOCKNET_IMAGE,
  STAGE_REPO,
  SUPPORTED_KUBERNETES_VERSIONS,
  type GoProgram,
} from './recipe.js';
import { run } from './run.js';
import { infoFromInspect, type NodeImageInfo } from './images.js';

export interface BuildNodeImageOptions {
  kubernetesVersion?: string;
  name?: string;
  progress: Progress;
  signal?: AbortSignal;
  /** Build even when an image with the same inputs exists (stage caches are still used). */
  rebuild?: boolean;
}

/** Free space a cold build needs (Go outputs, rootfs, Docker layers), in bytes. */
export const MIN_FREE_BYTES = 8 * 1024 ** 3;

const short = (key: string): string => key.slice(0, 16);
const stageRef = (name: string, key: string): string => `${STAGE_REPO}/${name}:${short(key)}`;

/** containerd's normalised form of a Docker reference (docker.io/library/… for short names). */
export function normalizeRef(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  if (slash < 0) return `docker.io/library/${ref}`;
  if (first.includes('.') || first.includes(':') || first === 'localhost') return ref;
  return `docker.io/${ref}`;
}

export function validateVersion(version: string): string {
  if (!KUBERNETES_RELEASES[version]) {
    throw new PaddockError(ErrorCodes.USAGE, `Kubernetes ${version} is not a version Paddock can build`, {
      remedy: `choose one of: ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')}`,
    });
  }
  return version;
}

export async function toolchain(): Promise<Toolchain> {
  const r = await run('go', ['env', 'GOVERSION', 'GOARCH'], { doing: 'checking the Go toolchain', stream: false });
  const [goVersion = '', arch = ''] = r.stdout.trim().split('\n');
  return { goVersion: goVersion.trim(), arch: arch.trim() };
}

export function nodeImageCacheDir(): string {
  return path.join(paddockCacheDir(), 'node-image');
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/** DISK_FULL (with df advice) when a folder's disk has less than `minFree` bytes available. */
export async function checkDiskSpace(dirs: string[], minFree = MIN_FREE_BYTES): Promise<void> {
  for (const d of dirs) {
    let probe = d;
    while (!(await exists(probe)) && path.dirname(probe) !== probe) probe = path.dirname(probe);
    try {
      const st = await fs.statfs(probe);
      const free = st.bavail * st.bsize;
      if (free < minFree) {
        throw new PaddockError(
          ErrorCodes.DISK_FULL,
          `only ${(free / 1024 ** 3).toFixed(1)} GiB free on the disk of ${d}; building a node image needs about ${(minFree / 1024 ** 3).toFixed(0)} GiB`,
          { remedy: `free space there (see \`df -h ${probe}\`, \`docker system df\`, \`docker image prune\`), then build again` },
        );
      }
    } catch (e) {
      if (e instanceof PaddockError) throw e;
    }
  }
}

/** Hard-links (or copies, across file systems) `src` to `dst`. */
async function place(src: string, dst: string): Promise<void> {
  await fs.mkdir(path.dirname(dst), { recursive: true });
  await fs.rm(dst, { force: true });
  try {
    await fs.link(src, dst);
  } catch {
    await fs.copyFile(src, dst);
    await fs.chmod(dst, 0o755);
  }
}

async function symlink(target: string, at: string): Promise<void> {
  await fs.mkdir(path.dirname(at), { recursive: true });
  await fs.rm(at, { force: true });
  await fs.symlink(target, at);
}

async function copyTree(src: string, dst: string, skip: (rel: string) => boolean = () => false): Promise<void> {
  await fs.cp(src, dst, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (s) => !skip(path.relative(src, s)),
  });
}

interface Ctx {
  version: string;
  keys: StageKeys;
  progress: Progress;
  signal?: AbortSignal;
  cache: string;
  images: string;
  work: string;
  bins: Record<string, string>;
}

// ---- stages ---------------------------------------------------------------

async function buildGoProgram(ctx: Ctx, program: GoProgram): Promise<string> {
  const key = ctx.keys.go[program.id];
  if (!key) throw new Error(`no cache key for ${program.id}`);
  const outDir = path.join(ctx.cache, 'go', `${program.id}-${short(key)}`);
  if (await exists(path.join(outDir, '.done'))) {
    ctx.progress.log(`${program.id}: cached (${short(key)})`, `go:${program.id}`);
    return outDir;
  }
  const tmp = `${outDir}.tmp-${randomBytes(4).toString('hex')}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    const modDir = path.join(ctx.images, program.id);
    for (const b of program.builds) {
      const args = ['build', '-p', String(Math.max(1, Math.min(os.cpus().length, 4))), '-trimpath', '-buildvcs=false'];
      if (program.modfile && program.modfile !== 'go.mod') args.push(`-modfile=${program.modfile}`);
      if (b.tags?.length) args.push('-tags', b.tags.join(','));
      args.push('-ldflags', ['-s', '-w', ...(b.ldflags ?? [])].join(' '));
      args.push('-o', b.out ? path.join(tmp, b.out) : `${tmp}${path.sep}`);
      args.push(...b.packages);
      await run('go', args, {
        cwd: modDir,
        env: { CGO_ENABLED: b.cgo ? '1' : '0' },
        progress: ctx.progress,
        stepId: `go:${program.id}`,
        signal: ctx.signal,
        doing: `building ${program.id} (go build ${b.packages.join(' ')})`,
      });
    }
    await fs.writeFile(path.join(tmp, '.done'), `${key}\n`);
    await fs.rm(outDir, { recursive: true, force: true });
    await fs.rename(tmp, outDir);
    return outDir;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

interface KubeadmImages {
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  proxy: string;
  pause: string;
  etcd: string;
  coredns: string;
  all: string[];
}

/** The exact image names `kubeadm config images list` prints for this version. */
async function kubeadmImages(ctx: Ctx): Promise<KubeadmImages> {
  const kube = path.join(ctx.bins.kubernetes ?? '', 'kube');
  const r = await run(kube, ['kubeadm', 'config', 'images', 'list', '--kubernetes-version', ctx.version], {
    doing: 'asking kubeadm which images it needs',
    stream: false,
  });
  const all = r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  const find = (re: RegExp): string => {
    const hit = all.find((i) => re.test(i));
    if (!hit) throw new PaddockError(ErrorCodes.IMAGE_BUILD_FAILED, `kubeadm ${ctx.version} lists no image matching ${re}`, { output: r.stdout });
    return hit;
  };
  return {
    apiserver: find(/\/kube-apiserver:/),
    controllerManager: find(/\/kube-controller-manager:/),
    scheduler: find(/\/kube-scheduler:/),
    proxy: find(/\/kube-proxy:/),
    pause: find(/\/pause:/),
    etcd: find(/\/etcd:/),
    coredns: find(/\/coredns:/),
    all,
  };
}

async function buildPause(ctx: Ctx, pauseVersion: string): Promise<string> {
  const outDir = path.join(ctx.cache, 'pause', short(ctx.keys.pause));
  if (await exists(path.join(outDir, '.done'))) return outDir;
  const mod = await run('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${ctx.version}`], {
    cwd: path.join(ctx.images, 'kubernetes'),
    doing: 'locating pause.c in the k8s.io/kubernetes module',
    stream: false,
  });
  const dir = (JSON.parse(mod.stdout) as { Dir: string }).Dir;
  const tmp = `${outDir}.tmp-${randomBytes(4).toString('hex')}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    await run('gcc', ['-Os', '-static', '-Wall', '-Werror', `-DVERSION=${pauseVersion}`, '-o', path.join(tmp, 'pause'), path.join(dir, 'build/pause/linux/pause.c')], {
      progress: ctx.progress,
      stepId: 'pause',
      doing: 'compiling pause (gcc -static)',
    });
    await run('strip', [path.join(tmp, 'pause')], { doing: 'stripping pause', stream: false });
    await fs.writeFile(path.join(tmp, '.done'), '');
    await fs.rm(outDir, { recursive: true, force: true });
    await fs.rename(tmp, outDir);
    return outDir;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function buildRootfs(ctx: Ctx): Promise<string> {
  const ref = stageRef('rootfs', ctx.keys.rootfs);
  if (await imageExists(ref)) return ref;
  const tar = path.join(ctx.cache, 'rootfs', `${short(ctx.keys.rootfs)}.tar`);
  if (!(await exists(tar))) {
    await fs.mkdir(path.dirname(tar), { recursive: true });
    const nodeDir = path.join(ctx.images, 'node');
    const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '--non-interactive'];
    const [cmd, ...pre] = [...asRoot, 'bash'];
    await run(cmd ?? 'bash', [...pre, path.join(nodeDir, 'rootfs.sh'), path.join(nodeDir, 'packages.txt'), tar, ROOTFS_SUITE, ROOTFS_MIRROR], {
      progress: ctx.progress,
      stepId: 'rootfs',
      signal: ctx.signal,
      doing: 'building the root file system from Debian packages (debootstrap)',
    });
  }
  // Unlabelled: the node image inherits the rootfs' labels (it is found by its paddock-stage/ name).
  await run('docker', ['import', tar, ref], {
    progress: ctx.progress,
    stepId: 'rootfs',
    signal: ctx.signal,
    doing: 'importing the root file system into Docker',
  });
  return ref;
}

/** Packet-filter tools (for kube-proxy, paddocknet) and the storage helper's busybox, taken from the rootfs. */
async function collectTools(ctx: Ctx, rootfsRef: string): Promise<{ tools: string; helper: string }> {
  const outDir = path.join(ctx.cache, 'tools', short(ctx.keys.tools));
  const result = { tools: path.join(outDir, 'tools'), helper: path.join(outDir, 'helper') };
  if (await exists(path.join(outDir, '.done'))) return result;
  const tmp = `${outDir}.tmp-${randomBytes(4).toString('hex')}`;
  await fs.mkdir(tmp, { recursive: true });
  const name = `paddock-tools-${randomBytes(4).toString('hex')}`;
  try {
    await run(
      'docker',
      [
        'run', '--rm', '--name', name, '--label', `${ImageLabels.stage}=tools`, '--network', 'none',
        '-v', `${path.join(ctx.images, 'node', 'collect-tools.sh')}:/collect-tools.sh:ro`,
        '-v', `${tmp}:/out`,
        '--entrypoint', '/bin/bash', rootfsRef, '/collect-tools.sh', '/out/tools', '/out/helper',
      ],
      { progress: ctx.progress, stepId: 'tools', signal: ctx.signal, doing: 'collecting iptables/nft/conntrack from the root file system' },
    );
    await fs.writeFile(path.join(tmp, '.done'), '');
    await fs.rm(outDir, { recursive: true, force: true });
    await fs.rename(tmp, outDir);
    return result;
  } finally {
    await removeContainer(name);
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** docker build (classic builder: FROM scratch or a local stage, never a pull). */
async function dockerBuild(
  ctx: Ctx,
  ref: string,
  dockerfile: string,
  contextDir: string,
  stepId: string,
  buildArgs: Record<string, string> = {},
  label = true,
): Promise<void> {
  const args = ['build', '--force-rm', '--pull=false', '-f', path.join(ctx.images, 'node', 'dockerfiles', dockerfile), '-t', ref];
  // Stage images are labelled (and named paddock-stage/…); the node base is not, since the
  // node image inherits its labels and must not look like a stage.
  if (label) args.push('--label', `${ImageLabels.stage}=1`);
  for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
  args.push(contextDir);
  await run('docker', args, {
    env: { DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' },
    progress: ctx.progress,
    stepId,
    signal: ctx.signal,
    doing: `building image ${ref}`,
  });
}

interface ComponentImage {
  /** Stage reference (hash-tagged). */
  ref: string;
  /** Names inside the node's containerd. */
  names: string[];
}

async function buildComponentImages(ctx: Ctx, tools: { tools: string; helper: string }, pauseDir: string, kimg: KubeadmImages): Promise<ComponentImage[]> {
  const out: ComponentImage[] = [];
  const stage = async (name: string, key: string, names: string[], make: (ctxDir: string, ref: string) => Promise<void>): Promise<string> => {
    const ref = stageRef(name, key);
    if (!(await imageExists(ref))) {
      const ctxDir = path.join(ctx.work, `img-${name}`);
      await fs.mkdir(path.join(ctxDir, 'root'), { recursive: true });
      await make(ctxDir, ref);
      await fs.rm(ctxDir, { recursive: true, force: true });
    } else {
      ctx.progress.log(`${name}: cached (${ref})`, 'images');
    }
    out.push({ ref, names });
    return ref;
  };
  const df = ctx.keys.dockerfiles;
  const kube = path.join(ctx.bins.kubernetes ?? '', 'kube');

  const kubeBase = await stage('kube-base', sha([df, ctx.keys.go.kubernetes ?? '']), [kimg.apiserver, kimg.controllerManager, kimg.scheduler], async (dir, ref) => {
    await place(kube, path.join(dir, 'root/usr/local/bin/kube'));
    for (const n of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']) await symlink('kube', path.join(dir, 'root/usr/local/bin', n));
    await dockerBuild(ctx, ref, 'kube-base.Dockerfile', dir, 'images');
  });
  const proxyKey = sha([df, ctx.keys.go.kubernetes ?? '', ctx.keys.tools]);
  const proxy = await stage('kube-proxy', proxyKey, [kimg.proxy], async (dir, ref) => {
    await copyTree(tools.tools, path.join(dir, 'root'));
    await dockerBuild(ctx, ref, 'layer.Dockerfile', dir, 'images', { BASE: kubeBase });
  });
  await stage('paddocknet', sha([df, proxyKey, ctx.keys.go.paddocknet ?? '']), [PADDOCKNET_IMAGE], async (dir, ref) => {
    await place(path.join(ctx.bins.paddocknet ?? '', 'paddocknet'), path.join(dir, 'root/usr/local/bin/paddocknet'));
    await dockerBuild(ctx, ref, 'layer.Dockerfile', dir, 'images', { BASE: proxy });
  });
  await stage('etcd', sha([df, ctx.keys.go.etcd ?? '']), [kimg.etcd], async (dir, ref) => {
    await place(path.join(ctx.bins.etcd ?? '', 'etcd'), path.join(dir, 'root/usr/local/bin/etcd'));
    await fs.mkdir(path.join(dir, 'root/var/lib/etcd'), { recursive: true });
    await dockerBuild(ctx, ref, 'scratch.Dockerfile', dir, 'images');
  });
  const corednsNames = [kimg.coredns];
  const builtCoredns = kimg.coredns.replace(/:[^:/]+$/, `:${COREDNS_BUILT_VERSION}`);
  if (builtCoredns !== kimg.coredns) corednsNames.push(builtCoredns);
  await stage('coredns', sha([df, ctx.keys.go.coredns ?? '']), corednsNames, async (dir, ref) => {
    await place(path.join(ctx.bins.coredns ?? '', 'coredns'), path.join(dir, 'root/coredns'));
    await dockerBuild(ctx, ref, 'coredns.Dockerfile', dir, 'images');
  });
  await stage('pause', sha([df, ctx.keys.pause, kimg.pause]), [kimg.pause], async (dir, ref) => {
    await place(path.join(pauseDir, 'pause'), path.join(dir, 'root/pause'));
    await dockerBuild(ctx, ref, 'pause.Dockerfile', dir, 'images');
  });
  await stage('local-path-provisioner', sha([df, ctx.keys.go['local-path-provisioner'] ?? '']), [LOCAL_PATH_IMAGE], async (dir, ref) => {
    await place(path.join(ctx.bins['local-path-provisioner'] ?? '', 'local-path-provisioner'), path.join(dir, 'root/usr/local/bin/local-path-provisioner'));
    await dockerBuild(ctx, ref, 'scratch.Dockerfile', dir, 'images');
  });
  await stage('local-path-helper', sha([df, ctx.keys.tools]), [LOCAL_PATH_HELPER_IMAGE], async (dir, ref) => {
    await copyTree(tools.helper, path.join(dir, 'root'));
    await dockerBuild(ctx, ref, 'scratch.Dockerfile', dir, 'images');
  });
  return out;
}

/** The node image before preloading: rootfs + binaries + Paddock's files. */
async function buildNodeBase(ctx: Ctx, rootfsRef: string, kimg: KubeadmImages): Promise<string> {
  const ref = stageRef('node-base', ctx.keys.node);
  if (await imageExists(ref)) return ref;
  const dir = path.join(ctx.work, 'node-base');
  const root = path.join(dir, 'root');
  const nodeDir = path.join(ctx.images, 'node');
  await copyTree(path.join(nodeDir, 'files'), root, (rel) => rel.endsWith('.in'));
  const template = await fs.readFile(path.join(nodeDir, 'files/etc/containerd/config.toml.in'), 'utf8');
  await fs.writeFile(path.join(root, 'etc/containerd/config.toml'), template.replaceAll('@PAUSE_IMAGE@', kimg.pause));
  const b = ctx.bins;
  await place(path.join(b.kubernetes ?? '', 'kube'), path.join(root, 'usr/bin/kube'));
  for (const n of ['kubelet', 'kubeadm', 'kubectl']) await symlink('kube', path.join(root, 'usr/bin', n));
  for (const n of ['containerd', 'containerd-shim-runc-v2', 'ctr']) await place(path.join(b.containerd ?? '', n), path.join(root, 'usr/local/bin', n));
  await place(path.join(b.crictl ?? '', 'crictl'), path.join(root, 'usr/local/bin/crictl'));
  await place(path.join(b.runc ?? '', 'runc'), path.join(root, 'usr/local/sbin/runc'));
  for (const n of ['bridge', 'ptp', 'loopback', 'host-local', 'portmap']) await place(path.join(b['cni-plugins'] ?? '', n), path.join(root, 'opt/cni/bin', n));
  await fs.mkdir(path.join(root, 'kind/manifests'), { recursive: true });
  await fs.writeFile(path.join(root, 'kind/version'), `${ctx.version}\n`);
  for (const m of ['default-cni.yaml', 'default-storage.yaml']) await fs.copyFile(path.join(nodeDir, 'manifests', m), path.join(root, 'kind/manifests', m));
  await dockerBuild(ctx, ref, 'node.Dockerfile', dir, 'node', { BASE: rootfsRef }, false);
  await fs.rm(dir, { recursive: true, force: true });
  return ref;
}

/** Imports the component images into the node's containerd and commits the result (untagged). */
async function preload(ctx: Ctx, nodeBase: string, components: ComponentImage[]): Promise<string> {
  const tar = path.join(ctx.work, 'images.tar');
  await run('docker', ['save', '-o', tar, ...components.map((c) => c.ref)], {
    progress: ctx.progress,
    stepId: 'preload',
    signal: ctx.signal,
    doing: 'saving the component images',
  });
  const pairs = components.flatMap((c) => c.names.map((n) => `${normalizeRef(c.ref)}=${n}`));
  const name = `paddock-preload-${randomBytes(4).toString('hex')}`;
  try {
    await run(
      'docker',
      [
        // No label here: `docker commit` would copy it into the node image. The
        // container is found by its name prefix and removed in finally.
        'run', '--name', name, '--privileged', '--network', 'none',
        '--tmpfs', '/preload', '--tmpfs', '/run',
        '-v', `${tar}:/images.tar:ro`,
        '-v', `${path.join(ctx.images, 'node', 'preload.sh')}:/preload.sh:ro`,
        '--entrypoint', '/bin/bash', nodeBase, '/preload.sh', '/images.tar', ...pairs,
      ],
      { progress: ctx.progress, stepId: 'preload', signal: ctx.signal, doing: 'preloading the images into the node\'s containerd' },
    );
    const labels: Record<string, string> = {
      [ImageLabels.nodeImage]: '1',
      [ImageLabels.version]: ctx.version,
      [ImageLabels.inputsHash]: ctx.keys.inputs,
    };
    const changes = [
      'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
      'CMD []',
      ...Object.entries(labels).map(([k, v]) => `LABEL ${k}=${v}`),
    ];
    const r = await run('docker', ['commit', ...changes.flatMap((c) => ['--change', c]), name], {
      progress: ctx.progress,
      stepId: 'preload',
      signal: ctx.signal,
      doing: 'committing the node image',
      stream: false,
    });
    return r.stdout.trim();
  } finally {
    await removeContainer(name);
    await fs.rm(tar, { force: true });
  }
}

// ---- the build ----------------------------------------------------------------

const WEIGHTS: Record<string, number> = {
  kubernetes: 30, containerd: 8, runc: 2, 'cni-plugins': 2, crictl: 2, etcd: 3, coredns: 10, paddocknet: 3, 'local-path-provisioner': 3,
  rootfs: 12, tools: 1, images: 5, node: 8, preload: 10, tag: 1,
};

export async function buildNodeImage(opts: BuildNodeImageOptions): Promise<NodeImageInfo> {
  const version = validateVersion(opts.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION);
  const name = opts.name ?? defaultNodeImageName(version);
  const { progress, signal } = opts;
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  let done = 0;
  const advance = (w: string): void => {
    done += WEIGHTS[w] ?? 0;
    progress.percent('build', (100 * done) / total);
  };

  const { keys, tc } = await progress.step('check', 'Checking Docker, Go and the build inputs', async () => {
    await dockerPing();
    const tc = await toolchain();
    const keys = await computeStageKeys(imagesDir(), version, tc);
    return { keys, tc };
  });
  void tc;

  // Warm path: an image with these exact inputs exists already.
  const cached = opts.rebuild ? [] : await imagesWithLabels([`${ImageLabels.nodeImage}=1`, `${ImageLabels.inputsHash}=${keys.inputs}`]);
  if (cached[0]) {
    return progress.step('tag', `Tagging ${name} (inputs unchanged, nothing to build)`, async () => {
      await run('docker', ['tag', cached[0] ?? '', name], { doing: `tagging ${name}`, stream: false });
      progress.percent('build', 100);
      const [info] = await inspectImages([name]);
      if (!info) throw new PaddockError(ErrorCodes.INTERNAL, `image ${name} vanished right after tagging`);
      return infoFromInspect(info, name);
    });
  }

  const cache = nodeImageCacheDir();
  await fs.mkdir(cache, { recursive: true });
  const rootDir = await dockerRootDir();
  await checkDiskSpace([cache, ...(rootDir ? [rootDir] : [])]);
  const work = await fs.mkdtemp(path.join(cache, 'work-'));
  const ctx: Ctx = { version, keys, progress, signal, cache, images: imagesDir(), work, bins: {} };
  let committed: string | undefined;
  let tagged = false;
  try {
    for (const p of goPrograms(version)) {
      ctx.bins[p.id] = await progress.step(`go:${p.id}`, `Building ${p.id} from Go modules`, () => buildGoProgram(ctx, p));
      advance(p.id);
    }
    const kimg = await kubeadmImages(ctx);
    progress.log(`kubeadm ${version} needs: ${kimg.all.join(' ')}`);
    const pauseVersion = kimg.pause.split(':').pop() ?? '';
    const pauseDir = await progress.step('pause', `Compiling pause ${pauseVersion}`, () => buildPause(ctx, pauseVersion));
    const rootfs = await progress.step('rootfs', 'Building the root file system from Debian packages', () => buildRootfs(ctx));
    advance('rootfs');
    const tools = await progress.step('tools', 'Collecting iptables, nft and conntrack for kube-proxy', () => collectTools(ctx, rootfs));
    advance('tools');
    const components = await progress.step('images', 'Building the component images', () => buildComponentImages(ctx, tools, pauseDir, kimg));
    advance('images');
    const nodeBase = await progress.step('node', 'Assembling the node file system', () => buildNodeBase(ctx, rootfs, kimg));
    advance('node');
    committed = await progress.step('preload', 'Preloading the images into the node\'s containerd', () => preload(ctx, nodeBase, components));
    advance('preload');
    const id = committed;
    return await progress.step('tag', `Tagging ${name}`, async () => {
      await run('docker', ['tag', id, name], { doing: `tagging ${name}`, stream: false });
      tagged = true;
      advance('tag');
      progress.percent('build', 100);
      const [info] = await inspectImages([name]);
      if (!info) throw new PaddockError(ErrorCodes.INTERNAL, `image ${name} vanished right after tagging`);
      return infoFromInspect(info, name);
    });
  } catch (e) {
    // Nothing half-made stays behind: the committed image is untagged, remove it.
    if (committed && !tagged) await removeImage(committed, { force: true }).catch(() => undefined);
    throw e;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
