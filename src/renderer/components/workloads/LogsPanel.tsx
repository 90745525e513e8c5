import { Button, Group, Paper, ScrollArea, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useOp } from '../../hooks/use-api.js';
import { ErrorNotice } from '../ErrorNotice.js';
import { Loading } from '../bits.js';

/** A pod's log: container picker, previous container, search that filters lines, download. */
export function LogsPanel({ context, namespace, pod }: { context: string; namespace: string; pod: string }) {
  const [container, setContainer] = useState<string | undefined>();
  const [previous, setPrevious] = useState(false);
  const [search, setSearch] = useState('');
  const q = useOp('podLogs', { context, namespace, pod, tailLines: 2000, previous, ...(container ? { container } : {}) });
  const lines = useMemo(() => {
    const all = (q.data?.text ?? '').split('\n');
    if (all.at(-1) === '') all.pop();
    const s = search.toLowerCase();
    return s ? all.filter((l) => l.toLowerCase().includes(s)) : all;
  }, [q.data, search]);
  const containers = q.data?.containers ?? [];
  const download = () => {
    const url = URL.createObjectURL(new Blob([q.data?.text ?? ''], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${pod}${container ? `-${container}` : ''}.log`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <Stack gap="sm">
      <Group gap="sm" align="flex-end" wrap="wrap">
        <Select label="Container" data={containers} value={container ?? containers[0] ?? null} onChange={(v) => setContainer(v ?? undefined)} w={150} allowDeselect={false} />
        <TextInput label="Search" placeholder="filter lines" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={170} />
        <Switch label="Previous container" checked={previous} onChange={(e) => setPrevious(e.currentTarget.checked)} mb={6} />
        <Button variant="default" onClick={() => void q.refetch()} loading={q.isFetching}>
          Refresh
        </Button>
        <Button variant="default" onClick={download} disabled={!q.data}>
          Download
        </Button>
      </Group>
      {q.isPending && <Loading label="Reading the log" />}
      {q.error && <ErrorNotice error={q.error} />}
      {q.data && (
        <Paper withBorder radius="sm" p={0}>
          <ScrollArea h={420} type="auto">
            <pre aria-label="Log" style={{ margin: 0, padding: 10, fontSize: 12, lineHeight: 1.45, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
              {lines.length ? lines.join('\n') : <Text c="dimmed" size="sm">{search ? 'No line matches.' : 'The log is empty.'}</Text>}
            </pre>
          </ScrollArea>
        </Paper>
      )}
    </Stack>
  );
}
