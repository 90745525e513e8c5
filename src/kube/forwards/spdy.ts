/**
 * kubectl's way through the API: one upgraded SPDY/3.1 connection per pod
 * (POST .../portforward, `Upgrade: SPDY/3.1`, `X-Stream-Protocol-Version:
 * portforward.k8s.io`) carrying each local connection as two streams (error
 * and data, headers streamtype/port/requestid). A connection costs two
 * SYN_STREAM frames instead of a session (TLS, authorization, CRI call).
 *
 * Header blocks go out through one zlib stream per session, each ended
 * with a sync flush, without SPDY's dictionary (Go's framer accepts that;
 * plain "stored" deflate blocks it did not). The server's header blocks are
 * not needed and are skipped. Frames follow draft-mbelshe-httpbis-spdy-00 (SPDY/3) with 3.1's
 * session window: received data is acknowledged with WINDOW_UPDATE.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import zlib from 'node:zlib';
import type { ContextTarget } from '../client.js';
import type { Auth } from './kube-io.js';

const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const WINDOW_UPDATE = 9;
const FLAG_FIN = 0x01;
const MAX_DATA = 0xffff;
/** Acknowledge received data in steps this big (the windows start at 64 KiB). */
const ACK_STEP = 16 * 1024;

export interface SpdyStream {
  readonly id: number;
  onData?: (b: Buffer) => boolean | void;
  onEnd?: () => void;
  onReset?: (why: string) => void;
  write(b: Buffer): boolean;
  end(): void;
  reset(): void;
}

