/**
 * bench/addons: for every addon of the catalog, on one fresh single-node
 * cluster, the time from `paddock addons enable` to healthy (the command
 * returns once its readiness checks pass), and the memory it adds:
 *  - Docker: node + addon host containers (docker stats), before/after;
 *  - pods: the working set of the addon's pods (metrics API, read at the end
 *    once metrics-server runs; dns and storage are on by default, so they
 *    are disabled and enabled again to be timed).
 * An addon whose enable fails (the dashboard where its image cannot be had)
 * is reported with its error and the time to fail and roll back.
 *
 *   npm run bench:addons [-- --keep]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { execa } from 'execa';
import { loadCatalog } from '../src/addons/catalog.js';
import { now, secs, waitClusterReady } from './lib.js';

const KEEP = process.argv.includes('--keep');
const NODE_IMAGE = process.env.PADDOCK_TEST_NODE_IMAGE ?? 'paddock/node:v1.36.3';
const name = `bench-addons-${Math.random().toString(36).slice(2, 6)}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-addons-'));
// A private kubeconfig and data folder; HOME stays (Go's caches for the addon images live there).
const env = { KUBECONFIG: path.join(dir, 'kubeconfig'), PADDOCK_HOME: path.join(dir, 'home') };
const context = `paddock-${name}`;

async function paddock(args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await execa('node', [path.resolve('bin/paddock.js'), ...args], { env, reject: false, all: true, timeout: 20 * 60_000 });
  return { ok: r.exitCode === 0, out: String(r.all ?? '') };
}

const MIB: Record<string, number> = { B: 1 / 1048576, KiB: 1 / 1024, kB: 1 / 1000 / 1.048576, MiB: 1, MB: 1 / 1.048576, GiB: 1024, GB: 1000 / 1.048576 };
function toMiB(text: string): number {
  const m = /^([\d.]+)\s*([A-Za-z]+)$/.exec(text.trim());
  return m ? Number(m[1]) * (MIB[m[2]!] ?? NaN) : NaN;
}

/** A Kubernetes memory quantity ("12345Ki", "23Mi", "1048576") in MiB. */
function quantityMiB(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(q);
  if (!m) return NaN;
  const factor = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 }[m[2] as 'Ki'] ?? 1;
  return (Number(m[1]) * factor) / 1024 ** 2;
}

/** Memory (MiB) of the cluster's node containers and its addons' host containers, from docker stats. */
async function dockerMemory(): Promise<number> {
  const ids = new Set<string>();
  for (const label of [`io.paddock.cluster=${name}`, `io.paddock.addon-of=${name}`]) {
    for (const id of (await execa('docker', ['ps', '-q', '--filter', `label=${label}`])).stdout.split('\n').filter(Boolean)) ids.add(id);
  }
  if (!ids.size) return 0;
  const r = await execa('docker', ['stats', '--no-stream', '--format', '{{.MemUsage}}', ...ids]);
  return r.stdout.split('\n').filter(Boolean).reduce((sum, line) => sum + toMiB(line.split('/')[0]!), 0);
}

/** Median of three samples a few seconds apart: docker stats of a busy node moves. */
async function settledMemory(): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 4000));
    xs.push(await dockerMemory());
  }
  return xs.sort((a, b) => a - b)[1]!;
}

interface Row {
  addon: string;
  ok: boolean;
  seconds: number;
  health: string;
  dockerMiB?: number;
  podMiB?: number;
  note: string;
}

const catalog = loadCatalog();
const order = ['metrics-server', 'storage', 'dns', 'ingress', 'load-balancer', 'registry', 'dashboard'].filter((a) => catalog.some((e) => e.spec.name === a));
for (const e of catalog) if (!order.includes(e.spec.name)) order.push(e.spec.name);

