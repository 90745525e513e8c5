/**
 * The forward manager end to end against a small fake API server: pod
 * lookup, the pod watch, and a portforward WebSocket (v4.channel.k8s.io)
 * whose "pod" upper-cases what it gets. No cluster needed.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { useTempKube, type TempKube } from '../kubeconfig/testing.js';
import { fileForwardStore } from '../../store/forwards.js';
import { isPortFree } from '../../provisioner/ports.js';
import { contextGone, ForwardManager } from './manager.js';
import { publishRuntime, runtimeDir } from './runtime-file.js';

interface Fake {
  url: string;
  podExists: boolean;
  /** Streams to this pod uid close at once without a byte, like a pod that is shutting down. */
  dropUid?: string;
  /** Streams to this pod uid never answer, like a pod busy shutting down. */
  silentUid?: string;
  /** Streams take this long to open, like a loaded API server. */
  openDelayMs?: number;
  /** Sent by the "pod" as soon as a stream opens, like a server that speaks first. */
  greeting?: string;
  /** Streams still open, and by the pod uid they were opened to. */
  open: number;
  openTo: Map<string, number>;
  uid: string;
  watches: http.ServerResponse[];
  streams: number;
  close(): Promise<void>;
}

async function fakeApi(): Promise<Fake> {
  const fake: Fake = { url: '', podExists: true, uid: 'uid-1', watches: [], streams: 0, open: 0, openTo: new Map(), close: async () => undefined };
  const pod = () => ({
    metadata: { name: 'echo', uid: fake.uid, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { containers: [{ ports: [{ name: 'http', containerPort: 9000 }] }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/v1/namespaces/default/pods/echo') {
      if (!fake.podExists) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","message":"pods \\"echo\\" not found"}');
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pod()));
    }
    if (url.pathname === '/api/v1/namespaces/default/pods' && url.searchParams.get('watch')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      fake.watches.push(res);
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false) });
  server.on('upgrade', (req, sock, head) => {
    if (!req.url?.startsWith('/api/v1/namespaces/default/pods/echo/portforward?ports=9000') || !fake.podExists) {
      sock.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const upgrade = (fn: () => void) => (fake.openDelayMs ? setTimeout(fn, fake.openDelayMs) : fn());
    upgrade(() => wss.handleUpgrade(req, sock, head, (ws) => {
      fake.streams++;
      fake.open++;
      const to = fake.uid;
      fake.openTo.set(to, (fake.openTo.get(to) ?? 0) + 1);
      ws.on('close', () => {
        fake.open--;
        fake.openTo.set(to, fake.openTo.get(to)! - 1);
      });
      ws.send(Buffer.from([0, 0x28, 0x23]));
      ws.send(Buffer.from([1, 0x28, 0x23]));
      if (fake.greeting) ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(fake.greeting)]));
      if (fake.dropUid === fake.uid) {
        fake.uid = 'uid-next'; // the replacement is there when the connection is retried
        ws.close();
        return;
      }
      const silent = fake.silentUid === fake.uid;
      ws.on('message', (data: Buffer) => {
        if (data[0] === 0 && !silent) ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(data.subarray(1).toString().toUpperCase())]));
      });
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  fake.close = async () => {
    for (const c of wss.clients) c.terminate();
    for (const w of fake.watches) w.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return fake;
}

function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    s.setEncoding('utf8');
    s.once('data', (d: string) => {
      resolve(d);
      s.destroy();
    });
    s.on('error', reject);
    s.setTimeout(5000, () => reject(new Error('timeout')));
  });
}

let kube: TempKube;
let fake: Fake;
let m: ForwardManager;

beforeEach(async () => {
  kube = await useTempKube();
  fake = await fakeApi();
  const config = path.join(kube.dir, 'kubeconfig');
  await fs.writeFile(
    config,
    ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', `    server: ${fake.url}`, 'users:', '- name: u', '  user:', '    token: t0k3n', 'contexts:', '- name: fake', '  context:', '    cluster: c', '    user: u', 'current-context: fake', ''].join('\n'),
  );
  process.env.KUBECONFIG = config;
  // These tests count streams one per connection: no streams opened ahead (the last tests turn them on).
  m = new ForwardManager({ store: fileForwardStore(path.join(kube.dir, 'forwards.json')), connectWaitMs: 3000, spares: { size: 0 } });
});

