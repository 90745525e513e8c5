/**
 * The pool of streams opened ahead against a real WebSocket server whose
 * upgrades take a while, like a loaded API server.
 */
import http from 'node:http';
import type net from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SparePool } from './spares.js';

let server: http.Server;
let url = '';
/** This test's server: counters of an earlier test's server may still change as its streams close. */
let c = { opened: 0, open: 0 };
let pool: SparePool | undefined;

beforeEach(async () => {
  const counts = { opened: 0, open: 0 };
  c = counts;
  const wss = new WebSocketServer({ noServer: true });
  server = http.createServer();
  server.on('upgrade', (req, sock, head) =>
    setTimeout(() => {
      wss.handleUpgrade(req, sock, head, (ws) => {
        counts.opened++;
        counts.open++;
        ws.on('close', () => counts.open--);
      });
    }, 60),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
});

afterEach(async () => {
  pool?.dispose();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('keeps none until used, the base number while used slowly, more while connections come faster than streams open, and the base again after', async () => {
  pool = new SparePool({ size: 2, maxSize: 8, maxAgeMs: 300 });
  pool.setTarget('pod-a', () => new WebSocket(url));
  await sleep(200);
  expect(c.opened).toBe(0);
  expect(pool.take('pod-a')).toBeUndefined(); // cold: the first connection opens its own
  await expect.poll(() => c.open).toBe(2);
  let most = 0;
  for (let i = 0; i < 40; i++) {
    pool.take('pod-a')?.ws.on('error', () => undefined).terminate();
    most = Math.max(most, pool.size());
    await sleep(10);
  }
  expect(most).toBeGreaterThan(4);
  expect(most).toBeLessThanOrEqual(8);
  // Slow again: aged spares are replaced only up to the base number.
  await sleep(1500);
  expect(pool.size()).toBe(2);
});

it('a spare for another pod is not handed out, and a new target closes the old spares', async () => {
  pool = new SparePool({ size: 2, maxAgeMs: 60_000 });
  pool.setTarget('pod-a', () => new WebSocket(url));
  pool.take('pod-a');
  await expect.poll(() => c.open).toBe(2);
  expect(pool.take('pod-b')).toBeUndefined();
  pool.setTarget('pod-b', () => new WebSocket(url));
  await expect.poll(() => c.opened).toBe(4); // two for pod-b, as the forward is in use
  await expect.poll(() => [c.open, pool!.size()]).toEqual([2, 2]);
  const t = pool.take('pod-b');
  expect(t?.ws).toBeInstanceOf(WebSocket);
  t?.ws.on('error', () => undefined).terminate();
  pool.setTarget(undefined);
  await expect.poll(() => c.open).toBe(0);
  expect(pool.size()).toBe(0);
});
