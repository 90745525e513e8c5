/**
 * The bridge, and nothing more: window.paddock = { invoke, subscribe }.
 * Sandboxed preloads cannot load the contract's modules, so this file only
 * checks shapes; main validates every payload against the zod contract.
 * Channel names mirror src/main/ipc.ts.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const INVOKE_PREFIX = 'paddock:invoke:';
const SUBSCRIBE_CHANNEL = 'paddock:subscribe';
const EVENT_CHANNEL = 'paddock:event';

type Listener = (e: unknown) => void;
const listeners = new Set<Listener>();
let subscribed = false;

ipcRenderer.on(EVENT_CHANNEL, (_e: IpcRendererEvent, payload: unknown) => {
  for (const l of [...listeners]) {
    try {
      l(payload);
    } catch {
      // a broken listener must not stop the others
    }
  }
});

contextBridge.exposeInMainWorld('paddock', {
  async invoke(op: unknown, input: unknown, opts?: { opId?: unknown }) {
    if (typeof op !== 'string' || !/^[A-Za-z]{1,40}$/.test(op)) {
      return { error: { code: 'USAGE', message: 'Unknown operation' } };
    }
    const opId = opts && typeof opts.opId === 'string' ? opts.opId : undefined;
    try {
      return await ipcRenderer.invoke(INVOKE_PREFIX + op, input ?? {}, { opId });
    } catch (e) {
      // No handler: an operation this version of Paddock does not know.
      return { error: { code: 'USAGE', message: e instanceof Error ? e.message : String(e) } };
    }
  },
  subscribe(listener: unknown) {
    if (typeof listener !== 'function') throw new TypeError('subscribe needs a function');
    const l = listener as Listener;
    listeners.add(l);
    if (!subscribed) {
      subscribed = true;
      ipcRenderer.send(SUBSCRIBE_CHANNEL);
    }
    return () => {
      listeners.delete(l);
    };
  },
});
