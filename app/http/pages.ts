/**
 * The status page's HTML, server-rendered, no scripts: plain tables that scroll sideways on a
 * phone. Every value goes through the `html` template's escaping.
 */
import type { Batch } from '../../load/staging/batches.ts';
import type { OpenHold } from '../../load/quality/staging.ts';
import type { Incident, LogLine, RowErrorLine } from '../../load/ops/ops.ts';
import type { JobRun } from '../../load/ops/runs.ts';
import { humanDuration, type Light, rowCounts } from '../../transform/shared/health.ts';
import type { Workflow } from '../ops.ts';
import { href, html, query, type SafeHtml } from './html.ts';
import { versionCompareSection } from './pictures.ts';
import type { VersionCompare } from '../../load/forecast/staging.ts';

export interface Viewer {
  login: string;
  name: string;
  csrfToken: string;
}

export interface PageContext {
  timezone: string;
  now: Date;
  /** logged-in user, if any */
  user?: Viewer;
  /** users configured: login possible, approvals possible */
  usersEnabled: boolean;
  /** the current path and query, for "log in and come back" */
  path: string;
}

export interface ReportFile {
  path: string;
  size: number;
  modified: Date;
}

export type Checkpoint = { name: string; severity: string; passed: boolean; measured: Record<string, unknown>; message: string };

// ---- formatting -----------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function local(d: Date, tz: string): string {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('sv-SE', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f.format(d);
}

export function time(d: Date | null | undefined, ctx: PageContext): SafeHtml {
  if (!d) return html`<span class="muted">–</span>`;
  const date = d instanceof Date ? d : new Date(d);
  return html`<time datetime="${date.toISOString()}" title="${humanDuration(ctx.now.getTime() - date.getTime())} ago"
    >${local(date, ctx.timezone)}</time
  >`;
}

function took(start: Date | null, end: Date | null): string {
  if (!start || !end) return '';
  return humanDuration(new Date(end).getTime() - new Date(start).getTime());
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? '';
}

function compact(value: unknown, max = 160): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function light(l: Light): SafeHtml {
  return html`<span class="light light-${l}">${l}</span>`;
}

const RUN_LIGHT: Record<string, string> = {
  succeeded: 'green',
  failed: 'amber',
  dead: 'red',
  running: 'blue',
  queued: 'grey',
  cancelled: 'grey',
};
const BATCH_LIGHT: Record<string, string> = {
  received: 'grey',
  validated: 'amber',
  approved: 'blue',
  loading: 'blue',
  loaded: 'green',
  rejected: 'red',
  load_failed: 'red',
  superseded: 'grey',
};

function badge(status: string, colours: Record<string, string>): SafeHtml {
  return html`<span class="badge badge-${colours[status] ?? 'grey'}">${status}</span>`;
}

function rows(stats: Record<string, unknown>): string {
  const c = rowCounts(stats);
  const parts = (['read', 'staged', 'rejected', 'loaded'] as const).filter((k) => c[k] !== undefined).map((k) => `${c[k]} ${k}`);
  return parts.join(', ');
}

// ---- layout ---------------------------------------------------------------------------------------

export function layout(ctx: PageContext, title: string, body: SafeHtml, o: { refreshSeconds?: number } = {}): SafeHtml {
  const account = ctx.user
    ? html`<form method="post" action="/logout" class="inline">
        <input type="hidden" name="csrf" value="${ctx.user.csrfToken}" /><span class="muted">${ctx.user.name}</span>
        <button type="submit" class="link">Log out</button>
      </form>`
    : ctx.usersEnabled
      ? html`<a href="${query('/login', { next: ctx.path })}">Log in</a>`
      : html`<span class="muted" title="no users configured (MFG_ETL_HTTP_USERS_FILE)">read-only</span>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${o.refreshSeconds ? html`<meta http-equiv="refresh" content="${o.refreshSeconds}" />` : ''}
        <title>${title} · mfg-etl</title>
        <link rel="stylesheet" href="/style.css" />
      </head>
      <body>
        <header>
          <nav>
            <a href="/" class="brand">mfg-etl</a>
            <a href="/runs">Runs</a>
            <a href="/batches">Batches</a>
            <a href="/reports">Reports</a>
            <span class="account">${account}</span>
          </nav>
        </header>
        <main>${body}</main>
        <footer class="muted">Times in ${ctx.timezone} · rendered ${time(ctx.now, ctx)}</footer>
      </body>
    </html> `;
}

