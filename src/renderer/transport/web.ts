/**
 * The web-mode bridge: the contract over fetch (POST /api/<op>) and one
 * shared WebSocket for push events. The token travels in an HttpOnly cookie
 * the server set when the tokened URL was opened, so this code never sees it.
 */
import type { OpInput, OpName, OpOutput, PushEvent } from '../../shared/api.js';
import type { Envelope, InvokeOptions, PaddockBridge } from './types.js';

export interface WebBridgeOptions {
  base?: string;
  fetchImpl?: typeof fetch;
  WebSocketImpl?: typeof WebSocket;
}

const REFRESH_ALL: PushEvent[] = [{ type: 'clusters.changed' }, { type: 'contexts.changed' }, { type: 'forwards.changed' }];

export function createWebBridge(opts: WebBridgeOptions = {}): PaddockBridge {
  const base = opts.base ?? window.location.origin;
  const doFetch = opts.fetchImpl ?? fetch.bind(window);
  const WS = opts.WebSocketImpl ?? WebSocket;
  const listeners = new Set<(e: PushEvent) => void>();
  let socket: WebSocket | undefined;
  let retry = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let everOpened = false;

  const deliver = (e: PushEvent) => {
    for (const l of [...listeners]) l(e);
  };

  function connect(): void {
    const ws = new WS(base.replace(/^http/, 'ws') + '/api/events');
    socket = ws;
    ws.onopen = () => {
      retry = 0;
      // After a reconnect we may have missed changes: refresh everything once.
      if (everOpened) REFRESH_ALL.forEach(deliver);
      everOpened = true;
    };
    ws.onmessage = (m) => {
      try {
        deliver(JSON.parse(String(m.data)) as PushEvent);
      } catch {
        // ignore a malformed frame
      }
    };
    ws.onclose = () => {
      if (socket !== ws || listeners.size === 0) return;
      // Back off: 0.5 s, 1 s, 2 s … up to 15 s. No reconnect storms.
      const delay = Math.min(15_000, 500 * 2 ** retry++);
      timer = setTimeout(connect, delay);
    };
  }

  return {
    async invoke<N extends OpName>(op: N, input: OpInput<N>, o: InvokeOptions = {}): Promise<Envelope<OpOutput<N>>> {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (o.opId) headers['x-paddock-op-id'] = o.opId;
      let res: Response;
      try {
        res = await doFetch(`${base}/api/${op}`, { method: 'POST', headers, body: JSON.stringify(input ?? {}), credentials: 'same-origin' });
      } catch {
        return {
          error: {
            code: 'INTERNAL',
            message: 'Paddock is not answering.',
            remedy: 'Check that `paddock ui --web` is still running, then reload this page.',
          },
        };
      }
      try {
        return (await res.json()) as Envelope<OpOutput<N>>;
      } catch {
        return { error: { code: 'INTERNAL', message: `Paddock answered ${res.status} ${res.statusText} without data.` } };
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && socket) {
          const s = socket;
          socket = undefined;
          if (timer) clearTimeout(timer);
          s.close();
        }
      };
    },
  };
}
