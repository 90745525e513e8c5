/**
 * bench/ui: web mode from launch to interactive, the clusters screen with 10
 * clusters, and the idle CPU of the web-mode process. Real server, real
 * renderer, Debian's Chromium; the 10 clusters come from scripted handlers
 * (test/ui/fixtures.ts) so every machine can run it.
 *
 *   npx tsx bench/ui.ts [--runs 5]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureRendererBuilt, startWebServer } from '../src/server/index.js';
import { defaultRendererDir } from '../src/server/static-files.js';
import { EventBus } from '../src/core/events.js';
import { startWatchers } from '../src/core/watchers.js';
import { dockerRuntime } from '../src/provisioner/runtime/docker.js';
import { fixture } from '../test/ui/fixtures.js';
import { launchChromium } from '../test/ui/browser.js';
import { now, stats } from './lib.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

const fx = fixture();
fx.release();
while (fx.clusters.length < 10) {
  const i = fx.clusters.length;
  fx.clusters.push({ name: `bench-${i}`, status: 'running', kubernetesVersion: 'v1.36.3', apiServer: { host: '127.0.0.1', port: 42000 + i }, context: `paddock-bench-${i}`, nodes: [] });
}
await ensureRendererBuilt(defaultRendererDir(), () => {});
const browser = await launchChromium();
const launch: number[] = [];
const render: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const t0 = now();
    const srv = await startWebServer({ core: fx.core, bus: new EventBus() });
    const page = await browser.context.newPage();
    await page.goto(srv.url);
    await page.getByRole('table', { name: 'Clusters' }).getByRole('row').nth(10).waitFor();
    launch.push(now() - t0);
    const origin = new URL(srv.url).origin;
    await page.goto(`${origin}/#/settings`);
    await page.getByRole('heading', { name: 'Settings', level: 2 }).waitFor();
    const t1 = now();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' }).click();
    await page.getByRole('table', { name: 'Clusters' }).getByRole('row').nth(10).waitFor();
    render.push(now() - t1);
    await page.close();
    await srv.close();
  }
} finally {
  await browser.close();
}

// Idle: the web-mode process with its real watchers (Docker events, kubeconfig) and no page open.
const bus = new EventBus();
const stopWatching = startWatchers(dockerRuntime(), bus);
const srv = await startWebServer({ core: fx.core, bus });
await new Promise((r) => setTimeout(r, 2000));
const cpu0 = process.cpuUsage();
const wall0 = now();
await new Promise((r) => setTimeout(r, 20_000));
const cpu = process.cpuUsage(cpu0);
const idlePct = ((cpu.user + cpu.system) / 1000 / (now() - wall0)) * 100;
stopWatching();
await srv.close();

const l = stats(launch);
const r = stats(render);
const text = [
  `# bench/ui — ${new Date().toISOString()}`,
  '',
  `Machine: ${os.cpus().length} cores; Debian Chromium headless; ${RUNS} runs.`,
  '',
  '| figure | median | min | max | goal |',
  '|---|---|---|---|---|',
  `| web mode: server start → clusters table with 10 clusters | ${l.median.toFixed(0)} ms | ${l.min.toFixed(0)} ms | ${l.max.toFixed(0)} ms | ≤ 1500 ms |`,
  `| clusters screen with 10 clusters, from the sidebar | ${r.median.toFixed(0)} ms | ${r.min.toFixed(0)} ms | ${r.max.toFixed(0)} ms | ≤ 200 ms |`,
  `| idle CPU of the web-mode process, no page open, watchers on (20 s) | ${idlePct.toFixed(2)} % of a core | | | ≤ 0.5 % |`,
  '',
  'The Electron app cannot run on this machine (no binary); its main process runs the same core, watchers and dispatcher.',
  '',
].join('\n');
console.log(text);
fs.mkdirSync(path.join('bench', 'results'), { recursive: true });
fs.writeFileSync(path.join('bench', 'results', `ui-${new Date().toISOString().slice(0, 10)}.md`), text);
process.exit(0);
