/**
 * Docker engines other than the local one (issue 13) and the reboot
 * simulation of issue 6, on a second dockerd the test starts: a cluster made
 * through DOCKER_HOST, reached through a docker context, listed beside the
 * main engine's clusters, brought back by its engine's restart alone, and
 * deleted on each engine with nothing left behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { overlaps } from '../../src/provisioner/network.js';
import { countLabelled } from '../support/cleanup.js';
import { clients, waitFor } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { iptablesRulesFor, secondDockerdUnavailableReason, startSecondDockerd, type SecondDockerd } from '../support/second-dockerd.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';
import { stepTimer } from '../support/timings.js';

const id = runId();
const name = `t${id}-eng2`;
/** A stand-in on the main engine: one created (never started) container labelled as a cluster, so no CPU is spent there. */
const mainName = `t${id}-engm`;
const ctxName = `paddock-test-${id}`;
const sb = sandbox();
const { timed, print: printTimings } = stepTimer('second engine timings');

interface Listed {
  name: string;
  status: string;
  engine?: string;
}
interface Status {
  status: string;
  apiServer?: { port: number };
  nodes: { name: string; ip?: string; status: string }[];
}

function podBack(p: V1Pod, since: number): boolean {
  const cs = p.status?.containerStatuses ?? [];
  return cs.length > 0 && cs.every((c) => c.ready && new Date(c.state?.running?.startedAt ?? 0).getTime() > since - 1000);
}

const reason = (await clusterUnavailableReason()) ?? (await secondDockerdUnavailableReason());

// Looked at before the second engine starts: the test checks it is still there at the end.
const hadDocker0 = fs.existsSync('/sys/class/net/docker0');

