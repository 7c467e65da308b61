/**
 * Health rules, pure: how fresh a workflow is against its expected interval, its traffic light
 * with the reasons in words, and which alert conditions hold right now. The facts come from the
 * staging database (load/staging/ops.ts); delivery and incident state live elsewhere.
 */

export type Light = 'green' | 'amber' | 'red';

export interface RunFact {
  id: number;
  status: string;
  /** finished, else started, else queued */
  at: Date | null;
  error: string | null;
  /** the error's class (LoadFailedError: a failure a person must fix, not retried) */
  errorClass?: string | null;
}

/** What the database knows about one job, gathered for the status page and alerts. */
export interface WorkflowFacts {
  job: string;
  /** null: manual-only job, never late */
  expectedEveryMinutes: number | null;
  /** newest attempt, whatever its state */
  lastRun: RunFact | null;
  /** newest finished attempt */
  lastFinished: RunFact | null;
  lastSuccessAt: Date | null;
  running: number;
  queued: number;
  /** dead runs not replayed */
  deadLetters: number;
  lastDead: RunFact | null;
  /** batches of this job's runs waiting for a person (validated, not approved yet) */
  pendingApprovals: number;
  oldestApprovalSince: Date | null;
  /** when freshness starts counting for a job that never succeeded (the schema's installation) */
  since: Date;
}

export interface WorkflowHealth {
  job: string;
  light: Light;
  /** why, in words, worst first; one line for green */
  reasons: string[];
  late: boolean;
  /** minutes since the last success (or since `since` when none) */
  ageMinutes: number;
}

export interface HealthRules {
  /** a batch waiting for approval longer than this is overdue */
  approvalWaitHours: number;
}

const MINUTE = 60_000;

