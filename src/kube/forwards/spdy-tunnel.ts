/**
 * One local connection as a stream pair on a pod's SPDY session (spdy.ts).
 * As with v4 (tunnel.ts): the client's half-close does not reach the pod at
 * once (the runtime ends the pod connection when the client's side ends), a
 * connection its pod never answered moves to the next pod with what the
 * client sent, and bytes are counted.
 */
import type net from 'node:net';
import { ClientReplay, PodMover } from './client-replay.js';
import type { SpdySession, SpdyStream } from './spdy.js';
import type { Tunnel, TunnelCounters, TunnelResult } from './tunnel.js';

const HALF_CLOSE_GRACE_MS = 5_000;
const MAX_RETRIES = 3;

export interface SpdyTarget {
  session: SpdySession;
  port: number;
}

export function spdyTunnel(socket: net.Socket, first: SpdyTarget, counters: TunnelCounters, retry?: (failed: string) => Promise<SpdyTarget | undefined>): Tunnel {
  /** The stream pair in use; undefined until one opens and while moving (the first session may already be closed). */
  let cur: { target: SpdyTarget; data: SpdyStream; error: SpdyStream } | undefined;
  let opened = false;
  let ended = false;
  let error: string | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const replay = new ClientReplay();
  let finish!: (r: TunnelResult) => void;
  const done = new Promise<TunnelResult>((r) => (finish = r));

  const drop = () => {
    cur?.data.reset();
    cur?.error.reset();
    cur = undefined;
  };
  const close = () => {
    if (ended) return;
    ended = true;
    clearTimeout(graceTimer);
    drop();
    if (error) socket.destroy();
    else socket.end();
    finish({ error, opened, retries: mover.retries });
  };

  const mover = new PodMover<SpdyTarget>(
    replay,
    retry,
    {
      ended: () => ended,
      leave: () => {
        drop();
        socket.pause();
      },
      arrive: (next) => {
        // A session closed on the way is passed over like a failed stream (attach moves on again).
        const pair = attach(next);
        if (!pair) return;
        replay.replayTo((c) => pair.data.write(c));
        socket.resume();
      },
      giveUp: (why) => {
        error ??= why;
        close();
      },
    },
    MAX_RETRIES,
  );
  const failed = (why: string) => mover.fail(why);

  /** Opens the connection's streams on `target`; undefined (and a move, or the end) when its session has closed already. */
  const attach = (target: SpdyTarget): { data: SpdyStream } | undefined => {
    // Rare but possible: manager.ts checks the session is open, then awaits before handing it over, and
    // setCurrent() closes it when the forward moves; a GOAWAY read with the upgrade closes it at once.
    if (target.session.closed) {
      // "session" in the reason: the manager then opens a new session even to the same pod (retrySpdy).
      failed(`the SPDY session to the pod had closed: ${target.session.closeReason ?? 'closed'}`);
      return undefined;
    }
    const pair = target.session.openPair(target.port);
    const me = { target, ...pair };
    cur = me;
    opened = true;
    let errText = '';
    pair.error.onData = (b) => {
      errText += b.toString('utf8');
    };
    pair.error.onEnd = () => {
      if (cur === me && errText.trim()) failed(errText.trim());
    };
    pair.data.onData = (b) => {
      if (cur !== me || ended) return;
      replay.answer();
      counters.bytesIn += b.length;
      if (socket.write(b)) return true;
      socket.once('drain', () => target.session.resume());
      return false;
    };
    pair.data.onEnd = () => {
      if (cur !== me || ended) return;
      // The pod closed its side; an error may still follow on the error stream.
      setTimeout(() => {
        if (cur !== me) return;
        if (errText.trim() && !replay.answered) return failed(errText.trim());
        if (errText.trim()) error ??= errText.trim();
        close();
      }, 20);
    };
    pair.data.onReset = (why) => {
      if (cur === me) failed(why);
    };
    return me;
  };

  socket.on('data', (chunk: Buffer) => {
    counters.bytesOut += chunk.length;
    // No pair while moving: the replay is what sends this chunk, so it is held even past the limit.
    replay.record(chunk, !cur);
    if (!cur) return socket.pause();
    if (!cur.data.write(chunk)) {
      // The API server's connection is backed up: hold the client until it drains.
      socket.pause();
      cur.target.session.onceDrained(() => {
        if (!mover.moving && !ended) socket.resume();
      });
    }
  });
  socket.on('end', () => {
    // Give the pod a moment to answer before the streams close.
    graceTimer = setTimeout(close, HALF_CLOSE_GRACE_MS);
  });
  socket.on('error', () => close());
  socket.on('close', () => close());

  attach(first);
  return {
    end: (opts) => mover.end(opts, close),
    done,
  };
}
