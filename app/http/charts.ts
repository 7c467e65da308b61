/**
 * Pictures for the status page, rendered on the server as inline SVG: no script, no style
 * element or attribute (the page's Content-Security-Policy allows neither), only SVG elements
 * with presentation attributes (fill, stroke, …), which the policy does not govern. Pure: data
 * in, markup out; every text goes through the escaping `html` template.
 *
 * Each chart is an `<svg class="chart" data-chart="…">` with a `<title>` (read out by screen
 * readers) and data attributes tests count by: `g.series` per series (line charts),
 * `rect.bar` per bar, `circle.dot` per dot (with `data-status`).
 */
import { html, type SafeHtml } from './html.ts';

const WIDTH = 640;
const PAD = { left: 56, right: 16, top: 16, bottom: 28 };
/** line colours, distinguishable without colour vision too (they also differ by dash) */
const PALETTE = ['#1f5fa8', '#c26a00', '#1a7f37', '#8a3ffc', '#c62828', '#5b5b5b'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '4 4'];
export const OUTCOME_COLOURS: Record<string, string> = { succeeded: '#1a7f37', failed: '#c26a00', dead: '#c62828', cancelled: '#5b5b5b' };

const fmt = (n: number) => (Math.abs(n) >= 1000 ? n.toLocaleString('en-GB', { maximumFractionDigits: 0 }) : String(Number(n.toFixed(2))));

function scale(min: number, max: number, from: number, to: number): (v: number) => number {
  const span = max - min || 1;
  return (v) => Number((from + ((v - min) / span) * (to - from)).toFixed(1));
}

function legend(items: Array<{ label: string; colour: string; dash?: string }>, y: number): SafeHtml {
  return html`<g class="legend">
    ${items.map(
      (it, i) =>
        html`<g transform="translate(${PAD.left + i * 150},${y})"
          ><line x1="0" y1="0" x2="18" y2="0" stroke="${it.colour}" stroke-width="3" stroke-dasharray="${it.dash ?? ''}" /><text
            x="24"
            y="4"
            font-size="11"
          >
            ${it.label}
          </text></g
        >`,
    )}
  </g>`;
}

export interface LineSeries {
  label: string;
  points: Array<{ x: string; y: number | null }>;
}

/**
 * Lines over shared categories on the x axis (periods, weeks), one `g.series` per series; a null
 * value breaks the line. `percent` shows the y axis as 0–100 %.
 */
