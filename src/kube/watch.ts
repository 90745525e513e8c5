/**
 * List, then watch (headlamp's useKubeObjectList without React): one list
 * gives the objects and a resourceVersion, a watch from that version streams
 * changes, and a pure reducer (applyWatchEvent) folds them in by uid. A watch
 * the server ends is resumed from the last version; 410 Gone relists.
 * Usable by the core, the CLI and the web server alike.
 */
import { watch as streamWatch, ApiStatusError, type WatchEvent } from './forwards/kube-io.js';
import type { KubeObject } from './resources/descriptors.js';
import { call, type Conn } from './resources/http.js';

export interface ListState {
  /** Objects by uid, in first-seen order. */
  items: Map<string, KubeObject>;
  resourceVersion?: string;
}

export type { WatchEvent };

const uidOf = (o: KubeObject) => o.metadata?.uid ?? `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** resourceVersions are opaque, but etcd's are integers: compare only when both are. */
function isStale(incoming: string | undefined, existing: string | undefined): boolean {
  if (!incoming || !existing || !/^\d+$/.test(incoming) || !/^\d+$/.test(existing)) return false;
  return BigInt(incoming) < BigInt(existing);
}

/**
 * Pure: the state after one watch event. ADDED and MODIFIED upsert by uid
 * (an older version than the one held is dropped), DELETED removes, BOOKMARK
 * only moves the resourceVersion, ERROR changes nothing. Returns the same
 * state object when nothing changed.
 */
export function applyWatchEvent(state: ListState, e: WatchEvent<KubeObject>): ListState {
  const rv = e.object?.metadata?.resourceVersion;
  if (e.type === 'ERROR') return state;
  if (e.type === 'BOOKMARK') return rv && rv !== state.resourceVersion ? { items: state.items, resourceVersion: rv } : state;
  const uid = uidOf(e.object);
  const held = state.items.get(uid);
  if (e.type === 'DELETED') {
    if (!held) return rv ? { items: state.items, resourceVersion: rv } : state;
    const items = new Map(state.items);
    items.delete(uid);
    return { items, resourceVersion: rv ?? state.resourceVersion };
  }
  if (held && isStale(rv, held.metadata?.resourceVersion)) return state;
  const items = new Map(state.items);
  items.set(uid, e.object);
  return { items, resourceVersion: rv ?? state.resourceVersion };
}

export function stateFromList(list: { items?: KubeObject[]; metadata?: { resourceVersion?: string } }): ListState {
  return { items: new Map((list.items ?? []).map((o) => [uidOf(o), o])), resourceVersion: list.metadata?.resourceVersion };
}

export interface ListWatchOptions {
  conn: Conn;
  /** The collection path, e.g. /api/v1/namespaces/default/pods. */
  path: string;
  /** Called with the state after the list and after every batch of changes (at most every `debounceMs`). */
  onState: (s: ListState) => void;
  onError?: (e: Error) => void;
  signal: AbortSignal;
  debounceMs?: number;
  /** The list already made (so the first answer is not fetched twice). */
  initial?: ListState;
}

/** Runs until the signal aborts. */
export async function listThenWatch(o: ListWatchOptions): Promise<void> {
  const debounceMs = o.debounceMs ?? 250;
  let state = o.initial ?? stateFromList(await call(o.conn, 'GET', o.path, { signal: o.signal }));
  if (!o.initial) o.onState(state);
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (!o.signal.aborted) o.onState(state);
  };
  let failures = 0;
  while (!o.signal.aborted) {
    try {
      const sep = o.path.includes('?') ? '&' : '?';
      await streamWatch<KubeObject>(
        o.conn.t,
        o.conn.auth,
        `${o.path}${sep}watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${encodeURIComponent(state.resourceVersion ?? '')}`,
        (e) => {
          if (e.type === 'ERROR' && (e.object as { code?: number })?.code === 410) throw new ApiStatusError(410, 'resourceVersion too old');
          const next = applyWatchEvent(state, e);
          if (next.items !== state.items && !timer) timer = setTimeout(flush, debounceMs);
          state = next;
        },
        o.signal,
      );
      failures = 0;
    } catch (e) {
      if (o.signal.aborted) break;
      if (e instanceof ApiStatusError && e.status === 410) {
        state = stateFromList(await call<{ items?: KubeObject[] }>(o.conn, 'GET', o.path, { signal: o.signal }).catch(() => ({ items: [...state.items.values()] })));
        if (!timer) timer = setTimeout(flush, debounceMs);
        continue;
      }
      failures++;
      o.onError?.(e as Error);
      // Back off on a failing watch: never a tight reconnect loop against a sick server.
      await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** Math.min(failures, 5))));
    }
  }
  if (timer) clearTimeout(timer);
}
