/**
 * One local TCP connection carried over one portforward WebSocket
 * (v4.channel.k8s.io): every message starts with its channel byte, channel 0
 * is data and channel 1 errors, and the first message of each channel is the
 * port as two bytes. Both directions respect backpressure.
 */
import type net from 'node:net';
import type WebSocket from 'ws';

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

export interface Tunnel {
  /** Ends the connection cleanly: what was received is flushed, then both sides close. */
  end(): void;
  done: Promise<{ error?: string; opened: boolean }>;
}

export function tunnel(socket: net.Socket, ws: WebSocket, counters: TunnelCounters): Tunnel {
  let opened = false;
  let error: string | undefined;
  const seenPrefix = [false, false];
  let finish!: (r: { error?: string; opened: boolean }) => void;
  const done = new Promise<{ error?: string; opened: boolean }>((r) => (finish = r));
  let ended = false;
  let graceTimer: NodeJS.Timeout | undefined;

  const close = () => {
    if (ended) return;
    ended = true;
    clearTimeout(graceTimer);
    if (ws.readyState === ws.CONNECTING) ws.terminate();
    else if (ws.readyState === ws.OPEN) ws.close(1000);
    if (error) socket.destroy();
    else socket.end();
    finish({ error, opened });
  };

  const pending: Buffer[] = [];
  const sendToPod = (chunk: Buffer) => {
    const frame = Buffer.allocUnsafe(chunk.length + 1);
    frame[0] = DATA;
    chunk.copy(frame, 1);
    counters.bytesOut += chunk.length;
    ws.send(frame, { binary: true }, () => {
      if (socket.isPaused() && ws.bufferedAmount < HIGH_WATER / 2) socket.resume();
    });
    if (ws.bufferedAmount >= HIGH_WATER) socket.pause();
  };

  socket.on('data', (chunk: Buffer) => {
    if (ws.readyState === ws.OPEN) sendToPod(chunk);
    else {
      pending.push(chunk);
      socket.pause();
    }
  });
  socket.on('end', () => {
    // The client is done sending; give the pod a moment to answer before the stream closes.
    graceTimer = setTimeout(close, HALF_CLOSE_GRACE_MS);
  });
  socket.on('error', () => close());
  socket.on('close', () => close());

  ws.on('open', () => {
    opened = true;
    for (const c of pending.splice(0)) sendToPod(c);
    if (!ended) socket.resume();
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const channel = data[0]!;
    let body = data.subarray(1);
    if ((channel === DATA || channel === ERROR) && !seenPrefix[channel]) {
      seenPrefix[channel] = true;
      body = body.subarray(2);
    }
    if (body.length === 0) return;
    if (channel === DATA) {
      counters.bytesIn += body.length;
      if (!socket.write(body)) {
        ws.pause();
        socket.once('drain', () => ws.resume());
      }
    } else if (channel === ERROR) {
      error = body.toString('utf8').trim();
      close();
    }
  });
  ws.on('unexpected-response', (req, res) => {
    error = `the API server refused the port-forward: HTTP ${res.statusCode}`;
    res.resume();
    req.destroy();
    close();
  });
  ws.on('error', (e) => {
    error ??= e.message;
    close();
  });
  ws.on('close', () => close());

  return { end: close, done };
}
