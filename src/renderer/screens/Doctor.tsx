import { Button, Group, Paper, Stack, Text, ThemeIcon } from '@mantine/core';
import type { DoctorCheck } from '../../shared/api.js';
import { PageHeader, StatusBadge, Loading } from '../components/bits.js';
import { ErrorNotice, RichText } from '../components/ErrorNotice.js';
import { useOp } from '../hooks/use-api.js';

const ICON: Record<DoctorCheck['verdict'], { color: string; glyph: string; label: string }> = {
  ok: { color: 'green', glyph: '✓', label: 'OK' },
  warn: { color: 'yellow', glyph: '!', label: 'Warning' },
  fail: { color: 'red', glyph: '✗', label: 'Failed' },
  info: { color: 'blue', glyph: 'i', label: 'Info' },
};

export function summarize(checks: DoctorCheck[]): string {
  const fail = checks.filter((c) => c.verdict === 'fail').length;
  const warn = checks.filter((c) => c.verdict === 'warn').length;
  if (fail) return `${fail} problem${fail === 1 ? '' : 's'} to fix before creating clusters`;
  if (warn) return `Ready, with ${warn} warning${warn === 1 ? '' : 's'}`;
  return 'Everything Paddock needs is in place';
}

export function DoctorScreen() {
  const q = useOp('doctor', {});
  return (
    <>
      <PageHeader
        title="Doctor"
        description="Checks this machine for what clusters need: Docker, resources, kernel settings, ports."
        actions={
          <Button variant="default" onClick={() => void q.refetch()} loading={q.isFetching}>
            Run again
          </Button>
        }
      />
      {q.isPending && <Loading label="Running checks" />}
      {q.error && <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />}
      {q.data && (
        <Stack gap="sm">
          <Text fw={600}>{summarize(q.data.checks)}</Text>
          {q.data.checks.map((c) => {
            const i = ICON[c.verdict];
            return (
              <Paper withBorder p="md" radius="md" key={c.id} data-check={c.id}>
                <Group align="flex-start" wrap="nowrap">
                  <ThemeIcon color={i.color} radius="xl" role="img" aria-label={i.label}>
                    {i.glyph}
                  </ThemeIcon>
                  <div style={{ flex: 1 }}>
                    <Group justify="space-between">
                      <Text fw={600}>{c.title}</Text>
                      <StatusBadge status={c.verdict} />
                    </Group>
                    <Text size="sm" mt={4}>
                      <RichText text={c.detail} />
                    </Text>
                    {c.remedy && (
                      <Text size="sm" mt={4}>
                        <strong>Fix: </strong>
                        <RichText text={c.remedy} />
                      </Text>
                    )}
                  </div>
                </Group>
              </Paper>
            );
          })}
        </Stack>
      )}
    </>
  );
}
