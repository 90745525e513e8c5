import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeStageKeys, hashDir, type Toolchain } from './inputs.js';
import { goPrograms, imagesDir, SUPPORTED_KUBERNETES_VERSIONS } from './recipe.js';

const tc: Toolchain = { goVersion: 'go1.26.8', arch: 'amd64' };

/** A copy of the checked-in images/ recipes (no build outputs live there), to mutate freely. */
async function copyRecipes(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paddock-node-image-inputs-'));
  await fs.cp(imagesDir(), dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

describe('node image cache keys', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await copyRecipes();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('are stable: same inputs, same keys (mtimes do not count)', async () => {
    const a = await computeStageKeys(dir, 'v1.36.3', tc);
    const entrypoint = path.join(dir, 'node/files/usr/local/bin/entrypoint');
    const later = new Date(Date.now() + 60_000);
    await fs.utimes(entrypoint, later, later);
    const b = await computeStageKeys(dir, 'v1.36.3', tc);
    expect(b).toEqual(a);
  });

  it('a node file changes the node key and the image key, and no Go or rootfs key', async () => {
    const a = await computeStageKeys(dir, 'v1.36.3', tc);
    await fs.appendFile(path.join(dir, 'node/files/usr/local/bin/entrypoint'), '\n# changed\n');
    const b = await computeStageKeys(dir, 'v1.36.3', tc);
    expect(b.node).not.toBe(a.node);
    expect(b.inputs).not.toBe(a.inputs);
    expect(b.go).toEqual(a.go);
    expect(b.rootfs).toBe(a.rootfs);
    expect(b.tools).toBe(a.tools);
  });

  it('the package list changes rootfs, tools and the image, not the Go programs', async () => {
    const a = await computeStageKeys(dir, 'v1.36.3', tc);
    await fs.appendFile(path.join(dir, 'node/packages.txt'), 'less\n');
    const b = await computeStageKeys(dir, 'v1.36.3', tc);
    expect(b.rootfs).not.toBe(a.rootfs);
    expect(b.tools).not.toBe(a.tools);
    expect(b.inputs).not.toBe(a.inputs);
    expect(b.go).toEqual(a.go);
  });

  it('a go.sum change rebuilds only that program', async () => {
    const a = await computeStageKeys(dir, 'v1.36.3', tc);
    await fs.appendFile(path.join(dir, 'crictl/go.sum'), 'example.com/x v1.0.0 h1:AAAA=\n');
    const b = await computeStageKeys(dir, 'v1.36.3', tc);
    expect(b.go.crictl).not.toBe(a.go.crictl);
    for (const id of Object.keys(a.go).filter((k) => k !== 'crictl')) expect(b.go[id]).toBe(a.go[id]);
    expect(b.inputs).not.toBe(a.inputs);
  });

  it('another version\'s go.mod does not change this version\'s keys', async () => {
    const a = await computeStageKeys(dir, 'v1.36.3', tc);
    await fs.mkdir(path.join(dir, 'kubernetes/versions'), { recursive: true });
    await fs.writeFile(path.join(dir, 'kubernetes/versions/v9.9.9.mod'), 'module x\n');
    const b = await computeStageKeys(dir, 'v1.36.3', tc);
    expect(b).toEqual(a);
  });

  it('the Go toolchain and the Kubernetes version are inputs', async () => {
    const a = await computeStageKeys(dir, 'v1.36.3', tc);
    const b = await computeStageKeys(dir, 'v1.36.3', { ...tc, goVersion: 'go1.26.9' });
    expect(b.go.kubernetes).not.toBe(a.go.kubernetes);
    expect(b.inputs).not.toBe(a.inputs);
    expect(b.rootfs).toBe(a.rootfs);
    if (SUPPORTED_KUBERNETES_VERSIONS.length > 1) {
      const other = SUPPORTED_KUBERNETES_VERSIONS[1] ?? '';
      const c = await computeStageKeys(dir, other, tc);
      expect(c.inputs).not.toBe(a.inputs);
      expect(c.rootfs).toBe(a.rootfs);
    }
  });

  it('rejects an unknown version', async () => {
    await expect(computeStageKeys(dir, 'v1.2.3', tc)).rejects.toThrow(/unsupported/);
  });
});

describe('hashDir', () => {
  it('sees renames, content and the executable bit', async () => {
    const d = await fs.mkdtemp(path.join(os.tmpdir(), 'paddock-hashdir-'));
    try {
      await fs.writeFile(path.join(d, 'a'), 'x');
      const h1 = await hashDir(d);
      await fs.chmod(path.join(d, 'a'), 0o755);
      const h2 = await hashDir(d);
      await fs.rename(path.join(d, 'a'), path.join(d, 'b'));
      const h3 = await hashDir(d);
      expect(new Set([h1, h2, h3]).size).toBe(3);
      expect(await hashDir(d)).toBe(h3);
    } finally {
      await fs.rm(d, { recursive: true, force: true });
    }
  });
});

describe('recipe', () => {
  it('every Go program has a module with go.mod and go.sum for every supported version', async () => {
    for (const v of SUPPORTED_KUBERNETES_VERSIONS) {
      for (const p of goPrograms(v)) {
        const modfile = p.modfile ?? 'go.mod';
        await expect(fs.access(path.join(imagesDir(), p.id, modfile))).resolves.toBeUndefined();
        await expect(fs.access(path.join(imagesDir(), p.id, modfile.replace(/\.mod$/, '.sum')))).resolves.toBeUndefined();
      }
    }
  });

  it('the Kubernetes module of each version requires that version', async () => {
    for (const v of SUPPORTED_KUBERNETES_VERSIONS) {
      const p = goPrograms(v).find((x) => x.id === 'kubernetes');
      const mod = await fs.readFile(path.join(imagesDir(), 'kubernetes', p?.modfile ?? 'go.mod'), 'utf8');
      expect(mod).toMatch(new RegExp(`k8s\\.io/kubernetes ${v.replace(/\./g, '\\.')}\\b`));
    }
  });
});
