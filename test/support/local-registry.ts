/**
 * A throwaway registry on 127.0.0.1 for pull tests (nothing can be pulled
 * from the internet here): the registry addon's own image, got the way the
 * addon gets it (built from the distribution module once per input hash),
 * run on a free port. Docker treats 127.0.0.0/8 registries as insecure-allowed.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { findAddon } from '../../src/addons/catalog.js';
import { ensureBuiltImage } from '../../src/addons/images.js';
import { dockerRuntime } from '../../src/provisioner/runtime/docker.js';
import { Progress } from '../../src/shared/progress.js';

export interface LocalRegistry {
  container: string;
  /** 127.0.0.1:<port> */
  host: string;
  /** Pushes a local image as host/repo:tag; returns the pinned reference host/repo:tag@sha256:… */
  push(local: string, repo: string, tag: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const build = findAddon('registry').spec.images.find((i) => i.name === 'registry')?.build;
  if (!build) throw new Error('the registry addon has no build spec for its image');
  const image = await ensureBuiltImage(dockerRuntime(), build, new Progress('test-registry', () => {}));
  const container = `paddock-test-registry-${randomBytes(3).toString('hex')}`;
  await execa('docker', ['run', '-d', '--name', container, '--label', 'io.paddock.test=1', '-p', '127.0.0.1::5000', image, 'serve', '/etc/distribution/config.yml']);
  const port = (await execa('docker', ['port', container, '5000/tcp'])).stdout.split('\n')[0]!.split(':').pop();
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`registry ${container} did not answer on ${host}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    container,
    host,
    async push(local, repo, tag) {
      const target = `${host}/${repo}:${tag}`;
      await execa('docker', ['tag', local, target]);
      const out = (await execa('docker', ['push', target])).stdout;
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(out)?.[1];
      if (!digest) throw new Error(`no digest in the output of docker push ${target}:\n${out}`);
      return `${target}@${digest}`;
    },
    async stop() {
      await execa('docker', ['rm', '--force', '--volumes', container], { reject: false });
    },
  };
}

/**
 * A small image only this test run has (a random file plus sizeMb of random
 * bytes in its one layer), so a pull really downloads its layer.
 */
export async function uniqueTinyImage(tag: string, sizeMb = 3): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paddock-tiny-'));
  try {
    await fs.writeFile(path.join(dir, 'id'), randomBytes(16).toString('hex'));
    await fs.writeFile(path.join(dir, 'blob'), randomBytes(sizeMb * 1024 * 1024));
    const tar = execa('tar', ['-C', dir, '-c', '.'], { buffer: false });
    await execa('docker', ['import', '--change', 'LABEL io.paddock.test=1', '-', tag], { input: tar.stdout ?? undefined });
    await tar;
    return tag;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Removes images by reference; ones already gone are fine. Without force, a
 * reference to an image that has other names only drops that name.
 */
export async function removeImages(refs: string[], opts: { force?: boolean } = { force: true }): Promise<void> {
  for (const r of refs) await execa('docker', ['rmi', ...(opts.force ? ['--force'] : []), r], { reject: false });
}