export function headerBlock(headers: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32BE(headers.length);
  parts.push(n);
  for (const [k, v] of headers) {
    for (const s of [k, v]) {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(body.length, 4);
  h[4] = flags;
  return Buffer.concat([h, body]);
}

function dataFrame(id: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(id & 0x7fffffff, 0);
  h.writeUInt32BE(body.length, 4);
  h[4] = flags;
  return body.length ? Buffer.concat([h, body]) : h;
}

function u32pair(a: number, b: number): Buffer {
  const x = Buffer.alloc(8);
  x.writeUInt32BE(a >>> 0, 0);
  x.writeUInt32BE(b >>> 0, 4);
  return x;
}

interface StreamState extends SpdyStream {
  unacked: number;
  ended: boolean;
  finSent: boolean;
}

export class SpdySession {
  private nextId = 1;
  private nextRequest = 0;
  private deflate = zlib.createDeflate();
  private streams = new Map<number, StreamState>();
  private buf: Buffer = Buffer.alloc(0);
  private sessionUnacked = 0;
  closed = false;
  closeReason?: string;
  onClose?: (why: string) => void;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.read(d));
    socket.on('error', (e) => this.close(e.message));
    socket.on('close', () => this.close('the connection to the API server closed'));
  }

  /** Upgrades a portforward request to SPDY/3.1; rejects with the HTTP status when the server refuses. */
  static open(t: ContextTarget, auth: Auth, namespace: string, pod: string, timeoutMs = 10_000): Promise<SpdySession> {
    const url = new URL(`${t.server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward`);
    const lib = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, {
        method: 'POST',
        agent: auth.agent,
        headers: { ...auth.headers, Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' },
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no SPDY upgrade from ${t.server} within ${timeoutMs} ms`)));
      req.on('upgrade', (res, socket, head) => {
        req.setTimeout(0);
        socket.setTimeout(0);
        const s = new SpdySession(socket as net.Socket);
        if (head.length) s.read(head);
        resolve(s);
      });
      req.on('response', (res) => {
        res.resume();
        reject(new Error(`the API server refused the SPDY port-forward: HTTP ${res.statusCode}`));
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(why = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = why;
    this.socket.destroy();
    for (const s of this.streams.values()) s.onReset?.(why);
    this.streams.clear();
    this.onClose?.(why);
  }

  /** Writes wait behind header blocks being compressed (the deflate stream is asynchronous), so frames keep their order. */
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;

  private send(b: Buffer): boolean {
    if (this.closed) return false;
    if (this.queued === 0) return this.socket.write(b);
    this.later(() => {
      if (!this.closed) this.socket.write(b);
    });
    return true;
  }

  private later(fn: () => void | Promise<void>): void {
    this.queued++;
    this.queue = this.queue.then(fn).finally(() => this.queued--);
  }

  /** One zlib stream for all header blocks of the session, each ended with a sync flush (as SPDY/3 asks). */
  private compress(raw: Buffer): Promise<Buffer> {
    return new Promise<Buffer>((resolve) => {
      this.later(
        () =>
          new Promise<void>((flushed) => {
            const chunks: Buffer[] = [];
            const onData = (c: Buffer) => chunks.push(c);
            this.deflate.on('data', onData);
            this.deflate.write(raw);
            this.deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
              this.deflate.off('data', onData);
              resolve(Buffer.concat(chunks));
              flushed();
            });
          }),
      );
    });
  }


  /** Opens the error and data streams of one connection to `port`. */
  openPair(port: number): { error: SpdyStream; data: SpdyStream } {
    const request = String(this.nextRequest++);
    const error = this.openStream([
      ['streamtype', 'error'],
      ['port', String(port)],
      ['requestid', request],
    ]);
    const data = this.openStream([
      ['streamtype', 'data'],
      ['port', String(port)],
      ['requestid', request],
    ]);
    return { error, data };
  }

  private openStream(headers: [string, string][]): SpdyStream {
    const id = this.nextId;
    this.nextId += 2;
    const hb = this.compress(headerBlock(headers));
    const session = this;
    const st: StreamState = {
      id,
      unacked: 0,
      ended: false,
      finSent: false,
      write(b: Buffer): boolean {
        if (st.finSent || session.closed) return true;
        let ok = true;
        for (let i = 0; i < b.length; i += MAX_DATA) ok = session.send(dataFrame(id, 0, b.subarray(i, i + MAX_DATA)));
        return ok;
      },
      end(): void {
        if (st.finSent || session.closed) return;
        st.finSent = true;
        session.send(dataFrame(id, FLAG_FIN, Buffer.alloc(0)));
        session.forgetIfDone(st);
      },
      reset(): void {
        if (session.closed || !session.streams.has(id)) return;
        session.streams.delete(id);
        session.send(control(RST_STREAM, 0, u32pair(id, 5 /* CANCEL */)));
      },
    };
    this.streams.set(id, st);
    // Frames keep their order: the stream's data waits behind its SYN_STREAM.
    this.later(async () => {
      const body = Buffer.concat([u32pair(id, 0), Buffer.from([0, 0]), await hb]);
      if (!this.closed) this.socket.write(control(SYN_STREAM, 0, body));
    });
    return st;
  }

  /** Calls back once what was written has gone out (for a sender whose write returned false). */
  onceDrained(cb: () => void): void {
    if (this.closed || !this.socket.writableNeedDrain) return cb();
    this.socket.once('drain', cb);
  }

  /** The socket's reader is paused while a client is slow; the windows are acknowledged as data is handed on. */
  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }

  private forgetIfDone(st: StreamState): void {
    if (st.ended && st.finSent) this.streams.delete(st.id);
  }

  private ack(st: StreamState | undefined, n: number): void {
    this.sessionUnacked += n;
    if (this.sessionUnacked >= ACK_STEP) {
      this.send(control(WINDOW_UPDATE, 0, u32pair(0, this.sessionUnacked)));
      this.sessionUnacked = 0;
    }
    if (!st || st.ended) return;
    st.unacked += n;
    if (st.unacked >= ACK_STEP) {
      this.send(control(WINDOW_UPDATE, 0, u32pair(st.id, st.unacked)));
      st.unacked = 0;
    }
  }

  private read(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 8 && !this.closed) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) return;
      const flags = this.buf[4]!;
      const body = this.buf.subarray(8, 8 + len);
      const isControl = (this.buf[0]! & 0x80) !== 0;
      const word0 = this.buf.readUInt32BE(0);
      this.buf = this.buf.subarray(8 + len);
      if (isControl) this.onControl(word0 & 0xffff, flags, body);
      else this.onData(word0 & 0x7fffffff, flags, body);
    }
  }

  private onControl(type: number, flags: number, body: Buffer): void {
    if (type === SYN_REPLY) {
      const st = this.streams.get(body.readUInt32BE(0) & 0x7fffffff);
      if (st && flags & FLAG_FIN) this.finish(st);
    } else if (type === RST_STREAM) {
      const id = body.readUInt32BE(0) & 0x7fffffff;
      const st = this.streams.get(id);
      if (st) {
        this.streams.delete(id);
        st.onReset?.(`the API server reset the stream (status ${body.readUInt32BE(4)})`);
      }
    } else if (type === PING) {
      this.send(control(PING, 0, body.subarray(0, 4)));
    } else if (type === GOAWAY) {
      this.close('the API server ended the session (GOAWAY)');
    }
    // SETTINGS, WINDOW_UPDATE, HEADERS, NOOP: nothing to do for a client that does not hold back its sends.
  }

  private onData(id: number, flags: number, body: Buffer): void {
    const st = this.streams.get(id);
    if (body.length) {
      if (st && !st.ended && st.onData?.(body) === false) this.socket.pause();
      this.ack(st, body.length);
    }
    if (st && flags & FLAG_FIN) this.finish(st);
  }

  private finish(st: StreamState): void {
    if (st.ended) return;
    st.ended = true;
    st.onEnd?.();
    this.forgetIfDone(st);
  }

  get openStreams(): number {
    return this.streams.size;
  }
}
