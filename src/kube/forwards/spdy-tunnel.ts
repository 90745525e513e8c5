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
  let cur!: { target: SpdyTarget; data: SpdyStream; error: SpdyStream };
  let ended = false;
  let error: string | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const replay = new ClientReplay();
  let finish!: (r: TunnelResult) => void;
  const done = new Promise<TunnelResult>((r) => (finish = r));

  const close = () => {
    if (ended) return;
    ended = true;
    clearTimeout(graceTimer);
    cur.data.reset();
    cur.error.reset();
    if (error) socket.destroy();
    else socket.end();
    finish({ error, opened: true, retries: mover.retries });
  };

  const mover = new PodMover<SpdyTarget>(
    replay,
    retry,
    {
      ended: () => ended,
      leave: () => {
        cur.data.reset();
        cur.error.reset();
        socket.pause();
      },
      arrive: (next) => {
        attach(next);
        replay.replayTo((c) => cur.data.write(c));
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

  const attach = (target: SpdyTarget) => {
    if (target.session.closed) return failed(target.session.closeReason ?? 'the SPDY session is closed');
    const pair = target.session.openPair(target.port);
    const me = { target, ...pair };
    cur = me;
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
  };

  socket.on('data', (chunk: Buffer) => {
    counters.bytesOut += chunk.length;
    replay.record(chunk);
    if (mover.moving) return socket.pause();
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
