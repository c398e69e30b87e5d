import { escapeUnprintable } from '@gipkit/plugin-api';

/**
 * A plain text table: left-aligned columns, two spaces apart, a header and a
 * rule. Every cell is escaped before it is measured, so a cell can neither hold
 * a control character nor break the columns.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => row.map(escapeUnprintable));
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}
