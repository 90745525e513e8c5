import { Alert, Anchor, Button, Group, Loader, Table, Text, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import type { ClusterSummary } from '../../shared/api.js';
import { call, newOpId } from '../client.js';
import { ConfirmModal, EmptyState, PageHeader, StatusBadge, Loading } from '../components/bits.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { useAction, useJobs, useOp } from '../hooks/use-api.js';
import { runningJobFor } from '../state/jobs.js';

export function nodeCounts(c: ClusterSummary): string {
  const cp = c.nodes.filter((n) => n.role === 'control-plane').length;
  const w = c.nodes.filter((n) => n.role === 'worker').length;
  const parts = [`${cp} control plane${cp === 1 ? '' : 's'}`];
  if (w) parts.push(`${w} worker${w === 1 ? '' : 's'}`);
  return parts.join(', ');
}

export function ClusterActions({ c, run, pending, compact }: { c: ClusterSummary; run: ReturnType<typeof useAction>['run']; pending?: string; compact?: boolean }) {
  const [confirmDelete, setConfirmDelete] = useState(false);
  const size = compact ? 'xs' : 'sm';
  const busy = (k: string) => pending === `${k}:${c.name}`;
  const job = (k: 'startCluster' | 'stopCluster' | 'deleteCluster') => () => run(`${k}:${c.name}`, () => call(k, { name: c.name }, { opId: newOpId() }));
  return (
    <Group gap={6} wrap="nowrap">
      {(c.status === 'stopped' || c.status === 'broken') && (
        <Button size={size} variant="light" loading={busy('startCluster')} onClick={job('startCluster')} aria-label={`Start ${c.name}`}>
          Start
        </Button>
      )}
      {c.status === 'paused' && (
        <Button size={size} variant="light" loading={busy('unpause')} onClick={() => run(`unpause:${c.name}`, () => call('unpauseCluster', { name: c.name }))} aria-label={`Resume ${c.name}`}>
          Resume
        </Button>
      )}
      {(c.status === 'running' || c.status === 'degraded') && (
        <>
          <Button size={size} variant="default" loading={busy('pause')} onClick={() => run(`pause:${c.name}`, () => call('pauseCluster', { name: c.name }))} aria-label={`Pause ${c.name}`}>
            Pause
          </Button>
          <Button size={size} variant="default" loading={busy('stopCluster')} onClick={job('stopCluster')} aria-label={`Stop ${c.name}`}>
            Stop
          </Button>
        </>
      )}
      <Button size={size} variant="subtle" color="red" loading={busy('deleteCluster')} onClick={() => setConfirmDelete(true)} aria-label={`Delete ${c.name}`}>
        Delete
      </Button>
      <ConfirmModal
        opened={confirmDelete}
        title={`Delete cluster ${c.name}?`}
        confirmLabel="Delete cluster"
        danger
        onConfirm={job('deleteCluster')}
        onClose={() => setConfirmDelete(false)}
      >
        <Text size="sm">
          This removes its {c.nodes.length} node container{c.nodes.length === 1 ? '' : 's'}, their volumes and the kubeconfig context <strong>{c.context}</strong>. Workloads
          and data in the cluster are lost.
        </Text>
      </ConfirmModal>
    </Group>
  );
}

export function ClustersScreen() {
  const q = useOp('listClusters', {});
  const jobs = useJobs();
  const action = useAction();
  const navigate = useNavigate();
  const create = (
    <Button onClick={() => navigate("/clusters/new")}>
      Create cluster
    </Button>
  );
  const clusters = q.data?.clusters ?? [];
  const engines = q.data?.engines ?? [];
  const down = engines.filter((e) => e.state === 'down');
  // Engines are named only when there is more than one to tell apart.
  const showEngine = engines.length > 1;
  return (
    <>
      <PageHeader title="Clusters" description="Kubernetes clusters running in Docker containers on this machine." actions={create} />
      {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} />}
      {q.isPending && <Loading label="Loading clusters" />}
      {q.error && <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />}
      {down.map((e) => (
        <Alert key={e.host} color="yellow" variant="light" title={`Docker engine ${e.name === e.host ? e.host : `${e.name} (${e.host})`} does not answer`} mb="md">
          <Text size="sm">{e.error}</Text>
          {e.clusters?.length ? <Text size="sm">Clusters remembered there: {e.clusters.join(', ')}</Text> : null}
        </Alert>
      ))}
      {q.data && clusters.length === 0 && down.length === 0 && (
        <EmptyState
          title="No clusters yet"
          description="A cluster takes about a minute to create: real Kubernetes, each node a Docker container, with a kubeconfig context ready for kubectl."
          action={
            <Button size="md" onClick={() => navigate('/clusters/new')}>
              Create your first cluster
            </Button>
          }
        />
      )}
      {clusters.length > 0 && (
        <Table highlightOnHover verticalSpacing="sm" aria-label="Clusters">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Kubernetes</Table.Th>
              <Table.Th>Nodes</Table.Th>
              <Table.Th>API server</Table.Th>
              <Table.Th>
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {clusters.map((c) => {
              const job = runningJobFor(jobs, c.name);
              return (
                <Table.Tr key={`${c.engine ?? ''}/${c.name}`}>
                  <Table.Td>
                    <Anchor component={Link} to={`/clusters/${encodeURIComponent(c.name)}`} fw={600}>
                      {c.name}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {c.context}
                    </Text>
                    {showEngine && c.engine && (
                      <Text size="xs" c="dimmed">
                        Docker engine {c.engine}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {job ? (
                      <Anchor component={Link} to={`/jobs/${job.info.opId}`} size="sm">
                        <Group gap={6}>
                          <Loader size={14} /> {job.info.title}…
                        </Group>
                      </Anchor>
                    ) : (
                      <>
                        <StatusBadge status={c.status} />
                        {c.reason && (
                          <Tooltip label={c.reason} multiline maw={360}>
                            <Text size="xs" c="dimmed" maw={220} lineClamp={2}>
                              {c.reason}
                            </Text>
                          </Tooltip>
                        )}
                      </>
                    )}
                  </Table.Td>
                  <Table.Td>{c.kubernetesVersion ?? '—'}</Table.Td>
                  <Table.Td>{nodeCounts(c)}</Table.Td>
                  <Table.Td>
                    <Text ff="monospace" size="sm">
                      {c.apiServer ? `https://${c.apiServer.host}:${c.apiServer.port}` : '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <ClusterActions c={c} run={action.run} pending={action.pending} compact />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}
