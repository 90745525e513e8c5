/**
 * Tier gates. A tier that cannot run here says why, loudly, and its tests
 * count as skipped: never a silent pass.
 */
import { execa } from 'execa';
import { describe } from 'vitest';

let dockerReasonCache: Promise<string | undefined> | undefined;

/** undefined when a Docker engine answers; otherwise why not. */
export function dockerUnavailableReason(): Promise<string | undefined> {
  dockerReasonCache ??= execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 15_000 }).then((r) =>
    r.exitCode === 0 ? undefined : `no Docker engine answers (${(r.stderr || r.message || "").split('\n')[0] ?? ''}); run ../shared/testhost/docker-up or start Docker`,
  );
  return dockerReasonCache;
}

export function loudSkip(tier: string, reason: string): void {
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! SKIPPED ${tier} tier: ${reason}\n${bar}\n`);
}

/** describe() when the condition holds, else describe.skip() with a loud reason. */
export function describeIf(tier: string, reason: string | undefined) {
  if (reason) {
    loudSkip(tier, reason);
    return describe.skip;
  }
  return describe;
}

export const TEST_NODE_IMAGE = process.env.PADDOCK_TEST_NODE_IMAGE ?? 'paddock/node:v1.36.3';

/** undefined when clusters can be made here; otherwise why not. */
export async function clusterUnavailableReason(): Promise<string | undefined> {
  const docker = await dockerUnavailableReason();
  if (docker) return docker;
  const r = await execa('docker', ['image', 'inspect', TEST_NODE_IMAGE], { reject: false });
  return r.exitCode === 0 ? undefined : `node image ${TEST_NODE_IMAGE} is missing: build it with \`npx paddock node-image build\` (.ci/run does)`;
}
