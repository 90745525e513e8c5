/**
 * Data hooks: every read is a react-query query keyed by [op, input]; push
 * events invalidate exactly the lists they concern (coalesced, so a burst of
 * events is one refetch, not a storm). Nothing polls.
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { OpInput, OpName, PushEvent } from '../../shared/api.js';
import { call } from '../client.js';
import { getBridge } from '../transport/index.js';
import { jobsStore, type JobsState } from '../state/jobs.js';

/**
 * Lists that can change behind Paddock's back (the CLI in another terminal,
 * `docker rm`) are re-read every 30 s while the page is visible — one request,
 * not a storm; everything else waits for push events.
 */
const SLOW_REFRESH: Partial<Record<OpName, number>> = { listClusters: 30_000, listForwards: 30_000, listContexts: 60_000 };

export function useOp<N extends OpName>(op: N, input: OpInput<N>, opts: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: [op, input],
    queryFn: () => call(op, input),
    enabled: opts.enabled ?? true,
    refetchInterval: SLOW_REFRESH[op] ?? false,
    refetchIntervalInBackground: false,
  });
}

/** Which queries a push event makes stale. */
export function staleOpsFor(e: PushEvent): OpName[] {
  switch (e.type) {
    case 'clusters.changed':
      return ['listClusters', 'getCluster', 'listContexts'];
    case 'contexts.changed':
      return ['listContexts', 'listNamespaces'];
    case 'forwards.changed':
      return ['listForwards'];
    case 'job.changed':
      if (e.job.state === 'running') return [];
      switch (e.job.op) {
        case 'buildNodeImage':
        case 'pullNodeImage':
          return ['listNodeImages'];
        case 'enableAddon':
        case 'disableAddon':
          return ['listAddons'];
        default:
          return ['listClusters', 'getCluster', 'listContexts'];
      }
    default:
      return [];
  }
}

export function subscribeLive(qc: QueryClient, delayMs = 150): () => void {
  const pending = new Set<OpName>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    for (const op of pending) void qc.invalidateQueries({ queryKey: [op] });
    pending.clear();
  };
  const off = getBridge().subscribe((e) => {
    jobsStore.apply(e);
    for (const op of staleOpsFor(e)) pending.add(op);
    if (pending.size && !timer) timer = setTimeout(flush, delayMs);
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
  };
}

export function useLiveUpdates(): void {
  const qc = useQueryClient();
  useEffect(() => subscribeLive(qc), [qc]);
}

export function useJobs(): JobsState {
  return useSyncExternalStore(jobsStore.subscribe, jobsStore.getSnapshot);
}

/** Runs user actions, remembering which one is pending and the last error. */
export function useAction() {
  const qc = useQueryClient();
  const [error, setError] = useState<unknown>();
  const [pending, setPending] = useState<string | undefined>();
  const run = useCallback(async <T,>(key: string, fn: () => Promise<T>): Promise<T | undefined> => {
    setError(undefined);
    setPending(key);
    try {
      const out = await fn();
      // The core does not push every change (a context switch, a pause):
      // re-read what is on screen once, after the action.
      void qc.invalidateQueries({ type: 'active' });
      return out;
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setPending(undefined);
    }
  }, [qc]);
  const clear = useCallback(() => setError(undefined), []);
  return { run, error, pending, clear };
}
