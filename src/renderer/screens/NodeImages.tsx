import { Button, Group, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { call, newOpId } from '../client.js';
import { ConfirmModal, EmptyState, PageHeader, formatAge, formatBytes, Loading } from '../components/bits.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { useAction, useOp } from '../hooks/use-api.js';

export function NodeImagesScreen() {
  const q = useOp('listNodeImages', {});
  const action = useAction();
  const navigate = useNavigate();
  const [version, setVersion] = useState('');
  const [removing, setRemoving] = useState<string>();
  const versionOk = version === '' || /^v\d+\.\d+\.\d+$/.test(version);
  const build = () => {
    const opId = newOpId();
    navigate(`/jobs/${opId}`);
    void action.run('build', () => call('buildNodeImage', version ? { kubernetesVersion: version } : {}, { opId }));
  };
  const pull = () => {
    const opId = newOpId();
    navigate(`/jobs/${opId}`);
    void action.run('pull', () => call('pullNodeImage', version ? { kubernetesVersion: version } : {}, { opId }));
  };
  const images = q.data?.images ?? [];
  return (
    <>
      <PageHeader title="Node images" description="Each node of a cluster runs from a node image: systemd, containerd, kubelet and the preloaded Kubernetes images." />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (versionOk) build();
        }}
      >
        <Group align="flex-end" mb="lg">
          <TextInput
            label="Kubernetes version"
            placeholder="default"
            value={version}
            onChange={(e) => setVersion(e.currentTarget.value.trim())}
            error={versionOk ? undefined : 'Like v1.34.1'}
            w={240}
          />
          <Button variant="light" disabled={!versionOk} onClick={pull}>
            Pull pinned image
          </Button>
          <Button type="submit" variant="light" disabled={!versionOk}>
            Build node image
          </Button>
          <Text size="xs" c="dimmed" maw={360}>
            Pull fetches kind&apos;s image for the version, checked by digest, where a registry answers; a build works offline and is cached, so a second build takes seconds.
          </Text>
        </Group>
      </form>
      {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} />}
      {q.isPending && <Loading label="Loading node images" />}
      {q.error && <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />}
      {q.data && images.length === 0 && <EmptyState title="No node images on this machine" description="Pull or build one above, or create a cluster: it fetches the default image." />}
      {images.length > 0 && (
        <Table aria-label="Node images" highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Image</Table.Th>
              <Table.Th>Kubernetes</Table.Th>
              <Table.Th>Size</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {images.map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td ff="monospace">{i.name}</Table.Td>
                <Table.Td>{i.kubernetesVersion}</Table.Td>
                <Table.Td>{formatBytes(i.sizeBytes)}</Table.Td>
                <Table.Td>{formatAge(i.created)} ago</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="subtle" color="red" onClick={() => setRemoving(i.name)} aria-label={`Remove ${i.name}`}>
                    Remove
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ConfirmModal
        opened={!!removing}
        title="Remove node image?"
        confirmLabel="Remove image"
        danger
        onClose={() => setRemoving(undefined)}
        onConfirm={() => removing && void action.run('rm', () => call('removeNodeImage', { ref: removing }))}
      >
        <Text size="sm">
          {removing} is removed from Docker. Clusters already created from it keep running; new ones need it again.
        </Text>
      </ConfirmModal>
    </>
  );
}
