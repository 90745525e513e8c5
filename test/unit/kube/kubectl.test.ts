/**
 * Paddock against the real kubectl on the same files: kubectl reads what
 * Paddock writes, both respect one lock, and 200 interleaved updates from
 * both lose nothing. Runs only where a kubectl binary exists
 * ($PADDOCK_KUBECTL, or kubectl on PATH); says so loudly otherwise.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contextHandlers } from '../../../src/kube/contexts.js';
import { parseKubeconfig } from '../../../src/kube/kubeconfig/load.js';
import { acquireLock } from '../../../src/kube/kubeconfig/lock.js';
import { useTempKube, writeText, type TempKube } from '../../../src/kube/kubeconfig/testing.js';
import { upsertPaddockCluster } from '../../../src/kube/paddock-entries.js';
import type { OpContext } from '../../../src/shared/api.js';
import { run, upsertWorker } from './support.js';

function findKubectl(): string | undefined {
  const candidates = [process.env.PADDOCK_KUBECTL, 'kubectl'].filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      execFileSync(c, ['version', '--client'], { stdio: 'ignore' });
      return c;
    } catch {
      // try the next
    }
  }
  return undefined;
}

const kubectl = findKubectl();
if (!kubectl) {
  console.warn('SKIPPED kubectl compatibility tests: no kubectl binary (set PADDOCK_KUBECTL, or build one with the node-image kit)');
}

let t: TempKube;
const ctx = { opId: 't', progress: () => undefined } as unknown as OpContext;
beforeEach(async () => {
  t = await useTempKube();
});
afterEach(async () => t.restore());

const env = () => ({ ...process.env, KUBECONFIG: process.env.KUBECONFIG ?? t.config });
const kc = (...args: string[]) => run(kubectl ?? 'kubectl', args, env());
const contextNames = async () => (await kc('config', 'get-contexts', '-o', 'name')).stdout.split('\n').filter(Boolean).sort();
const creds = { server: 'https://127.0.0.1:40001', certificateAuthorityData: 'Q0E=', clientCertificateData: 'Q0VSVA==', clientKeyData: 'S0VZ' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!kubectl)(`with the real kubectl (${kubectl ?? 'absent'})`, () => {
  it('kubectl reads what Paddock writes, including current-context and namespace', async () => {
    await upsertPaddockCluster({ cluster: 'dev', ...creds });
    await contextHandlers.setContextNamespace({ context: 'paddock-dev', namespace: 'apps' }, ctx);
    expect(await contextNames()).toEqual(['paddock-dev']);
    expect((await kc('config', 'current-context')).stdout.trim()).toBe('paddock-dev');
    expect((await kc('config', 'view', '--minify', '-o', 'jsonpath={.contexts[0].context.namespace}')).stdout).toBe('apps');
  });

  it("kubectl is refused while Paddock holds the lock (kubectl does not wait), and the file is unchanged", async () => {
    await upsertPaddockCluster({ cluster: 'dev', ...creds });
    const before = await fs.readFile(t.config, 'utf8');
    const release = await acquireLock(t.config);
    try {
      const r = await kc('config', 'set-context', 'sneaky', '--cluster=x');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`${t.config}.lock`);
    } finally {
      await release();
    }
    expect(await fs.readFile(t.config, 'utf8')).toBe(before);
  });

  it('Paddock waits while kubectl-style lock is held, then writes', async () => {
    await writeText(`${t.config}.lock`, '');
    setTimeout(() => void fs.unlink(`${t.config}.lock`), 300);
    await upsertPaddockCluster({ cluster: 'dev', ...creds });
    expect(await contextNames()).toEqual(['paddock-dev']);
  });

  it('same file choices as kubectl with KUBECONFIG=a:b (use-context, rename-context)', async () => {
    const a = path.join(t.dir, 'a');
    const b = path.join(t.dir, 'b');
    // (user: y would be the boolean true to kubectl's YAML 1.1 reader)
    const fileA = 'apiVersion: v1\nkind: Config\ncontexts:\n- {name: ca, context: {cluster: x, user: u}}\n';
    const fileB = 'apiVersion: v1\nkind: Config\ncontexts:\n- {name: cb, context: {cluster: x, user: u}}\ncurrent-context: cb\n';
    const outcome = async (act: () => Promise<unknown>) => {
      await writeText(a, fileA);
      await writeText(b, fileB);
      await act();
      const pa = parseKubeconfig(await fs.readFile(a, 'utf8'), a);
      const pb = parseKubeconfig(await fs.readFile(b, 'utf8'), b);
      const pick = (d: Record<string, unknown>) => ({ current: d['current-context'] ?? '', contexts: ((d.contexts as { name: string }[]) ?? []).map((c) => c.name) });
      const effective = (pick(pa).current || pick(pb).current) as string;
      return { a: pick(pa), b: pick(pb), effective };
    };
    process.env.KUBECONFIG = `${a}:${b}`;
    // exact: the same bytes land in the same files. Otherwise the same
    // contexts per file and the same effective current-context: kubectl
    // writes the renamed current-context into the first file and leaves a
    // dangling `current-context: cb` in b; Paddock renames it where it is.
    const cases: { name: string; exact: boolean; kubectl: string[]; paddock: () => Promise<unknown> }[] = [
      { name: 'use-context', exact: true, kubectl: ['config', 'use-context', 'ca'], paddock: () => contextHandlers.useContext({ name: 'ca' }, ctx) },
      { name: 'rename current', exact: false, kubectl: ['config', 'rename-context', 'cb', 'renamed'], paddock: () => contextHandlers.renameContext({ from: 'cb', to: 'renamed' }, ctx) },
      { name: 'rename other', exact: true, kubectl: ['config', 'rename-context', 'ca', 'renamed'], paddock: () => contextHandlers.renameContext({ from: 'ca', to: 'renamed' }, ctx) },
    ];
    for (const c of cases) {
      const theirs = await outcome(async () => {
        const r = await kc(...c.kubectl);
        expect(r.code, r.stderr).toBe(0);
      });
      const ours = await outcome(c.paddock);
      if (c.exact) expect(ours, c.name).toEqual(theirs);
      else expect({ a: ours.a.contexts, b: ours.b.contexts, effective: ours.effective }, c.name).toEqual({ a: theirs.a.contexts, b: theirs.b.contexts, effective: theirs.effective });
    }
  });

  it('kubectl drops fields it does not know when it writes; Paddock keeps them', async () => {
    const rich = 'apiVersion: v1\nkind: Config\nx-vendor: {keep: 1}\ncontexts:\n- {name: a, context: {cluster: x, user: u}, note: mine}\n';
    await writeText(t.config, rich);
    await contextHandlers.setContextNamespace({ context: 'a', namespace: 'n' }, ctx);
    const ours = await fs.readFile(t.config, 'utf8');
    expect(ours).toContain('x-vendor');
    expect(ours).toContain('note: mine');
    await kc('config', 'set-context', 'a', '--namespace=m');
    expect(await fs.readFile(t.config, 'utf8')).not.toContain('x-vendor');
  });

  it('200 interleaved updates: Paddock cluster entries (in another process) and kubectl set-context on one file lose no entry', async () => {
    await writeText(t.config, 'apiVersion: v1\nkind: Config\n');
    let kubectlRetries = 0;
    const kubectlLoop = async () => {
      for (let i = 0; i < 100; i++) {
        for (;;) {
          const r = await kc('config', 'set-context', `kc-${i}`, '--cluster=kc-cluster', '--user=kc-user', `--namespace=ns-${i}`);
          if (r.code === 0) break;
          // kubectl gives up at once on a held lock ("…config.lock: file exists"); a script retries.
          if (!/\.lock/.test(r.stderr)) throw new Error(`kubectl failed: ${r.stderr}`);
          kubectlRetries++;
          await sleep(5 + Math.random() * 10);
        }
      }
    };
    const [paddock] = await Promise.all([upsertWorker('pd', 100, env(), 'paddock'), kubectlLoop()]);
    expect(paddock.code, paddock.stderr).toBe(0);
    const names = await contextNames();
    expect(names.filter((n) => n.startsWith('kc-'))).toHaveLength(100);
    expect(names.filter((n) => n.startsWith('paddock-pd-')), paddock.stdout).toHaveLength(100);
    const d = parseKubeconfig(await fs.readFile(t.config, 'utf8'), t.config);
    expect(((d.clusters as unknown[]) ?? []).length).toBe(100);
    expect(((d.users as unknown[]) ?? []).length).toBe(100);
    expect((await fs.stat(t.config)).mode & 0o777).toBe(0o600);
    console.info(`kubectl hit Paddock's lock ${kubectlRetries} times and retried; Paddock ${paddock.stdout.trim()} (entries kubectl's stale read deleted)`);
  }, 300_000);
});
