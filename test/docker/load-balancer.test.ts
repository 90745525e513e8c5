import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/provisioner/runtime/docker.js';
import { ensureLbImage } from '../../src/provisioner/lb-image.js';
import { Labels } from '../../src/shared/labels.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { removeLabelled } from '../support/cleanup.js';
import { describeIf, dockerUnavailableReason } from '../support/tiers.js';

const runId = randomBytes(4).toString('hex');
const label = `${Labels.test}=${runId}`;
const network = `paddock-test-lb-${runId}`;

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return (await res.text()).trim();
}

describeIf('docker', await dockerUnavailableReason())('paddock-lb load balancer', () => {
  const rt = new DockerRuntime();
  let hostPort = 0;

  beforeAll(async () => {
    const [busybox, lb] = await Promise.all([ensureBusyboxImage(), ensureLbImage(rt)]);
    await rt.ensureNetwork(network, { [Labels.test]: runId });
    for (const name of ['a', 'b']) {
      const id = await rt.createContainer({
        name: `lbt-${runId}-${name}`,
        image: busybox,
        labels: { [Labels.test]: runId },
        network,
        cmd: ['sh', '-c', `mkdir -p /www && echo backend-${name} > /www/index.html && httpd -f -p 8080 -h /www`],
      });
      await rt.startContainer(id);
    }
    const config = { listeners: [{ listen: ':6443', backends: [`lbt-${runId}-a:8080`, `lbt-${runId}-b:8080`] }] };
    const id = await rt.createContainer({
      name: `lbt-${runId}-lb`,
      image: lb,
      labels: { [Labels.test]: runId },
      network,
      env: { PADDOCK_LB_CONFIG: JSON.stringify(config) },
      ports: [{ containerPort: 6443, hostPort: 0, hostIp: '127.0.0.1', protocol: 'tcp' }],
    });
    await rt.startContainer(id);
    const info = await rt.inspectContainer(id);
    hostPort = Number(info?.NetworkSettings.Ports['6443/tcp']?.[0]?.HostPort);
    // The balancer answers within a second of its start.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        await fetchText(`http://127.0.0.1:${hostPort}/`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  afterAll(async () => {
    await removeLabelled(label);
  });

  it('spreads connections over every backend', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await fetchText(`http://127.0.0.1:${hostPort}/`));
    expect([...seen].sort()).toEqual(['backend-a', 'backend-b']);
  });

  it('keeps answering when a backend is gone', async () => {
    await rt.stopContainer(`lbt-${runId}-a`, 0);
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await fetchText(`http://127.0.0.1:${hostPort}/`));
    expect(new Set(answers)).toEqual(new Set(['backend-b']));
  });
});
