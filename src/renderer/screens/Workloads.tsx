import { Group, Select, Tabs, Text, TextInput } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { ResourceKind, ResourceRow } from '../../shared/api.js';
import { EmptyState, Loading, PageHeader } from '../components/bits.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { DetailsDrawer } from '../components/workloads/DetailsDrawer.js';
import { ResourceTable } from '../components/workloads/ResourceTable.js';
import { useOp } from '../hooks/use-api.js';
import { useLiveResources, useNow } from '../hooks/use-resources.js';

export const KIND_TABS: { kind: ResourceKind; label: string }[] = [
  { kind: 'Deployment', label: 'Deployments' },
  { kind: 'StatefulSet', label: 'StatefulSets' },
  { kind: 'DaemonSet', label: 'DaemonSets' },
  { kind: 'ReplicaSet', label: 'ReplicaSets' },
  { kind: 'Pod', label: 'Pods' },
  { kind: 'Service', label: 'Services' },
  { kind: 'Ingress', label: 'Ingresses' },
  { kind: 'ConfigMap', label: 'ConfigMaps' },
  { kind: 'Secret', label: 'Secrets' },
  { kind: 'PersistentVolumeClaim', label: 'PVCs' },
  { kind: 'PersistentVolume', label: 'PVs' },
  { kind: 'StorageClass', label: 'StorageClasses' },
  { kind: 'HorizontalPodAutoscaler', label: 'HPAs' },
  { kind: 'Event', label: 'Events' },
];
const CLUSTER_SCOPED = new Set<ResourceKind>(['PersistentVolume', 'StorageClass', 'Node']);
export const ALL_NAMESPACES = '*';

/** The context the screen shows: ?context=, else kubeconfig's current one. */
export function useContextParam() {
  const [params, setParams] = useSearchParams();
  const contexts = useOp('listContexts', {});
  const context = params.get('context') ?? contexts.data?.currentContext ?? contexts.data?.contexts[0]?.name;
  const set = (k: string, v: string | undefined) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v === undefined) n.delete(k);
        else n.set(k, v);
        return n;
      },
      { replace: true },
    );
  return { params, set, context, contexts };
}

export function ContextPicker({ context, contexts, onChange }: { context: string | undefined; contexts: ReturnType<typeof useContextParam>['contexts']; onChange: (c: string) => void }) {
  return (
    <Select
      label="Context"
      data={(contexts.data?.contexts ?? []).map((c) => c.name)}
      value={context ?? null}
      onChange={(v) => v && onChange(v)}
      searchable
      allowDeselect={false}
      w={240}
      nothingFoundMessage="No such context"
    />
  );
}

export function WorkloadsScreen() {
  const { params, set, context, contexts } = useContextParam();
  const kind = (KIND_TABS.find((t) => t.kind === params.get('kind'))?.kind ?? 'Deployment') as ResourceKind;
  // Without ?ns=, the context's own namespace (kubectl's default for it): what a namespace-scoped user may read.
  const nsParam = params.get('ns') ?? contexts.data?.contexts.find((c) => c.name === context)?.namespace ?? 'default';
  const namespace = nsParam === ALL_NAMESPACES || CLUSTER_SCOPED.has(kind) ? undefined : nsParam;
  const namespaces = useOp('listNamespaces', { context: context ?? '' }, { enabled: !!context });
  const list = useLiveResources(context, kind, namespace);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<ResourceRow | undefined>();
  const now = useNow();
  const rows = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? list.rows.filter((r) => r.name.toLowerCase().includes(f) || Object.values(r.cells).some((v) => v.toLowerCase().includes(f))) : list.rows;
  }, [list.rows, filter]);
  // The open drawer follows its object as the list changes.
  const live = selected && (list.rows.find((r) => r.uid === selected.uid) ?? selected);
  const nsData = [{ value: ALL_NAMESPACES, label: 'All namespaces' }, ...(namespaces.data?.namespaces ?? [nsParam === ALL_NAMESPACES ? 'default' : nsParam]).map((n) => ({ value: n, label: n }))];

  if (contexts.error) return <ErrorNotice error={contexts.error} onRetry={() => void contexts.refetch()} />;
  if (contexts.data && contexts.data.contexts.length === 0) {
    return <EmptyState title="No kubeconfig contexts" description="Create a cluster, or add a context to your kubeconfig, to browse its workloads." />;
  }
  return (
    <>
      <PageHeader title="Workloads" description="What runs in a cluster, live: any kubeconfig context, any namespace." />
      <Group gap="sm" mb="sm" align="flex-end" wrap="wrap">
        <ContextPicker context={context} contexts={contexts} onChange={(c) => (set('context', c), setSelected(undefined))} />
        <Select label="Namespace" data={nsData} value={nsParam} onChange={(v) => v && set('ns', v)} searchable allowDeselect={false} w={220} disabled={CLUSTER_SCOPED.has(kind)} />
        <TextInput label="Filter" placeholder="name, image, node…" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} w={220} />
      </Group>
      {/* Fourteen kinds: pills that wrap, so none hides past the edge of a narrow window. */}
      <Tabs value={kind} onChange={(v) => v && (set('kind', v), setSelected(undefined))} mb="md" variant="pills" radius="sm">
        <Tabs.List style={{ gap: 4 }}>
          {KIND_TABS.map((t) => (
            <Tabs.Tab key={t.kind} value={t.kind} style={{ whiteSpace: 'nowrap' }} px="sm" py={6}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      {list.watchError && (
        <Text size="sm" c="yellow.8" mb="xs" role="status">
          Live updates paused, retrying: {list.watchError}
        </Text>
      )}
      {list.narrowedTo && (
        <Text size="sm" c="yellow.8" mb="xs" role="status" data-narrowed-to={list.narrowedTo.namespace}>
          Showing namespace {list.narrowedTo.namespace} only: {list.narrowedTo.reason.replace(/; showing namespace .*$/, '')}.
        </Text>
      )}
      {list.loading && !list.error && <Loading label={`Listing ${KIND_TABS.find((t) => t.kind === kind)?.label.toLowerCase()}`} />}
      {list.error != null && <ErrorNotice error={list.error} />}
      {!list.loading && !list.error && rows.length === 0 && (
        <Text c="dimmed" size="sm" py="md">
          {filter ? 'Nothing matches the filter.' : `No ${KIND_TABS.find((t) => t.kind === kind)?.label} ${namespace ? `in namespace ${namespace}` : 'in this cluster'}.`}
        </Text>
      )}
      {!list.loading && rows.length > 0 && context && (
        <ResourceTable columns={list.columns} rows={rows} showNamespace={!namespace && !CLUSTER_SCOPED.has(kind)} now={now} selected={live?.uid} onSelect={setSelected} label={`${kind} list`} />
      )}
      {context && <DetailsDrawer context={context} kind={kind} row={live} onClose={() => setSelected(undefined)} />}
    </>
  );
}
