/**
 * bench/forward: the same pod, the same cluster, through Paddock's forward
 * (`paddock forward start`, its own process) and through `kubectl
 * port-forward`: throughput of one large download and latency of small
 * requests, each on a new connection. Makes one cluster (deleted at the
 * end) unless --context names an existing one with the busybox image loaded.
 *
 *   npx tsx bench/forward.ts [--mb 256] [--requests 200] [--context CTX]
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { ensureBusyboxImage } from '../test/support/busybox-image.js';
import { clients, waitFor } from '../test/support/kube.js';
import { freePort } from '../src/provisioner/ports.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const MB = Number(arg('mb', '256'));
const REQUESTS = Number(arg('requests', '200'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-fwd-'));
const given = arg('context', '');
const cluster = `bench-fwd-${process.pid}`;
const env = { ...process.env, PADDOCK_HOME: path.join(dir, 'home'), ...(given ? {} : { KUBECONFIG: path.join(dir, 'kubeconfig') }) } as Record<string, string>;
const context = given || `paddock-${cluster}`;
const paddock = (args: string[]) => execa('node', [path.resolve('bin/paddock.js'), ...args], { env, all: true });

function fetchOnce(port: number, p: string): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => (res.statusCode === 200 ? resolve({ bytes, ms: performance.now() - t0 }) : reject(new Error(`HTTP ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function measure(label: string, port: number) {
  console.log(`measuring ${label} on 127.0.0.1:${port} …`);
  await waitFor(`${label} to answer`, 60_000, async () => (await fetchOnce(port, '/small').catch(() => undefined)) !== undefined);
  const throughput: number[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await fetchOnce(port, '/big');
    if (r.bytes !== MB * 1024 * 1024) throw new Error(`${label}: got ${r.bytes} bytes`);
    throughput.push(r.bytes / 1024 / 1024 / (r.ms / 1000));
  }
  const lat: number[] = [];
  for (let i = 0; i < REQUESTS; i++) lat.push((await fetchOnce(port, '/small')).ms);
  return { label, mbps: Math.max(...throughput), p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function main() {
  let fg: ResultPromise | undefined;
  let kubectl: ResultPromise | undefined;
  try {
    const img = await ensureBusyboxImage();
    if (!given) {
      console.log(`creating cluster ${cluster} …`);
      await paddock(['create', '--name', cluster, '--wait', '5m']);
      await paddock(['load-image', img, '--cluster', cluster]);
    }
    const api = clients(env.KUBECONFIG ?? path.join(os.homedir(), '.kube', 'config'), context);
    await api.core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'paddock-bench' },
        spec: {
          containers: [
            {
              name: 'web',
              image: img,
              imagePullPolicy: 'Never',
              command: ['sh', '-c', `mkdir -p /www && echo x > /www/small && head -c ${MB * 1024 * 1024} /dev/zero > /www/big && touch /tmp/ready && exec httpd -f -p 8080 -h /www`],
              readinessProbe: { exec: { command: ['sh', '-c', 'test -f /tmp/ready'] }, periodSeconds: 1 },
            },
          ],
        },
      },
    });
    console.log('waiting for pod paddock-bench …');
    await waitFor('pod paddock-bench Ready', 180_000, async () => (await api.core.readNamespacedPod({ name: 'paddock-bench', namespace: 'default' })).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

    const pPort = await freePort();
    await paddock(['forward', 'add', 'pod/paddock-bench', `${pPort}:8080`, '--context', context]);
    fg = execa('node', [path.resolve('bin/paddock.js'), 'forward', 'start', '--all'], { env, reject: false });
    const paddockResult = await measure('paddock forward', pPort);

    const kPort = await freePort();
    kubectl = execa('kubectl', ['--context', context, 'port-forward', 'pod/paddock-bench', `${kPort}:8080`], { env, reject: false });
    const kubectlResult = await measure('kubectl port-forward', kPort);

    const rows = [paddockResult, kubectlResult];
    console.log(`\n${MB} MB download (best of 2) and ${REQUESTS} small requests, each on a new connection:`);
    console.log('path                     MB/s     p50 ms   p99 ms');
    for (const r of rows) console.log(`${r.label.padEnd(24)} ${r.mbps.toFixed(1).padStart(7)}  ${r.p50.toFixed(1).padStart(7)}  ${r.p99.toFixed(1).padStart(7)}`);
    console.log(`throughput ratio paddock/kubectl: ${(paddockResult.mbps / kubectlResult.mbps).toFixed(2)}×`);
    fs.mkdirSync('bench/results', { recursive: true });
    fs.writeFileSync(path.join('bench/results', `forward-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.json`), JSON.stringify({ mb: MB, requests: REQUESTS, rows }, null, 2) + '\n');
  } finally {
    fg?.kill('SIGINT');
    kubectl?.kill('SIGINT');
    await fg?.catch(() => undefined);
    if (!given) await paddock(['delete', cluster]).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
