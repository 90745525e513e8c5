/**
 * bench/forward: the same pod, the same cluster, through Paddock's forward
 * on its direct path (NAT rule in the node container) and on its API path
 * (PADDOCK_FORWARD_PATH=api; SPDY session, and v4 WebSockets with
 * PADDOCK_FORWARD_API=v4), each `paddock forward start` in its own
 * process, and through `kubectl port-forward`: throughput of one large
 * download and latency of small requests, each on a new connection. The
 * paths run in alternating rounds so that the load of the machine (shared
 * with other clusters) hits them alike. A reference row reads straight from
 * the node's rule address (no forward process): the ceiling of this reader.
 * Makes one cluster (deleted at the end) unless --context names an existing
 * one with the busybox image loaded. Writes bench/results/forward-<date>.md.
 *
 *   npx tsx bench/forward.ts [--mb 256] [--requests 200] [--rounds 3] [--context CTX] [--reader curl|node]
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { ensureBusyboxImage } from '../test/support/busybox-image.js';
import { clients, waitFor } from '../test/support/kube.js';
import { freePort } from '../src/provisioner/ports.js';
import { arg } from './lib.js';

const MB = Number(arg('mb', '256'));
const REQUESTS = Number(arg('requests', '200'));
const ROUNDS = Number(arg('rounds', '3'));
const POD = `paddock-bench-${process.pid}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-fwd-'));
const given = arg('context', '');
const cluster = `bench-fwd-${process.pid}`;
const env = { ...process.env, PADDOCK_HOME: path.join(dir, 'home'), ...(given ? {} : { KUBECONFIG: path.join(dir, 'kubeconfig') }) } as Record<string, string>;
const context = given || `paddock-${cluster}`;
const paddock = (args: string[]) => execa('node', [path.resolve('bin/paddock.js'), ...args], { env, all: true });

function fetchOnce(port: number, p: string, host = '127.0.0.1'): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path: p, agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => (res.statusCode === 200 ? resolve({ bytes, ms: performance.now() - t0 }) : reject(new Error(`HTTP ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

interface Path {
  label: string;
  port: number;
  host?: string;
  mbps: number[];
  lat: number[];
}

/** The large download's reader: curl (C, its own process, so the bench's Node thread does not cap every path) when installed, else Node's http. */
const READER = arg('reader', '') || ((await execa('curl', ['--version'], { reject: false }).catch(() => ({ exitCode: 1 }))).exitCode === 0 ? 'curl' : 'node');

async function curlOnce(port: number, p: string, host = '127.0.0.1'): Promise<{ bytes: number; ms: number }> {
  const r = await execa('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', `http://${host}:${port}${p}`]);
  const [code, bytes, secs] = r.stdout.trim().split(' ');
  if (code !== '200') throw new Error(`HTTP ${code}`);
  return { bytes: Number(bytes), ms: Number(secs) * 1000 };
}

async function big(p: Path) {
  const r = await (READER === 'curl' ? curlOnce : fetchOnce)(p.port, '/big', p.host);
  if (r.bytes !== MB * 1024 * 1024) throw new Error(`${p.label}: got ${r.bytes} bytes`);
  p.mbps.push(r.bytes / 1024 / 1024 / (r.ms / 1000));
}

async function small(p: Path, n: number) {
  for (let i = 0; i < n; i++) p.lat.push((await fetchOnce(p.port, '/small', p.host)).ms);
}

const median = (xs: number[]) => pct(xs, 50);

