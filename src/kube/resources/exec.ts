/**
 * A command in a container over the API server's exec WebSocket, as kubectl
 * exec does: v5.channel.k8s.io (v4 on older servers). Each binary message
 * starts with its channel: 0 stdin, 1 stdout, 2 stderr, 3 the final Status
 * (exit code), 4 terminal resize ({"Width","Height"}); v5 adds 255 to close
 * one stream (stdin end-of-file) without closing the socket.
 */
import { StringDecoder } from 'node:string_decoder';
import WebSocket from 'ws';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { Conn } from './http.js';

export interface ExecOptions {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
  tty?: boolean;
  stdin?: boolean;
  /** Terminal size to start with (tty only). */
  cols?: number;
  rows?: number;
}

export interface ExecEnd {
  /** The command's exit code when the server told it (0 on Success). */
  exitCode?: number;
  /** Why it ended otherwise (the API's Status message, or the connection's error). */
  error?: string;
}

export interface ExecStream {
  /** stdout (and stderr, which a tty merges) as text, decoded across message boundaries. */
  onOutput(l: (text: string, channel: 1 | 2) => void): void;
  onEnd(l: (end: ExecEnd) => void): void;
  /** Resolves once the server accepted the stream (rejects with the API's message otherwise). */
  opened: Promise<void>;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  /** End of stdin: v5 closes the stream; on v4 the socket is closed instead. */
  endInput(): void;
  close(): void;
  readonly protocol: string;
}

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/** The exit code in a v4+ exec Status (channel 3). */
export function exitFromStatus(text: string): ExecEnd {
  let s: { status?: string; message?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } };
  try {
    s = JSON.parse(text) as typeof s;
  } catch {
    return { error: text.trim() || 'the exec stream ended with an unreadable status' };
  }
  if (s.status === 'Success') return { exitCode: 0 };
  const code = s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
  if (s.reason === 'NonZeroExitCode' && code !== undefined && /^\d+$/.test(code)) return { exitCode: Number(code) };
  return { error: s.message ?? 'the command failed' };
}

export function execPath(o: ExecOptions): string {
  const q = new URLSearchParams();
  for (const c of o.command) q.append('command', c);
  if (o.container) q.set('container', o.container);
  q.set('stdout', 'true');
  // With a tty the server merges stderr into stdout and refuses stderr=true.
  q.set('stderr', o.tty ? 'false' : 'true');
  q.set('stdin', o.stdin === false ? 'false' : 'true');
  q.set('tty', o.tty ? 'true' : 'false');
  return `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods/${encodeURIComponent(o.pod)}/exec?${q}`;
}

export function openExec(conn: Conn, o: ExecOptions): ExecStream {
  const url = conn.t.server.replace(/\/+$/, '').replace(/^http/, 'ws') + execPath(o);
  const ws = new WebSocket(url, PROTOCOLS, { agent: conn.auth.agent, headers: conn.auth.headers, perMessageDeflate: false, handshakeTimeout: 15_000 });
  const outputs: ((t: string, ch: 1 | 2) => void)[] = [];
  const ends: ((e: ExecEnd) => void)[] = [];
  const decoders = { 1: new StringDecoder('utf8'), 2: new StringDecoder('utf8') };
  let status: ExecEnd | undefined;
  let ended = false;
  let size = o.tty && o.cols && o.rows ? { cols: o.cols, rows: o.rows } : undefined;
  const finish = (e: ExecEnd) => {
    if (ended) return;
    ended = true;
    for (const l of ends) l(e);
  };
  const emit = (text: string, ch: 1 | 2) => {
    if (text) for (const l of outputs) l(text, ch);
  };
  const sendFrame = (channel: number, payload: Buffer) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), payload]));
  };
  const sendSize = () => {
    if (size) sendFrame(4, Buffer.from(JSON.stringify({ Width: size.cols, Height: size.rows })));
  };

  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      sendSize();
      resolve();
    });
    // A refused upgrade (404 pod, 400 container not running, 403): the body carries the API's Status.
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (b: string) => (body += b));
      res.on('end', () => {
        let msg = body.trim() || `HTTP ${res.statusCode}`;
        try {
          msg = (JSON.parse(body) as { message?: string }).message ?? msg;
        } catch {
          // not a Status
        }
        const err = new PaddockError(res.statusCode === 403 ? ErrorCodes.INTERNAL : ErrorCodes.USAGE, `exec into ${o.namespace}/${o.pod}: ${msg} (HTTP ${res.statusCode})`, {
          remedy: res.statusCode === 403 ? `the user of context "${conn.context}" may not exec into pods (pods/exec)` : 'check that the pod and container are running',
        });
        finish({ error: err.message });
        reject(err);
      });
    });
    ws.on('error', (e) => {
      finish({ error: e.message });
      reject(new PaddockError(ErrorCodes.INTERNAL, `exec into ${o.namespace}/${o.pod}: ${e.message}`, { remedy: 'check that the cluster answers ("paddock context list --probe")' }));
    });
  });
  opened.catch(() => undefined);

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const buf = isBinary ? data : Buffer.from(data);
    if (buf.length === 0) return;
    const ch = buf[0];
    const payload = buf.subarray(1);
    if (ch === 1 || ch === 2) emit(decoders[ch].write(payload), ch);
    else if (ch === 3) status = exitFromStatus(payload.toString('utf8'));
  });
  ws.on('close', (code, reason) => {
    emit(decoders[1].end(), 1);
    emit(decoders[2].end(), 2);
    finish(status ?? (code === 1000 || code === 1005 ? {} : { error: `the exec stream closed (${code}${reason.length ? `: ${reason.toString()}` : ''})` }));
  });

  return {
    onOutput: (l) => outputs.push(l),
    onEnd: (l) => (ended ? l(status ?? {}) : ends.push(l)),
    opened,
    get protocol() {
      return ws.protocol;
    },
    write(data) {
      sendFrame(0, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    },
    resize(cols, rows) {
      size = { cols, rows };
      sendSize();
    },
    endInput() {
      if (ws.protocol === 'v5.channel.k8s.io') sendFrame(255, Buffer.from([0]));
      else ws.close(1000);
    },
    close() {
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000);
    },
  };
}

/** Runs a command without a tty and collects its output (etcdctl for the health card). */
export async function execCollect(conn: Conn, o: Omit<ExecOptions, 'tty' | 'stdin'>, timeoutMs = 15_000): Promise<{ stdout: string; stderr: string; exitCode?: number; error?: string }> {
  const s = openExec(conn, { ...o, tty: false, stdin: false });
  let stdout = '';
  let stderr = '';
  s.onOutput((t, ch) => (ch === 1 ? (stdout += t) : (stderr += t)));
  const end = await new Promise<ExecEnd>((resolve) => {
    const timer = setTimeout(() => {
      s.close();
      resolve({ error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    s.onEnd((e) => {
      clearTimeout(timer);
      resolve(e);
    });
  });
  return { stdout, stderr, ...end };
}