afterEach(async () => {
  await m.dispose();
  await fake.close();
  await kube.restore();
});

it('forwards a connection to the pod port a name resolves to, counts bytes, and frees the port at once on stop', async () => {
  const f = await m.add({ context: 'fake', target: 'pod/echo', localPort: 0, remotePort: 'http' });
  expect(f.kubeconfig).toBe(process.env.KUBECONFIG);
  expect(f.localPort).toBeGreaterThan(0);
  const started = await m.start(f.id);
  expect(started).toMatchObject({ state: 'connected', pod: 'echo', podPort: 9000, local: true });
  expect(await roundTrip(f.localPort, 'hello')).toBe('HELLO');
  const info = await m.get(f.id);
  expect(info).toMatchObject({ bytesIn: 5, bytesOut: 5, connectionsTotal: 1 });
  const stopped = await m.stop(f.id);
  expect(stopped.state).toBe('stopped');
  expect(await isPortFree(f.localPort, '127.0.0.1')).toBe(true);
});

it('a local port in use is PORT_IN_USE naming the port; the forward shows the error', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const f = await m.add({ context: 'fake', target: 'pod/echo', localPort: port, remotePort: 9000 });
    await expect(m.start(f.id)).rejects.toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining(`127.0.0.1:${port}`) });
    expect((await m.get(f.id)).state).toBe('error');
    await expect(m.add({ context: 'fake', target: 'svc/other', localPort: port, remotePort: 80 })).rejects.toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining(f.id) });
  } finally {
    blocker.close();
  }
});

it('when the pod goes away it waits, and connects again as soon as the pod is back', async () => {
  const states: string[] = [];
  m = new ForwardManager({ store: fileForwardStore(path.join(kube.dir, 'forwards2.json')), onState: (c) => states.push(c.state), connectWaitMs: 3000, spares: { size: 0 } });
  const f = await m.add({ context: 'fake', target: 'pod/echo', localPort: 0, remotePort: 9000 });
  await m.start(f.id);
  await expect.poll(() => fake.watches.length).toBe(1);
  fake.podExists = false;
  fake.uid = 'uid-2';
  for (const w of fake.watches.splice(0)) w.end(JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'echo', uid: 'uid-1' } } }) + '\n');
  await expect.poll(async () => (await m.get(f.id)).state).toBe('waiting');
  expect((await m.get(f.id)).reason).toMatch(/does not exist|deleted/);
  // A connection made while waiting is held until the pod is back.
  const pending = roundTrip(f.localPort, 'again');
  await new Promise((r) => setTimeout(r, 300));
  fake.podExists = true;
  expect(await pending).toBe('AGAIN');
  expect((await m.get(f.id)).state).toBe('connected');
  expect(states).toEqual(expect.arrayContaining(['waiting', 'connected']));
});

it('an unreachable cluster is an error state with the reason, retried until it answers', async () => {
  await fake.close();
  const f = await m.add({ context: 'fake', target: 'pod/echo', localPort: 0, remotePort: 9000 });
  const info = await m.start(f.id);
  expect(info.state).toBe('error');
  expect(info.reason).toMatch(/does not answer|ECONNREFUSED/);
  expect(await isPortFree(f.localPort, '127.0.0.1')).toBe(false); // the port stays bound while it retries
});

it('a forward to a context that is gone says so', async () => {
  await expect(m.add({ context: 'nope', target: 'pod/echo', localPort: 0, remotePort: 9000 })).rejects.toMatchObject({ code: 'CONTEXT_NOT_FOUND' });
});

it('a connection whose pod ends the stream before answering is carried to the replacement pod, with what the client sent', async () => {
  const f = await m.add({ context: 'fake', target: 'pod/echo', localPort: 0, remotePort: 9000 });
  await m.start(f.id);
  fake.dropUid = 'uid-1';
  expect(await roundTrip(f.localPort, 'carried over')).toBe('CARRIED OVER');
  expect(fake.streams).toBe(2);
  await expect.poll(async () => (await m.get(f.id)).state).toBe('connected');
});

