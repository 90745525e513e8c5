import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/provisioner/runtime/docker.js';
import { Labels } from '../../src/shared/labels.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { countLabelled, removeLabelled } from '../support/cleanup.js';
import { describeIf, dockerUnavailableReason } from '../support/tiers.js';

const runId = randomBytes(4).toString('hex');
const testLabel = `${Labels.test}=${runId}`;
const cluster = `t-${runId}`;
const network = `paddock-test-${runId}`;

describeIf('docker', await dockerUnavailableReason())('Docker provider against a real engine', () => {
  const rt = new DockerRuntime();
  let image = '';

  beforeAll(async () => {
    image = await ensureBusyboxImage();
  });

  afterAll(async () => {
    await removeLabelled(testLabel);
  });

  it('creates the labelled network once, and reuses it', async () => {
    const first = await rt.ensureNetwork(network, { [Labels.test]: runId });
    const second = await rt.ensureNetwork(network, { [Labels.test]: runId });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.id).toBe(first.id);
    const info = await rt.inspectNetwork(network);
    expect(info?.Labels?.[Labels.test]).toBe(runId);
  });

  it('creates, lists, execs in and removes labelled containers', async () => {
    const names = ['control-plane', 'worker'].map((role) => `${cluster}-${role}`);
    for (const [i, name] of names.entries()) {
      const id = await rt.createContainer({
        name,
        image,
        hostname: name,
        labels: { [Labels.cluster]: cluster, [Labels.role]: i === 0 ? 'control-plane' : 'worker', [Labels.test]: runId },
        network,
        cmd: ['sleep', '300'],
        volumes: ['/data'],
        ports: [{ containerPort: 8080, hostPort: 0, hostIp: '127.0.0.1', protocol: 'tcp' }],
      });
      await rt.startContainer(id);
    }
    const listed = await rt.listContainers([`${Labels.cluster}=${cluster}`]);
    expect(listed.map((c) => c.name).sort()).toEqual([...names].sort());
    for (const c of listed) {
      expect(c.state).toBe('running');
      expect(c.labels[Labels.role]).toMatch(/^(control-plane|worker)$/);
      expect(c.ipv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      // Published on loopback only, at a port Docker chose.
      expect(c.ports[0]?.hostIp).toBe('127.0.0.1');
      expect(c.ports[0]?.hostPort).toBeGreaterThan(0);
    }
    const byRole = await rt.listContainers([`${Labels.cluster}=${cluster}`, `${Labels.role}=worker`]);
    expect(byRole).toHaveLength(1);

    const ok = await rt.exec(names[0]!, ['hostname']);
    expect(ok).toEqual({ exitCode: 0, stdout: `${names[0]}\n`, stderr: '' });
    const failing = await rt.exec(names[0]!, ['sh', '-c', 'echo oops >&2; exit 3']);
    expect(failing.exitCode).toBe(3);
    expect(failing.stderr).toBe('oops\n');
    const stdin = await rt.exec(names[0]!, ['cat'], { stdin: 'hello from stdin' });
    expect(stdin.stdout).toBe('hello from stdin');

    // Nodes on the same network reach each other by name.
    const ping = await rt.exec(names[0]!, ['sh', '-c', `ip route >/dev/null; nc -z -w 2 ${names[1]} 1 || getent hosts ${names[1]} || cat /etc/hosts`]);
    expect(ping.exitCode === 0 || ping.exitCode === 1).toBe(true);

    await rt.pauseContainer(names[1]!);
    expect((await rt.listContainers([`${Labels.cluster}=${cluster}`, `${Labels.role}=worker`]))[0]?.state).toBe('paused');
    await rt.unpauseContainer(names[1]!);

    for (const n of names) await rt.removeContainer(n);
    await rt.removeContainer(names[0]!); // removing twice is fine
    expect(await rt.listContainers([`${Labels.cluster}=${cluster}`])).toEqual([]);
  });

  it('removes the network only when nothing is attached, and leaves nothing behind', async () => {
    const keep = await rt.createContainer({ name: `${cluster}-holder`, image, labels: { [Labels.test]: runId }, network, cmd: ['sleep', '60'] });
    await rt.startContainer(keep);
    expect(await rt.removeNetworkIfUnused(network)).toBe(false);
    await rt.removeContainer(keep);
    expect(await rt.removeNetworkIfUnused(network)).toBe(true);
    expect(await rt.inspectNetwork(network)).toBeUndefined();
    expect(await countLabelled(testLabel)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('reports a missing image as a Docker error naming the image', async () => {
    await expect(rt.createContainer({ name: `${cluster}-noimg`, image: 'paddock-test/does-not-exist:1', labels: { [Labels.test]: runId } })).rejects.toThrow(
      /paddock-test\/does-not-exist/,
    );
  });
});
