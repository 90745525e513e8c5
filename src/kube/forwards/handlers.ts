/**
 * The forward and proxy operations of the contract. The manager and the
 * proxies live as long as the process that holds the core (GUI, tray,
 * `paddock forward start`, `paddock proxy`).
 */
import type { ApiHandlers } from '../../shared/api.js';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { startApiProxy, type ApiProxy } from './api-proxy.js';
import type { ForwardManager } from './manager.js';

export type ForwardOps = 'listForwards' | 'addForward' | 'removeForward' | 'startForward' | 'stopForward' | 'startAllForwards' | 'stopAllForwards' | 'startProxy' | 'stopProxy';

export function forwardHandlers(manager: ForwardManager): Pick<ApiHandlers, ForwardOps> {
  const proxies = new Map<string, ApiProxy>();
  let next = 1;
  return {
    listForwards: async () => ({ forwards: await manager.list() }),
    addForward: async (spec) => manager.add(spec),
    removeForward: async ({ id }) => {
      await manager.remove(id);
      return { ok: true };
    },
    startForward: async ({ id }) => manager.start(id),
    stopForward: async ({ id }) => manager.stop(id),
    startAllForwards: async ({ autoStartOnly }) => ({ forwards: await manager.startAll({ autoStartOnly }) }),
    stopAllForwards: async () => ({ forwards: await manager.stopAll() }),
    startProxy: async (input) => {
      const p = await startApiProxy(input);
      const id = `proxy-${next++}`;
      proxies.set(id, p);
      return { id, context: input.context, url: p.url };
    },
    stopProxy: async ({ id }) => {
      const p = proxies.get(id);
      if (!p) throw new PaddockError(ErrorCodes.USAGE, `no proxy with id "${id}" in this process`);
      proxies.delete(id);
      await p.close();
      return { ok: true };
    },
  };
}
