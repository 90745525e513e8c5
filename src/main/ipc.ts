/**
 * The only place that touches ipcMain. One handler per operation, registered
 * by looping over the contract; every payload goes through the dispatcher
 * (zod-validated) and only our own app:// frames may call.
 */
import { opNames, type PushEvent } from '../shared/api.js';
import type { EventBus } from '../core/events.js';
import type { Dispatcher } from '../server/dispatch.js';
import { isAppUrl } from './security.js';

export const INVOKE_PREFIX = 'paddock:invoke:';
export const SUBSCRIBE_CHANNEL = 'paddock:subscribe';
export const EVENT_CHANNEL = 'paddock:event';

export interface SenderLike {
  id: number;
  send(channel: string, e: PushEvent): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', l: () => void): unknown;
}

export interface IpcEventLike {
  senderFrame?: { url: string } | null;
  sender: SenderLike;
}

export interface IpcMainLike {
  handle(channel: string, fn: (e: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
  on(channel: string, fn: (e: IpcEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, fn: (e: IpcEventLike, ...args: unknown[]) => void): unknown;
}

const UNTRUSTED = { error: { code: 'USAGE', message: 'Refused: the caller is not a Paddock window' } } as const;

export function registerIpc(ipcMain: IpcMainLike, dispatcher: Dispatcher, bus: EventBus): () => void {
  for (const op of opNames) {
    ipcMain.handle(INVOKE_PREFIX + op, async (e, input, opts) => {
      if (!isAppUrl(e.senderFrame?.url)) return UNTRUSTED;
      const opId = opts && typeof opts === 'object' && 'opId' in opts ? (opts as { opId?: unknown }).opId : undefined;
      return dispatcher.invoke(op, input, { opId: typeof opId === 'string' ? opId : undefined });
    });
  }

  const subscribers = new Map<number, SenderLike>();
  const onSubscribe = (e: IpcEventLike) => {
    if (!isAppUrl(e.senderFrame?.url)) return;
    const s = e.sender;
    if (!subscribers.has(s.id)) s.once('destroyed', () => subscribers.delete(s.id));
    subscribers.set(s.id, s);
    // A reopened window re-attaches to running jobs.
    for (const ev of dispatcher.jobs.replay()) s.send(EVENT_CHANNEL, ev);
  };
  ipcMain.on(SUBSCRIBE_CHANNEL, onSubscribe);
  const offBus = bus.subscribe((ev) => {
    for (const [id, s] of subscribers) {
      if (s.isDestroyed()) subscribers.delete(id);
      else s.send(EVENT_CHANNEL, ev);
    }
  });

  return () => {
    for (const op of opNames) ipcMain.removeHandler(INVOKE_PREFIX + op);
    ipcMain.removeListener(SUBSCRIBE_CHANNEL, onSubscribe);
    offBus();
    subscribers.clear();
  };
}
