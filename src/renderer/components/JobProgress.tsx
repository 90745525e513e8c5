import { Group, Loader, Paper, Progress, ScrollArea, Stack, Text, ThemeIcon, Title, Code } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { formatDuration, type JobView } from '../state/jobs.js';
import { ErrorNotice } from './ErrorNotice.js';
import { StatusBadge } from './bits.js';

function StepIcon({ state }: { state: 'running' | 'ok' | 'failed' }) {
  if (state === 'running') return <Loader size={18} role="status" aria-label="running" />;
  return (
    <ThemeIcon size={20} radius="xl" role="img" color={state === 'ok' ? 'green' : 'red'} aria-label={state === 'ok' ? 'done' : 'failed'}>
      <span style={{ fontSize: 12, lineHeight: 1 }}>{state === 'ok' ? '✓' : '✗'}</span>
    </ThemeIcon>
  );
}

export function JobProgress({ job }: { job: JobView }) {
  const logRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [job.log.length]);
  const elapsed = (job.info.endedAt ?? Date.now()) - job.info.startedAt;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>{job.info.title}</Title>
        <Group gap="xs">
          <StatusBadge status={job.info.state} />
          <Text size="sm" c="dimmed">
            {formatDuration(elapsed)}
          </Text>
        </Group>
      </Group>
      {job.info.error && <ErrorNotice error={job.info.error} title={job.info.error.code === 'NOT_IMPLEMENTED' ? undefined : `${job.info.title} failed`} />}
      <Paper withBorder p="md" radius="md">
        {job.steps.length === 0 ? (
          <Group gap="sm">
            {job.info.state === 'running' && <Loader size="sm" />}
            <Text c="dimmed" size="sm">
              {job.info.state === 'running' ? 'Starting…' : 'This job reported no steps.'}
            </Text>
          </Group>
        ) : (
          <Stack gap="sm" component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Steps">
            {job.steps.map((s) => (
              <li key={s.stepId}>
                <Group justify="space-between" wrap="nowrap">
                  <Group gap="sm" wrap="nowrap">
                    <StepIcon state={s.state} />
                    <Text fw={s.state === 'running' ? 600 : 400}>{s.title}</Text>
                  </Group>
                  <Text size="sm" c="dimmed">
                    {s.durationMs !== undefined ? formatDuration(s.durationMs) : s.percent !== undefined ? `${Math.round(s.percent)}%` : ''}
                  </Text>
                </Group>
                {s.state === 'running' && s.percent !== undefined && <Progress value={s.percent} mt={6} size="sm" aria-label={`${s.title} progress`} />}
                {s.error && (
                  <Text size="sm" c="red" ml={32}>
                    {s.error}
                  </Text>
                )}
              </li>
            ))}
          </Stack>
        )}
      </Paper>
      {job.log.length > 0 && (
        <div>
          <Text size="sm" fw={600} mb={4}>
            Log
          </Text>
          {/* Focusable, so the log scrolls from the keyboard too. */}
          <ScrollArea.Autosize mah={260} viewportRef={logRef} viewportProps={{ tabIndex: 0, 'aria-label': 'Log' }}>
            <Code block>{job.log.join('\n')}</Code>
          </ScrollArea.Autosize>
        </div>
      )}
    </Stack>
  );
}
