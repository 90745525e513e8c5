import { writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDirFor, backupNameFor, backupOncePerDay, BACKUPS_KEPT } from './backup.js';
import { upsertEntry, setContextNamespace } from './edits.js';
import { parseKubeconfig } from './load.js';
import { testdata, useTempKube, writeText, type TempKube } from './testing.js';
import { updateKubeconfig, writeFileAtomic } from './write.js';

let t: TempKube;
beforeEach(async () => {
  t = await useTempKube();
});
afterEach(async () => t.restore());

const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;
const addUser = (name: string) => (m: Parameters<Parameters<typeof updateKubeconfig>[0]>[0]) => {
  const file = m.files[0]?.path ?? '';
  return { changes: [{ file, doc: upsertEntry(m.files[0]?.doc ?? {}, 'users', name, { token: name }) }], result: file };
};

describe('atomic write', () => {
  it('creates ~/.kube as 0700 and the file as 0600', async () => {
    await writeFileAtomic(t.config, 'a: 1\n');
    expect(await mode(path.dirname(t.config))).toBe(0o700);
    expect(await mode(t.config)).toBe(0o600);
  });

  it('narrows a 0644 file to 0600 and leaves no temporary file', async () => {
    await writeText(t.config, 'old: 1\n');
    await fs.chmod(t.config, 0o644);
    await writeFileAtomic(t.config, 'new: 1\n');
    expect(await mode(t.config)).toBe(0o600);
    expect(await fs.readFile(t.config, 'utf8')).toBe('new: 1\n');
    expect(await fs.readdir(path.dirname(t.config))).toEqual(['config']);
  });

  it('writes through a symlink and keeps the link', async () => {
    const real = path.join(t.dir, 'dotfiles', 'kubeconfig');
    await writeText(real, 'old: 1\n');
    await fs.mkdir(path.dirname(t.config), { recursive: true });
    await fs.symlink(real, t.config);
    await writeFileAtomic(t.config, 'new: 1\n');
    expect((await fs.lstat(t.config)).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(real, 'utf8')).toBe('new: 1\n');
  });
});

