/**
 * Addon images, built offline: one Go module per program under
 * images/addons/<program>/ (its own go.mod/go.sum, see NODE-RECIPE.md on why
 * not one module for all), compiled statically and imported into Docker as a
 * FROM-scratch image tagged by the hash of its inputs, so a second enable
 * builds nothing. Cluster images are then loaded into every node's containerd.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';
import { hashTree } from '../provisioner/build-cache.js';
import { loadImages } from '../provisioner/load-image.js';
import type { DockerRuntime } from '../provisioner/runtime/docker.js';
import { getCluster } from '../provisioner/cluster-state.js';
import type { ImageSpec } from './catalog.js';

export const ADDON_IMAGES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../images/addons');

/** Where images come from: built here (default; works offline) or the pinned upstream refs. */
export function imageSource(): 'build' | 'upstream' {
  return process.env.PADDOCK_ADDON_IMAGES === 'upstream' ? 'upstream' : 'build';
}

type BuildSpec = NonNullable<ImageSpec['build']>;

async function goVersion(): Promise<string> {
  const { execa } = await import('execa'); // loaded on use: ~80 ms of every command's start
  const r = await execa('go', ['env', 'GOVERSION'], { reject: false });
  if (r.failed) throw new PaddockError(ErrorCodes.IMAGE_BUILD_FAILED, 'Go is needed to build addon images offline', { remedy: 'install Go 1.26 or newer, or use a machine with a registry (PADDOCK_ADDON_IMAGES=upstream)' });
  return r.stdout.trim();
}

export async function builtImageTag(build: BuildSpec): Promise<string> {
  const dir = path.join(ADDON_IMAGES_DIR, build.program);
  const hash = await hashTree(dir, [JSON.stringify(build), process.arch, await goVersion()]);
  return `paddock/addon-${build.program}:${hash.slice(0, 12)}`;
}

const building = new Map<string, Promise<string>>();

/** Builds (once per input hash) and returns the local Docker tag. */
export async function ensureBuiltImage(runtime: DockerRuntime, build: BuildSpec, progress: Progress, stepId?: string): Promise<string> {
  const tag = await builtImageTag(build);
  if (await runtime.imageExists(tag)) return tag;
  const running = building.get(tag);
  if (running) return running;
  const p = buildImage(build, tag, progress, stepId).finally(() => building.delete(tag));
  building.set(tag, p);
  return p;
}

async function run(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string> }, what: string): Promise<string> {
  const { execa } = await import('execa'); // loaded on use: ~80 ms of every command's start
  const r = await execa(cmd, args, { ...opts, reject: false, all: true });
  if (r.exitCode !== 0) {
    throw new PaddockError(ErrorCodes.IMAGE_BUILD_FAILED, `${what} failed`, {
      output: r.all?.split('\n').slice(-40).join('\n'),
      remedy: (r as { code?: string }).code === 'ENOENT' ? `install ${cmd}` : 'check that the Go module proxy answers (GOPROXY) and see the output above',
    });
  }
  return r.stdout;
}

