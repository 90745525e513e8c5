/**
 * Port-forward streams opened ahead of the connections that will use them.
 *
 * Opening a v4 portforward WebSocket costs a TLS handshake, an authorization
 * check and the runtime's own session (tens of milliseconds, more under
 * load); kubectl pays much less per connection because it keeps one SPDY
 * connection and only opens streams on it. Here a few streams to the current
 * pod are kept open so that a new local connection starts on one at once.
 *
 * An open stream is an open TCP connection to the pod's port, so spares are
 * kept only while the forward is in use (a connection in the last WARM_MS),
 * are few (SPARES; more while connections come faster than streams open:
 * twice rate × opening time more, up to MAX_SPARES), and are replaced after MAX_AGE_MS (before servers' usual idle or
 * handshake timeouts: MySQL's connect_timeout is 10 s). Whatever a spare
 * receives before it is used (a server that speaks first) is kept and handed
 * over with it.
 */
import type WebSocket from 'ws';

export const SPARES = 2;
export const MAX_SPARES = 16;
/** Connections per second are counted over this window. */
const RATE_WINDOW_MS = 1_000;
export const MAX_AGE_MS = 8_000;
export const WARM_MS = 60_000;
/** A spare that received more than this before being used is not a plain idle connection: dropped. */
const EARLY_LIMIT = 64 * 1024;
/** After this many spares in a row failed, none are made until the next connection. */
const MAX_FAILURES = 3;
const QUICK_END_MS = 2_000;

interface Spare {
  ws: WebSocket;
  born: number;
  early: Buffer[];
  earlyBytes: number;
  timer: NodeJS.Timeout;
  detach: () => void;
}

export interface Taken {
  ws: WebSocket;
  /** Messages (channel byte first) the stream received before it was taken. */
  early: Buffer[];
}

export interface SparePoolOptions {
  /** Spares kept while the forward is in use; 0 turns them off. */
  size?: number;
  /** At most this many while connections come fast. */
  maxSize?: number;
  maxAgeMs?: number;
  warmMs?: number;
}

export class SparePool {
  private key: string | undefined;
  private opener: (() => WebSocket) | undefined;
  private spares: Spare[] = [];
  private lastUse = -Infinity;
  private failures = 0;
  private closed = false;
  /** When recent connections took a stream, for the rate. */
  private takes: number[] = [];
  /** How long a stream takes to open (moving average), ms. */
  private openMs = 50;
  /** Spares opened, for the benchmark and tests. */
  opened = 0;

  constructor(private readonly opts: SparePoolOptions = {}) {}

  /** The pod (and port) new connections go to now; spares for another one are closed. */
  setTarget(key: string | undefined, opener?: () => WebSocket): void {
    if (key === this.key) {
      this.opener = opener; // fresh credentials for the next ones
      return;
    }
    this.clear();
    this.key = key;
    this.opener = key === undefined ? undefined : opener;
    this.failures = 0;
    this.refill();
  }

  /** A stream to the current target opened earlier (open or still opening), or undefined. */
  take(key: string): Taken | undefined {
    this.lastUse = Date.now();
    this.takes.push(this.lastUse);
    this.failures = 0;
    let got: Taken | undefined;
    if (key === this.key) {
      const s = this.spares.shift();
      if (s) {
        clearTimeout(s.timer);
        s.detach();
        got = { ws: s.ws, early: s.early };
      }
    }
    this.refill();
    return got;
  }

  size(): number {
    return this.spares.length;
  }

  clear(): void {
    for (const s of this.spares.splice(0)) this.drop(s);
  }

  dispose(): void {
    this.closed = true;
    this.key = undefined;
    this.opener = undefined;
    this.clear();
  }

  private drop(s: Spare): void {
    clearTimeout(s.timer);
    s.detach();
    s.ws.on('error', () => undefined);
    if (s.ws.readyState === s.ws.CONNECTING) s.ws.terminate();
    else if (s.ws.readyState === s.ws.OPEN) s.ws.close(1000);
  }

  private remove(s: Spare): void {
    const i = this.spares.indexOf(s);
    if (i >= 0) this.spares.splice(i, 1);
    this.drop(s);
  }

  /** Enough spares that connections arriving at the recent rate find one open. */
  private target(): number {
    const base = this.opts.size ?? SPARES;
    if (base === 0) return 0;
    const since = Date.now() - RATE_WINDOW_MS;
    while (this.takes.length > 0 && this.takes[0]! < since) this.takes.shift();
    const rate = this.takes.length / (RATE_WINDOW_MS / 1000);
    // Those taken while their replacements open, twice over: still open ones left for bursts.
    return Math.min(this.opts.maxSize ?? MAX_SPARES, base + Math.round((rate * this.openMs * 2) / 1000));
  }

  private refill(): void {
    const size = this.target();
    const warm = Date.now() - this.lastUse < (this.opts.warmMs ?? WARM_MS);
    while (!this.closed && this.opener && warm && this.failures < MAX_FAILURES && this.spares.length < size) this.spares.push(this.make(this.opener));
  }

  private make(opener: () => WebSocket): Spare {
    const ws = opener();
    this.opened++;
    const s: Spare = { ws, born: Date.now(), early: [], earlyBytes: 0, timer: undefined as unknown as NodeJS.Timeout, detach: () => undefined };
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      s.early.push(data);
      s.earlyBytes += data.length;
      if (s.earlyBytes > EARLY_LIMIT) this.replace(s, false);
    };
    // Ended before use: the pod closed it (idle timeout), refused it, or opening failed. Quick ends count as failures so a port nothing listens on is not retried in a loop.
    const onEnd = () => this.replace(s, Date.now() - s.born < QUICK_END_MS);
    const onRefused = (req: { destroy(): void }, res: { resume(): void }) => {
      res.resume();
      req.destroy();
      this.replace(s, true);
    };
    const onOpen = () => (this.openMs = 0.8 * this.openMs + 0.2 * (Date.now() - s.born));
    ws.once('open', onOpen);
    ws.on('message', onMessage);
    ws.on('close', onEnd);
    ws.on('error', onEnd);
    ws.on('unexpected-response', onRefused);
    s.detach = () => {
      ws.off('open', onOpen);
      ws.off('message', onMessage);
      ws.off('close', onEnd);
      ws.off('error', onEnd);
      ws.off('unexpected-response', onRefused);
    };
    s.timer = setTimeout(() => this.replace(s, false), this.opts.maxAgeMs ?? MAX_AGE_MS);
    s.timer.unref();
    return s;
  }

  private replace(s: Spare, failed: boolean): void {
    if (!this.spares.includes(s)) return;
    this.remove(s);
    if (failed) this.failures++;
    this.refill();
  }
}
