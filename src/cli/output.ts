/** Tables for people, JSON for scripts (`--output json` on every listing). */
export type OutputFormat = 'table' | 'json';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

export function renderTable<T>(rows: T[], columns: Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

export function printList<T>(format: OutputFormat, rows: T[], columns: Column<T>[], empty: string, json: unknown = rows): void {
  if (format === 'json') {
    process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    return;
  }
  if (rows.length === 0) {
    process.stdout.write(empty + '\n');
    return;
  }
  process.stdout.write(renderTable(rows, columns) + '\n');
}