async function buildImage(build: BuildSpec, tag: string, progress: Progress, stepId?: string): Promise<string> {
  const { execa } = await import('execa'); // loaded on use: ~80 ms of every command's start
  const source = path.join(ADDON_IMAGES_DIR, build.program);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), `paddock-addon-${build.program}-`));
  const started = Date.now();
  try {
    const mod = path.join(work, 'mod');
    await fs.cp(source, mod, { recursive: true });
    // Some modules embed files their module zip lacks (Traefik's web UI is
    // built by npm in its repository): build against a local copy with them.
    for (const [i, e] of build.embed.entries()) {
      const info = JSON.parse(await run('go', ['mod', 'download', '-json', `${e.module}@${e.version}`], { cwd: mod }, `downloading ${e.module}`)) as { Dir: string };
      const copy = path.join(mod, `_embed${i}`);
      await fs.cp(info.Dir, copy, { recursive: true });
      await execa('chmod', ['-R', 'u+w', copy]);
      await fs.mkdir(path.dirname(path.join(copy, e.path)), { recursive: true });
      await fs.copyFile(path.join(source, e.from), path.join(copy, e.path));
      await fs.appendFile(path.join(mod, 'go.mod'), `\nreplace ${e.module} => ./_embed${i}\n`);
    }
    const root = path.join(work, 'root');
    await fs.mkdir(path.join(root, 'tmp'), { recursive: true, mode: 0o1777 });
    const bin = path.join(root, build.program);
    progress.log(`compiling ${build.package} (images/addons/${build.program})`, stepId);
    await run(
      'go',
      ['build', '-p', '2', '-trimpath', '-ldflags', build.ldflags, '-o', bin, build.package],
      { cwd: mod, env: { CGO_ENABLED: '0', GOOS: 'linux', GOARCH: process.arch === 'arm64' ? 'arm64' : 'amd64', GOFLAGS: '-mod=mod' } },
      `building ${build.program}`,
    );
    for (const f of build.files) {
      await fs.mkdir(path.join(root, path.dirname(f.to)), { recursive: true });
      await fs.copyFile(path.join(source, f.from), path.join(root, f.to));
    }
    await fs.chmod(path.join(root, 'tmp'), 0o1777);
    // Streamed, not buffered: Traefik alone is 180 MB.
    const tar = execa('tar', ['-C', root, '--owner=0', '--group=0', '-c', '.'], { buffer: false });
    await execa(
      'docker',
      [
        'import',
        '--change', `ENTRYPOINT ["/${build.program}"]`,
        '--change', `USER ${build.user}`,
        '--change', 'ENV PATH=/',
        '--change', `LABEL io.paddock.image=addon-${build.program}`,
        '-', tag,
      ],
      { input: tar.stdout ?? undefined },
    );
    await tar;
    progress.log(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(0)} s`, stepId);
    return tag;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Image names a node's containerd already has (k8s.io namespace). */
async function nodeImages(runtime: DockerRuntime, node: string): Promise<Set<string>> {
  const r = await runtime.exec(node, ['ctr', '--namespace=k8s.io', 'images', 'ls', '-q']);
  return new Set(r.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
}

/** name:tag of a pinned name:tag@sha256:… ref (a `docker load`ed image has no repo digest to match). */
export const upstreamTag = (ref: string) => ref.replace(/@sha256:[0-9a-f]{64}$/, '');

/** Images the nodes must pull from a registry: neither preloaded, built nor on the local engine. */
export function pulledImages(images: ImageSpec[], refs: Record<string, string>): ImageSpec[] {
  return images.filter((i) => !i.preloaded && i.upstream && refs[i.name] === i.upstream);
}

const normalize = (ref: string) => (ref.split('/')[0]!.includes('.') ? ref : `docker.io/${ref.includes('/') ? ref : `library/${ref}`}`);

/**
 * Resolves every image of an addon to the reference its manifests use:
 * preloaded names as they are, upstream refs on machines with a registry,
 * otherwise built here and loaded into the nodes that lack them.
 */
export async function ensureAddonImages(runtime: DockerRuntime, cluster: string, images: ImageSpec[], progress: Progress): Promise<Record<string, string>> {
  const refs: Record<string, string> = {};
  const toLoad: string[] = [];
  for (const img of images) {
    if (img.preloaded) {
      refs[img.name] = img.preloaded;
      continue;
    }
    if (img.target === 'cluster' && imageSource() === 'upstream' && img.upstream) {
      refs[img.name] = img.upstream;
      continue;
    }
    if (!img.build) {
      if (!img.upstream) throw new PaddockError(ErrorCodes.IMAGE_MISSING, `addon image ${img.name} has no offline build`);
      // No offline build: the local engine's copy (loaded into the nodes), else
      // the nodes pull the pinned ref; a failed pull is reported by install's readiness watch.
      const tag = upstreamTag(img.upstream);
      if (await runtime.imageExists(tag)) {
        progress.log(`${tag} found on the local Docker engine`);
        refs[img.name] = tag;
        if (img.target === 'cluster') toLoad.push(tag);
      } else {
        progress.log(`${tag} is not on the local Docker engine: the nodes pull ${img.upstream}`);
        refs[img.name] = img.upstream;
      }
      continue;
    }
    const build = img.build;
    const tag = await progress.step(`image-${img.name}`, `Image ${img.name} (built from images/addons/${build.program})`, () => ensureBuiltImage(runtime, build, progress, `image-${img.name}`));
    refs[img.name] = tag;
    if (img.target === 'cluster') toLoad.push(tag);
  }
  if (toLoad.length) {
    const nodes = (await getCluster(runtime, cluster)).nodes.filter((n) => n.role !== 'load-balancer');
    const present = await Promise.all(nodes.map((n) => nodeImages(runtime, n.name)));
    const missing = toLoad.filter((t) => present.some((set) => !set.has(normalize(t))));
    if (missing.length) await loadImages(runtime, cluster, missing, progress);
  }
  return refs;
}