it('a stream the app refuses on a pod that stays ready is not retried for ever', async () => {
  const f = await m.add({ context: 'fake', target: 'pod/echo', localPort: 0, remotePort: 9000 });
  await m.start(f.id);
  const origUid = fake.uid;
  fake.dropUid = origUid;
  // The pod keeps its uid: the fake cannot replace it.
  Object.defineProperty(fake, 'uid', { get: () => origUid, set: () => undefined, configurable: true });
  const started = Date.now();
  const got = await new Promise<string>((resolve) => {
    const s = net.connect(f.localPort, '127.0.0.1', () => s.write('x'));
    s.on('data', () => resolve('data'));
    s.on('close', () => resolve('closed'));
    s.on('error', () => resolve('closed'));
  });
  expect(got).toBe('closed');
  expect(Date.now() - started).toBeLessThan(2000);
});

it('a connection still waiting for its answer when the pod starts terminating moves to the replacement', async () => {
  const f = await m.add({ context: 'fake', target: 'pod/echo', localPort: 0, remotePort: 9000 });
  await m.start(f.id);
  await expect.poll(() => fake.watches.length).toBe(1);
  fake.silentUid = 'uid-1';
  const answer = roundTrip(f.localPort, 'in flight');
  await expect.poll(() => fake.streams).toBe(1);
  await new Promise((r) => setTimeout(r, 100));
  fake.uid = 'uid-2';
  for (const w of fake.watches.splice(0)) w.write(JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'echo', uid: 'uid-1', deletionTimestamp: '2026-01-01T00:00:00Z' } } }) + '\n');
  expect(await answer).toBe('IN FLIGHT');
  expect(fake.streams).toBe(2);
});

/** Reads until `n` characters came, then closes. */
function readN(port: number, n: number, send?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const s = net.connect(port, '127.0.0.1', () => send && s.write(send));
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
      if (got.length >= n) {
        resolve(got);
        s.destroy();
      }
    });
    s.on('error', reject);
    s.setTimeout(5000, () => reject(new Error(`timeout with ${JSON.stringify(got)}`)));
  });
}

it('after a connection, the next ones start on streams opened ahead: what the pod sent first reaches each client once; a pod change closes them', async () => {
  const m2 = new ForwardManager({ store: fileForwardStore(path.join(kube.dir, 'forwards3.json')), connectWaitMs: 3000, spares: { size: 2, maxSize: 2, maxAgeMs: 60_000 } });
  try {
    fake.greeting = 'hi ';
    const f = await m2.add({ context: 'fake', target: 'pod/echo', localPort: 0, remotePort: 9000 });
    await m2.start(f.id);
    expect(fake.streams).toBe(0); // none before the forward is used
    expect(await readN(f.localPort, 'hi ONE'.length, 'one')).toBe('hi ONE');
    await expect.poll(() => fake.streams).toBe(3); // the connection's own, and two spares
    const before = fake.streams;
    expect(await readN(f.localPort, 'hi TWO'.length, 'two')).toBe('hi TWO');
    expect(await readN(f.localPort, 'hi THREE'.length, 'three')).toBe('hi THREE');
    await expect.poll(() => fake.streams).toBe(before + 2); // only replacements were opened
    expect((await m2.get(f.id)).connectionsTotal).toBe(3);
    // The pod is replaced: streams to the old one are closed, new ones go to the new pod.
    fake.uid = 'uid-2';
    for (const w of fake.watches.splice(0)) w.write(JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'echo', uid: 'uid-1' } } }) + '\n');
    await expect.poll(() => fake.openTo.get('uid-1')).toBe(0);
    await expect.poll(async () => (await m2.get(f.id)).state).toBe('connected');
    expect(await readN(f.localPort, 'hi FOUR'.length, 'four')).toBe('hi FOUR');
  } finally {
    await m2.dispose();
  }
  await expect.poll(() => fake.open).toBe(0);
});

it('streams opened ahead are replaced when they age, and not made again while the forward is idle', async () => {
  const m2 = new ForwardManager({ store: fileForwardStore(path.join(kube.dir, 'forwards4.json')), connectWaitMs: 3000, spares: { size: 1, maxSize: 1, maxAgeMs: 150, warmMs: 1000 } });
  try {
    const f = await m2.add({ context: 'fake', target: 'pod/echo', localPort: 0, remotePort: 9000 });
    await m2.start(f.id);
    expect(await roundTrip(f.localPort, 'x')).toBe('X');
    await expect.poll(() => fake.streams).toBeGreaterThanOrEqual(4); // aged out and replaced
    await new Promise((r) => setTimeout(r, 1000)); // no longer warm
    // The client's own stream closes after the half-close grace (5 s); the spare at once.
    await expect.poll(() => fake.open, { timeout: 8000 }).toBe(0);
    const settled = fake.streams;
    await new Promise((r) => setTimeout(r, 400));
    expect(fake.streams).toBe(settled);
    expect(await roundTrip(f.localPort, 'y')).toBe('Y');
  } finally {
    await m2.dispose();
  }
});