export function lineChart(name: string, title: string, series: readonly LineSeries[], o: { percent?: boolean } = {}): SafeHtml {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort();
  const values = series.flatMap((s) => s.points.map((p) => p.y)).filter((v): v is number => v !== null && Number.isFinite(v));
  const height = 220 + Math.ceil(series.length / 4) * 16;
  const bottom = 220 - PAD.bottom;
  const min = o.percent ? 0 : Math.min(0, ...values);
  const max = o.percent ? 1 : Math.max(1, ...values);
  const y = scale(min, max, bottom, PAD.top);
  const x = (v: string) =>
    xs.length <= 1 ? (PAD.left + WIDTH - PAD.right) / 2 : scale(0, xs.length - 1, PAD.left, WIDTH - PAD.right)(xs.indexOf(v));
  const label = (v: number) => (o.percent ? `${Math.round(v * 100)} %` : fmt(v));
  const ticks = [min, (min + max) / 2, max];
  const step = Math.max(1, Math.ceil(xs.length / 8));
  return html`<svg class="chart" data-chart="${name}" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img">
    <title>${title}</title>
    ${ticks.map(
      (t) =>
        html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd" /><text
            x="${PAD.left - 6}"
            y="${y(t) + 4}"
            font-size="11"
            text-anchor="end"
          >
            ${label(t)}
          </text>`,
    )}
    ${xs.map((v, i) => (i % step === 0 ? html`<text x="${x(v)}" y="${bottom + 16}" font-size="11" text-anchor="middle">${v}</text>` : ''))}
    ${series.map((s, i) => {
      const colour = PALETTE[i % PALETTE.length]!;
      // one path segment per run of known values
      let d = '';
      let pen = 'M';
      for (const p of s.points) {
        if (p.y === null || !Number.isFinite(p.y)) {
          pen = 'M';
          continue;
        }
        d += `${pen}${x(p.x)} ${y(p.y)} `;
        pen = 'L';
      }
      return html`<g class="series" data-series="${s.label}" data-points="${s.points.filter((p) => p.y !== null).length}">
        <path d="${d.trim()}" fill="none" stroke="${colour}" stroke-width="2" stroke-dasharray="${DASHES[i % DASHES.length]!}" />
        ${s.points.map((p) =>
          p.y === null
            ? ''
            : html`<circle cx="${x(p.x)}" cy="${y(p.y)}" r="2.5" fill="${colour}"><title>${s.label} ${p.x}: ${label(p.y)}</title></circle>`,
        )}
      </g>`;
    })}
    ${legend(
      series.map((s, i) => ({ label: s.label, colour: PALETTE[i % PALETTE.length]!, dash: DASHES[i % DASHES.length] })),
      236,
    )}
  </svg>`;
}

/** Horizontal bars, one `rect.bar` per item, negative values to the left of zero (red), positive right. */
export function barChart(name: string, title: string, items: ReadonlyArray<{ label: string; value: number }>, unit = ''): SafeHtml {
  const row = 22;
  const labelWidth = 180;
  const height = PAD.top + items.length * row + PAD.bottom;
  const values = items.map((i) => i.value);
  const min = Math.min(0, ...values);
  const max = Math.max(0, ...values);
  const x = scale(min, max === min ? min + 1 : max, labelWidth, WIDTH - 90);
  const zero = x(0);
  return html`<svg class="chart" data-chart="${name}" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img">
    <title>${title}</title>
    <line x1="${zero}" x2="${zero}" y1="${PAD.top - 4}" y2="${height - PAD.bottom + 4}" stroke="#999" />
    ${items.map((it, i) => {
      const top = PAD.top + i * row;
      const end = x(it.value);
      const text = `${fmt(it.value)}${unit ? ` ${unit}` : ''}`;
      return html`<g>
        <text x="${labelWidth - 6}" y="${top + 14}" font-size="11" text-anchor="end">${it.label}</text>
        <rect
          class="bar"
          data-value="${it.value}"
          x="${Math.min(zero, end)}"
          y="${top + 3}"
          width="${Math.max(1, Math.abs(end - zero))}"
          height="${row - 6}"
          fill="${it.value < 0 ? '#c62828' : '#1a7f37'}"
        >
          <title>${it.label}: ${text}</title>
        </rect>
        <text x="${Math.max(zero, end) + 4}" y="${top + 14}" font-size="11">${text}</text>
      </g>`;
    })}
  </svg>`;
}

export interface Dot {
  lane: string;
  at: Date;
  seconds: number;
  status: string;
  href?: string;
}

/**
 * One lane per job, time left to right, a dot per run: its size grows with the run's duration, its
 * colour is the outcome (green succeeded, orange failed, red dead); each dot links to its run.
 */
export function dotTimeline(name: string, title: string, dots: readonly Dot[], from: Date, to: Date): SafeHtml {
  const lanes = [...new Set(dots.map((d) => d.lane))].sort();
  const row = 26;
  const labelWidth = 150;
  const height = PAD.top + lanes.length * row + PAD.bottom + 18;
  const x = scale(from.getTime(), to.getTime(), labelWidth, WIDTH - PAD.right);
  const longest = Math.max(1, ...dots.map((d) => d.seconds));
  const radius = (s: number) => Number((3 + 6 * Math.sqrt(Math.max(0, s) / longest)).toFixed(1));
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const bottom = PAD.top + lanes.length * row;
  return html`<svg class="chart" data-chart="${name}" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img">
    <title>${title}</title>
    ${lanes.map(
      (lane, i) =>
        html`<g class="lane" data-lane="${lane}">
          <line
            x1="${labelWidth}"
            x2="${WIDTH - PAD.right}"
            y1="${PAD.top + i * row + row / 2}"
            y2="${PAD.top + i * row + row / 2}"
            stroke="#eee"
          />
          <text x="${labelWidth - 6}" y="${PAD.top + i * row + row / 2 + 4}" font-size="11" text-anchor="end">${lane}</text>
        </g>`,
    )}
    <text x="${labelWidth}" y="${bottom + 16}" font-size="11">${day(from)}</text>
    <text x="${WIDTH - PAD.right}" y="${bottom + 16}" font-size="11" text-anchor="end">${day(to)}</text>
    ${dots.map((d) => {
      const cy = PAD.top + lanes.indexOf(d.lane) * row + row / 2;
      const dot = html`<circle
        class="dot"
        data-status="${d.status}"
        cx="${x(d.at.getTime())}"
        cy="${cy}"
        r="${radius(d.seconds)}"
        fill="${OUTCOME_COLOURS[d.status] ?? '#5b5b5b'}"
        fill-opacity="0.8"
        ><title>${d.lane} ${d.at.toISOString().slice(0, 16).replace('T', ' ')}: ${d.status}, ${fmt(d.seconds)} s</title></circle
      >`;
      return d.href ? html`<a href="${d.href}">${dot}</a>` : dot;
    })}
    ${legend(
      Object.entries(OUTCOME_COLOURS).map(([label, colour]) => ({ label, colour })),
      height - 8,
    )}
  </svg>`;
}
