/**
 * bench/node-image-pull: how long the pinned node image takes to arrive by
 * pull, Paddock (`paddock node-image pull`, through the engine's API) against
 * `docker pull` of the same digest, alternating, into an empty engine (a
 * second dockerd) from a registry on 127.0.0.1 holding the real node image.
 * No internet here: the figures are the engine's download + extraction
 * without a network in between, the floor of a pull; the alternative is a
 * build from source (bench:node-image, ~20 min cold).
 *
 *   npx tsx bench/node-image-pull.ts [--runs 3] [--image paddock/node:v1.36.3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { arg, now, secs, stats } from './lib.js';
import { startLocalRegistry } from '../test/support/local-registry.js';
import { startSecondDockerd } from '../test/support/second-dockerd.js';

const runs = Number(arg('runs', '3'));
const image = arg('image', 'paddock/node:v1.36.3');

const labels = JSON.parse((await execa('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', image])).stdout) as Record<string, string>;
const version = labels['io.paddock.kubernetes-version'];
if (!version) throw new Error(`${image} has no io.paddock.kubernetes-version label`);
const sizeMb = Math.round(Number((await execa('docker', ['image', 'inspect', '--format', '{{.Size}}', image])).stdout) / 1024 / 1024);

const registry = await startLocalRegistry();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-pull-'));
const second = await startSecondDockerd(() => {});
const rows: Record<'paddock' | 'docker', number[]> = { paddock: [], docker: [] };
let pushSeconds = 0;
try {
  const t0 = now();
  const pinned = await registry.push(image, 'paddock-bench/node', version);
  pushSeconds = (now() - t0) / 1000;
  await execa('docker', ['rmi', pinned.split('@')[0]!], { reject: false }); // the name only; the image stays
  const byDigest = pinned.replace(/:[^:/@]+@/, '@');
  const pins = path.join(work, 'pins.json');
  fs.writeFileSync(pins, JSON.stringify({ [version]: pinned }));
  const env = { DOCKER_HOST: second.host, PADDOCK_NODE_IMAGE_PINS: pins, PADDOCK_HOME: path.join(work, 'home') };
  const empty = async () => {
    for (const r of [`paddock/node:${version}`, byDigest]) await second.docker(['rmi', '--force', r]);
    const left = await second.docker(['images', '-q']);
    if (left.stdout.trim()) throw new Error(`the second engine still has images: ${left.stdout}`);
  };
  const tools = {
    paddock: () => execa('node', [path.resolve('bin/paddock.js'), 'node-image', 'pull', '--kubernetes', version], { env }),
    docker: () => execa('docker', ['-H', second.host, 'pull', byDigest]),
  };
  for (let i = 0; i < runs; i++) {
    const order: ('paddock' | 'docker')[] = i % 2 ? ['docker', 'paddock'] : ['paddock', 'docker'];
    for (const tool of order) {
      await empty();
      const t = now();
      await tools[tool]();
      rows[tool].push(now() - t);
      console.log(`run ${i + 1} ${tool.padEnd(7)} ${secs(rows[tool].at(-1)!)} s`);
    }
  }
  await empty();
} finally {
  const left = await second.destroy();
  await registry.stop();
  fs.rmSync(work, { recursive: true, force: true });
  if (left.length) console.error(`second engine left: ${left.join('; ')}`);
}

const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const lines = [
  `# bench/node-image-pull, ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Pinned node image ${image} (${sizeMb} MB, Kubernetes ${version}) pulled by digest from a registry on 127.0.0.1 into an empty second dockerd; ${runs} runs each, alternating; load average ${load}; ${os.cpus().length} cores. Push to the registry first: ${pushSeconds.toFixed(1)} s.`,
  '',
  '| pull | min s | median s | max s |',
  '|---|---|---|---|',
  ...(['paddock', 'docker'] as const).map((t) => {
    const s = stats(rows[t]);
    return `| ${t === 'paddock' ? '`paddock node-image pull` (engine API, digest check, tag)' : '`docker pull` of the digest'} | ${secs(s.min)} | ${secs(s.median)} | ${secs(s.max)} |`;
  }),
  '',
  'No network between registry and engine: this is download + extraction only. A build from source instead takes ~20 min cold (bench:node-image).',
];
console.log('\n' + lines.join('\n'));
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync(`bench/results/node-image-pull-${new Date().toISOString().slice(0, 10)}.md`, lines.join('\n') + '\n');
// The second engine's helper and dockerode keep handles open; the work is done.
process.exit(0);
