/**
 * bench/exec: how quickly the GUI's terminal answers (issue 11). Through the
 * core's exec session (the same calls the GUI makes, without the browser):
 * opening a session until the shell's prompt arrives, and the echo of one
 * keystroke (execInput → exec.output), N times; plus a `cat` of 1 MiB of
 * output. Makes one cluster (deleted at the end) unless --context names an
 * existing one. Writes bench/results/exec-<date>.md.
 *
 *   npx tsx bench/exec.ts [--keys 200] [--context CTX]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ensureBusyboxImage } from '../test/support/busybox-image.js';
import { waitFor } from '../test/support/kube.js';
import { workloadHandlers } from '../src/kube/resources/handlers.js';
import type { OpContext, PushEvent } from '../src/shared/api.js';
import { arg, now, stats } from './lib.js';

const KEYS = Number(arg('keys', '200'));
const given = arg('context', '');
const cluster = `bench-exec-${process.pid}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-exec-'));
const env = { ...process.env, PADDOCK_HOME: path.join(dir, 'home'), ...(given ? {} : { KUBECONFIG: path.join(dir, 'kubeconfig') }) } as Record<string, string>;
const context = given || `paddock-${cluster}`;
const paddock = (args: string[]) => execa('node', [path.resolve('bin/paddock.js'), ...args], { env, all: true });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ctx: OpContext = { progress: () => undefined, opId: 'bench' };

let listener: ((e: PushEvent) => void) | undefined;
const h = workloadHandlers({ emit: (e) => listener?.(e) });
const started = new Date().toISOString();
try {
  const image = await ensureBusyboxImage();
  if (!given) {
    const r = await paddock(['create', '--name', cluster, '--wait', '5m']);
    if (r.exitCode !== 0) throw new Error(r.all);
    await paddock(['load-image', image, '--cluster', cluster]);
  }
  process.env.KUBECONFIG = env.KUBECONFIG;
  const pod = `paddock-bench-exec-${process.pid}`;
  await h.applyYaml({ context, yaml: `apiVersion: v1\nkind: Pod\nmetadata: {name: ${pod}, namespace: default}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers:\n  - {name: main, image: ${image}, imagePullPolicy: Never, command: [sleep, "3600"]}\n` }, ctx);
  await waitFor('the pod running', 120_000, async () => (await h.listResources({ context, kind: 'Pod', namespace: 'default' }, ctx)).rows.some((r) => r.name === pod && r.status === 'Running'));

  const opens: number[] = [];
  for (let i = 0; i < 5; i++) {
    let prompt!: () => void;
    const seen = new Promise<void>((r) => (prompt = r));
    let id = '';
    let text = '';
    listener = (e) => {
      if (e.type === 'exec.output' && (!id || e.sessionId === id) && (text += e.data).includes('# ')) prompt();
    };
    const t0 = now();
    id = (await h.execOpen({ context, namespace: 'default', pod, cols: 80, rows: 24 }, ctx)).sessionId;
    await seen;
    opens.push(now() - t0);
    await h.execClose({ sessionId: id }, ctx);
  }

  const { sessionId } = await h.execOpen({ context, namespace: 'default', pod, cols: 80, rows: 24 }, ctx);
  let out = '';
  listener = (e) => {
    if (e.type === 'exec.output' && e.sessionId === sessionId) out += e.data;
  };
  await new Promise((r) => setTimeout(r, 1000));
  const echoes: number[] = [];
  for (let i = 0; i < KEYS; i++) {
    const ch = 'abcdefghijklmnopqrstuvwxyz'[i % 26]!;
    const before = out.length;
    const t0 = now();
    await h.execInput({ sessionId, data: ch }, ctx);
    while (!out.slice(before).includes(ch)) await new Promise((r) => setImmediate(r));
    echoes.push(now() - t0);
  }
  await h.execInput({ sessionId, data: '\u0015' }, ctx); // Ctrl-U: drop the typed line
  out = '';
  const t1 = now();
  await h.execInput({ sessionId, data: "busybox head -c 1048576 /dev/zero | busybox tr '\\0' x; echo; echo END-OF-BULK\r" }, ctx);
  while (!/END-OF-BULK\r?\n/.test(out.slice(-40))) await new Promise((r) => setTimeout(r, 5));
  const bulkMs = now() - t1;
  await h.execClose({ sessionId }, ctx);
  await h.deletePod({ context, namespace: 'default', name: pod }, ctx);

  const o = stats(opens);
  const e = stats(echoes);
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
  const lines = [
    `# bench/exec — ${started}`,
    '',
    `Core exec sessions (the GUI terminal's calls, no browser) against ${given ? `context ${given}` : 'a new one-node Paddock cluster'}; machine load ${load} (2 cores, shared).`,
    '',
    '| what | runs | median | p99 / max |',
    '|---|---|---|---|',
    `| open a session until the shell prompt | ${opens.length} | ${o.median.toFixed(0)} ms | max ${o.max.toFixed(0)} ms |`,
    `| one keystroke's echo (execInput → exec.output) | ${echoes.length} | ${e.median.toFixed(1)} ms | p99 ${pct(echoes, 99).toFixed(1)} ms |`,
    `| 1 MiB of output through the terminal | 1 | ${bulkMs.toFixed(0)} ms (${(1 / (bulkMs / 1000)).toFixed(1)} MiB/s) | |`,
    '',
    'The echo includes the 8 ms gathering of output before a push (see src/kube/resources/handlers.ts).',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(path.join('bench/results', `exec-${started.slice(0, 10)}.md`), lines.join('\n'));
} finally {
  h.stopAll();
  if (!given) await paddock(['delete', cluster]).catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
}
