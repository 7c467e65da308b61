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

const BAR_WIDTH = 24;

/** One progress line: the step, a bar when the total is known, the counts and the rate. */
export function progressLine(message: string, done: number | undefined, total: number | undefined, seconds: number): string {
  const parts = [message];
  if (done !== undefined && total) {
    const share = Math.min(1, done / total);
    const filled = Math.round(share * BAR_WIDTH);
    parts.push(
      `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`,
      `${done.toLocaleString('en')}/${total.toLocaleString('en')}`,
      `${Math.floor(share * 100)}%`,
    );
  } else if (done !== undefined) parts.push(done.toLocaleString('en'));
  if (done !== undefined && seconds >= 1) parts.push(`${Math.round(done / seconds).toLocaleString('en')}/s`);
  return parts.join(' ');
}

/**
 * Terminal progress on stderr, rewritten in place: a bar with counts and rate per step. Silent when
 * stderr is not a terminal and with --json (the run's log lines carry the progress there).
 */
export function terminalProgress(enabled: boolean): (message: string, done?: number, total?: number) => void {
  if (!enabled) return () => {};
  let last = 0;
  let step = '';
  let started = 0;
  return (message, done, total) => {
    const now = Date.now();
    if (message !== step) {
      step = message;
      started = now;
    }
    const finished = done !== undefined && done === total;
    if (now - last < 100 && !finished) return;
    last = now;
    process.stderr.write(`\r\x1b[2K${progressLine(message, done, total, (now - started) / 1000)}`);
    if (finished) process.stderr.write('\n');
  };
}