describe('updateKubeconfig', () => {
  it('a file that does not parse is left byte-identical, with the file and line in the error', async () => {
    const bad = await fs.readFile(testdata('invalid-unclosed-flow.yaml'), 'utf8');
    await writeText(t.config, bad);
    const before = await fs.stat(t.config);
    await expect(updateKubeconfig(addUser('u'))).rejects.toMatchObject({
      code: 'KUBECONFIG_INVALID',
      message: expect.stringContaining(`${t.config}, line 6`),
    });
    expect(await fs.readFile(t.config, 'utf8')).toBe(bad);
    expect((await fs.stat(t.config)).mtimeMs).toBe(before.mtimeMs);
    expect(await fs.readdir(path.dirname(t.config))).toEqual(['config']); // no lock, no temp
  });

  it('a broken file anywhere in KUBECONFIG stops the write to the others', async () => {
    const good = path.join(t.dir, 'good');
    const bad = path.join(t.dir, 'bad');
    await writeText(good, 'apiVersion: v1\nkind: Config\n');
    await writeText(bad, 'clusters: {a: 1}\n');
    process.env.KUBECONFIG = `${good}:${bad}`;
    await expect(updateKubeconfig(addUser('u'))).rejects.toMatchObject({ code: 'KUBECONFIG_INVALID' });
    expect(await fs.readFile(good, 'utf8')).toBe('apiVersion: v1\nkind: Config\n');
  });

  it('keeps every unknown field of a rich file through an edit', async () => {
    const src = await fs.readFile(testdata('valid-extensions.yaml'), 'utf8');
    await writeText(t.config, src);
    const { written } = await updateKubeconfig((m) => ({
      changes: [{ file: t.config, doc: setContextNamespace(m.files[0]?.doc ?? {}, 'prod', 'other') }],
      result: undefined,
    }));
    expect(written).toEqual([t.config]);
    const want = parseKubeconfig(src, 'x');
    ((want.contexts as { context: Record<string, unknown> }[])[0] as { context: Record<string, unknown> }).context.namespace = 'other';
    expect(parseKubeconfig(await fs.readFile(t.config, 'utf8'), 'x')).toEqual(want);
  });

  it('an unchanged document is not written', async () => {
    await writeText(t.config, 'apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: u}}]\n');
    const { written, backups } = await updateKubeconfig(addUser('u'));
    expect(written).toEqual([]);
    expect(backups).toEqual([]);
  });

  it('creates a missing ~/.kube/config', async () => {
    const { written } = await updateKubeconfig(addUser('first'));
    expect(written).toEqual([t.config]);
    expect(await fs.readFile(t.config, 'utf8')).toContain('name: first');
    expect(await mode(t.config)).toBe(0o600);
  });

  it('a plan that changes nothing does not create ~/.kube', async () => {
    const { written } = await updateKubeconfig(() => ({ changes: [], result: undefined }));
    expect(written).toEqual([]);
    await expect(fs.stat(path.dirname(t.config))).rejects.toThrow();
  });

  it.skipIf(process.getuid?.() === 0)('a read-only file later in KUBECONFIG does not block writes to the first (unlike kubectl #67676)', async () => {
    const mine = path.join(t.dir, 'mine', 'config');
    const shared = path.join(t.dir, 'shared', 'config');
    await writeText(mine, 'apiVersion: v1\nkind: Config\n');
    await writeText(shared, 'apiVersion: v1\nkind: Config\nusers: [{name: team, user: {token: t}}]\n');
    await fs.chmod(path.dirname(shared), 0o555);
    try {
      process.env.KUBECONFIG = `${mine}:${shared}`;
      await updateKubeconfig(addUser('me'));
      expect(await fs.readFile(mine, 'utf8')).toContain('name: me');
      await expect(
        updateKubeconfig((m) => ({ changes: [{ file: shared, doc: upsertEntry(m.files[1]?.doc ?? {}, 'users', 'team', { token: 'new' }) }], result: undefined })),
      ).rejects.toMatchObject({ code: 'KUBECONFIG_LOCKED', message: expect.stringContaining('read-only') });
    } finally {
      await fs.chmod(path.dirname(shared), 0o755);
    }
  });

  it('a writer that ignores the lock and changes the file meanwhile is not overwritten: plan again', async () => {
    await writeText(t.config, 'apiVersion: v1\nkind: Config\nusers: [{name: a, user: {}}]\n');
    let calls = 0;
    await updateKubeconfig((m) => {
      // The first time, an unlocked tool appends a user right after Paddock's read.
      if (calls++ === 0) writeFileSync(t.config, 'apiVersion: v1\nkind: Config\nusers: [{name: a, user: {}}, {name: sneaky, user: {}}]\n');
      return addUser('mine')(m);
    });
    expect(calls).toBe(2);
    const d = parseKubeconfig(await fs.readFile(t.config, 'utf8'), 'x');
    expect((d.users as { name: string }[]).map((u) => u.name)).toEqual(['a', 'sneaky', 'mine']);
  });

  it('a file that never stops changing under the lock is an error, not a blind write', async () => {
    await writeText(t.config, 'apiVersion: v1\nkind: Config\n');
    let n = 0;
    await expect(
      updateKubeconfig((m) => {
        writeFileSync(t.config, `apiVersion: v1\nkind: Config\nx: ${n++}\n`);
        return addUser('mine')(m);
      }),
    ).rejects.toMatchObject({ code: 'KUBECONFIG_LOCKED', message: expect.stringContaining('keeps changing') });
    expect(await fs.readFile(t.config, 'utf8')).toContain('x: 3');
  });

  it('a stale lock (over a minute old) stops the write with a message naming it; nothing is broken', async () => {
    await writeText(t.config, 'apiVersion: v1\nkind: Config\n');
    const lock = `${t.config}.lock`;
    await fs.writeFile(lock, '');
    const old = new Date(Date.now() - 5 * 60_000);
    await fs.utimes(lock, old, old);
    await expect(updateKubeconfig(addUser('u'), { lock: { timeoutMs: 200 } })).rejects.toMatchObject({
      code: 'KUBECONFIG_LOCKED',
      message: expect.stringMatching(/created 30\d s ago.*stale/),
      remedy: expect.stringContaining(`rm '${lock}'`),
    });
    expect(await fs.readFile(t.config, 'utf8')).toBe('apiVersion: v1\nkind: Config\n');
    expect(Math.abs((await fs.stat(lock)).mtimeMs - old.getTime())).toBeLessThan(1); // untouched
  });

  it('releases the lock when the plan throws', async () => {
    await expect(
      updateKubeconfig(() => {
        throw new Error('plan failed');
      }),
    ).rejects.toThrow('plan failed');
    await expect(fs.stat(`${t.config}.lock`)).rejects.toThrow();
  });

  it('backs the file up once a day, before the first change, in a private folder', async () => {
    const original = 'apiVersion: v1\nkind: Config\n';
    await writeText(t.config, original);
    const first = await updateKubeconfig(addUser('a'));
    expect(first.backups).toHaveLength(1);
    const b = first.backups[0] ?? '';
    expect(b).toBe(path.join(backupDirFor(t.config), backupNameFor(t.config, new Date())));
    expect(b.startsWith(path.join(process.env.PADDOCK_HOME ?? '', 'backups', 'kubeconfig'))).toBe(true);
    expect(await fs.readFile(b, 'utf8')).toBe(original);
    expect(await mode(b)).toBe(0o600);
    expect(await mode(path.dirname(b))).toBe(0o700);
    expect(await fs.readFile(path.join(path.dirname(b), 'source.txt'), 'utf8')).toBe(`${t.config}\n`);
    const second = await updateKubeconfig(addUser('b'));
    expect(second.backups).toEqual([]);
    expect(await fs.readFile(b, 'utf8')).toBe(original);
  });

  it(`keeps the newest ${BACKUPS_KEPT} daily backups`, async () => {
    for (let day = 1; day <= BACKUPS_KEPT + 3; day++) {
      expect(await backupOncePerDay(t.config, `day ${day}\n`, new Date(2026, 0, day))).toBeDefined();
    }
    expect(await backupOncePerDay(t.config, 'again\n', new Date(2026, 0, BACKUPS_KEPT + 3))).toBeUndefined();
    const names = (await fs.readdir(backupDirFor(t.config))).filter((n) => n.startsWith('config-'));
    expect(names).toHaveLength(BACKUPS_KEPT);
    expect(names.sort()[0]).toBe('config-20260104');
  });
});
