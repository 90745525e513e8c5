import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, breakStaleLock, lockPathFor, withKubeconfigLock } from './lock.js';
import { useTempKube, type TempKube } from './testing.js';

let t: TempKube;
let file: string;
beforeEach(async () => {
  t = await useTempKube();
  file = path.join(t.dir, 'config');
});
afterEach(async () => t.restore());

const exists = (p: string) => fs.stat(p).then(() => true, () => false);

describe('kubeconfig lock (<file>.lock, O_EXCL)', () => {
  it('creates the lock file and removes it on release', async () => {
    const release = await acquireLock(file);
    expect(await exists(lockPathFor(file))).toBe(true);
    expect(await fs.readFile(lockPathFor(file), 'utf8')).toMatch(new RegExp(`^paddock pid=${process.pid} host=`));
    await release();
    expect(await exists(lockPathFor(file))).toBe(false);
  });

  it('waits for a lock released meanwhile', async () => {
    const first = await acquireLock(file);
    const started = Date.now();
    setTimeout(() => void first(), 150);
    const second = await acquireLock(file, { timeoutMs: 3000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await second();
  });

  const held: { name: string; content: string; ageMs: number; says: RegExp; remedy: RegExp }[] = [
    { name: 'a kubectl lock (empty file), fresh', content: '', ageMs: 0, says: /another program/, remedy: /wait a moment.*rm '/ },
    { name: 'a lock older than a minute', content: '', ageMs: 120_000, says: /created 12\d s ago.*stale/, remedy: /^if no kubectl.*rm '/ },
    { name: 'a lock of a running Paddock', content: `paddock pid=${process.pid} host=${os.hostname()} id=x\n`, ageMs: 0, says: new RegExp(`Paddock process ${process.pid} is changing it`), remedy: /wait a moment/ },
  ];
  it.each(held)('gives up with a clear message on $name, and never removes it', async ({ content, ageMs, says, remedy }) => {
    const lock = lockPathFor(file);
    await fs.writeFile(lock, content);
    if (ageMs) {
      const when = new Date(Date.now() - ageMs);
      await fs.utimes(lock, when, when);
    }
    const err = await acquireLock(file, { timeoutMs: 200 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'KUBECONFIG_LOCKED' });
    const e = err as { message: string; remedy: string };
    expect(e.message).toContain(lock);
    expect(e.message).toMatch(says);
    expect(e.remedy).toMatch(remedy);
    expect(e.remedy).toContain(lock);
    expect(await fs.readFile(lock, 'utf8')).toBe(content);
  });

  it("takes over the lock of a Paddock process of this host that was killed", async () => {
    await fs.writeFile(lockPathFor(file), `paddock pid=2147483000 host=${os.hostname()} id=x\n`);
    const release = await acquireLock(file, { timeoutMs: 200 });
    expect(await fs.readFile(lockPathFor(file), 'utf8')).toMatch(new RegExp(`^paddock pid=${process.pid} `));
    await release();
    expect(await exists(lockPathFor(file))).toBe(false);
    expect((await fs.readdir(path.dirname(file))).filter((f) => f.includes('.dead-'))).toEqual([]);
  });

  it('release leaves a lock that is no longer ours', async () => {
    const release = await acquireLock(file);
    await fs.writeFile(lockPathFor(file), 'someone else\n');
    await release();
    expect(await fs.readFile(lockPathFor(file), 'utf8')).toBe('someone else\n');
  });

  it('withKubeconfigLock takes every file in sorted order and releases them when fn throws', async () => {
    const files = [path.join(t.dir, 'b'), path.join(t.dir, 'a'), path.join(t.dir, 'b')];
    await expect(
      withKubeconfigLock(files, async () => {
        expect(await exists(lockPathFor(files[0] ?? ''))).toBe(true);
        expect(await exists(lockPathFor(files[1] ?? ''))).toBe(true);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await fs.readdir(t.dir)).not.toContain('a.lock');
    expect(await fs.readdir(t.dir)).not.toContain('b.lock');
  });

  it('a lock it cannot take on one file releases the ones it took', async () => {
    const a = path.join(t.dir, 'a');
    const b = path.join(t.dir, 'b');
    await fs.writeFile(lockPathFor(b), '');
    await expect(withKubeconfigLock([a, b], async () => 1, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'KUBECONFIG_LOCKED' });
    expect(await exists(lockPathFor(a))).toBe(false);
  });

  it('breakStaleLock removes only a lock older than a minute', async () => {
    const lock = lockPathFor(file);
    await fs.writeFile(lock, '');
    await expect(breakStaleLock(file)).rejects.toMatchObject({ code: 'KUBECONFIG_LOCKED', message: expect.stringContaining('old') });
    expect(await exists(lock)).toBe(true);
    const when = new Date(Date.now() - 120_000);
    await fs.utimes(lock, when, when);
    await breakStaleLock(file);
    expect(await exists(lock)).toBe(false);
    expect(await fs.readdir(t.dir)).toEqual(['home']); // nothing left aside
    const release = await acquireLock(file, { timeoutMs: 100 });
    await release();
  });
});
