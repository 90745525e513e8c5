import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useTempKube, writeText, type TempKube } from './testing.js';
import { watchKubeconfig, type Disposer, type WatchOptions } from './watch.js';
import { writeFileAtomic } from './write.js';

let t: TempKube;
let stop: Disposer | undefined;
beforeEach(async () => {
  t = await useTempKube();
});
afterEach(async () => {
  stop?.();
  stop = undefined;
  await t.restore();
});

/** Starts a watch and returns a function that waits for the next call (rejecting after ms). */
function watch(opts: WatchOptions = {}) {
  let calls = 0;
  let waiter: (() => void) | undefined;
  stop = watchKubeconfig(() => {
    calls++;
    waiter?.();
  }, opts);
  const next = (ms = 1000) =>
    new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const timer = setTimeout(() => reject(new Error(`no change reported within ${ms} ms`)), ms);
      waiter = () => {
        clearTimeout(timer);
        waiter = undefined;
        resolve(Date.now() - started);
      };
    });
  return { next, calls: () => calls };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watchKubeconfig', () => {
  const writers: { name: string; write: (f: string, text: string) => Promise<void> }[] = [
    { name: 'in place, as kubectl writes', write: (f, text) => fs.writeFile(f, text) },
    { name: 'rename over, as Paddock and editors write', write: (f, text) => writeFileAtomic(f, text) },
  ];
  it.each(writers)('reports a change written $name within a second', async ({ write }) => {
    await writeText(t.config, 'current-context: a\n');
    const w = watch();
    await sleep(50);
    const waited = w.next();
    await write(t.config, 'current-context: b\n');
    expect(await waited).toBeLessThan(1000);
  });

  it('follows a symlinked kubeconfig (dotfiles) to the file it points to', async () => {
    const real = path.join(t.dir, 'dotfiles', 'kubeconfig');
    await writeText(real, 'a: 1\n');
    await fs.mkdir(path.dirname(t.config), { recursive: true });
    await fs.symlink(real, t.config);
    const w = watch();
    await sleep(50);
    const waited = w.next();
    await fs.writeFile(real, 'a: 2\n');
    await waited;
  });

  it('a burst of writes is one call', async () => {
    await writeText(t.config, 'a: 0\n');
    const w = watch({ debounceMs: 150 });
    await sleep(50);
    const waited = w.next();
    for (let i = 1; i <= 5; i++) await fs.writeFile(t.config, `a: ${i}\n`);
    await waited;
    await sleep(300);
    expect(w.calls()).toBe(1);
  });

  it('watches every file of KUBECONFIG and ignores other files in the folder', async () => {
    const a = path.join(t.dir, 'a');
    const b = path.join(t.dir, 'sub', 'b');
    await writeText(a, 'x: 1\n');
    await writeText(b, 'x: 1\n');
    process.env.KUBECONFIG = `${a}:${b}`;
    const w = watch();
    await sleep(50);
    await fs.writeFile(path.join(t.dir, 'unrelated'), 'x');
    await fs.writeFile(`${a}.lock`, '');
    await sleep(400);
    expect(w.calls()).toBe(0);
    const waited = w.next();
    await fs.writeFile(b, 'x: 2\n');
    await waited;
  });

  it('notices ~/.kube/config created after the watch started (folder missing at first)', async () => {
    const w = watch({ pollMs: 200 });
    const waited = w.next(2000);
    await writeText(t.config, 'current-context: new\n');
    await waited;
  });

  it('the poll alone catches changes when fs.watch is silent', async () => {
    await writeText(t.config, 'a: 1\n');
    const w = watch({ fsWatch: false, pollMs: 100 });
    const waited = w.next(1000);
    await sleep(20);
    await fs.writeFile(t.config, 'a: 22\n');
    expect(await waited).toBeLessThan(1000);
  });

  it('re-arming keeps working, and nothing is reported after dispose', async () => {
    await writeText(t.config, 'a: 1\n');
    const w = watch({ rearmMs: 50, pollMs: 10_000 });
    await sleep(200); // several re-arms
    const waited = w.next();
    await fs.writeFile(t.config, 'a: 2\n');
    await waited;
    stop?.();
    await fs.writeFile(t.config, 'a: 3\n');
    await sleep(400);
    expect(w.calls()).toBe(1);
  });
});
