/**
 * bench/lifecycle: how long `paddock start` takes to bring a stopped cluster
 * back to Ready (single node and 1+2, N runs each, `stop` timed as well), and
 * the idle memory of a single-node cluster beside kind's on the same node
 * image, both running at once and measured after the same idle time.
 * Prints a table and writes it to bench/results/.
 *
 *   npm run bench:lifecycle -- [--runs 3] [--shapes single,1+2] [--idle 300] [--image paddock/node:v1.36.3]
 *                              [--only start|memory] [--paddock-config FILE] [--no-kind]
 *
 * --paddock-config passes a cluster config to `paddock create` (kubeadmConfigPatches
 * are how settings were tried before they became defaults); --no-kind measures
 * Paddock's memory alone (for quick comparisons; the written table needs kind).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import Docker from 'dockerode';
import { execa } from 'execa';
import { arg, ensureKind, KIND_VERSION, kindBin, kindConfig, now, secs, stats, waitClusterReady } from './lib.js';

const RUNS = Number(arg('runs', '3'));
const IMAGE = arg('image', 'paddock/node:v1.36.3');
const SHAPES = arg('shapes', 'single,1+2').split(',');
const IDLE_S = Number(arg('idle', '300'));
const ONLY = arg('only', '');
const PADDOCK_CONFIG = arg('paddock-config', '');
const NO_KIND = process.argv.includes('--no-kind');
const docker = new Docker();

const workersOf = (shape: string) => (shape === 'single' ? 0 : Number(shape.split('+')[1]));

function paddock(args: string[], env: Record<string, string>) {
  return execa('node', ['bin/paddock.js', ...args], { env, reject: false, all: true });
}

/**
 * Back after a start: every node Ready as posted by its kubelet since t0
 * (the API first serves the Ready=True stored before the stop) and a CoreDNS
 * pod Ready whose container started since t0.
 */
