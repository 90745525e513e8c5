/**
 * One local TCP connection carried over one portforward WebSocket
 * (v4.channel.k8s.io): every message starts with its channel byte, channel 0
 * is data and channel 1 errors, and the first message of each channel is the
 * port as two bytes. Both directions respect backpressure.
 *
 * A connection whose pod went away before it answered a single byte is
 * carried over to the next pod: what the client sent so far (up to
 * REPLAY_LIMIT, client-replay.ts) is sent again there. This is what makes a
 * request made during a rollout succeed instead of failing on the old pod.
 */
import type net from 'node:net';
import type WebSocket from 'ws';
import { ClientReplay, PodMover } from './client-replay.js';

const DATA = 0;
const ERROR = 1;
/** Pause reading the local socket while this much is queued for the API server. */
const HIGH_WATER = 4 * 1024 * 1024;
/** v4 has no half-close: after the local side ends, the pod side gets this long to answer before the stream closes. */
const HALF_CLOSE_GRACE_MS = 5_000;

export interface TunnelCounters {
  /** Bytes from the pod to the local client. */
  bytesIn: number;
  /** Bytes from the local client to the pod. */
  bytesOut: number;
}

export interface TunnelResult {
  error?: string;
  /** A stream to a pod was opened at least once. */
  opened: boolean;
  /** Times the connection moved to another pod before its first answer. */
  retries: number;
}

export interface Tunnel {
  /**
   * Ends the connection cleanly: what was received is flushed, then both
   * sides close. With `moveIfUnanswered`, a connection its pod has not
   * answered yet moves to the next pod instead (its pod is going away).
   */
  end(opts?: { moveIfUnanswered?: boolean }): void;
  done: Promise<TunnelResult>;
}

/**
 * `retry` is asked for a stream to another pod when the current one ended
 * before the pod sent anything; undefined means there is none.
 */
export function tunnel(
  socket: net.Socket,
  first: WebSocket,
  counters: TunnelCounters,
  retry?: (failed: string) => Promise<WebSocket | undefined>,
  /** Messages a stream opened ahead (spares.ts) received before this connection took it. */
  early: Buffer[] = [],
): Tunnel {
  let ws = first;
  let opened = false;
  let error: string | undefined;
  let finish!: (r: TunnelResult) => void;
  const done = new Promise<TunnelResult>((r) => (finish = r));
  let ended = false;
  let localEnded = false;
  let graceTimer: NodeJS.Timeout | undefined;
  /** The client's bytes until the pod first answers, for a retry elsewhere. */
  const replay = new ClientReplay();
  const pending: Buffer[] = [];

  const close = () => {
    if (ended) return;
    ended = true;
    clearTimeout(graceTimer);
    if (ws.readyState === ws.CONNECTING) ws.terminate();
    else if (ws.readyState === ws.OPEN) ws.close(1000);
    if (error) socket.destroy();
    else socket.end();
    finish({ error, opened, retries: mover.retries });
  };

  const frame = (chunk: Buffer) => {
    const f = Buffer.allocUnsafe(chunk.length + 1);
    f[0] = DATA;
    chunk.copy(f, 1);
    return f;
  };
  const sendToPod = (chunk: Buffer) => {
    const current = ws;
    current.send(frame(chunk), { binary: true }, () => {
      if (current === ws && socket.isPaused() && ws.bufferedAmount < HIGH_WATER / 2 && ws.readyState === ws.OPEN) socket.resume();
    });
    if (ws.bufferedAmount >= HIGH_WATER) socket.pause();
  };

  // No limit on moves here: retry (manager.ts) gives none once the same pod is the one to use.
  const mover = new PodMover<WebSocket>(replay, retry, {
    ended: () => ended,
    leave: () => {
      socket.pause();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
    },
    arrive: (next) => attach(next),
    giveUp: (why) => {
      error ??= why;
      close();
    },
    discard: (late) => late.terminate(),
  });
  /** The stream ended: carry the connection to another pod if the pod never answered, else close. */
  const streamEnded = (why: string | undefined) => mover.fail(why);

  const attach = (next: WebSocket, received: Buffer[] = []) => {
    ws = next;
    const seenPrefix = [false, false];
    let streamError: string | undefined;
    const onOpen = () => {
      if (ws !== next) return;
      // A first stream gets what arrived while it opened; a retried one everything, again.
      opened = true;
      if (mover.retries > 0 && replay.kept) replay.replayTo(sendToPod);
      else for (const c of pending) sendToPod(c);
      pending.length = 0;
      if (!ended && !localEnded) socket.resume();
    };
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (ws !== next || !isBinary || data.length === 0) return;
      const channel = data[0]!;
      let body = data.subarray(1);
      if ((channel === DATA || channel === ERROR) && !seenPrefix[channel]) {
        seenPrefix[channel] = true;
        body = body.subarray(2);
      }
      if (body.length === 0) return;
      if (channel === DATA) {
        replay.answer();
        counters.bytesIn += body.length;
        if (!socket.write(body)) {
          next.pause();
          socket.once('drain', () => next.resume());
        }
      } else if (channel === ERROR) {
        streamError = body.toString('utf8').trim();
        streamEnded(streamError);
      }
    };
    next.on('message', onMessage);
    next.on('unexpected-response', (req, res) => {
      res.resume();
      req.destroy();
      if (ws === next) streamEnded(`the API server refused the port-forward: HTTP ${res.statusCode}`);
    });
    next.on('error', (e) => {
      if (ws === next) streamEnded(streamError ?? e.message);
    });
    next.on('close', () => {
      if (ws === next) streamEnded(streamError);
    });
    // A stream opened ahead may be open already, and may have received the port prefixes (or a server's greeting).
    for (const m of received) onMessage(m, true);
    if (next.readyState === next.OPEN) onOpen();
    else next.on('open', onOpen);
  };

  socket.on('data', (chunk: Buffer) => {
    counters.bytesOut += chunk.length;
    // Too much to send again: the connection stays with its pod (kept while a stream opens, for a retry to send).
    replay.record(chunk, ws.readyState !== ws.OPEN);
    if (ws.readyState === ws.OPEN) sendToPod(chunk);
    else {
      pending.push(chunk);
      socket.pause();
    }
  });
  socket.on('end', () => {
    localEnded = true;
    // The client is done sending; give the pod a moment to answer before the stream closes.
    graceTimer = setTimeout(close, HALF_CLOSE_GRACE_MS);
  });
  socket.on('error', () => close());
  socket.on('close', () => close());

  attach(first, early);
  return {
    end: (opts) => mover.end(opts, close),
    done,
  };
}
