/**
 * Port-forwards and the API proxy against one real cluster: a 1-replica
 * busybox httpd Deployment behind a Service, reached from the host through
 * Paddock's forwards while its pod is rolled and deleted. Forwards take the
 * direct path here (NAT rule in the node container); the tests of the API
 * path force it with PADDOCK_FORWARD_PATH=api.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import yaml from 'js-yaml';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { clients, waitFor } from '../support/kube.js';
import { webDeployment } from '../support/manifests.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';
import { freePort, isPortFree } from '../../src/provisioner/ports.js';
import { ForwardManager } from '../../src/kube/forwards/manager.js';
import { fileForwardStore } from '../../src/store/forwards.js';
import type { ForwardInfo } from '../../src/shared/api.js';

const name = `t${runId()}-fwd`;
const context = `paddock-${name}`;
const node = `${name}-control-plane`;
const sb = sandbox();

/** The forward rules in the node container (PADDOCK-FWD chain and its jump), as `iptables -S` lists them. */
async function nodeRules(): Promise<string[]> {
  const r = await execa('docker', ['exec', node, 'iptables-save', '-t', 'nat'], { reject: false });
  if (r.exitCode !== 0) throw new Error(`iptables-save in ${node} failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.includes('PADDOCK-FWD'));
}

/** Runs `fn` with PADDOCK_FORWARD_PATH=api for the in-process managers (read when a forward connects to a pod). */
async function onApiPath<T>(fn: () => Promise<T>): Promise<T> {
  process.env.PADDOCK_FORWARD_PATH = 'api';
  try {
    return await fn();
  } finally {
    delete process.env.PADDOCK_FORWARD_PATH;
  }
}

/** One request on a new connection (never a pooled one): status and body, or the error. */
function get(port: number, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function answer(port: number): Promise<string | undefined> {
  const r = await get(port).catch(() => undefined);
  return r?.status === 200 ? r.body : undefined;
}

describeIf('cluster', await clusterUnavailableReason())('port-forwards and proxy on a real cluster', () => {
  let api: ReturnType<typeof clients>;
  let fg: ResultPromise | undefined;
  let fgOutput = '';
  let proxy: ResultPromise | undefined;
  let svcPort = 0;
  let deployPort = 0;

  const readyPods = async () =>
    (await api.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items.filter(
      (p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );

  beforeAll(async () => {
    const busybox = await ensureBusyboxImage();
    const r = await sb.paddock(['create', '--name', name, '--image', TEST_NODE_IMAGE, '--wait', '5m']);
    if (r.exitCode !== 0) throw new Error(`paddock create failed (${r.exitCode}):\n${r.all}`);
    const load = await sb.paddock(['load-image', busybox, '--cluster', name]);
    if (load.exitCode !== 0) throw new Error(`paddock load-image failed:\n${load.all}`);
    api = clients(sb.kubeconfig, context);
    process.env.KUBECONFIG = sb.kubeconfig; // for the in-process manager below
    const labels = { app: 'web' };
    await api.apps.createNamespacedDeployment({ namespace: 'default', body: webDeployment(busybox, { extraSetup: 'head -c 65536 /dev/zero > /www/64k' }) });
    await api.core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } },
    });
    await waitFor('deployment web available', 120_000, async () => (await readyPods()).length === 1);
  });

  afterAll(async () => {
    fg?.kill('SIGKILL');
    proxy?.kill('SIGKILL');
    await sb.paddock(['delete', name]);
    await sb.cleanup([name]);
  });

  it('adds forwards from the CLI; LOCAL 0 gets a free port that is saved and kept', async () => {
    svcPort = await freePort();
    const a = await sb.paddock(['forward', 'add', 'svc/web', `${svcPort}:80`, '--cluster', name]);
    expect(a.exitCode, a.all).toBe(0);
    expect(a.stdout.trim()).toBe('svc-web-80');
    const b = await sb.paddock(['forward', 'add', 'deploy/web', '0:http', '--context', context]);
    expect(b.exitCode, b.all).toBe(0);
    const list = await sb.paddock(['forward', 'list', '-o', 'json']);
    const forwards = JSON.parse(list.stdout) as ForwardInfo[];
    expect(forwards.map((f) => [f.id, f.context, f.namespace, f.state])).toEqual([
      ['svc-web-80', context, 'default', 'stopped'],
      ['deploy-web-http', context, 'default', 'stopped'],
    ]);
    deployPort = forwards[1]!.localPort;
    expect(deployPort).toBeGreaterThan(0);
    expect(forwards[0]!.kubeconfig).toBe(sb.kubeconfig);
    const file = path.join(sb.env.PADDOCK_HOME!, 'forwards.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).version).toBe(1);
  });

  it('`forward start --all` holds them in the foreground; the svc/ and deploy/ forwards answer from the host on the kept ports', async () => {
    fg = execa('node', [path.resolve('bin/paddock.js'), 'forward', 'start', '--all'], { env: sb.env, all: true, reject: false });
    fg.all?.on('data', (c: Buffer) => (fgOutput += c.toString()));
    const pod = (await readyPods())[0]!.metadata!.name!;
    expect(await waitFor('svc/ forward answers', 30_000, () => answer(svcPort))).toBe(pod);
    expect(await waitFor('deploy/ forward answers', 30_000, () => answer(deployPort))).toBe(pod);
    // Another process (this `forward list`) sees the live state of the forwards the foreground process holds,
    // as that process publishes it (up to 300 ms after a change, more on a busy host).
    const list = await waitFor('`forward list` to show both forwards connected', 10_000, async () => {
      const l = JSON.parse((await sb.paddock(['forward', 'list', '-o', 'json'])).stdout) as ForwardInfo[];
      return l.every((f) => f.state === 'connected') && l;
    });
    expect(list.find((f) => f.id === 'deploy-web-http')?.localPort).toBe(deployPort);
    expect(list.map((f) => [f.id, f.state, f.pod, f.heldBy, f.path])).toEqual([
      ['svc-web-80', 'connected', pod, fg.pid, 'direct'],
      ['deploy-web-http', 'connected', pod, fg.pid, 'direct'],
    ]);
    // One rule per forward in the node, each from the host's bridge address only.
    const rules = (await nodeRules()).filter((l) => l.startsWith('-A PADDOCK-FWD'));
    expect(rules).toHaveLength(2);
    for (const id of ['svc-web-80', 'deploy-web-http']) expect(rules.some((l) => l.includes(`paddock-fwd:${id}:${fg!.pid}-`) && / -s \S+\/32 /.test(l))).toBe(true);
  });

  it('a forward added while `forward start --all` runs starts there by itself', async () => {
    const port = await freePort();
    const r = await sb.paddock(['forward', 'add', 'svc/web', `${port}:web`, '--cluster', name]);
    expect(r.exitCode, r.all).toBe(0);
    const pod = (await readyPods())[0]!.metadata!.name!;
    expect(await waitFor('the new forward to answer', 20_000, () => answer(port))).toBe(pod);
    const rm = await sb.paddock(['forward', 'remove', r.stdout.trim()]);
    expect(rm.exitCode, rm.all).toBe(0);
    await waitFor('the removed forward to release its port', 10_000, () => isPortFree(port, '127.0.0.1'));
    await waitFor('its rule to leave the node', 10_000, async () => (await nodeRules()).filter((l) => l.startsWith('-A PADDOCK-FWD')).length === 2);
  });

  it('a rollout (pod template annotation, as kubectl rollout restart) moves both forwards to the new pod without restarting them', async () => {
    const oldPod = (await readyPods())[0]!.metadata!.name!;
    const failures: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const r = await get(svcPort).catch((e: Error) => ({ status: 0, body: e.message }));
        if (r.status !== 200) failures.push(r.body);
        await new Promise((res) => setTimeout(res, 200));
      }
    })();
    await api.apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'default', body: { spec: { template: { metadata: { annotations: { 'paddock.test/restartedAt': new Date().toISOString() } } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const newPod = await waitFor('the new pod to be Ready', 120_000, async () => {
      const pods = await readyPods();
      return pods.length === 1 && pods[0]!.metadata!.name !== oldPod ? pods[0]!.metadata!.name! : undefined;
    });
    const ready = Date.now();
    expect(await waitFor('svc/ forward on the new pod', 10_000, async () => ((await answer(svcPort)) === newPod ? newPod : undefined))).toBe(newPod);
    expect(await waitFor('deploy/ forward on the new pod', 10_000, async () => ((await answer(deployPort)) === newPod ? newPod : undefined))).toBe(newPod);
    const ms = Date.now() - ready;
    polling = false;
    await poller;
    console.log(`rollout: forwards answered from ${newPod} ${ms} ms after it was seen Ready; ${failures.length} failed requests during the rollout${failures.length ? ` (${failures.join('; ')})` : ''}`);
    expect(ms).toBeLessThan(3000);
    // The foreground command prints state changes as it polls them (every 0.5 s).
    await waitFor('the foreground log to name the new pod', 5000, async () => fgOutput.includes(`svc-web-80: connected (pod ${newPod})`));
    // Still straight to the pod, through a rule that now points at the new pod's address.
    const list = JSON.parse((await sb.paddock(['forward', 'list', '-o', 'json'])).stdout) as ForwardInfo[];
    expect(list.map((f) => f.path)).toEqual(['direct', 'direct']);
    const podIp = (await readyPods())[0]!.status!.podIP!;
    const rules = (await nodeRules()).filter((l) => l.startsWith('-A PADDOCK-FWD'));
    expect(rules).toHaveLength(2);
    expect(rules.every((l) => l.includes(`--to-destination ${podIp}:8080`))).toBe(true);
  });

  it('deleting the pod: requests succeed again within 3 s of the replacement being Ready', async () => {
    const oldPod = (await readyPods())[0]!.metadata!.name!;
    await api.core.deleteNamespacedPod({ name: oldPod, namespace: 'default' });
    const newPod = await waitFor('the replacement pod to be Ready', 120_000, async () => {
      const pods = await readyPods();
      return pods.length === 1 && pods[0]!.metadata!.name !== oldPod ? pods[0]!.metadata!.name! : undefined;
    });
    const ready = Date.now();
    await waitFor('svc/ forward on the replacement', 10_000, async () => (await answer(svcPort)) === newPod);
    const ms = Date.now() - ready;
    console.log(`pod deleted: svc/ forward answered from ${newPod} ${ms} ms after it was seen Ready`);
    expect(ms).toBeLessThan(3000);
  });

  it('a second process asking for a port in use gets PORT_IN_USE naming the port and its owner', async () => {
    const r = await sb.paddock(['forward', 'start', 'svc-web-80']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`port 127.0.0.1:${svcPort} (forward svc-web-80) is already in use by node (pid ${fg!.pid})`);
    expect(r.stderr).toContain('→ stop what uses port');
  });

  it('`forward stop ID` in another process stops a forward the foreground process holds; its other forward goes on', async () => {
    const r = await sb.paddock(['forward', 'stop', 'svc-web-80']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain('svc-web-80: stopped');
    expect(await isPortFree(svcPort, '127.0.0.1')).toBe(true);
    const list = JSON.parse((await sb.paddock(['forward', 'list', '-o', 'json'])).stdout) as ForwardInfo[];
    expect(list.map((f) => [f.id, f.state, f.heldBy])).toEqual([
      ['svc-web-80', 'stopped', undefined],
      ['deploy-web-http', 'connected', fg!.pid],
    ]);
    expect(await answer(deployPort)).toMatch(/^web-/);
  });

  it('Ctrl-C stops the foreground forwards and frees their ports at once', async () => {
    fg!.kill('SIGINT');
    const r = await fg!;
    expect(r.exitCode).toBe(0);
    expect(fgOutput).toContain('Stopped.');
    expect(await isPortFree(svcPort, '127.0.0.1')).toBe(true);
    expect(await isPortFree(deployPort, '127.0.0.1')).toBe(true);
    fg = undefined;
    // Nothing left in the node: no rule, no chain, no jump.
    expect(await nodeRules()).toEqual([]);
  });

  it.each(['direct', 'api', 'api-v4'] as const)('in-process, %s path: a pod/ forward carries 50 concurrent connections with no error, counts bytes, and stop frees the port with a connection open', async (via) => {
    if (via !== 'direct') process.env.PADDOCK_FORWARD_PATH = 'api';
    if (via === 'api-v4') process.env.PADDOCK_FORWARD_API = 'v4';
    const changes: string[] = [];
    const m = new ForwardManager({ store: fileForwardStore(path.join(sb.dir, `inproc-${via}-forwards.json`)), onState: (c) => changes.push(`${c.state}:${c.reason ?? ''}`) });
    try {
      const pod = (await readyPods())[0]!.metadata!.name!;
      const f = await m.add({ context, target: `pod/${pod}`, namespace: 'default', localPort: 0, remotePort: 'http' });
      const started = await m.start(f.id);
      expect(started.state).toBe('connected');
      expect(started.path).toBe(via === 'direct' ? 'direct' : 'api');
      if (via !== 'direct') expect(started.pathReason).toBe('PADDOCK_FORWARD_PATH=api');
      expect(started.podPort).toBe(8080);
      const size = (port: number) =>
        new Promise<number>((resolve, reject) => {
          http.get({ host: '127.0.0.1', port, path: '/64k', agent: false }, (res) => {
            let n = 0;
            res.on('data', (c: Buffer) => (n += c.length));
            res.on('end', () => resolve(res.statusCode === 200 ? n : -1));
          }).on('error', reject);
        });
      const sizes = await Promise.all(Array.from({ length: 50 }, () => size(f.localPort)));
      expect(sizes.every((n) => n === 65536)).toBe(true);
      const info = await m.get(f.id);
      expect(info.connectionsTotal).toBe(50);
      expect(info.bytesIn).toBeGreaterThanOrEqual(50 * 65536);
      expect(info.bytesIn).toBeLessThan(50 * (65536 + 1024)); // body + response headers
      expect(info.bytesOut).toBeGreaterThan(50 * 20); // the requests
      // The API path used its SPDY session (no fallback to WebSockets).
      if (via === 'api') expect(info.lastError ?? '').not.toContain('SPDY');
      const held = net.connect(f.localPort, '127.0.0.1');
      await new Promise((r) => held.once('connect', r));
      await waitFor('the held connection to count', 5000, async () => (await m.get(f.id)).connections === 1);
      await m.stop(f.id);
      expect(await isPortFree(f.localPort, '127.0.0.1')).toBe(true);
      held.destroy();
      expect(changes[0]).toBe('waiting:starting');
      expect(changes).toContain(`connected:pod ${pod} port 8080`);
      expect(changes.at(-1)).toBe('stopped:');
      expect(await nodeRules()).toEqual([]);
    } finally {
      delete process.env.PADDOCK_FORWARD_PATH;
      delete process.env.PADDOCK_FORWARD_API;
      await m.dispose();
    }
  });

  it('in-process, api path (SPDY): deleting the pod behind a svc/ forward, requests succeed again within 3 s of the replacement being Ready', () =>
    onApiPath(async () => {
      const m = new ForwardManager({ store: fileForwardStore(path.join(sb.dir, 'spdy-forwards.json')) });
      try {
        const f = await m.add({ context, target: 'svc/web', namespace: 'default', localPort: 0, remotePort: 80 });
        await m.start(f.id);
        const oldPod = (await readyPods())[0]!.metadata!.name!;
        expect(await waitFor('the forward to answer', 20_000, () => answer(f.localPort))).toBe(oldPod);
        await api.core.deleteNamespacedPod({ name: oldPod, namespace: 'default' });
        const newPod = await waitFor('the replacement pod to be Ready', 120_000, async () => {
          const pods = await readyPods();
          return pods.length === 1 && pods[0]!.metadata!.name !== oldPod ? pods[0]!.metadata!.name! : undefined;
        });
        const ready = Date.now();
        await waitFor('the forward on the replacement', 10_000, async () => (await answer(f.localPort)) === newPod);
        const ms = Date.now() - ready;
        console.log(`api path (SPDY), pod deleted: answered from ${newPod} ${ms} ms after it was seen Ready`);
        expect(ms).toBeLessThan(3000);
        const info = await m.get(f.id);
        expect(info.path).toBe('api');
        expect(info.lastError ?? '').not.toContain('SPDY port-forward failed');
      } finally {
        await m.dispose();
      }
    }));

  it('in-process: a forward whose nodes sit on a Docker engine reached over the network falls back to the API path and says why', async () => {
    // The same cluster under a context name that is not Paddock's, with DOCKER_HOST pointing at a TCP engine.
    const doc = yaml.load(fs.readFileSync(sb.kubeconfig, 'utf8')) as { contexts: { name: string }[]; 'current-context'?: string };
    for (const c of doc.contexts) if (c.name === context) c.name = 'elsewhere';
    const file = path.join(sb.dir, 'elsewhere.yaml');
    fs.writeFileSync(file, yaml.dump(doc), { mode: 0o600 });
    const m = new ForwardManager({ store: fileForwardStore(path.join(sb.dir, 'elsewhere-forwards.json')) });
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:9';
    try {
      const f = await m.add({ context: 'elsewhere', kubeconfig: file, target: 'svc/web', namespace: 'default', localPort: 0, remotePort: 80 });
      const started = await m.start(f.id);
      expect(started.state).toBe('connected');
      expect(started.path).toBe('api');
      expect(started.pathReason).toBe('the Docker engine is reached over the network (tcp://127.0.0.1:9): its node addresses are not routed here');
      expect(await answer(f.localPort)).toMatch(/^web-/);
    } finally {
      delete process.env.DOCKER_HOST;
      await m.dispose();
    }
    expect(await nodeRules()).toEqual([]);
  });

  it.each(['spdy', 'v4'] as const)('in-process, api path (%s): a server that speaks first greets every connection once, also those started on streams opened ahead and on their replacements', (mode) => onApiPath(async () => {
    if (mode === 'v4') process.env.PADDOCK_FORWARD_API = 'v4';
    const podName = `greeter-${mode}`;
    const busybox = await ensureBusyboxImage();
    await api.core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: podName },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'nc',
              image: busybox,
              imagePullPolicy: 'Never',
              // Says hello on connect, then echoes.
              command: ['sh', '-c', "exec nc -ll -p 9000 -e sh -c 'echo hello; exec cat'"],
              readinessProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1 },
            },
          ],
        },
      },
    });
    const m = new ForwardManager({ store: fileForwardStore(path.join(sb.dir, `${podName}-forwards.json`)), spares: { size: 2, maxAgeMs: 1500 } });
    try {
      await waitFor(`pod ${podName} Ready`, 60_000, async () =>
        (await api.core.readNamespacedPod({ name: podName, namespace: 'default' })).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      const f = await m.add({ context, target: `pod/${podName}`, namespace: 'default', localPort: 0, remotePort: 9000 });
      await m.start(f.id);
      const talk = () =>
        new Promise<string>((resolve, reject) => {
          const s = net.connect(f.localPort, '127.0.0.1');
          let got = '';
          s.setEncoding('utf8');
          s.on('data', (d: string) => {
            got += d;
            if (got === 'hello\n') s.write('ping\n');
            if (got.length >= 'hello\nping\n'.length) {
              resolve(got);
              s.destroy();
            }
          });
          s.on('error', reject);
          s.setTimeout(10_000, () => s.destroy(new Error(`timeout with ${JSON.stringify(got)}`)));
        });
      const got: string[] = [];
      for (let i = 0; i < 10; i++) got.push(await talk());
      await new Promise((r) => setTimeout(r, 2500)); // the streams opened ahead age out and are replaced
      for (let i = 0; i < 5; i++) got.push(await talk());
      expect(got).toEqual(Array.from({ length: 15 }, () => 'hello\nping\n'));
      expect((await m.get(f.id)).connectionsTotal).toBe(15);
      expect((await m.get(f.id)).path).toBe('api');
    } finally {
      delete process.env.PADDOCK_FORWARD_API;
      await m.dispose();
      await api.core.deleteNamespacedPod({ name: podName, namespace: 'default' });
    }
  }));

  it('`paddock proxy` serves /api/v1/namespaces without credentials and refuses foreign Host headers', async () => {
    const port = await freePort();
    proxy = execa('node', [path.resolve('bin/paddock.js'), 'proxy', '--cluster', name, '-p', String(port)], { env: sb.env, all: true, reject: false });
    let out = '';
    proxy.all?.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor('the proxy to serve', 30_000, async () => out.includes(`Starting to serve on 127.0.0.1:${port}`));
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe('NamespaceList');
    expect(list.items.map((n) => n.metadata.name)).toContain('kube-system');
    const rebinding = await new Promise<number>((resolve, reject) =>
      http.get({ host: '127.0.0.1', port, path: '/api/v1/namespaces', headers: { Host: `attacker.example:${port}` }, agent: false }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      }).on('error', reject),
    );
    expect(rebinding).toBe(403);
    proxy.kill('SIGINT');
    await proxy;
    expect(await isPortFree(port, '127.0.0.1')).toBe(true);
    proxy = undefined;
  });

  it('direct path: a forward that starts on a node sweeps rules left by a process that died, and keeps rules of others', async () => {
    const pod = (await readyPods())[0]!;
    const ip = pod.status!.hostIP!;
    // A rule as a SIGKILLed holder leaves it (pid far above pid_max), and one that is not Paddock's.
    const dead = ['-s', '172.31.255.1/32', '-d', `${ip}/32`, '-p', 'tcp', '--dport', '29999', '-m', 'comment', '--comment', 'paddock-fwd:gone-1:4999999-1', '-j', 'DNAT', '--to-destination', '10.0.0.1:1'];
    const foreign = ['-s', '172.31.255.1/32', '-p', 'tcp', '--dport', '29998', '-m', 'comment', '--comment', 'not paddock', '-j', 'RETURN'];
    for (const args of [['-N', 'PADDOCK-FWD'], ['-A', 'PADDOCK-FWD', ...dead], ['-A', 'PADDOCK-FWD', ...foreign]]) {
      await execa('docker', ['exec', node, 'iptables', '-t', 'nat', ...args]);
    }
    const m = new ForwardManager({ store: fileForwardStore(path.join(sb.dir, 'sweep-forwards.json')) });
    try {
      const f = await m.add({ context, target: 'deploy/web', namespace: 'default', localPort: 0, remotePort: 8080 });
      expect((await m.start(f.id)).path).toBe('direct');
      expect(await answer(f.localPort)).toBe(pod.metadata!.name);
      const rules = await nodeRules();
      expect(rules.some((l) => l.includes('gone-1'))).toBe(false);
      expect(rules.some((l) => l.includes('not paddock'))).toBe(true);
      expect(rules.some((l) => l.includes(`paddock-fwd:${f.id}:${process.pid}-`))).toBe(true);
      await m.stop(f.id);
      // The forward's rule goes; the chain stays while a rule that is not ours is in it.
      expect((await nodeRules()).filter((l) => l.startsWith('-A PADDOCK-FWD'))).toEqual([expect.stringContaining('not paddock')]);
    } finally {
      await m.dispose();
      await execa('docker', ['exec', node, 'iptables', '-t', 'nat', '-D', 'PADDOCK-FWD', ...foreign], { reject: false });
      await execa('docker', ['exec', node, 'sh', '-c', 'iptables -t nat -D PREROUTING -j PADDOCK-FWD; iptables -t nat -X PADDOCK-FWD'], { reject: false });
    }
    expect(await nodeRules()).toEqual([]);
  });

  it('direct path: a probe that gets no answer through the rule (pod not reachable yet) serves through the API, and the forward moves to the direct path once the pod answers', async () => {
    const pod = (await readyPods())[0]!;
    // The node drops what the rule sends to the pod, as while a pod's sandbox is not back after a cluster start.
    const drop = ['FORWARD', '-d', `${pod.status!.podIP!}/32`, '-p', 'tcp', '--dport', '8080', '-j', 'DROP'];
    await execa('docker', ['exec', node, 'iptables', '-I', ...drop]);
    const m = new ForwardManager({ store: fileForwardStore(path.join(sb.dir, 'retry-forwards.json')) });
    let dropped = true;
    try {
      const f = await m.add({ context, target: 'deploy/web', namespace: 'default', localPort: 0, remotePort: 8080 });
      const started = await m.start(f.id);
      expect(started.path, started.pathReason).toBe('api');
      expect(started.pathReason).toMatch(/did not answer through node .*; trying the direct path again$/);
      expect(await answer(f.localPort)).toBe(pod.metadata!.name);
      await execa('docker', ['exec', node, 'iptables', '-D', ...drop]);
      dropped = false;
      let last = started;
      await waitFor('the forward to move to the direct path', 30_000, async () => (last = await m.get(f.id)).path === 'direct').catch((e: Error) => {
        throw new Error(`${e.message}; path ${last.path}: ${last.pathReason ?? 'no reason given'}`);
      });
      expect(await answer(f.localPort)).toBe(pod.metadata!.name);
      expect((await nodeRules()).filter((l) => l.startsWith('-A PADDOCK-FWD'))).toHaveLength(1);
      await m.stop(f.id);
      expect(await nodeRules()).toEqual([]);
    } finally {
      await m.dispose();
      if (dropped) await execa('docker', ['exec', node, 'iptables', '-D', ...drop], { reject: false });
    }
  });

  it('a forward held across `paddock stop` and `paddock start` of its cluster comes back by itself', async () => {
    const m = new ForwardManager({ store: fileForwardStore(path.join(sb.dir, 'restart-forwards.json')) });
    try {
      const f = await m.add({ context, target: 'svc/web', namespace: 'default', localPort: 0, remotePort: 80 });
      await m.start(f.id);
      expect(await waitFor('the forward to answer', 20_000, () => answer(f.localPort))).toMatch(/^web-/);
      const stop = await sb.paddock(['stop', name]);
      expect(stop.exitCode, stop.all).toBe(0);
      await waitFor('the forward to see the cluster gone', 30_000, async () => (await m.get(f.id)).state !== 'connected');
      const down = await m.get(f.id);
      console.log(`cluster stopped: forward is ${down.state}: ${down.reason}`);
      expect(await isPortFree(f.localPort, '127.0.0.1')).toBe(false); // it keeps its port while it waits
      const start = await sb.paddock(['start', name]);
      expect(start.exitCode, start.all).toBe(0);
      const started = Date.now();
      expect(await waitFor('the forward to answer again', 180_000, () => answer(f.localPort))).toMatch(/^web-/);
      console.log(`cluster started: forward answered ${Date.now() - started} ms after \`paddock start\` returned`);
      // The node's network namespace is new: the rule is put back there. The first try may come while the pod's
      // status still says Ready from before the stop (its sandbox not back): the forward answers through the API
      // meanwhile and tries the direct path again in the background.
      const first = await m.get(f.id);
      console.log(`first answer after start: path ${first.path}${first.pathReason ? ` (${first.pathReason})` : ''}`);
      let last = first;
      await waitFor('the forward to take the direct path again', 30_000, async () => (last = await m.get(f.id)).path === 'direct').catch((e: Error) => {
        throw new Error(`${e.message}; path ${last.path}: ${last.pathReason ?? 'no reason given'}`);
      });
      expect(await answer(f.localPort)).toMatch(/^web-/);
      expect((await nodeRules()).filter((l) => l.startsWith('-A PADDOCK-FWD'))).toHaveLength(1);
      await m.remove(f.id);
      expect(await nodeRules()).toEqual([]);
    } finally {
      await m.dispose();
    }
  });
});
