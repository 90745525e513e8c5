import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PushEvent } from '../../shared/api.js';
import { createWebBridge } from './web.js';

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen?: () => void;
  onmessage?: (m: { data: string }) => void;
  onclose?: () => void;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close() {
    this.closed = true;
    this.onclose?.();
  }
}

describe('web bridge', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('POSTs JSON to /api/<op> with the opId header and returns the envelope, even on HTTP errors', async () => {
    const calls: [string, RequestInit][] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      calls.push([url, init]);
      return new Response(JSON.stringify({ error: { code: 'NOT_IMPLEMENTED', message: 'later' } }), { status: 501 });
    }) as unknown as typeof fetch;
    const b = createWebBridge({ base: 'http://127.0.0.1:9', fetchImpl, WebSocketImpl: FakeSocket as never });
    const env = await b.invoke('getCluster', { name: 'dev' }, { opId: 'ui-1' });
    expect(env).toEqual({ error: { code: 'NOT_IMPLEMENTED', message: 'later' } });
    expect(calls[0]![0]).toBe('http://127.0.0.1:9/api/getCluster');
    expect(calls[0]![1]).toMatchObject({ method: 'POST', body: '{"name":"dev"}', headers: { 'content-type': 'application/json', 'x-paddock-op-id': 'ui-1' } });
  });

  it('says Paddock is not answering when the server is gone', async () => {
    const fetchImpl = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    const b = createWebBridge({ base: 'http://x', fetchImpl, WebSocketImpl: FakeSocket as never });
    const env = await b.invoke('version', {});
    expect('error' in env && env.error.remedy).toMatch(/paddock ui --web/);
  });

  it('shares one socket, reconnects with back-off, refreshes lists after a reconnect, closes with the last listener', () => {
    const b = createWebBridge({ base: 'http://127.0.0.1:9', fetchImpl: fetch, WebSocketImpl: FakeSocket as never });
    const got: PushEvent[] = [];
    const off1 = b.subscribe((e) => got.push(e));
    const off2 = b.subscribe(() => {});
    expect(FakeSocket.all.length).toBe(1);
    expect(FakeSocket.all[0]!.url).toBe('ws://127.0.0.1:9/api/events');
    FakeSocket.all[0]!.onopen!();
    FakeSocket.all[0]!.onmessage!({ data: '{"type":"clusters.changed"}' });
    FakeSocket.all[0]!.onmessage!({ data: 'not json' });
    expect(got).toEqual([{ type: 'clusters.changed' }]);

    FakeSocket.all[0]!.onclose!();
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all.length).toBe(2);
    FakeSocket.all[1]!.onclose!(); // fails again: waits longer
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all.length).toBe(2);
    vi.advanceTimersByTime(1);
    FakeSocket.all[2]!.onopen!();
    expect(got.map((e) => e.type)).toEqual(['clusters.changed', 'clusters.changed', 'contexts.changed', 'forwards.changed']);

    off1();
    expect(FakeSocket.all[2]!.closed).toBe(false);
    off2();
    expect(FakeSocket.all[2]!.closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all.length).toBe(3);
  });
});
