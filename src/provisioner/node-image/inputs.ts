/**
 * Cache keys of the node-image build: every stage is keyed by a hash of
 * exactly the inputs that decide its output (file contents, not mtimes), so
 * a key changes when, and only when, one of its inputs changes.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { goPrograms, KUBERNETES_RELEASES, RECIPE_VERSION, type GoProgram } from './recipe.js';

export interface Toolchain {
  /** `go env GOVERSION`. */
  goVersion: string;
  /** GOARCH of the build. */
  arch: string;
}

export interface StageKeys {
  go: Record<string, string>;
  pause: string;
  rootfs: string;
  tools: string;
  node: string;
  /** The Dockerfiles of the component images. */
  dockerfiles: string;
  /** The whole image: what NodeImageInfo.inputsHash reports. */
  inputs: string;
}

export const ROOTFS_SUITE = 'bookworm';
export const ROOTFS_MIRROR = 'http://deb.debian.org/debian';

export function sha(parts: Array<string | Buffer>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(typeof p === 'string' ? Buffer.from(p) : p);
    h.update('\0');
  }
  return h.digest('hex');
}

/** Files under `dir` (relative paths, sorted), skipping `skip` prefixes. Symlinks are hashed by target. */
export async function listFiles(dir: string, skip: string[] = []): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip.some((s) => r === s || r.startsWith(`${s}/`))) continue;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile() || e.isSymbolicLink()) out.push(r);
    }
  };
  await walk('');
  return out.sort();
}

/** Hash of names, contents and the executable bit of files under `dir`. */
export async function hashDir(dir: string, skip: string[] = [], extra: string[] = []): Promise<string> {
  const parts: Array<string | Buffer> = [];
  for (const rel of await listFiles(dir, skip)) {
    const p = path.join(dir, rel);
    const st = await fs.lstat(p);
    parts.push(rel);
    if (st.isSymbolicLink()) parts.push(`-> ${await fs.readlink(p)}`);
    else {
      parts.push((st.mode & 0o111) !== 0 ? 'x' : '-');
      parts.push(await fs.readFile(p));
    }
  }
  return sha([...parts, '--extra--', ...extra]);
}

/** Key of one Go program: its module folder (only the go.mod in use), build spec and toolchain. */
export async function goProgramKey(imagesRoot: string, program: GoProgram, tc: Toolchain): Promise<string> {
  const modDir = path.join(imagesRoot, program.id);
  const modfile = program.modfile ?? 'go.mod';
  // versions/ holds the go.mod files of other Kubernetes versions: only the chosen one counts.
  const files = await hashDir(modDir, ['versions', 'go.mod', 'go.sum']);
  const mod = await fs.readFile(path.join(modDir, modfile));
  const sum = await fs.readFile(path.join(modDir, modfile.replace(/\.mod$/, '.sum')));
  return sha(['go', RECIPE_VERSION, files, mod, sum, JSON.stringify(program.builds), tc.goVersion, tc.arch]);
}

export async function computeStageKeys(imagesRoot: string, version: string, tc: Toolchain): Promise<StageKeys> {
  if (!KUBERNETES_RELEASES[version]) throw new Error(`unsupported Kubernetes version ${version}`);
  const go: Record<string, string> = {};
  for (const p of goPrograms(version)) go[p.id] = await goProgramKey(imagesRoot, p, tc);
  const nodeDir = path.join(imagesRoot, 'node');
  // pause.c comes from the k8s.io/kubernetes module pinned by the kubernetes module's go.sum.
  const pause = sha(['pause', RECIPE_VERSION, go.kubernetes ?? '', tc.arch]);
  const rootfs = sha([
    'rootfs',
    RECIPE_VERSION,
    await fs.readFile(path.join(nodeDir, 'packages.txt')),
    await fs.readFile(path.join(nodeDir, 'rootfs.sh')),
    ROOTFS_SUITE,
    ROOTFS_MIRROR,
    tc.arch,
  ]);
  const tools = sha(['tools', rootfs, await fs.readFile(path.join(nodeDir, 'collect-tools.sh'))]);
  const nodeFiles = await hashDir(nodeDir, ['packages.txt', 'rootfs.sh', 'collect-tools.sh']);
  const node = sha(['node', RECIPE_VERSION, version, nodeFiles, rootfs, tools, pause, ...Object.entries(go).flat()]);
  const dockerfiles = await hashDir(path.join(nodeDir, 'dockerfiles'));
  const inputs = sha(['inputs', node]);
  return { go, pause, rootfs, tools, node, dockerfiles, inputs };
}