async function waitFreshReady(kubeconfigPath: string, context: string, nodes: number, since: number, timeoutMs = 300_000): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  kc.setCurrentContext(context);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const after = (t?: Date) => !!t && new Date(t).getTime() >= since - 1000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const [ns, dns] = await Promise.all([core.listNode(), core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })]);
      const ready = ns.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && after(c.lastHeartbeatTime))).length;
      const dnsOk = dns.items.some(
        (p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && p.status?.containerStatuses?.some((s) => after(s.state?.running?.startedAt)),
      );
      if (ready === nodes && dnsOk) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`cluster ${context} not back ${timeoutMs / 1000}s after its start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface StartRun {
  shape: string;
  stopMs: number;
  commandMs: number;
  readyMs: number;
}

async function benchStart(shape: string, dir: string): Promise<StartRun[]> {
  const name = `bench-life-${shape.replace('+', 'w')}`;
  const env = { KUBECONFIG: path.join(dir, 'kubeconfig'), PADDOCK_HOME: path.join(dir, 'home') };
  const nodes = 1 + workersOf(shape);
  const c = await paddock(['create', '--name', name, '--image', IMAGE, '--workers', String(workersOf(shape)), ...(PADDOCK_CONFIG ? ['--config', PADDOCK_CONFIG] : [])], env);
  if (c.exitCode !== 0) throw new Error(`paddock create failed:\n${c.all}`);
  const runs: StartRun[] = [];
  try {
    await waitClusterReady(env.KUBECONFIG, `paddock-${name}`, nodes);
    for (let i = 0; i < RUNS; i++) {
      let t = now();
      const stop = await paddock(['stop', name], env);
      const stopMs = now() - t;
      if (stop.exitCode !== 0) throw new Error(`paddock stop failed:\n${stop.all}`);
      const since = Date.now();
      t = now();
      const start = await paddock(['start', name], env);
      const commandMs = now() - t;
      if (start.exitCode !== 0) throw new Error(`paddock start failed:\n${start.all}`);
      await waitFreshReady(env.KUBECONFIG, `paddock-${name}`, nodes, since);
      const readyMs = now() - t;
      runs.push({ shape, stopMs, commandMs, readyMs });
      console.log(`${shape.padEnd(7)} run ${i + 1}: stop ${secs(stopMs)} s, start command ${secs(commandMs)} s, Ready with CoreDNS ${secs(readyMs)} s`);
    }
  } finally {
    await paddock(['delete', name], env);
  }
  return runs;
}

/** The engine's figure, as `docker stats` shows it: usage minus inactive page cache (cgroup v1 and v2). */
async function containerMemory(id: string): Promise<number> {
  const s = (await docker.getContainer(id).stats({ stream: false })) as unknown as { memory_stats: { usage?: number; stats?: Record<string, number> } };
  const m = s.memory_stats;
  const inactive = m.stats?.total_inactive_file ?? m.stats?.inactive_file ?? 0;
  return (m.usage ?? 0) - (inactive < (m.usage ?? 0) ? inactive : 0);
}

async function clusterMemory(label: string): Promise<number> {
  const cs = await docker.listContainers({ all: false, filters: { label: [label] } });
  if (!cs.length) throw new Error(`no running container labelled ${label}`);
  let sum = 0;
  for (const c of cs) sum += await containerMemory(c.Id);
  return sum;
}

/**
 * The largest processes of a node by anonymous resident memory (RssAnon):
 * plain RSS also counts the binaries' file pages, which the kernel charges
 * to whichever cgroup read them first (on a shared machine, often another cluster).
 */
async function topProcesses(container: string): Promise<string> {
  const script = 'for s in /proc/[0-9]*/status; do awk \'/^Name:/{n=$2} /^RssAnon:/{print $2, n}\' "$s" 2>/dev/null; done | sort -rn | head -10';
  const r = await execa('docker', ['exec', container, 'sh', '-c', script], { reject: false });
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/))
    .map(([kb, comm]) => `${comm} ${Math.round(Number(kb) / 1024)}`)
    .join(', ');
}

interface MemoryResult {
  tool: 'paddock' | 'kind';
  samples: number[];
  top: string;
}

async function benchMemory(dir: string): Promise<MemoryResult[]> {
  const pName = 'bench-mem-p';
  const kName = 'bench-mem-k';
  const kubeconfig = path.join(dir, 'kubeconfig');
  const env = { KUBECONFIG: kubeconfig, PADDOCK_HOME: path.join(dir, 'home') };
  const cfg = path.join(dir, 'kind-single.yaml');
  fs.writeFileSync(cfg, kindConfig(0));
  try {
    const p = await paddock(['create', '--name', pName, '--image', IMAGE, ...(PADDOCK_CONFIG ? ['--config', PADDOCK_CONFIG] : [])], env);
    if (p.exitCode !== 0) throw new Error(`paddock create failed:\n${p.all}`);
    await waitClusterReady(kubeconfig, `paddock-${pName}`, 1);
    if (!NO_KIND) {
      const k = await execa(kindBin, ['create', 'cluster', '--name', kName, '--image', IMAGE, '--config', cfg], { env: { KUBECONFIG: kubeconfig }, reject: false, all: true });
      if (k.exitCode !== 0) throw new Error(`kind create failed:\n${k.all}`);
      await waitClusterReady(kubeconfig, `kind-${kName}`, 1);
    }
    console.log(`both ready; idle for ${IDLE_S} s …`);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const targets = [
      { tool: 'paddock' as const, label: `io.paddock.cluster=${pName}`, node: `${pName}-control-plane` },
      ...(NO_KIND ? [] : [{ tool: 'kind' as const, label: `io.x-k8s.kind.cluster=${kName}`, node: `${kName}-control-plane` }]),
    ];
    const results: MemoryResult[] = targets.map((t) => ({ tool: t.tool, samples: [], top: '' }));
    // Five samples 3 s apart, alternating, so a busy moment weighs on both.
    for (let i = 0; i < 5; i++) {
      for (const [j, t] of targets.entries()) results[j]!.samples.push(await clusterMemory(t.label));
      await new Promise((r) => setTimeout(r, 3000));
    }
    for (const [j, t] of targets.entries()) results[j]!.top = await topProcesses(t.node);
    for (const r of results) console.log(`${r.tool}: ${mib(stats(r.samples).median)} MiB (top RssAnon MiB: ${r.top})`);
    return results;
  } finally {
    await paddock(['delete', pName], env);
    if (!NO_KIND) await execa(kindBin, ['delete', 'cluster', '--name', kName], { env: { KUBECONFIG: kubeconfig }, reject: false });
  }
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

async function main(): Promise<void> {
  if (!NO_KIND && ONLY !== 'start') await ensureKind();
  const loadAtStart = load();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-'));
  const starts: StartRun[] = [];
  let memory: MemoryResult[] = [];
  try {
    if (ONLY !== 'memory') for (const shape of SHAPES) starts.push(...(await benchStart(shape, dir)));
    if (ONLY !== 'start') memory = await benchMemory(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const lines: string[] = [];
  lines.push(`# bench/lifecycle — ${new Date().toISOString()}`, '');
  lines.push(`Machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.release()}; image ${IMAGE}${PADDOCK_CONFIG ? `; Paddock config ${path.basename(PADDOCK_CONFIG)}` : ''}.`);
  lines.push(`Load average when the runs began: ${loadAtStart}; at the end: ${load()} (the team's clusters share the machine).`, '');
  if (starts.length) {
    lines.push(`## Start to Ready (${RUNS} runs per shape)`, '');
    lines.push('`paddock start` on a stopped cluster; "Ready" = every node Ready as posted by its kubelet after the start, and a CoreDNS pod Ready whose container started after it.', '');
    lines.push('| shape | start→Ready median s | min s | max s | `start` command median s | `stop` median s |', '|---|---|---|---|---|---|');
    for (const shape of SHAPES) {
      const rs = starts.filter((r) => r.shape === shape);
      if (!rs.length) continue;
      const r = stats(rs.map((x) => x.readyMs));
      lines.push(`| ${shape} | ${secs(r.median)} | ${secs(r.min)} | ${secs(r.max)} | ${secs(stats(rs.map((x) => x.commandMs)).median)} | ${secs(stats(rs.map((x) => x.stopMs)).median)} |`);
    }
    lines.push('');
  }
  if (memory.length) {
    lines.push(`## Idle memory of a single-node cluster (after ${IDLE_S} s idle, both clusters running at once)`, '');
    lines.push(`Sum of the cluster's containers' memory as the Docker stats API gives it (usage minus inactive page cache, as \`docker stats\`), median of 5 samples; kind ${KIND_VERSION} on the same node image.`, '');
    lines.push('| tool | median MiB | min MiB | max MiB | Paddock / kind |', '|---|---|---|---|---|');
    const p = memory.find((m) => m.tool === 'paddock');
    const k = memory.find((m) => m.tool === 'kind');
    for (const m of memory) {
      const s = stats(m.samples);
      lines.push(`| ${m.tool} | ${mib(s.median)} | ${mib(s.min)} | ${mib(s.max)} | ${m.tool === 'paddock' && p && k ? (stats(p.samples).median / stats(k.samples).median).toFixed(2) + '×' : ''} |`);
    }
    lines.push('', 'Largest processes in the node (anonymous resident memory, MiB):', '');
    for (const m of memory) lines.push(`- ${m.tool}: ${m.top}`);
    lines.push('');
  }
  const text = lines.join('\n');
  console.log('\n' + text);
  if (!NO_KIND && !PADDOCK_CONFIG) {
    const out = path.join('bench', 'results', `lifecycle-${new Date().toISOString().slice(0, 10)}.md`);
    fs.writeFileSync(out, text);
    console.log(`written to ${out}`);
  }
}

await main();
