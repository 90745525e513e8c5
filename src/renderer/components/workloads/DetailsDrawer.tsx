import { Alert, Button, Drawer, Group, NumberInput, Paper, ScrollArea, Stack, Switch, Table, Tabs, Text, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ResourceKind, ResourceRow } from '../../../shared/api.js';
import { call } from '../../client.js';
import { useAction, useOp } from '../../hooks/use-api.js';
import { GuardedButton, useAccess, workloadResource } from '../../hooks/use-access.js';
import { ErrorNotice } from '../ErrorNotice.js';
import { ConfirmModal, formatAge, Loading } from '../bits.js';
import { LogsPanel } from './LogsPanel.js';
import { TerminalPanel } from './TerminalPanel.js';
import { ToneBadge } from './ResourceTable.js';

type Workload = 'Deployment' | 'StatefulSet' | 'DaemonSet';
const isWorkload = (k: ResourceKind): k is Workload => k === 'Deployment' || k === 'StatefulSet' || k === 'DaemonSet';

function YamlPanel({ context, kind, row }: { context: string; kind: ResourceKind; row: ResourceRow }) {
  const [reveal, setReveal] = useState(false);
  const q = useOp('getResourceYaml', { context, kind, name: row.name, ...(row.namespace ? { namespace: row.namespace } : {}), revealSecrets: reveal });
  const [editing, setEditing] = useState<string | undefined>();
  const [result, setResult] = useState<string | undefined>();
  const action = useAction();
  const apply = async (dryRun: boolean) => {
    setResult(undefined);
    const r = await action.run(dryRun ? 'dry' : 'apply', () => call('applyYaml', { context, yaml: editing ?? '', dryRun, ...(row.namespace ? { namespace: row.namespace } : {}) }));
    if (r) {
      setResult(dryRun ? 'The server accepted it (dry run): nothing was changed yet.' : 'Applied.');
      if (!dryRun) setEditing(undefined);
    }
  };
  return (
    <Stack gap="sm">
      <Group gap="sm">
        {kind === 'Secret' && <Switch label="Show secret values" checked={reveal} onChange={(e) => setReveal(e.currentTarget.checked)} />}
        {editing === undefined ? (
          <Button variant="default" size="xs" onClick={() => setEditing(q.data?.yaml ?? '')} disabled={!q.data || (kind === 'Secret' && !reveal)}>
            Edit
          </Button>
        ) : (
          <>
            <Button size="xs" variant="default" onClick={() => void apply(true)} loading={action.pending === 'dry'}>
              Dry run
            </Button>
            <Button size="xs" onClick={() => void apply(false)} loading={action.pending === 'apply'}>
              Apply
            </Button>
            <Button size="xs" variant="subtle" onClick={() => (setEditing(undefined), setResult(undefined), action.clear())}>
              Cancel
            </Button>
          </>
        )}
      </Group>
      {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} title="The API server refused it" />}
      {result && (
        <Alert color="green" variant="light" withCloseButton onClose={() => setResult(undefined)}>
          {result}
        </Alert>
      )}
      {q.isPending && <Loading label="Reading the object" />}
      {q.error && <ErrorNotice error={q.error} />}
      {editing !== undefined ? (
        <Textarea aria-label="YAML to apply" value={editing} onChange={(e) => setEditing(e.currentTarget.value)} autosize minRows={16} maxRows={28} styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }} />
      ) : (
        q.data && (
          <Paper withBorder radius="sm" p={0}>
            <ScrollArea h={460} type="auto">
              <pre aria-label="YAML" style={{ margin: 0, padding: 10, fontSize: 12, lineHeight: 1.45 }}>
                {q.data.yaml}
              </pre>
            </ScrollArea>
          </Paper>
        )
      )}
    </Stack>
  );
}