describeIf('cluster', reason)('a second Docker engine: DOCKER_HOST, docker contexts, list across engines, engine restart', () => {
  let d: SecondDockerd;
  let host = '';
  const onSecond = { DOCKER_HOST: '' };

  beforeAll(async () => {
    d = await timed('second dockerd: first start', () => startSecondDockerd());
    host = d.host;
    onSecond.DOCKER_HOST = host;
    await timed(`second dockerd: load ${TEST_NODE_IMAGE}`, () => d.loadImage(TEST_NODE_IMAGE));
    // The sandbox HOME's ~/.docker, as `docker context create` writes it.
    const ctx = await execa('docker', ['context', 'create', ctxName, '--docker', `host=${host}`], { env: sb.env, reject: false });
    if (ctx.exitCode !== 0) throw new Error(`docker context create failed: ${ctx.stderr}`);
  });

  afterAll(async () => {
    await sb.paddock(['delete', name], { env: onSecond }).catch(() => undefined);
    await sb.cleanup([mainName]);
    const left = d ? await d.destroy() : [];
    printTimings();
    expect(left, 'what the second engine left behind').toEqual([]);
  });

  it('creates a cluster through DOCKER_HOST; doctor names that engine and why; the node is Ready', async () => {
    const r = await timed('paddock create (1 node) on the second engine', () => sb.paddock(['create', '--name', name, '--image', TEST_NODE_IMAGE], { env: onSecond }));
    expect(r.exitCode, r.all).toBe(0);
    // On the second engine only.
    expect((await d.docker(['ps', '-aq', '--filter', `label=io.paddock.cluster=${name}`])).stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(await countLabelled(`io.paddock.cluster=${name}`)).toEqual({ containers: 0, networks: 0, volumes: 0 });

    const doc = JSON.parse((await sb.paddock(['doctor', '-o', 'json'], { env: onSecond })).stdout) as { id: string; verdict: string; detail: string }[];
    expect(doc.find((c) => c.id === 'engine')?.detail).toBe(`${host}, chosen by DOCKER_HOST`);
    expect(doc.find((c) => c.id === 'docker')?.verdict).toBe('ok');

    const nodes = (await clients(sb.kubeconfig, `paddock-${name}`).core.listNode()).items;
    expect(nodes.map((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status)).toEqual(['True']);

    // Its network avoids every subnet the host already routes (the main engine's bridges among them).
    const net = JSON.parse((await d.docker(['network', 'inspect', 'paddock'])).stdout)[0] as { Id: string; IPAM: { Config: { Subnet: string }[] } };
    const subnet = net.IPAM.Config[0]!.Subnet;
    const routes = (await execa('ip', ['-4', 'route', 'show'])).stdout.split('\n').filter((l) => /^\d/.test(l));
    const overlapping = routes.filter((l) => overlaps(l.split(' ')[0]!.includes('/') ? l.split(' ')[0]! : `${l.split(' ')[0]}/32`, subnet));
    expect(overlapping).toEqual([expect.stringMatching(new RegExp(`^${subnet} dev br-${net.Id.slice(0, 12)} `))]);
  });

  it('is reached through a docker context: --docker-context, and as the current context of ~/.docker', async () => {
    const viaFlag = await sb.paddock(['--docker-context', ctxName, 'status', name, '-o', 'json']);
    expect(viaFlag.exitCode, viaFlag.all).toBe(0);
    expect((JSON.parse(viaFlag.stdout) as Status).status).toBe('running');
    const doc = JSON.parse((await sb.paddock(['--docker-context', ctxName, 'doctor', '-o', 'json'])).stdout) as { id: string; detail: string }[];
    expect(doc.find((c) => c.id === 'engine')?.detail).toBe(`${ctxName} (${host}), chosen by --docker-context ${ctxName}`);

    expect((await execa('docker', ['context', 'use', ctxName], { env: sb.env })).exitCode).toBe(0);
    try {
      const doc2 = JSON.parse((await sb.paddock(['doctor', '-o', 'json'])).stdout) as { id: string; detail: string }[];
      expect(doc2.find((c) => c.id === 'engine')?.detail).toBe(`${ctxName} (${host}), chosen by docker context ${ctxName}`);
      const list = JSON.parse((await sb.paddock(['list', '-o', 'json'])).stdout) as Listed[];
      expect(list.find((c) => c.name === name)).toMatchObject({ status: 'running', engine: ctxName });
      // DOCKER_HOST wins over the current context, as for the docker CLI.
      const doc3 = JSON.parse((await sb.paddock(['doctor', '-o', 'json'], { env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } })).stdout) as { id: string; detail: string }[];
      expect(doc3.find((c) => c.id === 'engine')?.detail).toBe('unix:///var/run/docker.sock, chosen by DOCKER_HOST');
    } finally {
      await execa('docker', ['context', 'use', 'default'], { env: sb.env });
    }
    // An unknown context is an error that says where it looked, not a silent fallback.
    const bad = await sb.paddock(['--docker-context', 'no-such-context', 'list']);
    expect(bad.exitCode).toBe(4);
    expect(bad.stderr).toContain('no docker context named "no-such-context"');
  });

  it('is reached over tcp:// with TLS: DOCKER_TLS_VERIFY + DOCKER_CERT_PATH, and a docker context holding the certificates', async () => {
    const tls = { DOCKER_HOST: d.tcpHost, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: d.clientCerts };
    const st = await sb.paddock(['status', name, '-o', 'json'], { env: tls });
    expect(st.exitCode, st.all).toBe(0);
    expect((JSON.parse(st.stdout) as Status).status).toBe('running');
    const doc = JSON.parse((await sb.paddock(['doctor', '-o', 'json'], { env: tls })).stdout) as { id: string; verdict: string; detail: string }[];
    expect(doc.find((c) => c.id === 'engine')?.detail).toBe(`${d.tcpHost}, chosen by DOCKER_HOST`);
    expect(doc.find((c) => c.id === 'docker')?.verdict).toBe('ok');
    // Verification asked for without the files: a clear error, never an unverified connection.
    const noCerts = await sb.paddock(['status', name], { env: { ...tls, DOCKER_CERT_PATH: path.join(sb.dir, 'no-certs') } });
    expect(noCerts.exitCode).not.toBe(0);
    expect(noCerts.stderr).toContain('ca.pem is missing');

    const tlsCtx = `${ctxName}-tls`;
    const c = d.clientCerts;
    const made = await execa('docker', ['context', 'create', tlsCtx, '--docker', `host=${d.tcpHost},ca=${c}/ca.pem,cert=${c}/cert.pem,key=${c}/key.pem`], { env: sb.env, reject: false });
    expect(made.exitCode, made.stderr).toBe(0);
    const viaCtx = await sb.paddock(['--docker-context', tlsCtx, 'status', name, '-o', 'json']);
    expect(viaCtx.exitCode, viaCtx.all).toBe(0);
    expect((JSON.parse(viaCtx.stdout) as Status).status).toBe('running');
  });

  it('list shows the clusters of both engines, each with its engine named', async () => {
    const created = await execa('docker', ['create', '--name', `${mainName}-control-plane`, '--label', `io.paddock.cluster=${mainName}`, '--label', 'io.paddock.role=control-plane', TEST_NODE_IMAGE]);
    expect(created.exitCode).toBe(0);
    // The main engine is current (default socket); the second is remembered from the create.
    const fromMain = JSON.parse((await sb.paddock(['list', '-o', 'json'])).stdout) as Listed[];
    expect(fromMain.find((c) => c.name === name)).toMatchObject({ status: 'running', engine: host });
    expect(fromMain.find((c) => c.name === mainName)?.engine).toBe('default');
    // From the second engine's side, through the context: the main engine is remembered now.
    const fromSecond = JSON.parse((await sb.paddock(['--docker-context', ctxName, 'list', '-o', 'json'])).stdout) as Listed[];
    expect(fromSecond.find((c) => c.name === name)).toMatchObject({ status: 'running', engine: ctxName });
    expect(fromSecond.find((c) => c.name === mainName)?.engine).toBe('default');
    const table = await sb.paddock(['list']);
    expect(table.stdout).toMatch(/NAME\s+STATUS\s+VERSION\s+NODES\s+API SERVER\s+ENGINE/);
    expect(table.stdout).toMatch(new RegExp(`^${name}\\s+running\\s.*\\s${host.replace(/[/.]/g, '\\$&')}$`, 'm'));
    // A cluster on another engine is found by name without choosing the engine.
    const st = await sb.paddock(['status', name, '-o', 'json']);
    expect(st.exitCode, st.all).toBe(0);
  });

  it('reboot simulation: its dockerd is stopped and started again; the cluster comes back Ready by itself, same node IP, API port and kubeconfig', async () => {
    const before = JSON.parse((await sb.paddock(['status', name, '-o', 'json'], { env: onSecond })).stdout) as Status;
    expect(before.status).toBe('running');
    const core = clients(sb.kubeconfig, `paddock-${name}`).core;
    const nodeName = before.nodes[0]!.name;

    await timed('second dockerd: SIGTERM until exited (stops the node)', () => d.stop());
    // While it is down, list says so instead of showing no clusters, and the main engine still lists.
    const down = await sb.paddock(['list', '-o', 'json']);
    expect(down.exitCode, down.all).toBe(0);
    expect(down.stderr).toContain(`engine ${host} is down: `);
    expect(down.stderr).toContain(`clusters remembered there: ${name}`);
    expect((JSON.parse(down.stdout) as Listed[]).some((c) => c.name === mainName)).toBe(true);
    const st = await sb.paddock(['status', name]);
    expect(st.exitCode).toBe(3);
    expect(st.stderr).toMatch(new RegExp(`cluster "${name}" was made on the Docker engine .* which does not answer`));

    const restartedAt = Date.now();
    await timed('second dockerd: start again (same arguments) until it answers', () => d.start());
    // No Paddock command from here on: the restart policy and the node's own boot bring it back.
    const ready = await timed('engine answering → node Ready with a fresh heartbeat', () =>
      waitFor('the node Ready again, with a heartbeat after the restart', 300_000, async () => {
        const n = await core.readNode({ name: nodeName });
        const c = n.status?.conditions?.find((x) => x.type === 'Ready');
        return c?.status === 'True' && new Date(c.lastHeartbeatTime ?? 0).getTime() > restartedAt - 1000 ? n : undefined;
      }),
    );
    expect(ready.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).toBe(before.nodes[0]!.ip);
    // Workloads too: every pod (CoreDNS, the CNI, storage, kube-proxy, the control plane) runs
    // again in containers started after the restart, and is ready.
    const notBack: string[] = [];
    await timed('node Ready → every pod running again and ready', () =>
      waitFor('every pod back, in containers started after the restart', 240_000, async () => {
        const pods = (await core.listPodForAllNamespaces()).items;
        notBack.splice(0, notBack.length, ...pods.filter((p) => !podBack(p, restartedAt)).map((p) => `${p.metadata?.namespace}/${p.metadata?.name} ${p.status?.phase}`));
        return pods.length > 0 && notBack.length === 0;
      }).catch((e: Error) => {
        throw new Error(`${e.message}; not back: ${notBack.join(', ')}`);
      }),
    );

    const after = JSON.parse((await sb.paddock(['status', name, '-o', 'json'], { env: onSecond })).stdout) as Status;
    expect(after.status).toBe('running');
    expect(after.apiServer?.port).toBe(before.apiServer?.port);
    expect(after.nodes.map((n) => [n.name, n.ip])).toEqual(before.nodes.map((n) => [n.name, n.ip]));
    const restarts = (await d.docker(['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}} {{.State.Running}}', nodeName])).stdout.trim();
    expect(restarts).toBe('unless-stopped true');
  });

  it('delete works on each engine, and leaves nothing behind', async () => {
    const net = JSON.parse((await d.docker(['network', 'inspect', 'paddock'])).stdout)[0] as { Id: string };
    const bridge = `br-${net.Id.slice(0, 12)}`;

    const del2 = await timed('paddock delete on the second engine', () => sb.paddock(['--docker-context', ctxName, 'delete', name]));
    expect(del2.exitCode, del2.all).toBe(0);
    expect((await d.docker(['ps', '-aq'])).stdout.trim()).toBe('');
    expect((await d.docker(['volume', 'ls', '-q'])).stdout.trim()).toBe('');
    // The paddock network goes with its last cluster, and its bridge with it; this engine never wrote iptables rules.
    expect((await d.docker(['network', 'ls', '--filter', 'name=^paddock$', '-q'])).stdout.trim()).toBe('');
    expect(fs.existsSync(path.join('/sys/class/net', bridge))).toBe(false);
    expect(await iptablesRulesFor([bridge])).toEqual([]);

    const delMain = await sb.paddock(['delete', mainName]);
    expect(delMain.exitCode, delMain.all).toBe(0);
    expect(await countLabelled(`io.paddock.cluster=${mainName}`)).toEqual({ containers: 0, networks: 0, volumes: 0 });

    const list = await sb.paddock(['list', '-o', 'json']);
    const names = (JSON.parse(list.stdout) as Listed[]).map((c) => c.name);
    expect(names).not.toContain(name);
    expect(names).not.toContain(mainName);
    expect(list.stderr).not.toContain('is down');
    // The second engine never touched the main engine's default bridge (dockerd --bridge=none deletes docker0).
    if (hadDocker0) expect(fs.existsSync('/sys/class/net/docker0')).toBe(true);
    const remembered = fs.readFileSync(path.join(sb.env.PADDOCK_HOME!, 'engines.json'), 'utf8');
    expect(remembered).not.toContain(`"${name}"`);
    expect(remembered).not.toContain(`"${mainName}"`);
  });
});
