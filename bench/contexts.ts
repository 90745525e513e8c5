/**
 * bench/contexts: how long `context list` takes (issue 13) with 50 contexts
 * spread over two kubeconfig files, without probing (files only, no cluster
 * contacted; target ≤ 200 ms) and with --probe against local stand-in API
 * servers that answer, refuse the token, hang, or are closed (target ≤ 3 s
 * whatever they do). Both the in-process core call and the whole CLI
 * command (a new process) are timed. Writes bench/results/contexts-<date>.md.
 *
 *   npx tsx bench/contexts.ts [--runs 5]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { listContextInfos, PROBE_TIMEOUT_MS } from '../src/kube/contexts.js';
import { closedPortUrl, json, startBlackhole, startHttpServer } from '../src/kube/testing-servers.js';
import { arg, now, stats } from './lib.js';

const RUNS = Number(arg('runs', '5'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-ctx-'));

const ok = await startHttpServer((req, res) => {
  if (req.headers.authorization !== 'Bearer good') return json(res, 401, { kind: 'Status', code: 401 });
  return json(res, 200, req.url === '/version' ? { gitVersion: 'v1.36.3' } : { kind: 'APIVersions' });
});
const hole = await startBlackhole();
const closed = await closedPortUrl();

// 50 contexts: 20 answering, 10 with a wrong token, 10 hung, 10 on a closed port; half in each file.
const kinds = [...Array(20).fill('ok'), ...Array(10).fill('unauth'), ...Array(10).fill('hung'), ...Array(10).fill('closed')] as string[];
const files = [path.join(dir, 'a.yaml'), path.join(dir, 'b.yaml')];
for (const [fi, file] of files.entries()) {
  const mine = kinds.map((k, i) => ({ k, i })).filter(({ i }) => i % 2 === fi);
  const server = (k: string) => (k === 'hung' ? hole.url : k === 'closed' ? closed : ok.url);
  fs.writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      ...mine.map(({ k, i }) => `- {name: c${i}, cluster: {server: '${server(k)}'}}`),
      'users:',
      `- {name: good${fi}, user: {token: good}}`,
      `- {name: bad${fi}, user: {token: bad}}`,
      'contexts:',
      ...mine.map(({ k, i }) => `- {name: ctx-${String(i).padStart(2, '0')}-${k}, context: {cluster: c${i}, user: ${k === 'unauth' ? `bad${fi}` : `good${fi}`}}}`),
      ...(fi === 0 ? ['current-context: ctx-00-ok'] : []),
      '',
    ].join('\n'),
  );
}
process.env.KUBECONFIG = files.join(path.delimiter);
const env = { ...process.env, PADDOCK_HOME: path.join(dir, 'home') } as Record<string, string>;

const rows: { what: string; ms: number[] }[] = [];
const time = async (what: string, fn: () => Promise<unknown>) => {
  const ms: number[] = [];
  await fn(); // warm-up (module loading, first file read)
  for (let i = 0; i < RUNS; i++) {
    const t0 = now();
    await fn();
    ms.push(now() - t0);
  }
  rows.push({ what, ms });
};

let lastProbe: Awaited<ReturnType<typeof listContextInfos>> | undefined;
await time('core: list 50 contexts, no probe', () => listContextInfos());
await time('core: list 50 contexts, --probe', async () => (lastProbe = await listContextInfos({ probe: true })));
await time('CLI process: paddock --version (start-up baseline)', () => execa('node', [path.resolve('bin/paddock.js'), '--version'], { env }));
await time('CLI process: context list (50)', () => execa('node', [path.resolve('bin/paddock.js'), 'context', 'list'], { env }));
await time('CLI process: context list --probe (50)', () => execa('node', [path.resolve('bin/paddock.js'), 'context', 'list', '--probe'], { env }));

const states = new Map<string, { n: number; ms: number[] }>();
for (const c of lastProbe?.contexts ?? []) {
  const s = states.get(c.probe!.state) ?? { n: 0, ms: [] };
  s.n++;
  s.ms.push(c.probe!.ms);
  states.set(c.probe!.state, s);
}

const load = os.loadavg()[0]!.toFixed(1);
const lines = [
  `# context list: 50 contexts, ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Machine: ${os.cpus().length} cores, load average ${load} (shared with other engineers' clusters); ${RUNS} runs after a warm-up. Two kubeconfig files; 20 contexts answer, 10 have a wrong token, 10 hang (accept, never answer), 10 are on a closed port. Probe deadline per context: ${PROBE_TIMEOUT_MS} ms, all in parallel.`,
  '',
  '| what | median ms | min ms | max ms | target |',
  '|---|---|---|---|---|',
  ...rows.map((r) => {
    const s = stats(r.ms);
    const target = r.what.startsWith('core') ? (r.what.includes('--probe') ? '≤ 3000' : '≤ 200') : 'process start-up included: compare with the baseline';
    return `| ${r.what} | ${s.median.toFixed(1)} | ${s.min.toFixed(1)} | ${s.max.toFixed(1)} | ${target} |`;
  }),
  '',
  'States of the last in-process probe (per-context ms):',
  '',
  '| state | contexts | median ms | max ms |',
  '|---|---|---|---|',
  ...[...states.entries()].map(([state, s]) => `| ${state} | ${s.n} | ${stats(s.ms).median.toFixed(0)} | ${stats(s.ms).max.toFixed(0)} |`),
  '',
];
const text = lines.join('\n');
console.log(text);
const out = path.join('bench', 'results', `contexts-${new Date().toISOString().slice(0, 10)}.md`);
fs.writeFileSync(out, text);
console.log(`written ${out}`);
await Promise.all([ok.close(), hole.close()]);
fs.rmSync(dir, { recursive: true, force: true });
