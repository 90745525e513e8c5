/**
 * A live list of one kind: watchResources lists and starts a watch in the
 * core, `resources.changed` pushes the new rows under our subscription id,
 * and leaving (or changing context, kind or namespace) unwatches. Nothing polls.
 */
import { useEffect, useState } from 'react';
import type { ResourceColumn, ResourceKind, ResourceRow } from '../../shared/api.js';
import { call } from '../client.js';
import { getBridge } from '../transport/index.js';

export interface LiveList {
  columns: ResourceColumn[];
  rows: ResourceRow[];
  loading: boolean;
  error?: unknown;
  /** The watch broke (the core retries with backoff); rows may be old. */
  watchError?: string;
  /** Every namespace was asked for but the user may not list them: these rows are of one namespace, and why (issue 13). */
  narrowedTo?: { namespace: string; reason: string };
}

export function useLiveResources(context: string | undefined, kind: ResourceKind, namespace: string | undefined): LiveList {
  const [state, setState] = useState<LiveList>({ columns: [], rows: [], loading: true });
  useEffect(() => {
    if (!context) return;
    let subscriptionId: string | undefined;
    let cancelled = false;
    setState({ columns: [], rows: [], loading: true });
    // Subscribe before asking, so no push between the answer and the subscription is lost.
    const early: { subscriptionId: string; rows?: ResourceRow[] }[] = [];
    const off = getBridge().subscribe((e) => {
      if (e.type !== 'resources.changed') return;
      if (!subscriptionId) return void early.push(e);
      if (e.subscriptionId !== subscriptionId) return;
      setState((s) => (e.rows ? { ...s, rows: e.rows, watchError: undefined } : { ...s, watchError: e.error }));
    });
    call('watchResources', { context, kind, ...(namespace ? { namespace } : {}) }).then(
      (r) => {
        if (cancelled) return void call('unwatchResources', { subscriptionId: r.subscriptionId }).catch(() => undefined);
        subscriptionId = r.subscriptionId;
        const newer = early.filter((e) => e.subscriptionId === r.subscriptionId && e.rows).pop();
        setState({ columns: r.columns, rows: newer?.rows ?? r.rows, loading: false, ...(r.narrowedTo ? { narrowedTo: r.narrowedTo } : {}) });
      },
      (error: unknown) => !cancelled && setState({ columns: [], rows: [], loading: false, error }),
    );
    return () => {
      cancelled = true;
      off();
      if (subscriptionId) void call('unwatchResources', { subscriptionId }).catch(() => undefined);
    };
  }, [context, kind, namespace]);
  return state;
}

/** Re-renders every `ms` so ages move on without asking the cluster. */
export function useNow(ms = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
