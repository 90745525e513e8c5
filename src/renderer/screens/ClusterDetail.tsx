import { Anchor, Button, Code, CopyButton, Group, Paper, SimpleGrid, Switch, Table, Tabs, Text } from '@mantine/core';
import { Link, useParams } from 'react-router-dom';
import { call, newOpId } from '../client.js';
import { PageHeader, StatusBadge, Loading } from '../components/bits.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { useAction, useOp } from '../hooks/use-api.js';
import { ClusterActions, nodeCounts } from './Clusters.js';

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text mt={4}>{children}</Text>
    </Paper>
  );
}

function Addons({ name }: { name: string }) {
  const q = useOp('listAddons', { name });
  const action = useAction();
  if (q.isPending) return <Loading label="Loading addons" />;
  if (q.error) return <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />;
  return (
    <>
      {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} />}
      <Table aria-label="Addons">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Addon</Table.Th>
            <Table.Th>Health</Table.Th>
            <Table.Th>Enabled</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {q.data.addons.map((a) => (
            <Table.Tr key={a.name}>
              <Table.Td>
                <Text fw={600}>{a.name}</Text>
                <Text size="xs" c="dimmed">
                  {a.description} · {a.version}
                </Text>
                {a.enabled && a.usage && <Text size="xs">{a.usage}</Text>}
              </Table.Td>
              <Table.Td>
                <StatusBadge status={a.health} />
              </Table.Td>
              <Table.Td>
                <Switch
                  checked={a.enabled}
                  aria-label={`${a.enabled ? 'Disable' : 'Enable'} ${a.name}`}
                  disabled={action.pending === a.name}
                  onChange={() =>
                    action.run(a.name, () => call(a.enabled ? 'disableAddon' : 'enableAddon', { name, addon: a.name }, { opId: newOpId() }))
                  }
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}

function Kubeconfig({ name }: { name: string }) {
  const q = useOp('getKubeconfig', { name });
  if (q.isPending) return <Loading label="Loading kubeconfig" />;
  if (q.error) return <ErrorNotice error={q.error} />;
  return (
    <>
      <Group mb="sm">
        <CopyButton value={q.data.kubeconfig}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" onClick={copy}>
              {copied ? 'Copied' : 'Copy kubeconfig'}
            </Button>
          )}
        </CopyButton>
        <Text size="sm" c="dimmed">
          Paddock already merged this context into your kubeconfig.
        </Text>
      </Group>
      <Code block style={{ maxHeight: 360, overflow: 'auto' }}>
        {q.data.kubeconfig}
      </Code>
    </>
  );
}

export function ClusterDetailScreen() {
  const { name = '' } = useParams();
  const q = useOp('getCluster', { name });
  const action = useAction();
  const c = q.data;
  return (
    <>
      <PageHeader
        title={name}
        description={
          <Anchor component={Link} to="/clusters" size="sm">
            ← All clusters
          </Anchor>
        }
        actions={c && <ClusterActions c={c} run={action.run} pending={action.pending} />}
      />
      {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} />}
      {q.isPending && <Loading label="Loading cluster" />}
      {q.error && <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />}
      {c && (
        <>
          <SimpleGrid cols={{ base: 2, md: 4 }} mb="lg">
            <Fact label="Status">
              <StatusBadge status={c.status} />
              {c.reason && (
                <Text size="xs" c="dimmed">
                  {c.reason}
                </Text>
              )}
            </Fact>
            <Fact label="Kubernetes">{c.kubernetesVersion ?? '—'}</Fact>
            <Fact label="Nodes">{nodeCounts(c)}</Fact>
            <Fact label="API server">{c.apiServer ? `https://${c.apiServer.host}:${c.apiServer.port}` : '—'}</Fact>
          </SimpleGrid>
          <Tabs defaultValue="nodes" keepMounted={false}>
            <Tabs.List mb="md">
              <Tabs.Tab value="nodes">Nodes</Tabs.Tab>
              <Tabs.Tab value="addons">Addons</Tabs.Tab>
              <Tabs.Tab value="kubeconfig">Kubeconfig</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="nodes">
              <Table aria-label="Nodes">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Node</Table.Th>
                    <Table.Th>Role</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>IP</Table.Th>
                    <Table.Th>Image</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {c.nodes.map((n) => (
                    <Table.Tr key={n.name}>
                      <Table.Td ff="monospace">{n.name}</Table.Td>
                      <Table.Td>{n.role}</Table.Td>
                      <Table.Td>
                        <StatusBadge status={n.status} />
                      </Table.Td>
                      <Table.Td ff="monospace">{n.ip ?? '—'}</Table.Td>
                      <Table.Td ff="monospace">{n.image}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Tabs.Panel>
            <Tabs.Panel value="addons">
              <Addons name={name} />
            </Tabs.Panel>
            <Tabs.Panel value="kubeconfig">
              <Kubeconfig name={name} />
            </Tabs.Panel>
          </Tabs>
        </>
      )}
    </>
  );
}
