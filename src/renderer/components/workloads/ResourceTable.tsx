import { Badge, ScrollArea, Table, Text } from '@mantine/core';
import type { ResourceColumn, ResourceRow, StatusTone } from '../../../shared/api.js';
import { formatAge } from '../bits.js';

export const TONE_COLOR: Record<StatusTone, string> = { ok: 'green', warn: 'yellow', error: 'red', muted: 'gray' };

export function ToneBadge({ tone, text }: { tone: StatusTone; text: string }) {
  return (
    <Badge color={TONE_COLOR[tone]} variant="light" radius="sm" style={{ textTransform: 'none' }}>
      {text}
    </Badge>
  );
}

/** The rows of one kind: name, namespace (when showing all), status, the kind's own columns, age. */
export function ResourceTable(props: {
  columns: ResourceColumn[];
  rows: ResourceRow[];
  showNamespace: boolean;
  now: number;
  selected?: string;
  onSelect: (row: ResourceRow) => void;
  label: string;
}) {
  return (
    <ScrollArea type="auto">
      <Table highlightOnHover verticalSpacing={6} fz="sm" aria-label={props.label} miw={700}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            {props.showNamespace && <Table.Th>Namespace</Table.Th>}
            <Table.Th>Status</Table.Th>
            {props.columns.map((c) => (
              <Table.Th key={c.id}>{c.label}</Table.Th>
            ))}
            <Table.Th>Age</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {props.rows.map((r) => (
            <Table.Tr
              key={r.uid}
              onClick={() => props.onSelect(r)}
              onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && props.onSelect(r)}
              tabIndex={0}
              style={{ cursor: 'pointer' }}
              bg={props.selected === r.uid ? 'var(--mantine-primary-color-light)' : undefined}
              data-row={r.name}
            >
              <Table.Td>
                <Text size="sm" fw={500} style={{ wordBreak: 'break-all' }}>
                  {r.name}
                </Text>
              </Table.Td>
              {props.showNamespace && <Table.Td>{r.namespace ?? ''}</Table.Td>}
              <Table.Td>{r.status ? <ToneBadge tone={r.tone} text={r.status} /> : <Text c="dimmed">—</Text>}</Table.Td>
              {props.columns.map((c) => (
                <Table.Td key={c.id} maw={c.id === 'message' ? 480 : 260} style={{ wordBreak: 'break-word' }}>
                  {r.cells[c.id] ?? ''}
                </Table.Td>
              ))}
              <Table.Td>
                <Text size="sm" c="dimmed" title={r.created}>
                  {formatAge(r.created, props.now)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
