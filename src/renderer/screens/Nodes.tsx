import { Alert, Badge, Button, CloseButton, Group, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { call } from '../client.js';
import { ConfirmModal, Loading, PageHeader } from '../components/bits.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { ResourceTable, ToneBadge } from '../components/workloads/ResourceTable.js';
import { useAction, useOp } from '../hooks/use-api.js';
import { GuardedButton, useAccess } from '../hooks/use-access.js';
import { useLiveResources, useNow } from '../hooks/use-resources.js';
import { ContextPicker, useContextParam } from './Workloads.js';
import { useState } from 'react';
import type { NodeMeta, ResourceRow, StatusTone } from '../../shared/api.js';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
type Effect = (typeof EFFECTS)[number];

/** Labels and taints of one node: each add or remove is one patch, so what is shown is what the node has. */
function NodeMetaEditor({ context, node }: { context: string; node: string }) {
  const q = useOp('getNodeMeta', { context, node });
  const action = useAction();
  const [label, setLabel] = useState({ key: '', value: '' });
  const [taint, setTaint] = useState<{ key: string; value: string; effect: Effect }>({ key: '', value: '', effect: 'NoSchedule' });
  const save = async (key: string, input: { labels?: Record<string, string | null>; taints?: NodeMeta['taints'] }) => {
    const r = await action.run(key, () => call('setNodeMeta', { context, node, ...input }));
    if (r) await q.refetch();
    return r;
  };
  const taints = q.data?.taints ?? [];
  return (
    <Paper withBorder p="md" radius="md" mt="sm" aria-label={`Labels and taints of ${node}`}>
      <Title order={5} mb="xs">
        Labels and taints of {node}
      </Title>
      {q.isPending && <Loading label="Reading the node" />}
      {q.error && <ErrorNotice error={q.error} />}
      {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} title="The API server refused it" />}
      {q.data && (
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
          <Stack gap="xs" miw={0}>
            <Text fw={600} size="sm">
              Labels
            </Text>
            <Group gap={6}>
              {Object.entries(q.data.labels).map(([k, v]) => (
                <Badge key={k} variant="light" color="gray" tt="none" radius="sm" size="lg" rightSection={<CloseButton size="xs" aria-label={`Remove label ${k}`} onClick={() => void save(`rm-${k}`, { labels: { [k]: null } })} />}>
                  <Text span size="xs" ff="monospace">
                    {k}
                    {v ? `=${v}` : ''}
                  </Text>
                </Badge>
              ))}
            </Group>
            <Group gap="xs" align="flex-end">
              <TextInput size="xs" label="Key" placeholder="example.com/tier" value={label.key} onChange={(e) => setLabel({ ...label, key: e.currentTarget.value.trim() })} w={170} />
              <TextInput size="xs" label="Value" placeholder="gold" value={label.value} onChange={(e) => setLabel({ ...label, value: e.currentTarget.value.trim() })} w={110} />
              <Button size="xs" variant="light" disabled={!label.key} loading={action.pending === 'label'} onClick={() => void save('label', { labels: { [label.key]: label.value } }).then((r) => r && setLabel({ key: '', value: '' }))}>
                Set label
              </Button>
            </Group>
          </Stack>
          <Stack gap="xs" miw={0}>
            <Text fw={600} size="sm">
              Taints
            </Text>
            {taints.length === 0 ? (
              <Text size="sm" c="dimmed">
                No taints: any pod may be scheduled here.
              </Text>
            ) : (
              <Group gap={6} role="list" aria-label="Taints">
                {taints.map((t, i) => (
                  <Badge
                    key={`${t.key}:${t.effect}`}
                    role="listitem"
                    variant="light"
                    color="orange"
                    tt="none"
                    radius="sm"
                    size="lg"
                    rightSection={<CloseButton size="xs" aria-label={`Remove taint ${t.key}:${t.effect}`} onClick={() => void save(`rmt-${i}`, { taints: taints.filter((_, j) => j !== i) })} />}
                  >
                    <Text span size="xs" ff="monospace">
                      {t.key}
                      {t.value ? `=${t.value}` : ''}:{t.effect}
                    </Text>
                  </Badge>
                ))}
              </Group>
            )}
            <Group gap="xs" align="flex-end">
              <TextInput size="xs" label="Taint key" placeholder="dedicated" value={taint.key} onChange={(e) => setTaint({ ...taint, key: e.currentTarget.value.trim() })} w={130} />
              <TextInput size="xs" label="Value" placeholder="db" value={taint.value} onChange={(e) => setTaint({ ...taint, value: e.currentTarget.value.trim() })} w={90} />
              <Select size="xs" label="Effect" data={[...EFFECTS]} value={taint.effect} onChange={(v) => setTaint({ ...taint, effect: (v as Effect) ?? 'NoSchedule' })} w={150} allowDeselect={false} />
              <Button
                size="xs"
                variant="light"
                disabled={!taint.key}
                loading={action.pending === 'taint'}
                onClick={() => void save('taint', { taints: [...taints, { key: taint.key, effect: taint.effect, ...(taint.value ? { value: taint.value } : {}) }] }).then((r) => r && setTaint({ key: '', value: '', effect: 'NoSchedule' }))}
              >
                Add taint
              </Button>
            </Group>
          </Stack>
        </SimpleGrid>
      )}
    </Paper>
  );
}

