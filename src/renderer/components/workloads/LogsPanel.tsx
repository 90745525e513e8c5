import { Button, Group, Paper, ScrollArea, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { call } from '../../client.js';
import { getBridge } from '../../transport/index.js';
import { useOp } from '../../hooks/use-api.js';
import { ErrorNotice } from '../ErrorNotice.js';
import { Loading } from '../bits.js';

/** A pod's log: container picker, previous container, search that filters lines, download. */
export function LogsPanel({ context, namespace, pod }: { context: string; namespace: string; pod: string }) {
  const [container, setContainer] = useState<string | undefined>();
  const [previous, setPrevious] = useState(false);
  const [search, setSearch] = useState('');
  const [follow, setFollow] = useState(false);
  const [followed, setFollowed] = useState('');
  const [followNote, setFollowNote] = useState<string | undefined>();
  const q = useOp('podLogs', { context, namespace, pod, tailLines: 2000, previous, ...(container ? { container } : {}) });
  // Following: one stream from the API (the same last lines, then new ones, pushed as logs.appended) replaces the text read once, so no line falls between the two.
  useEffect(() => {
    setFollowed('');
    setFollowNote(undefined);
    if (!follow || previous) return;
    let id: string | undefined;
    let cancelled = false;
    const off = getBridge().subscribe((e) => {
      if (e.type !== 'logs.appended' || e.subscriptionId !== id) return;
      if (e.text) setFollowed((t) => t + e.text);
      if (e.ended) setFollowNote(e.error ? `Following stopped: ${e.error}` : 'The container ended.');
    });
    call('followPodLogs', { context, namespace, pod, tailLines: 2000, ...(container ? { container } : {}) }).then(
      (r) => (cancelled ? void call('unfollowPodLogs', r).catch(() => undefined) : (id = r.subscriptionId)),
      (e: unknown) => setFollowNote(`Following failed: ${e instanceof Error ? e.message : String(e)}`),
    );
    return () => {
      cancelled = true;
      off();
      if (id) void call('unfollowPodLogs', { subscriptionId: id }).catch(() => undefined);
    };
  }, [follow, previous, context, namespace, pod, container]);
  const lines = useMemo(() => {
    const following = follow && !previous;
    const all = (following ? followed : (q.data?.text ?? '')).split('\n');
    if (all.at(-1) === '') all.pop();
    const s = search.toLowerCase();
    return s ? all.filter((l) => l.toLowerCase().includes(s)) : all;
  }, [q.data, followed, follow, previous, search]);
  const containers = q.data?.containers ?? [];
  const download = () => {
    const url = URL.createObjectURL(new Blob([follow && !previous ? followed : (q.data?.text ?? '')], { type: 'text/plain' }));
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
        <Switch label="Follow" checked={follow && !previous} disabled={previous} onChange={(e) => setFollow(e.currentTarget.checked)} mb={6} />
        <Switch label="Previous container" checked={previous} onChange={(e) => setPrevious(e.currentTarget.checked)} mb={6} />
        <Button variant="default" onClick={() => void q.refetch()} loading={q.isFetching}>
          Refresh
        </Button>
        <Button variant="default" onClick={download} disabled={!q.data}>
          Download
        </Button>
      </Group>
      {followNote && (
        <Text size="sm" c="dimmed" role="status">
          {followNote}
        </Text>
      )}
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
