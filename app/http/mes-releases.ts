/**
 * The status page's "MES releases" workflow: its own traffic light (red: a release refused or
 * overdue; amber: releases waiting for the MES within the timeout; green: all acknowledged), the
 * counts per state and the releases that are not acknowledged, newest first.
 */
import type { Knex } from 'knex';
import { mesSettings } from '../../core/config/mes.ts';
import type { Config } from '../../core/config.ts';
import { listReleases, releaseCounts, type ReleasedOrder } from '../../load/mes/releases.ts';
import { mesReleaseFacts } from '../../load/ops/ops.ts';
import { type Light, mesReleaseHealth, releaseOverdue } from '../../transform/shared/health.ts';
import { html, type SafeHtml } from './html.ts';
import { light, type PageContext, time } from './pages.ts';

export interface MesReleasesView {
  light: Light;
  reasons: string[];
  counts: Record<string, number>;
  releases: ReleasedOrder[];
  timeoutMinutes: number;
}

/** The view, or undefined when nothing was ever released (the section stays hidden). */
export async function mesReleasesView(db: Knex, config: Config, now: Date, limit = 50): Promise<MesReleasesView | undefined> {
  const counts = await releaseCounts(db);
  if (counts.every((c) => c.count === 0)) return undefined;
  const timeoutMinutes = mesSettings(config).ackTimeoutMinutes;
  const [facts, open] = await Promise.all([mesReleaseFacts(db), listReleases(db, { limit: 500 })]);
  const health = mesReleaseHealth(facts, now, timeoutMinutes);
  return {
    ...health,
    counts: Object.fromEntries(counts.map((c) => [c.state, c.count])),
    releases: open.filter((r) => r.state !== 'acknowledged' && r.state !== 'cancelled').slice(0, limit),
    timeoutMinutes,
  };
}

export function mesReleasesSection(v: MesReleasesView | undefined, ctx: PageContext): SafeHtml | '' {
  if (!v) return '';
  const shown = (r: ReleasedOrder): string =>
    r.state === 'released' &&
    releaseOverdue({ ...r, mo: r.moName, verb: r.lastVerb, messageId: r.lastMessageId, state: 'released' }, ctx.now, v.timeoutMinutes)
      ? 'overdue'
      : r.state;
  return html`<section id="mes-releases">
    <h2>MES releases ${light(v.light)}</h2>
    <p class="summary">
      ${['released', 'acknowledged', 'refused', 'overdue', 'cancelled'].map((s) => `${v.counts[s] ?? 0} ${s}`).join(' · ')}
    </p>
    <div class="reason">${v.reasons.map((r) => html`<div>${r}</div>`)}</div>
    ${
      v.releases.length
        ? html`<div class="scroll">
            <table id="mes-release-table">
              <thead>
                <tr>
                  <th>Order</th>
                  <th>Product</th>
                  <th>State</th>
                  <th>Last message</th>
                  <th>Released</th>
                  <th>MES answer</th>
                </tr>
              </thead>
              <tbody>
                ${v.releases.map(
                  (r) =>
                    html`<tr data-mo="${r.moName}" class="row-${shown(r) === 'released' ? 'amber' : 'red'}">
                      <td>${r.moName}</td>
                      <td>${r.productCode}</td>
                      <td>${shown(r)}</td>
                      <td>${r.lastVerb} <span class="muted small">${r.lastMessageId}</span></td>
                      <td>${time(r.releasedAt, ctx)}</td>
                      <td>${r.answer ?? ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : ''
    }
  </section>`;
}
