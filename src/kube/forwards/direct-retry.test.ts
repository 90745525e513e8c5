import { expect, it } from 'vitest';
import { NoDirectPath } from './direct.js';
import { mayPass, retryDelayMs, retryWithBackoff, type Outcome } from './direct-retry.js';

/** A wait that only records how long it was asked to wait, and can abort the signal at a given wait. */
function recorder(abortAt?: { n: number; ac: AbortController }) {
  const waits: number[] = [];
  const wait = async (ms: number) => {
    waits.push(ms);
    if (abortAt && waits.length === abortAt.n) abortAt.ac.abort();
  };
  return { waits, wait };
}

it('waits 1 s, 2 s, 4 s … between tries, never more than 30 s', () => {
  expect(Array.from({ length: 8 }, (_, i) => retryDelayMs(i))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  expect(retryDelayMs(60)).toBe(30_000);
});

it('tries again only after failures that may pass', () => {
  expect(mayPass(new NoDirectPath('the pod did not answer through its node'))).toBe(true);
  expect(mayPass(new Error('docker exec failed'))).toBe(true);
  expect(mayPass(new NoDirectPath('node address is not reachable from this host', true))).toBe(false);
});

it('tries until an attempt works, waiting longer each time', async () => {
  const outcomes: Outcome[] = ['again', 'again', 'again', 'done'];
  let calls = 0;
  const { waits, wait } = recorder();
  expect(await retryWithBackoff(async () => outcomes[calls++]!, new AbortController().signal, wait)).toBe(true);
  expect(calls).toBe(4);
  expect(waits).toEqual([1000, 2000, 4000, 8000]);
});

it('stops at a failure that does not pass', async () => {
  let calls = 0;
  const { wait } = recorder();
  expect(await retryWithBackoff(async () => (++calls === 2 ? 'give up' : 'again'), new AbortController().signal, wait)).toBe(false);
  expect(calls).toBe(2);
});

it('starts no attempt once the forward stopped or moved (aborted while waiting, or before the first wait)', async () => {
  const ac = new AbortController();
  let calls = 0;
  const { waits, wait } = recorder({ n: 3, ac });
  expect(await retryWithBackoff(async () => (calls++, 'again'), ac.signal, wait)).toBe(false);
  expect(calls).toBe(2);
  expect(waits).toHaveLength(3);

  const gone = new AbortController();
  gone.abort();
  expect(await retryWithBackoff(async () => (calls++, 'done'), gone.signal, wait)).toBe(false);
  expect(calls).toBe(2);
});

it('the default wait really waits, and ends early when aborted', async () => {
  const ac = new AbortController();
  const started = Date.now();
  setTimeout(() => ac.abort(), 50);
  expect(await retryWithBackoff(async () => 'done', ac.signal)).toBe(false);
  expect(Date.now() - started).toBeLessThan(900);
});
