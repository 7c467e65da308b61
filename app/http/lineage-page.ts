/**
 * The status page's lineage view (no script, escaped like every page): `/lineage?model=…&id=…`
 * lists every write of an Odoo record with its file, line(s), batch, approval and run;
 * `/lineage?file=<path|sha256>` lists each line of a file with where it went or why not.
 */
import type { Approval, FileLineage, RecordWrite } from '../../load/odoo-ledger/lineage.ts';
import { href, html, query, type SafeHtml } from './html.ts';
import { layout, type PageContext, time } from './pages.ts';

function approvalHtml(a: Approval, ctx: PageContext): SafeHtml {
  if (!a.at) return html`<span class="muted">not approved</span>`;
  if (a.auto) return html`auto-approved ${time(a.at, ctx)}${a.comment ? html` <span class="muted">(${a.comment})</span>` : ''}`;
  return html`${time(a.at, ctx)} by ${a.by ?? '?'}${a.comment ? html`: ${a.comment}` : ''}`;
}

const LINES_SHOWN = 50;

function lookupForm(model = '', id = '', file = ''): SafeHtml {
  return html`<form method="get" action="/lineage" class="inline">
      <label>Odoo model <input name="model" value="${model}" placeholder="stock.quant" /></label>
      <label>id <input name="id" value="${id}" inputmode="numeric" size="8" /></label>
      <button type="submit">Show record</button>
    </form>
    <form method="get" action="/lineage" class="inline">
      <label>or file (inbox path or sha256) <input name="file" value="${file}" size="40" /></label>
      <button type="submit">Show file</button>
    </form>`;
}

export function lineageLookupPage(ctx: PageContext, o: { model?: string; id?: string; file?: string; error?: string } = {}): SafeHtml {
  return layout(
    ctx,
    'Lineage',
    html`<h1>Lineage</h1>
      <p>Which file, line, batch, approval and run put an Odoo record there; or where each line of a file went.</p>
      ${o.error ? html`<p class="notice notice-red" id="notice">${o.error}</p>` : ''} ${lookupForm(o.model, o.id, o.file)}`,
  );
}

export function recordLineagePage(ctx: PageContext, model: string, id: number, writes: readonly RecordWrite[]): SafeHtml {
  return layout(
    ctx,
    `Lineage ${model} ${id}`,
    html`<h1>${model} ${id}</h1>
      <p>${writes.length} write(s) by mfg-etl, newest first.</p>
      <div class="scroll">
        <table id="lineage-writes">
          <thead>
            <tr>
              <th>When</th>
              <th>Operation</th>
              <th>File</th>
              <th>Line(s)</th>
              <th>Batch</th>
              <th>Approval</th>
              <th>Run</th>
            </tr>
          </thead>
          <tbody>
            ${writes.map((w) => {
              const lines = (w.lines ?? []).slice(0, LINES_SHOWN).map((l) => l.ref ?? `#${l.line}`);
              const more = (w.lineCount ?? 0) - lines.length;
              return html`<tr>
                <td>${time(w.at, ctx)}</td>
                <td>${w.operation} <span class="muted small">${w.businessKey}</span></td>
                <td>
                  ${
                    w.file
                      ? html`<a href="${query('/lineage', { file: w.file.sha256 ?? w.file.path })}">${w.file.path ?? w.file.name ?? '?'}</a
                          >${
                            w.batch && w.file.batchId !== w.batch.id
                              ? html`<br /><span class="small"
                                    >from <a href="${href('batches', w.file.batchId)}">batch #${w.file.batchId}</a> (${w.file.kind}),
                                    ${approvalHtml(w.file.approval, ctx)}</span
                                  >`
                              : ''
                          }`
                      : html`<span class="muted">${w.noFile ?? ''}</span>`
                  }
                </td>
                <td>${lines.join(', ')}${more > 0 ? html` <span class="muted">and ${more} more</span>` : ''}</td>
                <td>
                  ${
                    w.batch
                      ? html`<a href="${href('batches', w.batch.id)}">#${w.batch.id}</a> ${w.batch.kind} ${w.batch.scope} ${w.batch.version}`
                      : html`<span class="muted">none</span>`
                  }
                </td>
                <td>${w.batch ? approvalHtml(w.batch.approval, ctx) : ''}</td>
                <td>
                  ${
                    w.run
                      ? html`<a href="${href('runs', w.run.id)}">#${w.run.id}</a> ${w.run.job} (${w.run.trigger})
                          ${time(w.run.startedAt, ctx)}`
                      : html`<span class="muted">removed</span>`
                  }
                </td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
      ${lookupForm(model, String(id))}`,
  );
}

export function fileLineagePage(ctx: PageContext, f: FileLineage): SafeHtml {
  return layout(
    ctx,
    `Lineage of ${f.query}`,
    html`<h1>Lineage of ${f.query}</h1>
      ${f.batches.map(
        (b) =>
          html`<section>
            <h2>
              <a href="${href('batches', b.batch.id)}">Batch #${b.batch.id}</a>: ${b.batch.kind} ${b.batch.scope} ${b.batch.version} —
              ${b.batch.status}
            </h2>
            <p>
              ${b.batch.source ?? ''} <span class="muted small">sha256 ${b.batch.sha256 ?? '–'}</span><br />
              ${b.batch.approval ? html`Approved: ${approvalHtml(b.batch.approval, ctx)}<br />` : ''} ${b.staged} staged line(s),
              ${b.written} reached Odoo in ${b.writes} write(s); ${b.rowErrors.length} line(s) never staged.
            </p>
            ${b.note ? html`<p class="notice notice-red">${b.note}</p>` : ''}
            ${
              b.lines.length
                ? html`<div class="scroll">
                    <table class="lineage-lines">
                      <thead>
                        <tr>
                          <th>Line</th>
                          <th>Went to</th>
                          <th>Why not</th>
                        </tr>
                      </thead>
                      <tbody>
                        ${b.lines.map(
                          (l) =>
                            html`<tr>
                              <td>${l.ref}</td>
                              <td>
                                ${l.went.map(
                                  (w) =>
                                    html`<a href="${query('/lineage', { model: w.model, id: w.id ?? undefined })}"
                                        >${w.operation} ${w.model} ${w.id ?? '?'}</a
                                      >${
                                        w.lines > 1 ? html` <span class="muted small">(with ${w.lines - 1} other line(s))</span>` : ''
                                      }<br />`,
                                )}
                              </td>
                              <td>${l.why.join('; ')}</td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>
                  </div>`
                : ''
            }
            ${
              b.nextAfter !== null
                ? html`<p><a href="${query('/lineage', { file: f.sha256 ?? f.query, after: b.nextAfter })}">More lines</a></p>`
                : ''
            }
            ${
              b.rowErrors.length
                ? html`<h3>Never staged (row errors of the import)</h3>
                    <ul>
                      ${b.rowErrors.map((e) => html`<li>${e.ref}${e.column ? ` [${e.column}]` : ''}: ${e.message}</li>`)}
                    </ul>`
                : ''
            }
          </section>`,
      )}
      ${lookupForm('', '', f.query)}`,
  );
}