it('a pod port that closes every stream at once does not make streams opened ahead in a loop', async () => {
  const m2 = new ForwardManager({ store: fileForwardStore(path.join(kube.dir, 'forwards5.json')), connectWaitMs: 3000, spares: { size: 2, maxAgeMs: 60_000 } });
  try {
    const f = await m2.add({ context: 'fake', target: 'pod/echo', localPort: 0, remotePort: 9000 });
    await m2.start(f.id);
    expect(await roundTrip(f.localPort, 'x')).toBe('X');
    const origUid = fake.uid;
    Object.defineProperty(fake, 'uid', { get: () => origUid, set: () => undefined, configurable: true });
    fake.dropUid = origUid;
    // Spares already open stay; make the pool open new ones by using them up.
    await new Promise<string>((resolve) => {
      const s = net.connect(f.localPort, '127.0.0.1', () => s.write('x'));
      s.on('close', () => resolve('closed'));
      s.on('error', () => resolve('closed'));
      s.on('data', () => resolve('data'));
    });
    await new Promise((r) => setTimeout(r, 500));
    const n = fake.streams;
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.streams).toBe(n);
    expect(n).toBeLessThan(12);
  } finally {
    await m2.dispose();
  }
});

it('stopping a forward another process holds that does not answer the request says which process holds it and what to do', async () => {
  const f = await m.add({ context: 'fake', target: 'pod/echo', localPort: 0, remotePort: 9000 });
  // A live process that publishes the forward as held but never reads stop requests (an older Paddock, a hung app).
  const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const info = { ...(await m.get(f.id)), state: 'connected' as const, local: false };
    const file = path.join(runtimeDir(m.store.file), `${holder.pid}.json`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, JSON.stringify({ pid: holder.pid, forwards: [info] }));
    expect((await m.list())[0]).toMatchObject({ heldBy: holder.pid, state: 'connected' });
    const m2 = new ForwardManager({ store: m.store, stopWaitMs: 400, spares: { size: 0 } });
    const err = await m2.stop(f.id).catch((e: Error & { remedy?: string }) => e);
    expect(err).toMatchObject({ code: 'CLUSTER_BUSY' });
    expect((err as Error).message).toBe(`forward ${f.id} is held by another process, sleep 30 (pid ${holder.pid}), which did not stop it`);
    expect((err as { remedy?: string }).remedy).toContain(`kill ${holder.pid}`);
    // The request is withdrawn: nothing is left for a later holder with that pid.
    expect((await fs.readdir(runtimeDir(m.store.file))).filter((n) => n.includes('.stop.'))).toEqual([]);
  } finally {
    holder.kill();
  }
});

it('a process that holds forwards stops one when another process asks (the request file is consumed)', async () => {
  const f = await m.add({ context: 'fake', target: 'pod/echo', localPort: 0, remotePort: 9000 });
  await m.start(f.id);
  // What `paddock forward stop` in another process leaves for this one.
  await fs.writeFile(path.join(runtimeDir(m.store.file), `${process.pid}.stop.${f.id}`), '1\n');
  await expect.poll(async () => (await m.get(f.id)).state).toBe('stopped');
  expect(await isPortFree(f.localPort, '127.0.0.1')).toBe(true);
  expect((await fs.readdir(runtimeDir(m.store.file))).filter((n) => n.includes('.stop.'))).toEqual([]);
  await publishRuntime(m.store.file, []);
});


it('a vanished context reads as waiting for its cluster, in words', () => {
  expect(contextGone('paddock-dev', 'context "paddock-dev" is gone: …')).toMatch(/^cluster "dev" is gone \(deleted\?\); the forward resumes when it is back/);
  expect(contextGone('prod-eu', 'context "prod-eu" is gone: it was saved from /k, which no longer has it')).toMatch(/^context "prod-eu" is gone: it was saved from \/k, which no longer has it; the forward resumes/);
});