export function errorPage(ctx: PageContext, title: string, message: string): SafeHtml {
  return layout(
    ctx,
    title,
    html`<h1>${title}</h1>
      <p class="notice notice-red">${message}</p>
      <p><a href="/">Back to the overview</a></p>`,
  );
}

// ---- pieces ---------------------------------------------------------------------------------------

function workflowsTable(flows: Workflow[], ctx: PageContext): SafeHtml {
  return html`<div class="scroll">
    <table id="workflows">
      <thead>
        <tr>
          <th>Workflow</th>
          <th>Status</th>
          <th>Why</th>
          <th>Last run</th>
          <th>Last success</th>
          <th>Expected every</th>
          <th>Waiting for approval</th>
          <th>Dead letters</th>
        </tr>
      </thead>
      <tbody>
        ${flows.map(
          (w) =>
            html`<tr data-job="${w.facts.job}" class="row-${w.health.light}">
              <td>
                <a href="${query('/runs', { job: w.facts.job })}">${w.facts.job}</a>
                <div class="muted small">${w.description}</div>
              </td>
              <td class="status">${light(w.health.light)}</td>
              <td class="reason">${w.health.reasons.map((r) => html`<div>${r}</div>`)}</td>
              <td>
                ${w.facts.lastRun ? html`<a href="${href('runs', w.facts.lastRun.id)}">#${w.facts.lastRun.id}</a> ${badge(w.facts.lastRun.status, RUN_LIGHT)} ${time(w.facts.lastRun.at, ctx)}` : html`<span class="muted">never</span>`}${w.facts.running ? html`<div class="small">running now</div>` : ''}${w.facts.queued ? html`<div class="small">${w.facts.queued} queued</div>` : ''}
              </td>
              <td>${time(w.facts.lastSuccessAt, ctx)}</td>
              <td>
                ${w.facts.expectedEveryMinutes === null ? html`<span class="muted">manual</span>` : humanDuration(w.facts.expectedEveryMinutes * 60_000)}
              </td>
              <td>
                ${w.facts.pendingApprovals ? html`<a href="${query('/batches', { status: 'validated' })}">${w.facts.pendingApprovals}</a>` : '0'}
              </td>
              <td>
                ${w.facts.deadLetters ? html`<a href="${query('/runs', { job: w.facts.job, status: 'dead' })}" class="bad">${w.facts.deadLetters}</a>` : '0'}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function incidentsList(incidents: Incident[], ctx: PageContext): SafeHtml {
  if (incidents.length === 0) return html``;
  return html`<section id="incidents">
    <h2>Open alerts</h2>
    <ul class="incidents">
      ${incidents.map((i) => html`<li class="notice notice-red"><strong>${i.kind.replace('_', ' ')}</strong>: ${i.message} <span class="muted small">since ${time(i.openedAt, ctx)}${i.notifiedAt ? ', sent' : ''}${i.lastError ? html`, delivery failed: ${i.lastError}` : ''}</span></li>`)}
    </ul>
  </section>`;
}

export function runsTable(runs: JobRun[], ctx: PageContext, id = 'runs'): SafeHtml {
  if (runs.length === 0) return html`<p class="muted">No runs.</p>`;
  return html`<div class="scroll">
    <table id="${id}">
      <thead>
        <tr>
          <th>Run</th>
          <th>Job</th>
          <th>Trigger</th>
          <th>Status</th>
          <th>Try</th>
          <th>Started</th>
          <th>Took</th>
          <th>Rows</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map(
          (r) =>
            html`<tr data-run="${r.id}">
              <td><a href="${href('runs', r.id)}">#${r.id}</a></td>
              <td>${r.job}${r.dryRun ? html` <span class="muted small">dry run</span>` : ''}</td>
              <td>${r.trigger}</td>
              <td>${badge(r.status, RUN_LIGHT)}</td>
              <td>${r.attempt}</td>
              <td>${time(r.startedAt ?? r.queuedAt, ctx)}</td>
              <td>${took(r.startedAt, r.finishedAt)}</td>
              <td>${rows(r.stats)}</td>
              <td class="result">
                ${r.error ? html`<span class="bad">${r.error.class}: ${r.error.message}</span>` : compact(r.stats, 120)}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function batchesTable(batches: Batch[], checkpoints: Map<number, Checkpoint[]>, ctx: PageContext): SafeHtml {
  if (batches.length === 0) return html`<p class="muted">No batches.</p>`;
  return html`<div class="scroll">
    <table id="batches">
      <thead>
        <tr>
          <th>Batch</th>
          <th>Kind</th>
          <th>Scope</th>
          <th>Version</th>
          <th>State</th>
          <th>Created</th>
          <th>Checkpoints</th>
          <th>Source</th>
        </tr>
      </thead>
      <tbody>
        ${batches.map((b) => {
          const cps = checkpoints.get(b.id) ?? [];
          const failed = cps.filter((c) => !c.passed);
          return html`<tr data-batch="${b.id}">
            <td><a href="${href('batches', b.id)}">#${b.id}</a></td>
            <td>${b.kind}</td>
            <td>${b.scope}</td>
            <td>${b.version}</td>
            <td>${badge(b.status, BATCH_LIGHT)}</td>
            <td>${time(b.createdAt, ctx)}</td>
            <td>
              ${cps.length === 0 ? html`<span class="muted">none</span>` : failed.length === 0 ? html`${cps.length} passed` : failed.map((c) => html`<div class="${c.severity === 'error' ? 'bad' : 'warn'}">${c.name}: ${c.message}</div>`)}
            </td>
            <td class="small">${b.source ?? ''}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

function reportsTable(files: ReportFile[], ctx: PageContext): SafeHtml {
  if (files.length === 0) return html`<p class="muted">No reports yet.</p>`;
  return html`<div class="scroll">
    <table id="reports">
      <thead>
        <tr>
          <th>Report</th>
          <th>Size</th>
          <th>Written</th>
        </tr>
      </thead>
      <tbody>
        ${files.map(
          (f) =>
            html`<tr>
              <td><a href="${href('reports', f.path)}" download>${f.path}</a></td>
              <td>${bytes(f.size)}</td>
              <td>${time(f.modified, ctx)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

// ---- pages ----------------------------------------------------------------------------------------

export function overviewPage(
  ctx: PageContext,
  data: {
    workflows: Workflow[];
    incidents: Incident[];
    batches: Batch[];
    checkpoints: Map<number, Checkpoint[]>;
    runs: JobRun[];
    reports: ReportFile[];
    waitingForApproval: number;
    /** app/http/pictures.ts */
    pictures?: SafeHtml | '';
    /** open quality holds (the section shows when there are any) */
    holds?: OpenHold[];
    /** the MES releases workflow (app/http/mes-releases.ts): its light counts with the others */
    mes?: { light: Light; section: SafeHtml | '' };
  },
): SafeHtml {
  const counts = { red: 0, amber: 0, green: 0 };
  for (const w of data.workflows) counts[w.health.light] += 1;
  if (data.mes) counts[data.mes.light] += 1;
  const overall: Light = counts.red ? 'red' : counts.amber ? 'amber' : 'green';
  return layout(
    ctx,
    'Status',
    html`<h1>Status ${light(overall)}</h1>
      <p class="summary">
        ${counts.red} red · ${counts.amber} amber · ${counts.green} green
        workflows${data.waitingForApproval ? html` · <a href="/batches?status=validated">${data.waitingForApproval} batch${data.waitingForApproval === 1 ? '' : 'es'} waiting for approval</a>` : ''}
      </p>
      ${incidentsList(data.incidents, ctx)} ${data.holds?.length ? holdsSection(data.holds, ctx) : ''} ${data.mes?.section ?? ''}
      <section>
        <h2>Workflows</h2>
        ${workflowsTable(data.workflows, ctx)}
      </section>
      ${data.pictures ?? ''}
      <section>
        <h2>Recent batches</h2>
        ${batchesTable(data.batches, data.checkpoints, ctx)}
        <p><a href="/batches">All batches</a></p>
      </section>
      <section>
        <h2>Recent runs</h2>
        ${runsTable(data.runs, ctx)}
        <p><a href="/runs">All runs</a></p>
      </section>
      <section>
        <h2>Reports</h2>
        ${reportsTable(data.reports, ctx)}
        <p><a href="/reports">All reports</a></p>
      </section>`,
    { refreshSeconds: 60 },
  );
}

function holdAge(seconds: number): string {
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

/** Open quality holds: what is in quarantine, since when, and which deliveries / MOs it took stock from. */
export function holdsSection(holds: readonly OpenHold[], ctx: PageContext): SafeHtml {
  return html`<section id="quality-holds">
    <h2>Quality holds (${holds.length} open)</h2>
    <table>
      <thead>
        <tr>
          <th>Nonconformance</th>
          <th>Status</th>
          <th>Warehouse</th>
          <th>Product</th>
          <th>Lots</th>
          <th class="num">Quantity</th>
          <th class="num">Value</th>
          <th>Reason</th>
          <th>Received</th>
          <th>Age</th>
          <th>Moved in</th>
          <th>Blocked</th>
        </tr>
      </thead>
      <tbody>
        ${holds.map(
          (h) =>
            html`<tr>
              <td>${h.nonconformance}</td>
              <td>${h.status === 'failed' ? html`<span title="${h.error ?? ''}">failed</span>` : h.status}</td>
              <td>${h.warehouse}</td>
              <td>${h.product}</td>
              <td>${h.lots.join(', ')}</td>
              <td class="num">${h.quantity}</td>
              <td class="num">${h.value.toFixed(2)}</td>
              <td>${h.reason}</td>
              <td>${time(h.receivedAt, ctx)}</td>
              <td>${holdAge(h.ageSeconds)}</td>
              <td>${h.latencyMs === null ? '-' : `${(h.latencyMs / 1000).toFixed(1)} s`}</td>
              <td>${h.blocked.length ? h.blocked.map((b) => b.name).join(', ') : '-'}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function filterForm(action: string, fields: { name: string; label: string; value?: string; options: string[] }[]): SafeHtml {
  return html`<form method="get" action="${action}" class="filters">
    ${fields.map(
      (f) =>
        html`<label
          >${f.label}
          <select name="${f.name}">
            <option value="">all</option>
            ${f.options.map((o) => html`<option value="${o}" ${o === f.value ? html` selected` : ''}>${o}</option>`)}
          </select></label
        >`,
    )}
    <button type="submit">Show</button>
  </form>`;
}

export function runsPage(
  ctx: PageContext,
  data: { runs: JobRun[]; jobs: string[]; job?: string; status?: string; limit: number },
): SafeHtml {
  const last = data.runs[data.runs.length - 1];
  const older =
    data.runs.length === data.limit && last ? query('/runs', { job: data.job, status: data.status, before: last.id }) : undefined;
  return layout(
    ctx,
    'Runs',
    html`<h1>Runs</h1>
      ${filterForm('/runs', [
        { name: 'job', label: 'Job', value: data.job, options: data.jobs },
        { name: 'status', label: 'Status', value: data.status, options: ['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled'] },
      ])}
      ${runsTable(data.runs, ctx)} ${older ? html`<p><a href="${older}">Older runs</a></p>` : ''}`,
  );
}

const count = (n: number) => n.toLocaleString('en-US');
const figure = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/**
 * A running run's newest progress line (`progress: <step>` with done, total, perSecond) as a bar
 * with its counts, share, rate and time left; a step without a total shows its count so far.
 */
export function progressSection(line: LogLine, ctx: PageContext): SafeHtml {
  const step = line.message.replace(/^progress: /, '');
  const done = figure(line.meta?.done);
  const total = figure(line.meta?.total);
  const rate = figure(line.meta?.perSecond);
  const known = done !== undefined && total !== undefined && total > 0;
  const percent = known ? Math.floor(Math.min(1, done / total) * 100) : undefined;
  const figures = [
    done === undefined ? undefined : known ? `${count(done)} of ${count(total)} (${percent} %)` : `${count(done)} so far`,
    rate ? `${count(rate)} per second` : undefined,
    known && rate && done < total ? `about ${humanDuration(((total - done) / rate) * 1000)} left` : undefined,
  ].filter((f) => f !== undefined);
  return html`<section id="run-progress">
    <h2>Progress</h2>
    <p class="progress-step">${step}</p>
    ${known ? html`<progress value="${done}" max="${total}">${percent} %</progress>` : html`<progress></progress>`}
    <p class="progress-figures">${figures.map((f) => `${f} · `)}as of ${time(line.at, ctx)}</p>
  </section>`;
}

export function runPage(
  ctx: PageContext,
  data: { run: JobRun; logs: LogLine[]; progress?: LogLine; batches: Batch[]; waitingFor?: string },
): SafeHtml {
  const r = data.run;
  const live = r.status === 'running' || r.status === 'queued';
  return layout(
    ctx,
    `Run ${r.id}`,
    html`<h1>Run #${r.id}: ${r.job} ${badge(r.status, RUN_LIGHT)}</h1>
      ${data.waitingFor ? html`<p class="notice notice-amber" id="run-waiting">${data.waitingFor}</p>` : ''}
      <dl class="facts">
        <dt>Trigger</dt>
        <dd>${r.trigger}, attempt ${r.attempt}${r.dryRun ? ', dry run' : ''}</dd>
        <dt>Queued</dt>
        <dd>${time(r.queuedAt, ctx)}</dd>
        <dt>Started</dt>
        <dd>${time(r.startedAt, ctx)}</dd>
        <dt>Finished</dt>
        <dd>${time(r.finishedAt, ctx)}${r.finishedAt ? html` (took ${took(r.startedAt, r.finishedAt)})` : ''}</dd>
        <dt>Host</dt>
        <dd>${r.host ?? '–'} pid ${r.pid ?? '–'}</dd>
        <dt>Rows</dt>
        <dd>${rows(r.stats) || '–'}</dd>
        ${
          r.replayOf
            ? html`<dt>Replay of</dt>
                <dd><a href="${href('runs', r.replayOf)}">#${r.replayOf}</a></dd>`
            : ''
        }
        ${
          r.replayedBy
            ? html`<dt>Replayed as</dt>
                <dd><a href="${href('runs', r.replayedBy)}">#${r.replayedBy}</a></dd>`
            : ''
        }
      </dl>
      ${r.status === 'running' && data.progress ? progressSection(data.progress, ctx) : ''}
      ${
        r.error
          ? html`<section>
              <h2>Error</h2>
              <p class="notice notice-red" id="run-error"><strong>${r.error.class}</strong>: ${r.error.message}</p>
              ${r.error.context && Object.keys(r.error.context).length ? html`<pre>${json(r.error.context)}</pre>` : ''}${r.status === 'dead' && !r.replayedBy ? html`<p class="muted">Replay it after fixing the cause: <code>mfg-etl replay ${r.id}</code></p>` : ''}
            </section>`
          : ''
      }
      <section>
        <h2>Parameters</h2>
        <pre>${json(r.params)}</pre>
      </section>
      <section>
        <h2>Stats</h2>
        <pre>${json(r.stats)}</pre>
      </section>
      ${
        data.batches.length
          ? html`<section>
              <h2>Batches of this run</h2>
              ${batchesTable(data.batches, new Map(), ctx)}
            </section>`
          : ''
      }
      <section>
        <h2>Log</h2>
        ${
          data.logs.length === 0
            ? html`<p class="muted">No log lines stored for this run.</p>`
            : html`<div class="scroll">
                <table id="log" class="log">
                  <thead>
                    <tr>
                      <th>Time</th>
                      <th>Level</th>
                      <th>Message</th>
                      <th>Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${data.logs.map(
                      (l) =>
                        html`<tr class="level-${l.level}">
                          <td>${time(l.at, ctx)}</td>
                          <td>${l.level}</td>
                          <td>${l.message}</td>
                          <td class="small">${Object.keys(l.meta ?? {}).length ? compact(l.meta, 400) : ''}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
        }
      </section>`,
    // a running or waiting run's page follows it without script
    live ? { refreshSeconds: 10 } : {},
  );
}

export function batchesPage(
  ctx: PageContext,
  data: { batches: Batch[]; checkpoints: Map<number, Checkpoint[]>; kinds: string[]; kind?: string; status?: string },
): SafeHtml {
  return layout(
    ctx,
    'Batches',
    html`<h1>Batches</h1>
      ${filterForm('/batches', [
        { name: 'kind', label: 'Kind', value: data.kind, options: data.kinds },
        { name: 'status', label: 'State', value: data.status, options: Object.keys(BATCH_LIGHT) },
      ])}
      ${batchesTable(data.batches, data.checkpoints, ctx)}`,
  );
}

export interface BatchPageData {
  batch: Batch;
  checkpoints: Checkpoint[];
  rowErrors: RowErrorLine[];
  loadErrors: { runId: number | null; model: string; ref: string; message: string }[];
  audit: { at: Date; actor: string; action: string; details: Record<string, unknown> }[];
  /** outcome of an action just taken, or why it was refused */
  notice?: { ok: boolean; text: string };
  /** a forecast version against the previous approved one of its scope, if there is one */
  compare?: VersionCompare;
}

function decisionForms(ctx: PageContext, b: Batch): SafeHtml {
  const canApprove = b.status === 'validated';
  const canReject = ['received', 'validated', 'approved', 'load_failed'].includes(b.status);
  if (!canApprove && !canReject) return html``;
  if (!ctx.usersEnabled)
    return html`<p class="muted">
      Approve or reject with <code>mfg-etl approve ${b.id} --by NAME</code> (no status page users configured).
    </p>`;
  if (!ctx.user) return html`<p><a href="${query('/login', { next: ctx.path })}">Log in</a> to approve or reject this batch.</p>`;
  return html`<section id="decision">
    <h2>Decision</h2>
    ${
      canApprove
        ? html`<form method="post" action="${href('batches', b.id, 'approve')}" class="decision">
            <input type="hidden" name="csrf" value="${ctx.user.csrfToken}" /><label
              >Comment <input type="text" name="comment" maxlength="500"
            /></label>
            <button type="submit" name="action" value="approve" class="approve">Approve</button>
          </form>`
        : ''
    }
    ${
      canReject
        ? html`<form method="post" action="${href('batches', b.id, 'reject')}" class="decision">
            <input type="hidden" name="csrf" value="${ctx.user.csrfToken}" /><label
              >Reason <input type="text" name="reason" maxlength="500" required
            /></label>
            <button type="submit" name="action" value="reject" class="reject">Reject</button>
          </form>`
        : ''
    }
    <p class="muted small">Recorded in the audit trail as ${ctx.user.name}.</p>
  </section>`;
}

export function batchPage(ctx: PageContext, d: BatchPageData): SafeHtml {
  const b = d.batch;
  return layout(
    ctx,
    `Batch ${b.id}`,
    html`<h1>Batch #${b.id}: ${b.kind} ${b.scope} ${b.version} <span id="batch-status">${badge(b.status, BATCH_LIGHT)}</span></h1>
      ${d.notice ? html`<p class="notice notice-${d.notice.ok ? 'green' : 'red'}" id="notice">${d.notice.text}</p>` : ''}
      <dl class="facts">
        <dt>Source</dt>
        <dd>
          ${b.source ?? '–'}${
            b.source || b.sourceSha256
              ? html` · <a href="${query('/lineage', { file: b.sourceSha256 ?? b.source })}" id="file-lineage">where each line went</a>`
              : ''
          }
        </dd>
        <dt>Created</dt>
        <dd>
          ${time(b.createdAt, ctx)} by ${b.createdBy}${b.runId ? html` in <a href="${href('runs', b.runId)}">run #${b.runId}</a>` : ''}
        </dd>
        ${
          b.approvedBy
            ? html`<dt>Approved</dt>
                <dd>${time(b.approvedAt, ctx)} by ${b.approvedBy}${b.approvalComment ? html`: ${b.approvalComment}` : ''}</dd>`
            : ''
        }
        ${
          b.rejectedBy
            ? html`<dt>Rejected</dt>
                <dd>${time(b.rejectedAt, ctx)} by ${b.rejectedBy}: ${b.rejectReason ?? ''}</dd>`
            : ''
        }
        ${
          b.supersededBy
            ? html`<dt>Superseded by</dt>
                <dd><a href="${href('batches', b.supersededBy)}">#${b.supersededBy}</a></dd>`
            : ''
        }
      </dl>
      ${decisionForms(ctx, b)} ${d.compare ? versionCompareSection(d.compare, b.id) : ''}
      <section>
        <h2>Checkpoints</h2>
        ${
          d.checkpoints.length === 0
            ? html`<p class="muted">No checkpoints recorded.</p>`
            : html`<div class="scroll">
                <table id="checkpoints">
                  <thead>
                    <tr>
                      <th>Checkpoint</th>
                      <th>Severity</th>
                      <th>Result</th>
                      <th>Measured</th>
                      <th>Message</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${d.checkpoints.map(
                      (c) =>
                        html`<tr>
                          <td>${c.name}</td>
                          <td>${c.severity}</td>
                          <td>
                            ${c.passed ? html`<span class="good">pass</span>` : c.severity === 'error' ? html`<span class="bad">FAIL</span>` : html`<span class="warn">warning</span>`}
                          </td>
                          <td class="small"><code>${compact(c.measured, 300)}</code></td>
                          <td>${c.message}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
        }
      </section>
      ${
        d.rowErrors.length
          ? html`<section id="row-errors">
              <h2>Error report</h2>
              <p>
                <a href="${href('batches', b.id, 'errors.csv')}" download>Download as CSV</a
                >${Number(b.stats.errorCount) > d.rowErrors.length ? html` · showing ${d.rowErrors.length} of ${Number(b.stats.errorCount)}` : ''}
              </p>
              <div class="scroll">
                <table>
                  <thead>
                    <tr>
                      <th>Row / cell</th>
                      <th>Column</th>
                      <th>Value</th>
                      <th>Problem</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${d.rowErrors.map(
                      (e) =>
                        html`<tr>
                          <td>${e.ref}</td>
                          <td>${e.col}</td>
                          <td>${e.value}</td>
                          <td>${e.message}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
            </section>`
          : ''
      }
      ${
        d.loadErrors.length
          ? html`<section id="load-errors">
              <h2>Rows Odoo refused</h2>
              <div class="scroll">
                <table>
                  <thead>
                    <tr>
                      <th>Run</th>
                      <th>Model</th>
                      <th>Row</th>
                      <th>Message</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${d.loadErrors.map(
                      (e) =>
                        html`<tr>
                          <td>${e.runId ? html`<a href="${href('runs', e.runId)}">#${e.runId}</a>` : ''}</td>
                          <td>${e.model}</td>
                          <td>${e.ref}</td>
                          <td>${e.message}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
            </section>`
          : ''
      }
      <section>
        <h2>Stats</h2>
        <pre>${json(b.stats)}</pre>
      </section>
      <section>
        <h2>Audit trail</h2>
        <div class="scroll">
          <table id="audit">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              ${d.audit.map(
                (a) =>
                  html`<tr>
                    <td>${time(a.at, ctx)}</td>
                    <td>${a.actor}</td>
                    <td>${a.action}</td>
                    <td class="small">${compact(a.details, 300)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </section>`,
  );
}

export function reportsPage(ctx: PageContext, files: ReportFile[], truncated: boolean): SafeHtml {
  return layout(
    ctx,
    'Reports',
    html`<h1>Reports</h1>
      ${reportsTable(files, ctx)}${truncated ? html`<p class="muted">Only the newest ${files.length} are listed.</p>` : ''}`,
  );
}

export function loginPage(ctx: PageContext, o: { csrf: string; next: string; error?: string; login?: string }): SafeHtml {
  return layout(
    ctx,
    'Log in',
    html`<h1>Log in</h1>
      ${o.error ? html`<p class="notice notice-red" id="login-error">${o.error}</p>` : ''}
      <form method="post" action="/login" class="login">
        <input type="hidden" name="csrf" value="${o.csrf}" />
        <input type="hidden" name="next" value="${o.next}" />
        <label>User <input type="text" name="login" autocomplete="username" required value="${o.login ?? ''}" /></label>
        <label>Password <input type="password" name="password" autocomplete="current-password" required /></label>
        <button type="submit">Log in</button>
      </form>`,
  );
}

export const STYLE = `
:root{--green:#1a7f37;--amber:#b35900;--red:#c62828;--blue:#0b5cad;--grey:#6b7280;--bg:#fff;--fg:#1f2328;--line:#d0d7de}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#24292f}
nav{display:flex;flex-wrap:wrap;gap:.3rem 1.1rem;align-items:center;padding:.6rem 1rem;max-width:1400px;margin:auto}
nav a{color:#fff;text-decoration:none}
nav .brand{font-weight:700}
nav .account{margin-left:auto;color:#d0d7de}
nav .account .muted{color:#d0d7de}
nav button.link{color:#fff}
main{padding:0 1rem 2rem;max-width:1400px;margin:auto}
footer{padding:1rem;max-width:1400px;margin:auto;font-size:.85em}
h1{font-size:1.4rem;margin:1.1rem 0 .4rem}
h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;min-width:36rem}
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}
th{font-size:.85em;color:#57606a;white-space:nowrap}
td time{white-space:nowrap}
.muted{color:var(--grey)}
.small{font-size:.85em}
.bad{color:var(--red)}
.warn{color:var(--amber)}
.good{color:var(--green)}
.light,.badge{display:inline-block;padding:.05rem .55rem;border-radius:1rem;font-size:.85em;font-weight:600;color:#fff;white-space:nowrap}
.light-green,.badge-green{background:var(--green)}
.light-amber,.badge-amber{background:var(--amber)}
.light-red,.badge-red{background:var(--red)}
.badge-blue{background:var(--blue)}
.badge-grey{background:var(--grey)}
td.reason{min-width:13rem}
tr.row-red td.reason{color:var(--red)}
tr.row-amber td.reason{color:var(--amber)}
.notice{padding:.5rem .75rem;border-radius:.4rem;margin:.5rem 0}
.notice-red{background:#fdecea;color:#8a1c1c}
.notice-green{background:#e8f5e9;color:#14532d}
.notice-amber{background:#fff4e5;color:#7a4a00}
ul.incidents{list-style:none;padding:0}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;font-size:.85em}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dl.facts dt{color:#57606a}
dl.facts dd{margin:0}
form.inline{display:inline}
form.filters,form.decision{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0}
form.login{display:grid;gap:.6rem;max-width:22rem}
form.login label{display:grid;gap:.2rem}
input,select,button{font:inherit;padding:.3rem .5rem}
button{cursor:pointer}
button.link{background:none;border:none;padding:0;text-decoration:underline}
button.approve{background:var(--green);color:#fff;border:0;border-radius:.3rem}
button.reject{background:var(--red);color:#fff;border:0;border-radius:.3rem}
progress{width:100%;max-width:40rem;height:1.1rem;accent-color:var(--blue)}
.progress-step{font-weight:600;margin:.3rem 0}
.progress-figures{margin:.3rem 0}
table.log tr.level-error td{color:var(--red)}
table.log tr.level-warn td{color:var(--amber)}
@media (max-width:600px){body{font-size:14px}dl.facts{grid-template-columns:1fr}dl.facts dt{margin-top:.4rem}}
`;
