import { Anchor, Button, Group, Table, Text } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { EmptyState, PageHeader, StatusBadge } from '../components/bits.js';
import { JobProgress } from '../components/JobProgress.js';
import { useJobs } from '../hooks/use-api.js';
import { formatDuration, sortedJobs } from '../state/jobs.js';

export function JobScreen() {
  const { opId = '' } = useParams();
  const jobs = useJobs();
  const navigate = useNavigate();
  const job = jobs[opId];
  const clusterName = job?.info.op === 'createCluster' ? job.info.title.replace(/^Create cluster /, '') : undefined;
  return (
    <>
      <PageHeader
        title="Progress"
        description={
          <Anchor component={Link} to="/jobs" size="sm">
            ← All jobs
          </Anchor>
        }
      />
      {!job ? (
        <EmptyState title="Waiting for the job to start…" description="If this stays, the job is unknown: Paddock keeps the recent jobs while it runs." />
      ) : (
        <>
          <JobProgress job={job} />
          <Group mt="md">
            {job.info.state === 'succeeded' && clusterName && <Button onClick={() => navigate(`/clusters/${clusterName}`)}>Open {clusterName}</Button>}
            {job.info.state === 'failed' && job.info.op === 'createCluster' && (
              <Button variant="default" onClick={() => navigate('/clusters/new')}>
                Back to the form
              </Button>
            )}
          </Group>
        </>
      )}
    </>
  );
}

export function JobsScreen() {
  const jobs = sortedJobs(useJobs());
  return (
    <>
      <PageHeader title="Jobs" description="Long operations started from any window, the tray or this browser, while Paddock runs." />
      {jobs.length === 0 ? (
        <EmptyState title="No jobs yet" description="Creating, starting, stopping or deleting a cluster and building node images show their progress here." />
      ) : (
        <Table aria-label="Jobs" highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Job</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Took</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {jobs.map((j) => (
              <Table.Tr key={j.info.opId}>
                <Table.Td>
                  <Anchor component={Link} to={`/jobs/${j.info.opId}`}>
                    {j.info.title}
                  </Anchor>
                  {j.info.error && (
                    <Text size="xs" c="red">
                      {j.info.error.message}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={j.info.state} />
                </Table.Td>
                <Table.Td>{j.info.endedAt ? formatDuration(j.info.endedAt - j.info.startedAt) : '…'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}