const load = os.loadavg()[0]!.toFixed(2);
console.log(`cluster ${name} (${NODE_IMAGE}), load ${load} …`);
const rows: Row[] = [];
try {
  const c = await paddock(['create', '--name', name, '--image', NODE_IMAGE, '--wait', '5m']);
  if (!c.ok) throw new Error(`create failed:\n${c.out}`);
  await waitClusterReady(env.KUBECONFIG, context, 1);
  for (const addon of order) {
    const entry = catalog.find((e) => e.spec.name === addon)!;
    let note = '';
    if (entry.spec.defaultEnabled) {
      const d = await paddock(['addons', 'disable', addon, '--cluster', name]);
      if (!d.ok) throw new Error(`disable ${addon} failed:\n${d.out}`);
      note = 'on by default: disabled, then timed';
    }
    const before = await settledMemory();
    const t0 = now();
    const r = await paddock(['addons', 'enable', addon, '--cluster', name]);
    const seconds = (now() - t0) / 1000;
    if (!r.ok) {
      const why = r.out.split('\n').find((l) => /could not be had|failed/.test(l))?.replace(/^\S*\s*/, '') ?? r.out.split('\n').slice(-3).join(' ');
      rows.push({ addon, ok: false, seconds, health: 'failed, rolled back', note: why.slice(0, 160) });
      console.log(`${addon}: FAILED after ${seconds.toFixed(1)} s: ${why.slice(0, 200)}`);
      continue;
    }
    const s = await paddock(['addons', 'status', addon, '--cluster', name, '-o', 'json']);
    const health = s.ok ? (JSON.parse(s.out.slice(s.out.indexOf('{'))) as { health: string }).health : 'unknown';
    const after = await settledMemory();
    rows.push({ addon, ok: true, seconds, health, dockerMiB: after - before, note });
    console.log(`${addon}: ${seconds.toFixed(1)} s to healthy (${health}), docker memory ${before.toFixed(0)} → ${after.toFixed(0)} MiB`);
  }

  // Pod working sets, through metrics-server (enabled first), once every addon runs.
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(env.KUBECONFIG);
  kc.setCurrentContext(context);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const metrics = new k8s.Metrics(kc);
  await new Promise((r) => setTimeout(r, 30_000)); // a metrics-server resolution or two
  for (const row of rows.filter((x) => x.ok)) {
    const entry = catalog.find((e) => e.spec.name === row.addon)!;
    let total = 0;
    let found = false;
    for (const check of entry.spec.readiness) {
      if (check.type !== 'rollout') continue;
      const w = check.kind === 'Deployment' ? await apps.readNamespacedDeployment({ name: check.name, namespace: check.namespace }) : await apps.readNamespacedDaemonSet({ name: check.name, namespace: check.namespace });
      const selector = Object.entries(w.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      const pm = await metrics.getPodMetrics(check.namespace).catch(() => undefined);
      const pods = (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: check.namespace, labelSelector: selector })).items.map((p) => p.metadata?.name);
      for (const item of pm?.items ?? []) {
        if (!pods.includes(item.metadata.name)) continue;
        found = true;
        total += item.containers.reduce((sum, ct) => sum + quantityMiB(ct.usage.memory), 0);
      }
    }
    if (found) row.podMiB = total;
  }
} finally {
  if (!KEEP) {
    await paddock(['delete', name]);
    fs.rmSync(dir, { recursive: true, force: true });
  } else console.log(`kept cluster ${name}; KUBECONFIG=${env.KUBECONFIG}`);
}

const mib = (x?: number) => (x === undefined || Number.isNaN(x) ? '—' : `${x.toFixed(0)} MiB`);
const table = [
  '| addon | enable → healthy | health | memory added (Docker: node + host containers) | addon pods (working set) | note |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.addon} | ${r.ok ? `${secs(r.seconds * 1000)} s` : `failed after ${secs(r.seconds * 1000)} s`} | ${r.health} | ${r.ok ? mib(r.dockerMiB) : '—'} | ${r.ok ? mib(r.podMiB) : '—'} | ${r.note.replace(/\|/g, '\\|')} |`),
].join('\n');
console.log(`\n${table}`);
const text = `# bench/addons — ${new Date().toISOString()}

Machine: ${os.cpus().length} cores, load ${load} at start (shared with other engineers' clusters); one single-node cluster (${NODE_IMAGE}), addons enabled one after the other in the order below.
"enable → healthy" is the wall time of \`paddock addons enable\`, which returns once the addon's readiness checks pass; addon images were already built (cached by input hash), so it includes loading them into the node but not compiling them.
Docker memory is the median of three \`docker stats\` samples of the node and addon host containers after minus before (noisy: other pods of the node move too); pod working sets come from metrics-server at the end.

${table}
`;
fs.mkdirSync(path.join('bench', 'results'), { recursive: true });
fs.writeFileSync(path.join('bench', 'results', 'addons-2026-11-26.md'), text);
