/** The direct path's splice over real local TCP sockets: a local "pod" server stands in for node IP:port. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { directTunnel } from './direct-tunnel.js';
import type { Tunnel, TunnelCounters } from './tunnel.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listen(onConn: (c: net.Socket) => void): Promise<number> {
  const s = net.createServer({ allowHalfOpen: true }, onConn);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as net.AddressInfo).port;
}

/** A local listener whose connections go through directTunnel to `target`; the tunnels are handed to `seen`. */
async function forward(target: () => number, counters: TunnelCounters, seen: Tunnel[] = [], retry?: (why: string) => Promise<{ host: string; port: number } | undefined>) {
  return listen((sock) => seen.push(directTunnel(sock, { host: '127.0.0.1', port: target() }, counters, retry)));
}

function talk(port: number, send: string, halfClose = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let got = '';
    c.setEncoding('utf8');
    c.on('connect', () => (halfClose ? c.end(send) : c.write(send)));
    c.on('data', (d: string) => (got += d));
    c.on('end', () => {
      c.end();
      resolve(got);
    });
    c.on('error', reject);
  });
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
}

describe('directTunnel', () => {
  it('carries both directions with a real half-close and counts the bytes', async () => {
    // Answers only after the client finished sending (needs the half-close to pass through).
    const pod = await listen((c) => {
      let all = '';
      c.on('data', (d) => (all += d.toString()));
      c.on('end', () => c.end(`got ${all.length} bytes`));
    });
    const counters = { bytesIn: 0, bytesOut: 0 };
    const seen: Tunnel[] = [];
    const port = await forward(() => pod, counters, seen);
    const body = 'x'.repeat(300_000);
    expect(await talk(port, body)).toBe('got 300000 bytes');
    expect(counters).toEqual({ bytesOut: 300_000, bytesIn: 'got 300000 bytes'.length });
    expect(await seen[0]!.done).toEqual({ error: undefined, opened: true, retries: 0 });
  });

  it('moves a connection its pod refused before answering to the address retry gives, with what the client sent', async () => {
    const gone = await listen(() => undefined);
    servers.pop()!.close(); // nothing listens there now: refused
    const pod = await listen((c) => c.once('data', (d) => c.end(`echo:${d.toString()}`)));
    const counters = { bytesIn: 0, bytesOut: 0 };
    const asked: string[] = [];
    const seen: Tunnel[] = [];
    const port = await forward(() => gone, counters, seen, async (why) => {
      asked.push(why);
      return { host: '127.0.0.1', port: pod };
    });
    expect(await talk(port, 'hello', false)).toBe('echo:hello');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('ECONNREFUSED');
    expect((await seen[0]!.done).retries).toBe(1);
  });

  it('end({ moveIfUnanswered }) moves an unanswered connection to the next pod; an answered one just ends', async () => {
    let reached = 0;
    const silent = await listen((c) => c.once('data', () => reached++)); // reads, never answers (a pod going away)
    const next = await listen((c) => c.once('data', (d) => c.end(`next:${d.toString()}`)));
    const seen: Tunnel[] = [];
    const port = await forward(() => silent, { bytesIn: 0, bytesOut: 0 }, seen, async () => ({ host: '127.0.0.1', port: next }));
    const reply = talk(port, 'req', false);
    await until(() => reached === 1);
    seen[0]!.end({ moveIfUnanswered: true });
    expect(await reply).toBe('next:req');

    let greeted = 0;
    const chatty = await listen((c) => c.write('hi', () => greeted++));
    const seen2: Tunnel[] = [];
    const c2 = { bytesIn: 0, bytesOut: 0 };
    const port2 = await forward(() => chatty, c2, seen2, async () => ({ host: '127.0.0.1', port: next }));
    const reply2 = talk(port2, 'req', false);
    await until(() => greeted === 1 && c2.bytesIn === 2); // the greeting went through: answered
    seen2[0]!.end({ moveIfUnanswered: true });
    expect(await reply2).toBe('hi');
    expect((await seen2[0]!.done).retries).toBe(0);
  });

  it('a refused connection with no other pod ends with the error', async () => {
    const gone = await listen(() => undefined);
    servers.pop()!.close();
    const seen: Tunnel[] = [];
    const port = await forward(() => gone, { bytesIn: 0, bytesOut: 0 }, seen, async () => undefined);
    await talk(port, 'x', false).catch(() => '');
    const res = await seen[0]!.done;
    expect(res.error).toContain('ECONNREFUSED');
    expect(res.opened).toBe(false);
  });
});
