import { Alert, Button, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { call } from '../client.js';
import { ConfirmModal, Loading, PageHeader } from '../components/bits.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { ResourceTable, ToneBadge } from '../components/workloads/ResourceTable.js';
import { useAction, useOp } from '../hooks/use-api.js';
import { useLiveResources, useNow } from '../hooks/use-resources.js';
import { ContextPicker, useContextParam } from './Workloads.js';
import { useState } from 'react';
import type { ResourceRow } from '../../shared/api.js';

function ControlPlaneHealth({ context }: { context: string }) {
  const q = useOp('controlPlaneHealth', { context });
  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" mb="sm">
        <Title order={4}>Control plane</Title>
        <Group gap="xs">
          {q.data?.version && <Text size="sm" c="dimmed">API server {q.data.version}</Text>}
          <Button size="xs" variant="default" onClick={() => void q.refetch()} loading={q.isFetching}>
            Check again
          </Button>
        </Group>
      </Group>
      {q.isPending && <Loading label="Asking the API server" />}
      {q.error && <ErrorNotice error={q.error} />}
      {q.data && (
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {q.data.checks.map((c) => (
              <Group key={c.path} gap="xs" wrap="nowrap" align="flex-start">
                <ToneBadge tone={c.ok ? 'ok' : 'error'} text={c.ok ? 'ok' : 'failing'} />
                <div>
                  <Text size="sm" fw={600} ff="monospace">
                    {c.path}
                  </Text>
                  <Text size="xs" c="dimmed" style={{ whiteSpace: 'pre-wrap' }}>
                    {c.detail}
                  </Text>
                </div>
              </Group>
            ))}
          </SimpleGrid>
          {q.data.staticPods.length === 0 ? (
            <Text size="sm" c="dimmed">
              No static control-plane pods are visible (a managed cluster hides them, or the user may not list kube-system).
            </Text>
          ) : (
            <Table fz="sm" aria-label="Control-plane pods">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Component</Table.Th>
                  <Table.Th>Node</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Restarts</Table.Th>
                  <Table.Th>Image</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {q.data.staticPods.map((p) => (
                  <Table.Tr key={p.pod}>
                    <Table.Td fw={500}>{p.component}</Table.Td>
                    <Table.Td>{p.node}</Table.Td>
                    <Table.Td>
                      <ToneBadge tone={p.tone} text={p.status} />
                    </Table.Td>
                    <Table.Td c={p.restarts > 0 ? 'yellow.8' : undefined}>{p.restarts}</Table.Td>
                    <Table.Td style={{ wordBreak: 'break-all' }}>{p.image}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      )}
    </Paper>
  );
}

export function NodesScreen() {
  const { set, context, contexts } = useContextParam();
  const nodes = useLiveResources(context, 'Node', undefined);
  const action = useAction();
  const now = useNow();
  const [selected, setSelected] = useState<ResourceRow | undefined>();
  const [confirmDrain, setConfirmDrain] = useState(false);
  const [drained, setDrained] = useState<string | undefined>();
  const live = selected && nodes.rows.find((r) => r.uid === selected.uid);
  const cordoned = !!live?.status.includes('SchedulingDisabled');
  return (
    <>
      <PageHeader title="Nodes" description="Node maintenance and the health of the control plane, for any kubeconfig context." />
      <Group gap="sm" mb="md" align="flex-end">
        <ContextPicker context={context} contexts={contexts} onChange={(c) => (set('context', c), setSelected(undefined))} />
      </Group>
      {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} />}
      {drained && (
        <Alert color="green" variant="light" mb="sm" withCloseButton onClose={() => setDrained(undefined)}>
          {drained}
        </Alert>
      )}
      <Stack gap="lg">
        <div>
          {nodes.loading && !nodes.error && <Loading label="Listing nodes" />}
          {nodes.error != null && <ErrorNotice error={nodes.error} />}
          {!nodes.loading && nodes.rows.length > 0 && (
            <ResourceTable columns={nodes.columns} rows={nodes.rows} showNamespace={false} now={now} selected={live?.uid} onSelect={setSelected} label="Node list" />
          )}
          {live && context && (
            <Group mt="sm" gap="sm">
              <Text size="sm">
                Node <strong>{live.name}</strong>:
              </Text>
              <Button
                size="xs"
                variant={cordoned ? 'filled' : 'light'}
                color={cordoned ? undefined : 'yellow'}
                loading={action.pending === 'cordon'}
                onClick={() => void action.run('cordon', () => call('cordonNode', { context, node: live.name, unschedulable: !cordoned }))}
              >
                {cordoned ? 'Uncordon (allow new pods)' : 'Cordon (no new pods)'}
              </Button>
              <Button size="xs" color="red" variant="light" loading={action.pending === 'drain'} onClick={() => setConfirmDrain(true)}>
                Drain
              </Button>
              <ConfirmModal
                opened={confirmDrain}
                title={`Drain ${live.name}?`}
                confirmLabel="Drain node"
                danger
                onClose={() => setConfirmDrain(false)}
                onConfirm={() =>
                  void action
                    .run('drain', () => call('drainNode', { context, node: live.name }))
                    .then((r) => r && setDrained(`${live.name} drained: ${r.evicted.length} pod(s) evicted, ${r.ignored.length} ignored (DaemonSet and static pods).`))
                }
              >
                The node is cordoned, then its pods are evicted one by one, respecting PodDisruptionBudgets (a protected pod is retried for two minutes). DaemonSet and static pods stay. Pods without a controller
                are refused: nothing would recreate them.
              </ConfirmModal>
            </Group>
          )}
          {!live && nodes.rows.length > 0 && (
            <Text size="sm" c="dimmed" mt="xs">
              Select a node to cordon or uncordon it.
            </Text>
          )}
        </div>
        {context && <ControlPlaneHealth context={context} />}
      </Stack>
    </>
  );
}
