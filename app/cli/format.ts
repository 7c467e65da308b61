/** Plain-text output for people: aligned tables, short dates, one-line errors. */

export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function when(date: Date | string | null | undefined): string {
  if (!date) return '';
  const d = typeof date === 'string' ? new Date(date) : date;
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export function duration(start: Date | null, end: Date | null): string {
  if (!start || !end) return '';
  const ms = end.getTime() - start.getTime();
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** Compact `key=value` rendering of a stats object, for one table cell. */
export function brief(stats: Record<string, unknown>, max = 80): string {
  const parts = Object.entries(stats)
    .filter(([, v]) => v === null || typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`);
  const text = parts.join(' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Terminal progress on stderr, rewritten in place; silent when not a terminal. */
export function terminalProgress(enabled: boolean): (message: string, done?: number, total?: number) => void {
  if (!enabled) return () => {};
  let last = 0;
  return (message, done, total) => {
    const now = Date.now();
    if (now - last < 100 && done !== total) return;
    last = now;
    const pct = done !== undefined && total ? ` ${Math.floor((done / total) * 100)}%` : '';
    const count = done !== undefined ? ` ${done}${total ? `/${total}` : ''}` : '';
    process.stderr.write(`\r\x1b[2K${message}${count}${pct}`);
    if (done !== undefined && done === total) process.stderr.write('\n');
  };
}
