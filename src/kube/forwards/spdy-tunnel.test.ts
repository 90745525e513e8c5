/**
 * The SPDY tunnel (spdy-tunnel.ts) over real local TCP: each "pod" is a
 * local upgrade endpoint that speaks the SPDY frames the API server would
 * and answers on a connection's data stream. The real API server is in the
 * cluster tier (test/cluster/forwards.test.ts).
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContextTarget } from '../client.js';
import { SpdySession } from './spdy.js';
import { spdyTunnel, type SpdyTarget } from './spdy-tunnel.js';
import type { Tunnel } from './tunnel.js';
import { dataFrame, readFrames } from './spdy-testkit.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A pod behind a SPDY portforward endpoint: each data stream gets `<name> got <what the client sent>` once the client paused 50 ms, then FIN. */
async function spdyPod(name: string): Promise<ContextTarget> {
  const srv = http.createServer((_q, r) => r.writeHead(404).end());
  srv.on('upgrade', (_req: http.IncomingMessage, sock: net.Socket) => {
    sock.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n');
    sock.on('error', () => undefined);
    const dataStreams = new Set<number>();
    const got = new Map<number, string>();
    const timers = new Map<number, NodeJS.Timeout>();
    readFrames(
      sock,
      (f) => {
        if (f.control || !f.body.length) return;
        got.set(f.id, (got.get(f.id) ?? '') + f.body.toString());
        clearTimeout(timers.get(f.id));
        timers.set(
          f.id,
          setTimeout(() => {
            if (dataStreams.has(f.id) && !sock.destroyed) sock.write(dataFrame(f.id, 1, Buffer.from(`${name} got ${got.get(f.id)}`)));
          }, 50),
        );
      },
      (id, headers) => {
        if (headers.streamtype === 'data') dataStreams.add(id);
      },
    );
    closers.push(() => {
      for (const t of timers.values()) clearTimeout(t);
      sock.destroy();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closers.push(() => srv.close());
  return { server: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}` } as ContextTarget;
}

async function session(t: ContextTarget): Promise<SpdySession> {
  const s = await SpdySession.open(t, { agent: undefined, headers: {} }, 'ns', 'pod');
  closers.push(() => s.close());
  return s;
}

/** A session to `t` that the API server already ended. */
async function closedSession(t: ContextTarget, why = 'the connection to the API server closed'): Promise<SpdySession> {
  const s = await session(t);
  s.close(why);
  return s;
}

/** A local listener whose connections go through spdyTunnel; what spdyTunnel returned or threw for each is kept. */
async function forward(first: () => SpdyTarget, retry?: (why: string) => Promise<SpdyTarget | undefined>) {
  const tunnels: Tunnel[] = [];
  const thrown: unknown[] = [];
  const counters = { bytesIn: 0, bytesOut: 0 };
  const srv = net.createServer((sock) => {
    try {
      tunnels.push(spdyTunnel(sock, first(), counters, retry));
    } catch (e) {
      thrown.push(e);
      sock.destroy();
    }
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closers.push(() => srv.close());
  return { port: (srv.address() as net.AddressInfo).port, tunnels, thrown, counters };
}

/** Sends `send` and collects what comes back until the tunnel ends or cuts the connection. */
function talk(port: number, send: string): Promise<{ got: string; cut: boolean }> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    let cut = false;
    c.setEncoding('utf8');
    c.on('connect', () => c.write(send));
    c.on('data', (d: string) => (got += d));
    c.on('error', () => (cut = true));
    c.on('close', () => resolve({ got, cut }));
  });
}

describe('spdyTunnel', () => {
  it('carries a connection on a live session and counts its bytes', async () => {
    const pod = await spdyPod('pod-a');
    const s = await session(pod);
    const f = await forward(() => ({ session: s, port: 80 }));
    const r = await talk(f.port, 'hello');
    expect(r.got).toBe('pod-a got hello');
    expect(await f.tunnels[0]!.done).toEqual({ error: undefined, opened: true, retries: 0 });
    expect(f.counters).toEqual({ bytesOut: 5, bytesIn: 'pod-a got hello'.length });
  });

  it('a first session that is already closed ends the connection with the reason (no other pod), without throwing', async () => {
    const pod = await spdyPod('pod-a');
    const dead = await closedSession(pod);
    const f = await forward(() => ({ session: dead, port: 80 }));
    const r = await talk(f.port, 'hello');
    expect(f.thrown).toEqual([]);
    expect(r.got).toBe('');
    const res = await f.tunnels[0]!.done;
    expect(res.error).toContain('the connection to the API server closed');
    // No stream was opened: the manager then looks the pod up again.
    expect(res).toMatchObject({ opened: false, retries: 0 });
  });

  it('a first session that is already closed moves the connection to the next pod with what the client sent', async () => {
    const [a, b] = [await spdyPod('pod-a'), await spdyPod('pod-b')];
    const dead = await closedSession(a);
    const live = await session(b);
    const asked: string[] = [];
    const f = await forward(
      () => ({ session: dead, port: 80 }),
      async (why) => {
        asked.push(why);
        return { session: live, port: 80 };
      },
    );
    const r = await talk(f.port, 'hello');
    expect(f.thrown).toEqual([]);
    expect(r.got).toBe('pod-b got hello');
    expect(await f.tunnels[0]!.done).toEqual({ error: undefined, opened: true, retries: 1 });
    // The reason names the session, which tells the manager a new session to the same pod may help.
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/session/);
  });

  it('a closed session handed on a move is passed over too, up to the limit of moves, then the connection ends with the reason', async () => {
    const [a, b] = [await spdyPod('pod-a'), await spdyPod('pod-b')];
    const deadA = await closedSession(a);
    const deadB = await closedSession(b, 'the API server ended the session (GOAWAY)');
    const live = await session(b);
    // One closed session on the way, then a live one: the client's bytes reach it once.
    let n = 0;
    const f1 = await forward(
      () => ({ session: deadA, port: 80 }),
      async () => ({ session: n++ === 0 ? deadB : live, port: 80 }),
    );
    expect((await talk(f1.port, 'one')).got).toBe('pod-b got one');
    expect(await f1.tunnels[0]!.done).toEqual({ error: undefined, opened: true, retries: 2 });
    // Only closed sessions: the connection ends after the tunnel's moves, with the last session's reason.
    let asked = 0;
    const f2 = await forward(
      () => ({ session: deadA, port: 80 }),
      async () => {
        asked++;
        return { session: deadB, port: 80 };
      },
    );
    const r = await talk(f2.port, 'two');
    expect(f2.thrown).toEqual([]);
    expect(r.got).toBe('');
    const res = await f2.tunnels[0]!.done;
    expect(res.error).toContain('GOAWAY');
    expect(res).toMatchObject({ opened: false, retries: 3 });
    expect(asked).toBe(3);
  });

  it('a connection stopped while it is moving off a closed session ends cleanly', async () => {
    const pod = await spdyPod('pod-a');
    const dead = await closedSession(pod);
    let release!: (t: SpdyTarget | undefined) => void;
    const f = await forward(
      () => ({ session: dead, port: 80 }),
      () => new Promise((r) => (release = r)),
    );
    const talking = talk(f.port, 'hello');
    for (let i = 0; i < 200 && !release; i++) await new Promise((r) => setTimeout(r, 10));
    expect(release).toBeTypeOf('function');
    // The forward stops (manager: tun.end()) before the next pod is known.
    expect(() => f.tunnels[0]!.end()).not.toThrow();
    release(undefined);
    const r = await talking;
    expect(r.got).toBe('');
    expect(await f.tunnels[0]!.done).toMatchObject({ error: undefined, opened: false, retries: 0 });
    expect(f.thrown).toEqual([]);
  });
});
