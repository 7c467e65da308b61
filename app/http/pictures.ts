/**
 * The overview's pictures, from the chart data of load/ops/charts.ts: run durations and outcomes
 * per job over the last days, the stock value impact of each warehouse's latest reconciliation by
 * location, and availability, quality and OEE per asset over the last weeks. A picture without
 * data is left out; no pictures, no section.
 */
import { shiftOee } from '../../transform/historian/oee.ts';
import type { AssetWeek, LocationImpact, RunDot } from '../../load/ops/charts.ts';
import type { VersionCompare } from '../../load/forecast/staging.ts';
import { barChart, dotTimeline, type LineSeries, lineChart } from './charts.ts';
import { html, type SafeHtml } from './html.ts';

export interface PictureData {
  now: Date;
  /** the run picture's window starts here */
  runsSince: Date;
  runs: RunDot[];
  locations: LocationImpact[];
  oeeWeeks: AssetWeek[];
  /** historian.assets' ideal rates per asset (performance and OEE need them) */
  idealRates: Readonly<Record<string, number | undefined>>;
}

function oeeSeries(
  weeks: readonly AssetWeek[],
  idealRates: PictureData['idealRates'],
  metric: 'availability' | 'quality' | 'oee',
): LineSeries[] {
  const byAsset = new Map<string, AssetWeek[]>();
  for (const w of weeks) byAsset.set(w.asset, [...(byAsset.get(w.asset) ?? []), w]);
  const out: LineSeries[] = [];
  for (const [asset, rows] of [...byAsset].sort(([a], [b]) => a.localeCompare(b))) {
    const points = rows.map((r) => ({ x: r.week, y: shiftOee(r, idealRates[asset])[metric] }));
    if (points.some((p) => p.y !== null)) out.push({ label: asset, points });
  }
  return out;
}

export function picturesSection(d: PictureData): SafeHtml | '' {
  const parts: SafeHtml[] = [];
  if (d.runs.length > 0) {
    parts.push(
      html`<figure>
        <figcaption>Runs since ${d.runsSince.toISOString().slice(0, 10)}: one dot per run, larger when it took longer</figcaption>
        ${dotTimeline(
          'runs',
          'Run durations and outcomes per job',
          d.runs.map((r) => ({ lane: r.job, at: r.startedAt, seconds: r.seconds, status: r.status, href: `/runs/${r.id}` })),
          d.runsSince,
          d.now,
        )}
      </figure>`,
    );
  }
  const warehouses = [...new Set(d.locations.map((l) => l.warehouse))];
  for (const wh of warehouses) {
    const rows = d.locations.filter((l) => l.warehouse === wh);
    const first = rows[0]!;
    parts.push(
      html`<figure>
        <figcaption>
          Stock value impact by location, <a href="/reports">reconciliation ${first.reconciliationId}</a> of ${wh}
          ${first.finishedAt ? html`(${first.finishedAt.toISOString().slice(0, 10)})` : ''}: short left, over right
        </figcaption>
        ${barChart(
          `reconciliation-${wh}`,
          `Stock value impact by location, warehouse ${wh}`,
          rows.map((l) => ({ label: l.location, value: l.valueImpact })),
          first.currency ?? '',
        )}
      </figure>`,
    );
  }
  if (d.oeeWeeks.length > 0) {
    for (const metric of ['availability', 'quality', 'oee'] as const) {
      const series = oeeSeries(d.oeeWeeks, d.idealRates, metric);
      if (series.length === 0) continue;
      const name = metric === 'oee' ? 'OEE' : metric[0]!.toUpperCase() + metric.slice(1);
      parts.push(
        html`<figure>
          <figcaption>${name} per asset and week</figcaption>
          ${lineChart(`oee-${metric}`, `${name} per asset over the last weeks`, series, { percent: true })}
        </figure>`,
      );
    }
  }
  if (parts.length === 0) return '';
  return html`<section id="pictures">
    <h2>Pictures</h2>
    ${parts}
  </section>`;
}

/**
 * The batch page's picture of a forecast version against the previous approved version of the
 * same scope: the total of each by period (two lines) and the top movers (one bar per product,
 * the change in base units: down left, up right).
 */
export function versionCompareSection(c: VersionCompare, batchId: number): SafeHtml {
  const series: LineSeries[] = [
    { label: `this version (#${batchId})`, points: c.periods.map((p) => ({ x: p.period, y: p.current })) },
    { label: `previous approved (#${c.previousBatchId})`, points: c.periods.map((p) => ({ x: p.period, y: p.previous })) },
  ];
  return html`<section id="version-compare">
    <h2>Against the previous approved version</h2>
    <figure>
      <figcaption>Total quantity by period, against <a href="/batches/${c.previousBatchId}">batch #${c.previousBatchId}</a></figcaption>
      ${lineChart('forecast-periods', 'Total forecast quantity by period, this version and the previous approved one', series)}
    </figure>
    ${
      c.movers.length === 0
        ? html`<p class="muted">No product changed.</p>`
        : html`<figure>
            <figcaption>Top movers: the products with the largest absolute change</figcaption>
            ${barChart(
              'forecast-movers',
              'Products with the largest change against the previous approved version',
              c.movers.map((m) => ({ label: m.product, value: m.change })),
            )}
          </figure>`
    }
  </section>`;
}