/** "45 s", "12 min", "3 h 5 min", "2 days 4 h" */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} days ${h % 24} h` : `${d} days`;
}

function every(minutes: number): string {
  return humanDuration(minutes * MINUTE);
}

/** Default freshness of a scheduled job: its interval plus a grace of the same, at most an hour. */
export function defaultExpectedMinutes(scheduleIntervalMinutes: number): number {
  return scheduleIntervalMinutes + Math.min(scheduleIntervalMinutes, 60);
}

function oneLine(text: string | null, max = 200): string {
  const line = (text ?? 'no message').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const RANK: Record<Light, number> = { green: 0, amber: 1, red: 2 };

export function worst(lights: Light[]): Light {
  return lights.reduce<Light>((a, b) => (RANK[b] > RANK[a] ? b : a), 'green');
}

export function assessWorkflow(f: WorkflowFacts, now: Date, rules: HealthRules): WorkflowHealth {
  const red: string[] = [];
  const amber: string[] = [];
  const reference = f.lastSuccessAt ?? f.since;
  const ageMs = now.getTime() - reference.getTime();
  const late = f.expectedEveryMinutes !== null && ageMs > f.expectedEveryMinutes * MINUTE;

  if (f.deadLetters > 0 && f.lastDead) {
    const recovered = f.lastSuccessAt !== null && f.lastDead.at !== null && f.lastSuccessAt > f.lastDead.at;
    const text = `${f.deadLetters === 1 ? 'run' : `${f.deadLetters} runs`} failed for good (dead letter${f.deadLetters === 1 ? '' : 's'}, last run ${f.lastDead.id}): ${oneLine(f.lastDead.error)}`;
    if (recovered) amber.push(`${text}; succeeded since, replay or leave it`);
    else red.push(text);
  }
  if (late) {
    red.push(
      f.lastSuccessAt
        ? `late: last success ${humanDuration(ageMs)} ago, expected every ${every(f.expectedEveryMinutes!)}`
        : `late: no successful run in ${humanDuration(ageMs)}, expected every ${every(f.expectedEveryMinutes!)}`,
    );
  }
  const last = f.lastFinished;
  if (last && last.status === 'failed' && (!f.lastSuccessAt || (last.at && last.at > f.lastSuccessAt))) {
    amber.push(
      last.errorClass === 'LoadFailedError'
        ? `last run failed: ${oneLine(last.error, 400)}`
        : `last attempt failed, will be retried: ${oneLine(last.error)}`,
    );
  }
  if (f.pendingApprovals > 0) {
    const waited = f.oldestApprovalSince ? now.getTime() - f.oldestApprovalSince.getTime() : 0;
    const overdue = waited > rules.approvalWaitHours * 60 * MINUTE;
    amber.push(
      `${f.pendingApprovals} batch${f.pendingApprovals === 1 ? '' : 'es'} waiting for approval` +
        (f.oldestApprovalSince ? ` (oldest ${humanDuration(waited)}${overdue ? `, over ${rules.approvalWaitHours} h` : ''})` : ''),
    );
  }
  if (!f.lastRun && f.expectedEveryMinutes !== null && !late) amber.push('no run yet');

  let reasons = [...red, ...amber];
  const light: Light = red.length ? 'red' : amber.length ? 'amber' : 'green';
  if (reasons.length === 0) {
    if (f.lastSuccessAt) {
      reasons = [
        `last success ${humanDuration(ageMs)} ago${f.expectedEveryMinutes !== null ? `, expected every ${every(f.expectedEveryMinutes)}` : ''}`,
      ];
    } else {
      reasons = [f.lastRun ? `no successful run yet (${f.lastRun.status})` : 'manual job, no runs yet'];
    }
  }
  return { job: f.job, light, reasons, late, ageMinutes: Math.round(ageMs / MINUTE) };
}

// ---- alerts -------------------------------------------------------------------------------------

export type AlertKind = 'dead_letter' | 'late' | 'approval_wait' | 'reconciliation' | 'mes_release';

/** A condition that holds now; the incident store opens one incident per key while it holds. */
export interface AlertCondition {
  key: string;
  kind: AlertKind;
  subject: string;
  message: string;
  details: Record<string, unknown>;
}

export interface DeadRunFact {
  id: number;
  job: string;
  finishedAt: Date | null;
  error: string | null;
}

export interface WaitingBatchFact {
  id: number;
  kind: string;
  scope: string;
  version: string;
  since: Date;
}

/** The latest finished reconciliation of a warehouse (and kind: daily, month_end). */
export interface ReconciliationFact {
  id: number;
  warehouse: string;
  kind: string;
  finishedAt: Date | null;
  /** absolute value of the discrepancies, company currency */
  valueImpact: number;
  currency: string | null;
}

/** An MES release waiting for an answer, refused or overdue (mes_releases). */
export interface MesReleaseFact {
  mo: string;
  productCode: string;
  state: 'released' | 'refused' | 'overdue';
  verb: string;
  messageId: string;
  releasedAt: Date;
  answer: string | null;
}

export interface AlertFacts {
  workflows: WorkflowFacts[];
  deadRuns: DeadRunFact[];
  waitingBatches: WaitingBatchFact[];
  reconciliations: ReconciliationFact[];
  /** absent: the MES link is not in use */
  mesReleases?: MesReleaseFact[];
}

export interface AlertRules extends HealthRules {
  /** value impact (absolute) of a reconciliation's discrepancies above which an alert is sent; null: never */
  reconciliationValueThreshold: number | null;
  /** mes.ackTimeoutMinutes: a release unanswered longer than this is overdue (30 by default) */
  mesAckTimeoutMinutes?: number;
}

/** Whether a release is overdue now: marked so by mes-release, or unanswered beyond the timeout. */
export function releaseOverdue(r: MesReleaseFact, now: Date, timeoutMinutes: number): boolean {
  return r.state === 'overdue' || (r.state === 'released' && now.getTime() - r.releasedAt.getTime() > timeoutMinutes * MINUTE);
}

/** The MES releases' own traffic light: red refused or overdue, amber waiting within the timeout, green all answered. */
export function mesReleaseHealth(facts: readonly MesReleaseFact[], now: Date, timeoutMinutes: number): { light: Light; reasons: string[] } {
  const refused = facts.filter((r) => r.state === 'refused');
  const overdue = facts.filter((r) => releaseOverdue(r, now, timeoutMinutes));
  const waiting = facts.filter((r) => r.state === 'released' && !releaseOverdue(r, now, timeoutMinutes));
  const names = (list: readonly MesReleaseFact[]) =>
    list
      .slice(0, 5)
      .map((r) => r.mo)
      .join(', ') + (list.length > 5 ? ', …' : '');
  const reasons: string[] = [];
  if (refused.length) reasons.push(`${refused.length} refused by the MES: ${names(refused)}`);
  if (overdue.length) reasons.push(`${overdue.length} not acknowledged within ${timeoutMinutes} min: ${names(overdue)}`);
  if (waiting.length) reasons.push(`${waiting.length} waiting for the MES's acknowledgment`);
  const light: Light = refused.length || overdue.length ? 'red' : waiting.length ? 'amber' : 'green';
  return { light, reasons: reasons.length ? reasons : ['every release acknowledged'] };
}