const daysTone = (d: number): StatusTone => (d < 7 ? 'error' : d < 30 ? 'warn' : 'ok');

/** etcd members, certificate expiry and component versions (slower: it asks etcd and the nodes). */
function ControlPlaneDetails({ context }: { context: string }) {
  const q = useOp('clusterHealthDetails', { context });
  return (
    <Paper withBorder p="md" radius="md" aria-label="etcd, certificates and versions">
      <Group justify="space-between" mb="sm">
        <Title order={4}>etcd, certificates and versions</Title>
        <Button size="xs" variant="default" onClick={() => void q.refetch()} loading={q.isFetching}>
          Check again
        </Button>
      </Group>
      {q.isPending && <Loading label="Asking etcd and the control-plane nodes" />}
      {q.error && <ErrorNotice error={q.error} />}
      {q.data && (
        <Stack gap="md">
          <div>
            <HealthPartTitle title="etcd members" part={q.data.etcd} />
            {q.data.etcd.members.length > 0 && (
              <Table fz="sm" aria-label="etcd members">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Member</Table.Th>
                    <Table.Th>Health</Table.Th>
                    <Table.Th>Version</Table.Th>
                    <Table.Th>Client URL</Table.Th>
                    <Table.Th>Detail</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {q.data.etcd.members.map((m) => (
                    <Table.Tr key={m.id}>
                      <Table.Td fw={500}>
                        {m.name} {m.leader && <ToneBadge tone="muted" text="leader" />}
                      </Table.Td>
                      <Table.Td>
                        <ToneBadge tone={m.healthy ? 'ok' : 'error'} text={m.healthy ? 'healthy' : 'down'} />
                      </Table.Td>
                      <Table.Td>{m.version ?? '–'}</Table.Td>
                      <Table.Td ff="monospace" fz="xs">
                        {m.clientURLs.join(', ')}
                      </Table.Td>
                      <Table.Td fz="xs">{m.detail}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </div>
          <div>
            <HealthPartTitle title="Certificates" part={q.data.certificates} />
            {q.data.certificates.certs.length > 0 && (
              <Table fz="sm" aria-label="Certificate expiry">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Certificate</Table.Th>
                    <Table.Th>Node</Table.Th>
                    <Table.Th>Expires</Table.Th>
                    <Table.Th>Left</Table.Th>
                    <Table.Th>Authority</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {q.data.certificates.certs.map((c) => (
                    <Table.Tr key={`${c.node}/${c.name}`}>
                      <Table.Td fw={500}>{c.name}</Table.Td>
                      <Table.Td>{c.node ?? '–'}</Table.Td>
                      <Table.Td>{c.expires.slice(0, 10)}</Table.Td>
                      <Table.Td>
                        <ToneBadge tone={daysTone(c.residualDays)} text={`${c.residualDays} d`} />
                      </Table.Td>
                      <Table.Td>{c.authority ?? ''}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </div>
          <div>
            <Text fw={600} size="sm" mb={4}>
              Component versions
            </Text>
            <Group gap={6}>
              {q.data.components.map((c, i) => (
                <Badge key={i} variant="light" color="gray" tt="none" radius="sm">
                  {c.name}
                  {c.node ? ` @ ${c.node}` : ''}: {c.version}
                </Badge>
              ))}
            </Group>
          </div>
        </Stack>
      )}
    </Paper>
  );
}

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

/** A part of the health details: its title, where the figures came from, and why it is empty when it is. */
function HealthPartTitle({ title, part }: { title: string; part: { source: string; reason?: string } }) {
  return (
    <>
      <Text fw={600} size="sm">
        {title}{' '}
        <Text span size="xs" c="dimmed">
          ({part.source})
        </Text>
      </Text>
      {part.reason && (
        <Text size="sm" c="dimmed" role="note">
          {part.reason}
        </Text>
      )}
    </>
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
  // A user who may read nodes but not change them sees why the buttons are off (issue 13).
  const access = useAccess(context ?? '', live ? [{ verb: 'patch', resource: 'nodes', name: live.name }, { verb: 'create', resource: 'pods', subresource: 'eviction' }] : []);
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
              <GuardedButton
                denied={access.denied(0)}
                size="xs"
                variant={cordoned ? 'filled' : 'light'}
                color={cordoned ? undefined : 'yellow'}
                loading={action.pending === 'cordon'}
                onClick={() => void action.run('cordon', () => call('cordonNode', { context, node: live.name, unschedulable: !cordoned }))}
              >
                {cordoned ? 'Uncordon (allow new pods)' : 'Cordon (no new pods)'}
              </GuardedButton>
              <GuardedButton denied={access.denied(0) ?? access.denied(1)} size="xs" color="red" variant="light" loading={action.pending === 'drain'} onClick={() => setConfirmDrain(true)}>
                Drain
              </GuardedButton>
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
          {live && context && <NodeMetaEditor key={`${context}/${live.name}`} context={context} node={live.name} />}
          {!live && nodes.rows.length > 0 && (
            <Text size="sm" c="dimmed" mt="xs">
              Select a node to cordon, drain or uncordon it, or to edit its labels and taints.
            </Text>
          )}
        </div>
        {context && <ControlPlaneHealth context={context} />}
        {context && <ControlPlaneDetails context={context} />}
      </Stack>
    </>
  );
}
