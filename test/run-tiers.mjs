#!/usr/bin/env node
// `npm test`: runs every test tier that can run here, says loudly which
// cannot and why, and ends with one summary line "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ok = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 }).status === 0;

const docker = ok('docker', ['info']);
const nodeImage = process.env.PADDOCK_TEST_NODE_IMAGE ?? 'paddock/node:v1.36.3';
const hasNodeImage = docker && ok('docker', ['image', 'inspect', nodeImage]);
const chromium = fs.existsSync(process.env.PADDOCK_CHROMIUM ?? '/usr/bin/chromium');

const tiers = [
  ['unit', true, ''],
  ['docker', docker, 'no Docker engine answers (run ../shared/testhost/docker-up, or start Docker)'],
  ['cluster', hasNodeImage, docker ? `node image ${nodeImage} is missing (build it: npx paddock node-image build)` : 'no Docker engine'],
  ['ui', chromium, 'Chromium is missing (apt-get install chromium)'],
];
console.log('Paddock test tiers:');
for (const [name, runs, why] of tiers) console.log(`  ${runs ? 'RUN ' : 'SKIP'} ${name.padEnd(8)}${runs ? '' : `  <-- SKIPPED: ${why}`}`);
if (tiers.some(([, runs]) => !runs)) console.log('  (skipped tiers still load: their tests are counted as skipped, each with the reason)\n');

const report = path.join(os.tmpdir(), `paddock-vitest-${process.pid}.json`);
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, PADDOCK_TEST_NODE_IMAGE: nodeImage } });

let summary = { passed: 0, failed: 0, skipped: 0 };
try {
  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  summary = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
  // A file that failed to load has no tests but is a failure.
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
  summary.failed += brokenFiles;
  fs.rmSync(report, { force: true });
} catch (e) {
  console.error(`could not read the vitest report: ${e.message}`);
  summary.failed += 1;
}
const skippedTiers = tiers.filter(([, runs]) => !runs).map(([n]) => n);
if (skippedTiers.length) console.log(`\nSkipped tiers: ${skippedTiers.join(', ')} (see the reasons above)`);
console.log(`\n${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
process.exit(run.status === 0 && summary.failed === 0 ? 0 : 1);
