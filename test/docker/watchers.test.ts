import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { watchDockerClusters } from '../../src/core/watchers.js';
import { DockerRuntime } from '../../src/provisioner/runtime/docker.js';
import { Labels } from '../../src/shared/labels.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { removeLabelled } from '../support/cleanup.js';
import { describeIf, dockerUnavailableReason } from '../support/tiers.js';

const runId = randomBytes(4).toString('hex');

describeIf('docker', await dockerUnavailableReason())('live cluster updates from Docker events', () => {
  afterAll(async () => {
    await removeLabelled(`${Labels.test}=${runId}`);
  });

  it('reports a change when a Paddock-labelled container starts', async () => {
    const rt = new DockerRuntime();
    const image = await ensureBusyboxImage();
    let changes = 0;
    const stop = watchDockerClusters(rt, () => changes++);
    try {
      await new Promise((r) => setTimeout(r, 300));
      // Other clusters on this engine may change meanwhile: count from here.
      changes = 0;
      const mine = await rt.createContainer({ name: `w-${runId}-node`, image, labels: { [Labels.test]: runId, [Labels.cluster]: `w${runId}` }, cmd: ['sleep', '30'] });
      await rt.startContainer(mine);
      const deadline = Date.now() + 5000;
      while (changes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(changes).toBeGreaterThan(0);
    } finally {
      stop();
    }
  });
});