function WorkloadActions({ context, kind, row }: { context: string; kind: Workload; row: ResourceRow }) {
  const ref = { context, kind, namespace: row.namespace ?? 'default', name: row.name };
  // What the context's user may not do is disabled with the server's reason (issue 13).
  const access = useAccess(context, [
    { verb: 'patch', ...workloadResource(kind), subresource: 'scale', namespace: ref.namespace, name: row.name },
    { verb: 'patch', ...workloadResource(kind), namespace: ref.namespace, name: row.name },
  ]);
  const desired = Number((row.cells.ready ?? '').split('/')[1] ?? row.cells.desired ?? 0);
  const [replicas, setReplicas] = useState<number>(Number.isFinite(desired) ? desired : 1);
  useEffect(() => setReplicas(Number.isFinite(desired) ? desired : 1), [row.uid]); // eslint-disable-line react-hooks/exhaustive-deps
  const action = useAction();
  const [undoTo, setUndoTo] = useState<number | undefined>();
  const history = useOp('rolloutHistory', ref);
  // A rollout made elsewhere (kubectl, CI) shows up in the live row: read the history again then.
  const rollout = `${row.cells.images}|${row.cells.upToDate}|${row.status}`;
  useEffect(() => {
    void history.refetch();
  }, [rollout]); // eslint-disable-line react-hooks/exhaustive-deps
  const [done, setDone] = useState<string | undefined>();
  const act = async (key: string, fn: () => Promise<unknown>, msg: string) => {
    setDone(undefined);
    if ((await action.run(key, fn)) !== undefined) {
      setDone(msg);
      void history.refetch();
    }
  };
  return (
    <Stack gap="md">
      {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} />}
      {done && (
        <Alert color="green" variant="light" withCloseButton onClose={() => setDone(undefined)}>
          {done}
        </Alert>
      )}
      {kind !== 'DaemonSet' && (
        <Group align="flex-end" gap="sm">
          <NumberInput label="Replicas" min={0} max={1000} value={replicas} onChange={(v) => setReplicas(Number(v) || 0)} w={120} />
          <GuardedButton denied={access.denied(0)} onClick={() => void act('scale', () => call('scaleWorkload', { ...ref, replicas }), `Scaled to ${replicas}.`)} loading={action.pending === 'scale'}>
            Scale
          </GuardedButton>
        </Group>
      )}
      <Group gap="sm">
        <GuardedButton denied={access.denied(1)} variant="default" onClick={() => void act('restart', () => call('rolloutRestart', ref), 'Restart started: pods are replaced one by one.')} loading={action.pending === 'restart'}>
          Rollout restart
        </GuardedButton>
      </Group>
      <div>
        <Text fw={600} mb={6}>
          Rollout history
        </Text>
        {history.isPending && <Loading label="Reading revisions" />}
        {history.error && <ErrorNotice error={history.error} />}
        {history.data && (
          <Table fz="sm" aria-label="Rollout history">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Revision</Table.Th>
                <Table.Th>Images</Table.Th>
                <Table.Th>Age</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...history.data.revisions].reverse().map((r) => (
                <Table.Tr key={r.revision}>
                  <Table.Td>{r.revision}</Table.Td>
                  <Table.Td style={{ wordBreak: 'break-all' }}>{r.images.join(', ')}</Table.Td>
                  <Table.Td>{formatAge(r.created)}</Table.Td>
                  <Table.Td>
                    {r.current ? (
                      <ToneBadge tone="ok" text="current" />
                    ) : (
                      <GuardedButton denied={access.denied(1)} size="xs" variant="light" onClick={() => setUndoTo(r.revision)}>
                        Roll back
                      </GuardedButton>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </div>
      <ConfirmModal
        opened={undoTo !== undefined}
        title={`Roll back ${row.name}?`}
        confirmLabel={`Roll back to revision ${undoTo}`}
        onClose={() => setUndoTo(undefined)}
        onConfirm={() => void act('undo', () => call('rolloutUndo', { ...ref, revision: undoTo }), `Rolling back to revision ${undoTo}.`)}
      >
        The pod template of revision {undoTo} replaces the current one, and the {kind} rolls out again.
      </ConfirmModal>
    </Stack>
  );
}

export function DetailsDrawer({ context, kind, row, onClose }: { context: string; kind: ResourceKind; row: ResourceRow | undefined; onClose: () => void }) {
  const [tab, setTab] = useState<string | null>('yaml');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const action = useAction();
  const podAccess = useAccess(context, kind === 'Pod' && row ? [{ verb: 'delete', resource: 'pods', namespace: row.namespace ?? 'default', name: row.name }] : []);
  useEffect(() => setTab(kind === 'Pod' ? 'logs' : isWorkload(kind) ? 'actions' : 'yaml'), [row?.uid, kind]);
  return (
    <Drawer opened={!!row} onClose={onClose} position="right" size="xl" title={row ? <Text fw={700}>{`${kind} ${row.namespace ? `${row.namespace}/` : ''}${row.name}`}</Text> : ''}>
      {row && (
        <Stack gap="sm">
          <Group gap="xs">
            {row.status && <ToneBadge tone={row.tone} text={row.status} />}
            <Text size="sm" c="dimmed">
              created {formatAge(row.created)} ago
            </Text>
            {kind === 'Pod' && (
              <GuardedButton denied={podAccess.denied(0)} size="xs" color="red" variant="light" ml="auto" onClick={() => setConfirmDelete(true)} loading={action.pending === 'delete'}>
                Delete pod
              </GuardedButton>
            )}
          </Group>
          {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} />}
          <Tabs value={tab} onChange={setTab} keepMounted={false}>
            <Tabs.List>
              {isWorkload(kind) && <Tabs.Tab value="actions">Actions</Tabs.Tab>}
              {kind === 'Pod' && <Tabs.Tab value="logs">Logs</Tabs.Tab>}
              {kind === 'Pod' && <Tabs.Tab value="terminal">Terminal</Tabs.Tab>}
              <Tabs.Tab value="yaml">YAML</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="actions" pt="md">
              {isWorkload(kind) && <WorkloadActions context={context} kind={kind} row={row} />}
            </Tabs.Panel>
            <Tabs.Panel value="logs" pt="md">
              {kind === 'Pod' && <LogsPanel key={row.uid} context={context} namespace={row.namespace ?? 'default'} pod={row.name} />}
            </Tabs.Panel>
            <Tabs.Panel value="terminal" pt="md">
              {kind === 'Pod' && <TerminalPanel key={row.uid} context={context} namespace={row.namespace ?? 'default'} pod={row.name} containers={(row.cells.containers ?? '').split(',').filter(Boolean)} />}
            </Tabs.Panel>
            <Tabs.Panel value="yaml" pt="md">
              <YamlPanel context={context} kind={kind} row={row} />
            </Tabs.Panel>
          </Tabs>
          <ConfirmModal
            opened={confirmDelete}
            title={`Delete pod ${row.name}?`}
            confirmLabel="Delete pod"
            danger
            onClose={() => setConfirmDelete(false)}
            onConfirm={() => void action.run('delete', () => call('deletePod', { context, namespace: row.namespace ?? 'default', name: row.name })).then((r) => r && onClose())}
          >
            Its controller, if it has one, makes a new pod in its place.
          </ConfirmModal>
        </Stack>
      )}
    </Drawer>
  );
}
