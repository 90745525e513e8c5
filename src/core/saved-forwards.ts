/**
 * Saved forwards with auto-start run whenever a Paddock face runs (web mode,
 * the desktop app): users add a forward once and find it up after a restart.
 * A forward whose cluster is down waits and reconnects by itself (see
 * src/kube/forwards), so starting them all at launch is enough.
 */
import { randomUUID } from 'node:crypto';
import type { ApiHandlers } from '../shared/api.js';

export async function startSavedForwards(core: ApiHandlers, log: (line: string) => void): Promise<number> {
  try {
    const { forwards } = await core.startAllForwards({ autoStartOnly: true }, { progress: () => {}, opId: randomUUID() });
    if (forwards.length) log(`started ${forwards.length} saved port-forward${forwards.length === 1 ? '' : 's'}`);
    return forwards.length;
  } catch (e) {
    log(`saved port-forwards were not started: ${(e as Error).message}`);
    return 0;
  }
}