export function alertConditions(facts: AlertFacts, now: Date, rules: AlertRules): AlertCondition[] {
  const out: AlertCondition[] = [];
  const lastSuccess = new Map(facts.workflows.map((w) => [w.job, w.lastSuccessAt]));
  for (const run of facts.deadRuns) {
    const success = lastSuccess.get(run.job);
    // a later success of the same job clears it (the dead letter stays listed until replayed)
    if (success && run.finishedAt && success > run.finishedAt) continue;
    out.push({
      key: `dead:${run.id}`,
      kind: 'dead_letter',
      subject: run.job,
      message: `${run.job}: run ${run.id} failed for good and is in the dead letters: ${oneLine(run.error)}`,
      details: { job: run.job, runId: run.id, error: run.error },
    });
  }
  for (const w of facts.workflows) {
    const health = assessWorkflow(w, now, rules);
    if (!health.late) continue;
    out.push({
      key: `late:${w.job}`,
      kind: 'late',
      subject: w.job,
      message: `${w.job} is late: ${health.reasons.find((r) => r.startsWith('late:'))?.slice('late: '.length) ?? 'no recent success'}`,
      details: { job: w.job, lastSuccessAt: w.lastSuccessAt?.toISOString() ?? null, expectedEveryMinutes: w.expectedEveryMinutes },
    });
  }
  const waitLimit = rules.approvalWaitHours * 60 * MINUTE;
  for (const b of facts.waitingBatches) {
    const waited = now.getTime() - b.since.getTime();
    if (waited <= waitLimit) continue;
    out.push({
      key: `approval:${b.id}`,
      kind: 'approval_wait',
      subject: `batch ${b.id}`,
      message: `batch ${b.id} (${b.kind} ${b.scope} version ${b.version}) has been waiting for approval for ${humanDuration(waited)} (limit ${rules.approvalWaitHours} h)`,
      details: { batchId: b.id, kind: b.kind, scope: b.scope, version: b.version, waitingSince: b.since.toISOString() },
    });
  }
  if (rules.reconciliationValueThreshold !== null) {
    for (const r of facts.reconciliations) {
      if (Math.abs(r.valueImpact) <= rules.reconciliationValueThreshold) continue;
      const money = `${r.valueImpact.toFixed(2)}${r.currency ? ` ${r.currency}` : ''}`;
      out.push({
        key: `reconciliation:${r.warehouse}:${r.kind}`,
        kind: 'reconciliation',
        subject: `warehouse ${r.warehouse} (${r.kind} reconciliation)`,
        message: `inventory reconciliation ${r.id} of warehouse ${r.warehouse} (${r.kind}): the discrepancies are worth ${money}, over the threshold of ${rules.reconciliationValueThreshold}`,
        details: { reconciliationId: r.id, warehouse: r.warehouse, kind: r.kind, valueImpact: r.valueImpact, currency: r.currency },
      });
    }
  }
  const timeout = rules.mesAckTimeoutMinutes ?? 30;
  for (const r of facts.mesReleases ?? []) {
    const refused = r.state === 'refused';
    if (!refused && !releaseOverdue(r, now, timeout)) continue;
    const what = `MES release of ${r.mo} (${r.productCode}, ${r.verb} message ${r.messageId})`;
    out.push({
      key: `mes:${r.mo}`,
      kind: 'mes_release',
      subject: r.mo,
      message: refused
        ? `${what} was refused by the MES${r.answer ? `: ${oneLine(r.answer)}` : ''}`
        : `${what} has not been acknowledged for ${humanDuration(now.getTime() - r.releasedAt.getTime())} (timeout ${timeout} min)`,
      details: {
        mo: r.mo,
        state: refused ? 'refused' : 'overdue',
        messageId: r.messageId,
        releasedAt: r.releasedAt.toISOString(),
        answer: r.answer,
      },
    });
  }
  return out;
}

