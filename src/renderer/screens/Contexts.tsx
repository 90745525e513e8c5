import { Badge, Button, Group, Modal, Select, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { ContextInfo, ContextProbe } from '../../shared/api.js';
import { call } from '../client.js';
import { ConfirmModal, EmptyState, PageHeader, Loading } from '../components/bits.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { useAction, useOp } from '../hooks/use-api.js';

function RenameModal({ ctx, onClose, run }: { ctx: ContextInfo; onClose: () => void; run: ReturnType<typeof useAction>['run'] }) {
  const [to, setTo] = useState(ctx.name);
  return (
    <Modal opened onClose={onClose} title={`Rename context ${ctx.name}`} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onClose();
          void run(`rename:${ctx.name}`, () => call('renameContext', { from: ctx.name, to }));
        }}
      >
        <Stack>
          <TextInput label="New name" value={to} onChange={(e) => setTo(e.currentTarget.value)} data-autofocus required />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={!to.trim() || to === ctx.name}>
              Rename
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function NamespaceModal({ ctx, onClose, run }: { ctx: ContextInfo; onClose: () => void; run: ReturnType<typeof useAction>['run'] }) {
  const ns = useOp('listNamespaces', { context: ctx.name });
  const [value, setValue] = useState<string | null>(ctx.namespace ?? 'default');
  const [typed, setTyped] = useState(ctx.namespace ?? 'default');
  const chosen = ns.data ? value : typed;
  return (
    <Modal opened onClose={onClose} title={`Default namespace of ${ctx.name}`} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!chosen) return;
          onClose();
          void run(`ns:${ctx.name}`, () => call('setContextNamespace', { context: ctx.name, namespace: chosen }));
        }}
      >
        <Stack>
          {ns.isPending && <Loading label="Loading namespaces" />}
          {ns.data ? (
            <Select label="Namespace" data={ns.data.namespaces} value={value} onChange={setValue} searchable />
          ) : (
            !ns.isPending && (
              <TextInput
                label="Namespace"
                description="The cluster's namespaces could not be listed; type one."
                value={typed}
                onChange={(e) => setTyped(e.currentTarget.value)}
              />
            )
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={!chosen}>
              Set namespace
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

const PROBE_COLOR: Record<ContextProbe['state'], string> = { ok: 'teal', unauthorized: 'red', forbidden: 'orange', unreachable: 'gray', timeout: 'yellow', error: 'red' };

/** What one quick look at the context's cluster saw: state, server version, and why when it is not ok. */
function ProbeCell({ probe, pending }: { probe?: ContextProbe; pending: boolean }) {
  if (!probe) return <Text size="xs" c="dimmed">{pending ? 'checking…' : '—'}</Text>;
  return (
    <Stack gap={2}>
      <Group gap={6}>
        <Badge size="sm" variant="light" color={PROBE_COLOR[probe.state]} data-probe-state={probe.state}>
          {probe.state}
        </Badge>
        {probe.version && (
          <Text size="xs" ff="monospace">
            {probe.version}
          </Text>
        )}
      </Group>
      {probe.reason && (
        <Tooltip label={probe.reason} multiline w={360} withArrow>
          <Text size="xs" c="dimmed" lineClamp={2} maw={320}>
            {probe.reason}
          </Text>
        </Tooltip>
      )}
    </Stack>
  );
}

export function ContextsScreen() {
  // The files first (instant), the clusters' answers as they come (≤ 3 s): a slow cluster never holds up the list.
  const q = useOp('listContexts', {});
  const probed = useOp('listContexts', { probe: true });
  const probes = new Map((probed.data?.contexts ?? []).map((c) => [c.name, c.probe]));
  const action = useAction();
  const [renaming, setRenaming] = useState<ContextInfo>();
  const [nsFor, setNsFor] = useState<ContextInfo>();
  const [deleting, setDeleting] = useState<ContextInfo>();
  const contexts = q.data?.contexts ?? [];
  return (
    <>
      <PageHeader
        title="Contexts"
        description="Every context of your kubeconfig, Paddock's and others'. The current one is what kubectl uses."
        actions={
          <Button variant="default" size="xs" disabled={probed.isFetching} onClick={() => void probed.refetch()}>
            {probed.isFetching ? 'Checking clusters…' : 'Check clusters'}
          </Button>
        }
      />
      {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} />}
      {q.isPending && <Loading label="Loading contexts" />}
      {q.error && <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />}
      {q.data && contexts.length === 0 && (
        <EmptyState
          title="No contexts in your kubeconfig"
          description="Create a cluster and Paddock adds its context here, next to any others you have."
          action={
            <Button component={Link} to="/clusters/new">
              Create cluster
            </Button>
          }
        />
      )}
      {contexts.length > 0 && (
        <Table highlightOnHover aria-label="Contexts">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Context</Table.Th>
              <Table.Th>Cluster / server</Table.Th>
              <Table.Th>Namespace</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {contexts.map((c) => (
              <Table.Tr key={c.name}>
                <Table.Td>
                  <Group gap={6}>
                    <Text fw={600}>{c.name}</Text>
                    {c.current && <Badge size="sm">current</Badge>}
                    {c.paddockCluster && (
                      <Badge size="sm" variant="outline" color="teal">
                        Paddock
                      </Badge>
                    )}
                  </Group>
                  <Text size="xs" c="dimmed">
                    {c.file}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{c.cluster}</Text>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {c.server ?? ''}
                  </Text>
                </Table.Td>
                <Table.Td>{c.namespace ?? 'default'}</Table.Td>
                <Table.Td>
                  <ProbeCell probe={probes.get(c.name)} pending={probed.isFetching} />
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Button size="xs" variant="light" disabled={c.current} loading={action.pending === `use:${c.name}`} onClick={() => action.run(`use:${c.name}`, () => call('useContext', { name: c.name }))}>
                      Use
                    </Button>
                    <Button size="xs" variant="default" onClick={() => setNsFor(c)}>
                      Namespace
                    </Button>
                    <Button size="xs" variant="default" onClick={() => setRenaming(c)}>
                      Rename
                    </Button>
                    <Button size="xs" variant="subtle" color="red" onClick={() => setDeleting(c)} aria-label={`Delete context ${c.name}`}>
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {renaming && <RenameModal ctx={renaming} run={action.run} onClose={() => setRenaming(undefined)} />}
      {nsFor && <NamespaceModal ctx={nsFor} run={action.run} onClose={() => setNsFor(undefined)} />}
      <ConfirmModal
        opened={!!deleting}
        title={`Delete context ${deleting?.name ?? ''}?`}
        confirmLabel="Delete context"
        danger
        onClose={() => setDeleting(undefined)}
        onConfirm={() => deleting && void action.run(`delete:${deleting.name}`, () => call('deleteContext', { name: deleting.name }))}
      >
        <Text size="sm">
          This removes the context from {deleting?.file}. The cluster itself keeps running{deleting?.paddockCluster ? '; Paddock can write the context again' : ''}.
        </Text>
      </ConfirmModal>
    </>
  );
}
