import { Anchor, Autocomplete, Button, CopyButton, Group, Modal, NumberInput, Select, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { call } from '../client.js';
import { EmptyState, PageHeader, StatusBadge, formatBytes, Loading } from '../components/bits.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { useAction, useOp } from '../hooks/use-api.js';

function AddForward({ onClose, run }: { onClose: () => void; run: ReturnType<typeof useAction>['run'] }) {
  const contexts = useOp('listContexts', {});
  const [context, setContext] = useState<string | null>(null);
  const ctx = context ?? contexts.data?.currentContext ?? null;
  const namespaces = useOp('listNamespaces', { context: ctx ?? '' }, { enabled: !!ctx });
  const [namespace, setNamespace] = useState<string | null>('default');
  const [target, setTarget] = useState('');
  const [localPort, setLocalPort] = useState<number>(8080);
  const [remotePort, setRemotePort] = useState('80');
  // Live lists of what can be forwarded to: a new user picks instead of typing svc/NAME.
  const live = { context: ctx ?? '', namespace: namespace ?? 'default' };
  const services = useOp('listResources', { ...live, kind: 'Service' }, { enabled: !!ctx });
  const deployments = useOp('listResources', { ...live, kind: 'Deployment' }, { enabled: !!ctx });
  const servicePorts = new Map((services.data?.rows ?? []).map((r) => [`svc/${r.name}`, (r.cells.ports ?? '').split(',').map((p) => p.split(/[:/]/)[0]!).filter(Boolean)]));
  const targets = [...servicePorts.keys(), ...(deployments.data?.rows ?? []).map((r) => `deploy/${r.name}`)];
  const pickTarget = (v: string) => {
    setTarget(v);
    const ports = servicePorts.get(v);
    if (ports?.[0]) setRemotePort(ports[0]);
  };
  const targetOk = /^(pod|po|svc|service|deploy|deployment)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(target);
  return (
    <Modal opened onClose={onClose} title="Add a port-forward" centered size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!ctx || !targetOk) return;
          onClose();
          const rp = /^\d+$/.test(remotePort) ? Number(remotePort) : remotePort;
          // Added means running: the app does not hold a saved forward until it is started.
          void run('add', async () => {
            const f = await call('addForward', { context: ctx, namespace: namespace ?? 'default', target, localPort, remotePort: rp });
            if (f.state === 'stopped') await call('startForward', { id: f.id });
          });
        }}
      >
        <Stack>
          {contexts.error ? (
            <ErrorNotice error={contexts.error} />
          ) : (
            <Select label="Context" data={(contexts.data?.contexts ?? []).map((c) => c.name)} value={ctx} onChange={setContext} searchable required />
          )}
          <Select
            label="Namespace"
            data={namespaces.data?.namespaces ?? [namespace ?? 'default']}
            value={namespace}
            onChange={setNamespace}
            searchable
            description={namespaces.error ? 'Namespaces could not be listed; "default" is used.' : undefined}
          />
          <Autocomplete
            label="Target"
            description={targets.length ? 'pick a Service or Deployment of this namespace, or type pod/NAME' : 'svc/NAME, deploy/NAME or pod/NAME (nothing to pick in this namespace)'}
            placeholder="svc/NAME"
            data={targets}
            value={target}
            onChange={pickTarget}
            error={target.length > 4 && !targetOk ? 'Use svc/NAME, deploy/NAME or pod/NAME' : undefined}
            required
          />
          <Group grow>
            <NumberInput label="Local port" description="on 127.0.0.1; 0 picks a free one" min={0} max={65535} value={localPort} onChange={(v) => setLocalPort(Number(v) || 0)} />
            <TextInput label="Remote port" description="number or port name" value={remotePort} onChange={(e) => setRemotePort(e.currentTarget.value)} required />
          </Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={!ctx || !targetOk || !remotePort}>
              Add forward
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function ForwardsScreen() {
  const q = useOp('listForwards', {});
  const action = useAction();
  const [adding, setAdding] = useState(false);
  const forwards = q.data?.forwards ?? [];
  const addButton = <Button onClick={() => setAdding(true)}>Add forward</Button>;
  return (
    <>
      <PageHeader title="Port-forwards" description="Reach a service of any cluster on 127.0.0.1. Forwards reconnect by themselves when pods are replaced." actions={addButton} />
      {action.error != null && <ErrorNotice error={action.error} onClose={action.clear} />}
      {q.isPending && <Loading label="Loading forwards" />}
      {q.error && <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />}
      {q.data && forwards.length === 0 && <EmptyState title="No port-forwards yet" description="Add one to open a service of a cluster in your browser." action={addButton} />}
      {forwards.length > 0 && (
        <Table highlightOnHover aria-label="Port-forwards">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Local address</Table.Th>
              <Table.Th>Target</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Traffic</Table.Th>
              <Table.Th>On</Table.Th>
              <Table.Th>
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {forwards.map((f) => {
              const url = `http://${f.localAddress}:${f.localPort}`;
              const on = f.state !== 'stopped';
              return (
                <Table.Tr key={f.id}>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Anchor href={url} target="_blank" rel="noreferrer" ff="monospace" size="sm">
                        {f.localAddress}:{f.localPort}
                      </Anchor>
                      <CopyButton value={url}>
                        {({ copied, copy }) => (
                          <Button size="compact-xs" variant="subtle" onClick={copy}>
                            {copied ? 'Copied' : 'Copy'}
                          </Button>
                        )}
                      </CopyButton>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {f.target}:{f.remotePort}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {f.context} · {f.namespace}
                      {f.pod ? ` · ${f.pod}` : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={f.state} />
                    {f.path && (
                      <Text size="xs" c="dimmed" title={f.pathReason}>
                        {f.path === 'direct' ? 'direct to the node' : `via the API${f.pathReason ? `: ${f.pathReason}` : ''}`}
                      </Text>
                    )}
                    {f.state === 'waiting' && f.reason && (
                      <Text size="xs" c="dimmed">
                        {f.reason}
                      </Text>
                    )}
                    {f.lastError && (
                      <Text size="xs" c="red">
                        {f.lastError}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">
                      ↓ {formatBytes(f.bytesIn)} ↑ {formatBytes(f.bytesOut)} · {f.connections} conn.
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Switch
                      checked={on}
                      aria-label={`${on ? 'Stop' : 'Start'} forward ${f.localPort}`}
                      onChange={() => action.run(`toggle:${f.id}`, () => call(on ? 'stopForward' : 'startForward', { id: f.id }))}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="subtle" color="red" onClick={() => action.run(`rm:${f.id}`, () => call('removeForward', { id: f.id }))} aria-label={`Remove forward ${f.localPort}`}>
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {adding && <AddForward run={action.run} onClose={() => setAdding(false)} />}
    </>
  );
}