/** What the recovery message says when a condition no longer holds. */
export function recoveryText(kind: AlertKind, subject: string): string {
  switch (kind) {
    case 'dead_letter':
      return `${subject}: the dead run was replayed or the job has succeeded since`;
    case 'late':
      return `${subject} is on time again`;
    case 'approval_wait':
      return `${subject} is no longer waiting for approval`;
    case 'reconciliation':
      return `${subject}: the latest reconciliation is within the threshold`;
    case 'mes_release':
      return `${subject}: the MES acknowledged the release (or it was sent again, or cancelled)`;
  }
}

// ---- row counts -----------------------------------------------------------------------------------

/**
 * Which run stats keys count as rows read / staged / rejected / loaded (metrics, runs table).
 * Jobs report them as top-level numbers in the stats they return.
 */
export const ROW_STAT_KEYS: Record<'read' | 'staged' | 'rejected' | 'loaded', readonly string[]> = {
  read: ['rowsRead'],
  staged: ['rowsStaged'],
  rejected: ['rowsRejected', 'rowsFailed'],
  loaded: ['rowsLoaded', 'rowsWritten'],
};

export function rowStage(key: string): keyof typeof ROW_STAT_KEYS | undefined {
  return (Object.keys(ROW_STAT_KEYS) as (keyof typeof ROW_STAT_KEYS)[]).find((stage) => ROW_STAT_KEYS[stage].includes(key));
}

/** The row counts a run reported, by stage (absent stages left out). */
export function rowCounts(stats: Record<string, unknown>): Partial<Record<keyof typeof ROW_STAT_KEYS, number>> {
  const out: Partial<Record<keyof typeof ROW_STAT_KEYS, number>> = {};
  for (const [key, value] of Object.entries(stats)) {
    const stage = rowStage(key);
    if (stage && typeof value === 'number' && Number.isFinite(value)) out[stage] = (out[stage] ?? 0) + value;
  }
  return out;
}

// ---- waiting runs ---------------------------------------------------------------------------------

/** The running run a queued run of the same job waits for (a job never runs twice at once). */
export interface BlockingRunFact {
  id: number;
  job: string;
  host: string | null;
  pid: number | null;
  startedAt: Date | null;
  heartbeatAt: Date | null;
}

/** "2026-03-02 12:00:00Z": the CLI's time format */
function stamp(d: Date): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** When a silent run gets taken over: four heartbeat periods after its last sign of life. */
export function takeOverAt(b: BlockingRunFact, staleSeconds: number): Date | null {
  const last = b.heartbeatAt ?? b.startedAt;
  return last ? new Date(last.getTime() + staleSeconds * 1000) : null;
}

/** Why a run waits and how long at most, in one line (CLI stderr and the run's status page). */
export function waitingNotice(b: BlockingRunFact, now: Date, staleSeconds: number): string {
  const by = `${b.host ?? '?'}/${b.pid ?? '?'}`;
  const started = b.startedAt ? ` at ${stamp(b.startedAt)}` : '';
  const beat = b.heartbeatAt ? `heartbeat ${humanDuration(now.getTime() - b.heartbeatAt.getTime())} ago` : 'no heartbeat yet';
  const at = takeOverAt(b, staleSeconds);
  const takeOver = at ? `; taken over at ${stamp(at > now ? at : now)} if it stays silent` : '';
  return `waiting for run ${b.id} of ${b.job} started by ${by}${started}, ${beat}${takeOver}`;
}
