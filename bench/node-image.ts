/**
 * bench/node-image: how long a node image takes to build, cold and warm, how
 * big it is, and how fast a node container from it has containerd answering.
 *
 *   npx tsx bench/node-image.ts                 cold build, then warm rebuild
 *   npx tsx bench/node-image.ts --warm          warm rebuild only (builds first if needed)
 *   npx tsx bench/node-image.ts --build         just build (cached), print the image
 *   options: --version v1.35.4   --keep-go-cache (default) | --cold-go (also empties Go's build cache)
 *
 * "Cold" empties Paddock's stage caches (cache dir + paddock-stage images +
 * node images of the version). Go's module and build caches stay warm unless
 * --cold-go is given: the printed result says which.
 * Goals (issue 4): cold ≤ 45 min, warm ≤ 60 s, image ≤ 800 MB uncompressed.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Progress } from '../src/shared/progress.js';
import { buildNodeImage, DEFAULT_KUBERNETES_VERSION, nodeImageCacheDir, type NodeImageInfo } from '../src/provisioner/node-image/index.js';

const args = process.argv.slice(2);
const flag = (f: string): boolean => args.includes(f);
const opt = (f: string): string | undefined => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const version = opt('--version') ?? DEFAULT_KUBERNETES_VERSION;
const verbose = flag('--verbose');

function progress(label: string): Progress {
  const t0 = Date.now();
  return new Progress(label, (e) => {
    const at = ((Date.now() - t0) / 1000).toFixed(1).padStart(7);
    if (e.type === 'step-start') console.log(`${at}s  ${e.title}`);
    else if (e.type === 'step-end') console.log(`${at}s  ${e.ok ? 'ok' : `FAILED: ${e.error}`} (${e.stepId}, ${(e.durationMs / 1000).toFixed(1)} s)`);
    else if (e.type === 'log' && verbose) console.log(`         | ${e.line}`);
  });
}

async function timed(label: string, extra: { name?: string; rebuild?: boolean } = {}): Promise<{ info: NodeImageInfo; seconds: number }> {
  const t0 = Date.now();
  const info = await buildNodeImage({ kubernetesVersion: version, progress: progress(label), ...extra });
  return { info, seconds: (Date.now() - t0) / 1000 };
}

/**
 * Empties Paddock's stage caches: the cache folder and the paddock-stage/*
 * images. Node images in use (clusters of other engineers, the user's) are
 * left alone: the cold build runs with `rebuild` and its own name instead.
 * --cold-go points GOCACHE at an empty temporary folder (the user's Go build
 * cache is not wiped); Go's module cache stays.
 */
async function emptyStageCaches(coldGo: boolean): Promise<string | undefined> {
  const stage = (await execa('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'paddock-stage/*'])).stdout.split('\n').filter(Boolean);
  for (const ref of stage) await execa('docker', ['rmi', '--force', ref], { reject: false });
  await fs.rm(nodeImageCacheDir(), { recursive: true, force: true });
  if (!coldGo) return undefined;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paddock-bench-gocache-'));
  process.env.GOCACHE = dir;
  return dir;
}

/** Seconds from `docker run` of a node to containerd answering inside it. */
async function measureNodeStart(image: string): Promise<{ run: number; containerd: number }> {
  const name = `paddock-bench-node-${process.pid}`;
  const t0 = Date.now();
  try {
    await execa('docker', [
      'run', '-d', '--name', name, '--label', 'io.paddock.test=1', '--label', `io.paddock.cluster=${name}`,
      '--privileged', '--cgroupns=private', '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
      '--tmpfs', '/tmp', '--tmpfs', '/run', '--volume', '/var', image,
    ]);
    const run = (Date.now() - t0) / 1000;
    for (;;) {
      const r = await execa('docker', ['exec', name, 'crictl', '--timeout', '1s', 'version'], { reject: false });
      if (r.exitCode === 0) break;
      if (Date.now() - t0 > 60_000) throw new Error('containerd did not answer within 60 s');
      await new Promise((res) => setTimeout(res, 100));
    }
    return { run, containerd: (Date.now() - t0) / 1000 };
  } finally {
    await execa('docker', ['rm', '--force', '--volumes', name], { reject: false });
  }
}

const mb = (b: number): string => `${(b / 1e6).toFixed(0)} MB`;

async function main(): Promise<void> {
  const results: Record<string, string> = { version };
  if (flag('--build')) {
    const { info, seconds } = await timed('build');
    console.log(JSON.stringify({ ...info, seconds }, null, 2));
    return;
  }
  if (!flag('--warm')) {
    const coldGo = flag('--cold-go');
    const goCache = await emptyStageCaches(coldGo);
    const coldName = `paddock/node:bench-cold-${process.pid}`;
    try {
      const cold = await timed('cold', { name: coldName, rebuild: true });
      results.cold = `${(cold.seconds / 60).toFixed(1)} min (${cold.seconds.toFixed(0)} s; Go build cache ${coldGo ? 'empty' : 'warm'}, Go module cache warm)`;
    } finally {
      if (goCache) {
        delete process.env.GOCACHE;
        await fs.rm(goCache, { recursive: true, force: true });
      }
    }
    // The warm build below finds the cold image by its inputs hash and tags it with the default name.
    const warmFirst = await timed('warm');
    await execa('docker', ['rmi', coldName], { reject: false });
    void warmFirst;
  }
  const warm = await timed('warm');
  results.warm = `${warm.seconds.toFixed(1)} s`;
  results.image = `${warm.info.name} ${warm.info.id.slice(7, 19)}`;
  results.size = `${mb(warm.info.sizeBytes)} uncompressed`;
  const start = await measureNodeStart(warm.info.name);
  results.nodeStart = `docker run ${start.run.toFixed(2)} s, containerd answering ${start.containerd.toFixed(2)} s after docker run began`;
  console.log('\nbench/node-image');
  for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(10)} ${v}`);
}

main().catch((e: unknown) => {
  const err = e as { code?: string; message?: string; remedy?: string; output?: string };
  console.error(`error${err.code ? ` ${err.code}` : ''}: ${err.message ?? String(e)}`);
  if (err.remedy) console.error(`remedy: ${err.remedy}`);
  if (err.output) console.error(err.output);
  process.exit(1);
});
