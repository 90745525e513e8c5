/**
 * When the direct path is tried again for a pod that a forward serves
 * through the API. Some failures pass: right after `paddock start` the pod's
 * status still says Ready from before the stop while its sandbox is not back,
 * so the reach probe gets no answer. Without another try the forward would
 * stay on the slower API path until the pod changes.
 */
import { NoDirectPath } from './direct.js';
import { sleep } from '../../shared/sleep.js';

const FIRST_MS = 1000;
const MAX_MS = 30_000;

/** The wait before try number `tries` + 1 (0-based): 1 s, 2 s, 4 s … then every 30 s. */
export function retryDelayMs(tries: number): number {
  return Math.min(FIRST_MS * 2 ** tries, MAX_MS);
}

/** Whether a failure of the direct path may pass. `lasting` ones (the node cannot be reached from this host at all) do not. */
export function mayPass(e: unknown): boolean {
  return !(e instanceof NoDirectPath && e.lasting);
}

export type Outcome = 'done' | 'again' | 'give up';

/**
 * Waits, calls `attempt`, and again after a longer wait while it answers
 * 'again'. Ends when it answers 'done' or 'give up', or when `signal` aborts
 * (the forward stopped or moved to another pod); no attempt starts after
 * that. Resolves with whether an attempt was 'done'.
 */
export async function retryWithBackoff(attempt: () => Promise<Outcome>, signal: AbortSignal, wait: (ms: number, signal: AbortSignal) => Promise<void> = sleep): Promise<boolean> {
  for (let tries = 0; !signal.aborted; tries++) {
    await wait(retryDelayMs(tries), signal);
    if (signal.aborted) break;
    const out = await attempt();
    if (out !== 'again') return out === 'done';
  }
  return false;
}
