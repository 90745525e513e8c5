/**
 * SPDY/3.1 framing of the API path's session, against a local server that
 * parses what the client sends (the real API server is in the cluster tier:
 * test/cluster/forwards.test.ts).
 */
import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { headerBlock, SpdySession } from './spdy.js';
import type { ContextTarget } from '../client.js';
import { dataFrame, readFrames, type Frame } from './spdy-testkit.js';


const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** An upgrade endpoint that records the client's frames and hands its socket to `serve`. */
async function spdyServer(serve: (sock: net.Socket, frames: Frame[], seen: { headers: Record<string, string>[]; request?: http.IncomingMessage }) => void) {
  const frames: Frame[] = [];
  const seen: { headers: Record<string, string>[]; request?: http.IncomingMessage } = { headers: [] };
  const srv = http.createServer((_q, r) => r.writeHead(404).end());
  srv.on('upgrade', (req: http.IncomingMessage, sock: net.Socket) => {
    seen.request = req;
    sock.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n');
    readFrames(sock, (f) => frames.push(f), (_id, headers) => seen.headers.push(headers));
    serve(sock, frames, seen);
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const t = { server: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}` } as ContextTarget;
  return { t, frames, seen };
}

function ctl(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8003, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(body.length, 4);
  h[4] = flags;
  return Buffer.concat([h, body]);
}
const u32 = (...n: number[]) => Buffer.concat(n.map((x) => { const b = Buffer.alloc(4); b.writeUInt32BE(x); return b; }));
const until = async (ok: () => boolean) => {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
};

describe('SpdySession', () => {
  it('upgrades with kubectl\'s headers, opens error then data streams with compressed headers, and carries data both ways', async () => {
    let server!: net.Socket;
    const { t, frames, seen } = await spdyServer((s) => (server = s));
    const session = await SpdySession.open(t, { agent: undefined, headers: { authorization: 'Bearer x' } }, 'ns', 'pod-1');
    expect(seen.request!.url).toBe('/api/v1/namespaces/ns/pods/pod-1/portforward');
    expect(seen.request!.method).toBe('POST');
    expect(seen.request!.headers['x-stream-protocol-version']).toBe('portforward.k8s.io');
    expect(seen.request!.headers.authorization).toBe('Bearer x');
    const a = session.openPair(8080);
    const b = session.openPair(9090);
    const got: string[] = [];
    let ended = false;
    a.data.onData = (d) => void got.push(d.toString());
    a.data.onEnd = () => (ended = true);
    a.data.write(Buffer.from('GET /'));
    await until(() => seen.headers.length === 4 && frames.some((f) => !f.control && f.id === 3));
    expect(seen.headers).toEqual([
      { streamtype: 'error', port: '8080', requestid: '0' },
      { streamtype: 'data', port: '8080', requestid: '0' },
      { streamtype: 'error', port: '9090', requestid: '1' },
      { streamtype: 'data', port: '9090', requestid: '1' },
    ]);
    expect(frames.filter((f) => f.control && f.type === 1).map((f) => f.id)).toEqual([1, 3, 5, 7]);
    expect(frames.find((f) => !f.control && f.id === 3)!.body.toString()).toBe('GET /');
    expect(b.data.id).toBe(7);
    // The pod answers (in a frame split over two TCP writes), then ends its side.
    const answer = dataFrame(3, 1, Buffer.from('hello'));
    server.write(answer.subarray(0, 6));
    await new Promise((r) => setTimeout(r, 20));
    server.write(answer.subarray(6));
    await until(() => ended);
    expect(got.join('')).toBe('hello');
    session.close();
  });

  it('answers PINGs, acknowledges received data with WINDOW_UPDATE per stream and session, and closes on GOAWAY', async () => {
    let server!: net.Socket;
    const { t, frames } = await spdyServer((s) => (server = s));
    const session = await SpdySession.open(t, { agent: undefined, headers: {} }, 'ns', 'p');
    const { data: d } = session.openPair(80);
    let n = 0;
    d.onData = (b) => void (n += b.length);
    server.write(ctl(6, 0, u32(2)));
    server.write(dataFrame(3, 0, Buffer.alloc(40_000)));
    await until(() => n === 40_000 && frames.some((f) => f.control && f.type === 6));
    expect(frames.find((f) => f.control && f.type === 6)!.body.readUInt32BE(0)).toBe(2);
    const updates = frames.filter((f) => f.control && f.type === 9).map((f) => [f.body.readUInt32BE(0), f.body.readUInt32BE(4)]);
    expect(updates.filter(([id]) => id === 0).reduce((s, [, v]) => s + v!, 0)).toBeGreaterThanOrEqual(32 * 1024);
    expect(updates.filter(([id]) => id === 3).reduce((s, [, v]) => s + v!, 0)).toBeGreaterThanOrEqual(32 * 1024);
    let why = '';
    d.onReset = (w) => (why = w);
    server.write(ctl(7, 0, u32(0, 0)));
    await until(() => session.closed);
    expect(why).toContain('GOAWAY');
  });

  it('rejects with the status when the server refuses the upgrade', async () => {
    const srv = http.createServer((_q, r) => r.writeHead(403).end('forbidden'));
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const t = { server: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}` } as ContextTarget;
    await expect(SpdySession.open(t, { agent: undefined, headers: {} }, 'ns', 'p')).rejects.toThrow('HTTP 403');
  });

  it('header blocks are SPDY/3 name/value blocks', () => {
    expect(headerBlock([['port', '80']]).toString('hex')).toBe('00000001' + '00000004' + Buffer.from('port').toString('hex') + '00000002' + Buffer.from('80').toString('hex'));
  });
});
