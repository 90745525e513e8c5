/**
 * bench/create: Paddock against kind on the same node image, alternating,
 * N runs each, from the command to all nodes Ready and CoreDNS available
 * (the same API check for both). Prints a table and Paddock's per-step
 * timings, and writes them to bench/results/.
 *
 *   npm run bench:create -- [--runs 3] [--shapes single,1+2] [--image paddock/node:v1.36.3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { arg, ensureKind, KIND_VERSION, kindBin, kindConfig, now, secs, stats, waitClusterReady } from './lib.js';

const RUNS = Number(arg('runs', '3'));
const IMAGE = arg('image', 'paddock/node:v1.36.3');
const SHAPES = arg('shapes', 'single,1+2').split(',');
function shapeWorkers(shape: string): number {
  return shape === 'single' ? 0 : Number(shape.split('+')[1]);
}

interface Run {
  tool: 'paddock' | 'kind';
  shape: string;
  commandMs: number;
  readyMs: number;
  steps: Record<string, number>;
}

async function runPaddock(shape: string, dir: string, i: number): Promise<Run> {
  const name = `bench-p${i}`;
  const env = { KUBECONFIG: path.join(dir, 'kubeconfig'), PADDOCK_HOME: path.join(dir, 'home') };
  const t0 = now();
  const r = await execa('node', ['bin/paddock.js', 'create', '--name', name, '--image', IMAGE, '--workers', String(shapeWorkers(shape))], { env, reject: false, all: true });
  const commandMs = now() - t0;
  if (r.exitCode !== 0) throw new Error(`paddock create failed:\n${r.all}`);
  await waitClusterReady(env.KUBECONFIG, `paddock-${name}`, 1 + shapeWorkers(shape));
  const readyMs = now() - t0;
  const steps: Record<string, number> = {};
  for (const m of String(r.all).matchAll(/✓ (.+?) \((\d+(?:\.\d+)?)s\)/g)) steps[m[1]!.replace(name, '<name>')] = Number(m[2]) * 1000;
  await execa('node', ['bin/paddock.js', 'delete', name], { env, reject: false });
  return { tool: 'paddock', shape, commandMs, readyMs, steps };
}

async function runKind(shape: string, dir: string, i: number): Promise<Run> {
  const name = `bench-k${i}`;
  const cfg = path.join(dir, `kind-${shape}.yaml`);
  fs.writeFileSync(cfg, kindConfig(shapeWorkers(shape)));
  const env = { KUBECONFIG: path.join(dir, 'kubeconfig') };
  const t0 = now();
  const r = await execa(kindBin, ['create', 'cluster', '--name', name, '--image', IMAGE, '--config', cfg], { env, reject: false, all: true });
  const commandMs = now() - t0;
  if (r.exitCode !== 0) throw new Error(`kind create failed:\n${r.all}`);
  await waitClusterReady(env.KUBECONFIG, `kind-${name}`, 1 + shapeWorkers(shape));
  const readyMs = now() - t0;
  await execa(kindBin, ['delete', 'cluster', '--name', name], { env, reject: false });
  return { tool: 'kind', shape, commandMs, readyMs, steps: {} };
}

let loadAtStart = '';

async function main(): Promise<void> {
  await ensureKind();
  loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-'));
  const runs: Run[] = [];
  // kind leaves its "kind" network behind on delete: removed at the end if this run made it.
  const kindNetworkExisted = (await execa('docker', ['network', 'inspect', 'kind'], { reject: false })).exitCode === 0;
  try {
    for (const shape of SHAPES) {
      for (let i = 0; i < RUNS; i++) {
        // Alternate, so a slow moment of the machine hits both tools.
        for (const tool of i % 2 === 0 ? (['paddock', 'kind'] as const) : (['kind', 'paddock'] as const)) {
          const run = tool === 'paddock' ? await runPaddock(shape, dir, i) : await runKind(shape, dir, i);
          runs.push(run);
          console.log(`${shape.padEnd(7)} ${tool.padEnd(8)} run ${i + 1}: ready in ${secs(run.readyMs)} s (command ${secs(run.commandMs)} s)`);
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    if (!kindNetworkExisted) await execa('docker', ['network', 'rm', 'kind'], { reject: false });
  }

  const lines: string[] = [];
  lines.push(`# bench/create — ${new Date().toISOString()}`, '');
  lines.push(`Machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.release()}; image ${IMAGE}; kind ${KIND_VERSION}; ${RUNS} runs each, alternating.`);
  lines.push(`Load average when the runs began: ${loadAtStart}; at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (other clusters on the machine slow both tools alike).`);
  lines.push('Time from the command to all nodes Ready and CoreDNS available (same API check for both).', '');
  lines.push('| shape | tool | median s | min s | max s | command median s | Paddock / kind |', '|---|---|---|---|---|---|---|');
  for (const shape of SHAPES) {
    const p = stats(runs.filter((r) => r.shape === shape && r.tool === 'paddock').map((r) => r.readyMs));
    const k = stats(runs.filter((r) => r.shape === shape && r.tool === 'kind').map((r) => r.readyMs));
    for (const [tool, s] of [['paddock', p], ['kind', k]] as const) {
      const cmd = stats(runs.filter((r) => r.shape === shape && r.tool === tool).map((r) => r.commandMs));
      lines.push(`| ${shape} | ${tool} | ${secs(s.median)} | ${secs(s.min)} | ${secs(s.max)} | ${secs(cmd.median)} | ${tool === 'paddock' ? (p.median / k.median).toFixed(2) + '×' : ''} |`);
    }
  }
  lines.push('', "Paddock's steps (median seconds):", '');
  for (const shape of SHAPES) {
    const pr = runs.filter((r) => r.shape === shape && r.tool === 'paddock');
    const names = [...new Set(pr.flatMap((r) => Object.keys(r.steps)))];
    lines.push(`- ${shape}: ` + names.map((n) => `${n} ${secs(stats(pr.map((r) => r.steps[n] ?? 0)).median)}`).join('; '));
  }
  const text = lines.join('\n') + '\n';
  console.log('\n' + text);
  const out = path.join('bench', 'results', `create-${new Date().toISOString().slice(0, 10)}.md`);
  fs.writeFileSync(out, text);
  console.log(`written to ${out}`);
}

await main();
