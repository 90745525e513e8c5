import { Anchor, Button, Code, CopyButton, Group, Loader, Modal, Paper, SimpleGrid, Stack, Switch, Table, Tabs, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { call, newOpId } from '../client.js';
import { PageHeader, StatusBadge, Loading } from '../components/bits.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { useAction, useJobs, useOp } from '../hooks/use-api.js';
import { ClusterActions, nodeCounts } from './Clusters.js';
import { maskCredentials } from '../state/mask-credentials.js';

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
  const jobs = useJobs();
  // The job of each addon being switched, so its row shows the step it is at (enable can take minutes).
  const [ops, setOps] = useState<Record<string, string>>({});
  const [dashboard, setDashboard] = useState<{ url: string; token: string; expiresAt: string }>();
  if (q.isPending) return <Loading label="Loading addons" />;
  if (q.error) return <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />;
  return (
    <>
      {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} />}
      {dashboard && (
        <Modal opened onClose={() => setDashboard(undefined)} title="Headlamp" centered size="lg">
          <Stack>
            <Text size="sm">
              Headlamp runs at{' '}
              <Anchor href={dashboard.url} target="_blank" rel="noreferrer" ff="monospace">
                {dashboard.url}
              </Anchor>{' '}
              through a port-forward held by Paddock. Sign in with this token (valid until {new Date(dashboard.expiresAt).toLocaleTimeString()}):
            </Text>
            <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
              {dashboard.token}
            </Code>
            <Group justify="flex-end">
              <CopyButton value={dashboard.token}>{({ copied, copy }) => <Button variant="light" onClick={copy}>{copied ? 'Copied' : 'Copy token'}</Button>}</CopyButton>
              <Button component="a" href={dashboard.url} target="_blank" rel="noreferrer">
                Open Headlamp
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
      <Table aria-label="Addons">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Addon</Table.Th>
            {/* Fixed widths: long usage texts must not squeeze the badges into "HEAL…". */}
            <Table.Th w={170}>Health</Table.Th>
            <Table.Th w={90}>Enabled</Table.Th>
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
                {a.name === 'dashboard' && a.enabled && (
                  <Button size="compact-xs" variant="light" mt={4} loading={action.pending === 'open-dashboard'} onClick={() => void action.run('open-dashboard', async () => setDashboard(await call('openDashboard', { context: `paddock-${name}` })))}>
                    Open dashboard
                  </Button>
                )}
                {a.enabled && a.usage && (
                  <Text size="xs" ff="monospace" style={{ whiteSpace: 'pre-wrap' }} mt={4}>
                    {a.usage}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {action.pending === a.name ? (
                  <Group gap={6} wrap="nowrap" role="status" aria-label={`${a.name}: ${a.enabled ? 'disabling' : 'enabling'}`}>
                    <Loader size="xs" />
                    <Text size="xs">{jobs[ops[a.name] ?? '']?.steps.filter((st) => st.state === 'running').at(-1)?.title ?? (a.enabled ? 'Disabling…' : 'Enabling…')}</Text>
                  </Group>
                ) : (
                  <StatusBadge status={a.health} />
                )}
              </Table.Td>
              <Table.Td>
                <Switch
                  checked={a.enabled}
                  aria-label={`${a.enabled ? 'Disable' : 'Enable'} ${a.name}`}
                  disabled={action.pending === a.name}
                  onChange={() => {
                    const opId = newOpId();
                    setOps((o) => ({ ...o, [a.name]: opId }));
                    void action.run(a.name, () => call(a.enabled ? 'disableAddon' : 'enableAddon', { name, addon: a.name }, { opId }));
                  }}
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
  const [showSecrets, setShowSecrets] = useState(false);
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
        <Switch size="xs" label="Show the client key" checked={showSecrets} onChange={(e) => setShowSecrets(e.currentTarget.checked)} />
        <Text size="sm" c="dimmed">
          Paddock already merged this context into your kubeconfig.
        </Text>
      </Group>
      <Code block style={{ maxHeight: 360, overflow: 'auto' }} tabIndex={0} aria-label="Kubeconfig">
        {showSecrets ? q.data.kubeconfig : maskCredentials(q.data.kubeconfig)}
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