async function main() {
  let fg: ResultPromise | undefined;
  let fgApi: ResultPromise | undefined;
  let fgV4: ResultPromise | undefined;
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
        metadata: { name: POD },
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
    console.log(`waiting for pod ${POD} …`);
    await waitFor(`pod ${POD} Ready`, 180_000, async () => (await api.core.readNamespacedPod({ name: POD, namespace: 'default' })).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

    const pPort = await freePort();
    await paddock(['forward', 'add', `pod/${POD}`, `${pPort}:8080`, '--context', context]);
    fg = execa('node', [path.resolve('bin/paddock.js'), 'forward', 'start', '--all'], { env, reject: false });
    // The same forward kept on the API path, in its own process and store.
    const envApi = { ...env, PADDOCK_HOME: path.join(dir, 'home-api'), PADDOCK_FORWARD_PATH: 'api' };
    const aPort = await freePort();
    await execa('node', [path.resolve('bin/paddock.js'), 'forward', 'add', `pod/${POD}`, `${aPort}:8080`, '--context', context], { env: envApi });
    fgApi = execa('node', [path.resolve('bin/paddock.js'), 'forward', 'start', '--all'], { env: envApi, reject: false });
    // The API path as before its SPDY session: one v4 WebSocket per connection, a few opened ahead.
    const envV4 = { ...env, PADDOCK_HOME: path.join(dir, 'home-v4'), PADDOCK_FORWARD_PATH: 'api', PADDOCK_FORWARD_API: 'v4' };
    const v4Port = await freePort();
    await execa('node', [path.resolve('bin/paddock.js'), 'forward', 'add', `pod/${POD}`, `${v4Port}:8080`, '--context', context], { env: envV4 });
    fgV4 = execa('node', [path.resolve('bin/paddock.js'), 'forward', 'start', '--all'], { env: envV4, reject: false });
    const kPort = await freePort();
    kubectl = execa('kubectl', ['--context', context, 'port-forward', `pod/${POD}`, `${kPort}:8080`], { env, reject: false });
    const paths: Path[] = [
      { label: 'paddock forward (direct)', port: pPort, mbps: [], lat: [] },
      { label: 'paddock forward (api, SPDY)', port: aPort, mbps: [], lat: [] },
      { label: 'paddock forward (api, v4 WebSockets)', port: v4Port, mbps: [], lat: [] },
      { label: 'kubectl port-forward', port: kPort, mbps: [], lat: [] },
    ];
    for (const p of paths) await waitFor(`${p.label} to answer`, 60_000, async () => (await fetchOnce(p.port, '/small').catch(() => undefined)) !== undefined);
    const listed = JSON.parse((await paddock(['forward', 'list', '-o', 'json'])).stdout) as { path?: string; pathReason?: string }[];
    if (listed[0]?.path !== 'direct') throw new Error(`the forward is not on the direct path: ${listed[0]?.path} (${listed[0]?.pathReason ?? ''})`);
    // The rule's address in the node: the reader's ceiling without any forward process in between.
    const nodeName = (await api.core.readNamespacedPod({ name: POD, namespace: 'default' })).spec!.nodeName!;
    const rule = (await execa('docker', ['exec', nodeName, 'iptables', '-t', 'nat', '-S', 'PADDOCK-FWD'])).stdout.split('\n').find((l) => l.includes('paddock-fwd:'));
    const m = rule && / -d ([\d.]+)\/32 .*--dport (\d+)/.exec(rule);
    const ref: Path | undefined = m ? { label: 'reference: reader straight to the node rule', port: Number(m[2]), host: m[1], mbps: [], lat: [] } : undefined;
    const loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(' ');
    const started = new Date().toISOString();
    for (let round = 0; round < ROUNDS; round++) {
      console.log(`round ${round + 1}/${ROUNDS} …`);
      // Each round alternates which path goes first.
      const all = ref ? [...paths, ref] : paths;
      const order = round % 2 ? [...all].reverse() : all;
      for (const p of order) await big(p);
      for (const p of order) await small(p, Math.ceil(REQUESTS / ROUNDS));
    }
    const rows = (ref ? [...paths, ref] : paths).map((p) => ({ label: p.label, mbps: median(p.mbps), mbpsAll: p.mbps, p50: pct(p.lat, 50), p99: pct(p.lat, 99), n: p.lat.length }));
    const [pd, pa, , kc] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    const table = [
      '| path | MB/s (median of rounds) | MB/s per round | p50 ms | p99 ms | requests |',
      '|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.label} | ${r.mbps.toFixed(1)} | ${r.mbpsAll.map((x) => x.toFixed(0)).join(', ')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.n} |`),
    ];
    const ratio = pd.mbps / kc.mbps;
    const lines = [
      `# bench/forward — ${started}`,
      '',
      `Same cluster (${context}), same pod (busybox httpd), ${MB} MB download and ${REQUESTS} small requests per path, each on a new connection (download read by ${READER === 'curl' ? 'curl' : "Node's http client in the bench process"}, small requests by Node's http client); ${ROUNDS} rounds, each path in turn (order reversed every other round). Machine: ${os.cpus().length} cores shared with other clusters; load average at start ${loadAtStart}, at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
      '',
      ...table,
      '',
      `| goal | result |`,
      '|---|---|',
      `| throughput ≥ 2× kubectl (direct) | ${ratio.toFixed(2)}× (${ratio >= 2 ? 'met' : 'not met'}) |`,
      `| p50 latency ≤ kubectl's (direct) | ${pd.p50.toFixed(1)} ms vs ${kc.p50.toFixed(1)} ms (${pd.p50 <= kc.p50 ? 'met' : 'not met'}) |`,
      `| API path (fallback, SPDY) vs kubectl | ${(pa.mbps / kc.mbps).toFixed(2)}× throughput, p50 ${pa.p50.toFixed(1)} ms vs ${kc.p50.toFixed(1)} ms |`,
      '',
    ];
    console.log('\n' + lines.join('\n'));
    fs.mkdirSync('bench/results', { recursive: true });
    const out = path.join('bench/results', `forward-${started.slice(0, 10)}.md`);
    fs.writeFileSync(out, lines.join('\n'));
    console.log(`wrote ${out}`);
  } finally {
    fg?.kill('SIGINT');
    fgApi?.kill('SIGINT');
    fgV4?.kill('SIGINT');
    kubectl?.kill('SIGINT');
    await fg?.catch(() => undefined);
    await fgApi?.catch(() => undefined);
    await fgV4?.catch(() => undefined);
    if (given) await execa('kubectl', ['--context', context, 'delete', 'pod', POD, '--wait=false'], { env, reject: false });
    if (!given) await paddock(['delete', cluster]).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
