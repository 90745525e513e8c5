/**
 * Several processes write the same kubeconfig at once: with kubectl's lock
 * and a re-read under it, no update is lost and the file stays valid.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseKubeconfig } from '../../../src/kube/kubeconfig/load.js';
import { useTempKube, writeText, type TempKube } from '../../../src/kube/kubeconfig/testing.js';
import { updateKubeconfig } from '../../../src/kube/kubeconfig/write.js';
import { upsertEntry } from '../../../src/kube/kubeconfig/edits.js';
import { upsertWorker } from './support.js';

let t: TempKube;
beforeEach(async () => {
  t = await useTempKube();
});
afterEach(async () => t.restore());

const names = (d: Record<string, unknown>, s: string) => ((d[s] as { name: string }[] | null) ?? []).map((e) => e.name).sort();

describe('concurrent writers', () => {
  it('3 processes x 20 upserts into one file: all 60 entries, a valid 0600 file, no leftovers', async () => {
    await writeText(t.config, 'apiVersion: v1\nkind: Config\nx-keep: {me: true}\ncurrent-context: ""\n');
    const env = { ...process.env, KUBECONFIG: t.config };
    const results = await Promise.all(['p1', 'p2', 'p3'].map((p) => upsertWorker(p, 20, env)));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'done 20\n' });
    const d = parseKubeconfig(await fs.readFile(t.config, 'utf8'), t.config);
    const want = ['p1', 'p2', 'p3'].flatMap((p) => Array.from({ length: 20 }, (_, i) => `${p}-${i}`)).sort();
    expect(names(d, 'contexts')).toEqual(want);
    expect(names(d, 'clusters')).toEqual(want);
    expect(names(d, 'users')).toEqual(want);
    expect(d['x-keep']).toEqual({ me: true });
    expect((await fs.stat(t.config)).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(path.dirname(t.config))).toEqual(['config']);
  }, 120_000);

  it('in-process writers racing (same process, many promises) lose nothing either', async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        updateKubeconfig((m) => ({ changes: [{ file: t.config, doc: upsertEntry(m.files[0]?.doc ?? {}, 'users', `u${i}`, { token: String(i) }) }], result: undefined }), {
          lock: { timeoutMs: 30_000 },
        }),
      ),
    );
    const d = parseKubeconfig(await fs.readFile(t.config, 'utf8'), t.config);
    expect(names(d, 'users')).toHaveLength(30);
  }, 60_000);

  it('an unparseable file is never rewritten, even with writers queued on it', async () => {
    const bad = 'apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: https://a\n';
    await writeText(t.config, bad);
    const env = { ...process.env, KUBECONFIG: t.config };
    const results = await Promise.all(['q1', 'q2'].map((p) => upsertWorker(p, 3, env)));
    for (const r of results) {
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`${t.config}, line 5`);
    }
    expect(await fs.readFile(t.config, 'utf8')).toBe(bad);
    expect(await fs.readdir(path.dirname(t.config))).toEqual(['config']);
  }, 60_000);
});
