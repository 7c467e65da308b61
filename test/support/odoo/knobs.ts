/**
 * Fault injection and accounting for the test server: latency, HTTP 503s, serialization
 * failures, answers lost after the commit, forced wizard answers, a server that stops answering
 * after some calls, and call counters.
 */
export interface CallMatch {
  model?: string;
  method?: string;
  protocol?: 'xmlrpc' | 'json2';
}

export interface CallInfo {
  protocol: 'xmlrpc' | 'json2';
  /** 'common' for /xmlrpc/2/common, else the model */
  model: string;
  method: string;
}

export interface CallRecord extends CallInfo {
  ids?: number[];
  /** the named arguments the method was bound to (positional XML-RPC arguments named) */
  kwargs?: Record<string, unknown>;
  context: Record<string, unknown>;
  /** what the server did with it */
  outcome: 'ok' | 'error' | 'http503' | 'serialization' | 'lost' | 'wizard';
}

interface Injection {
  remaining: number;
  match: CallMatch;
}

interface WizardInjection extends Injection {
  resModel: string;
  name: string;
}

function matches(match: CallMatch, call: CallInfo): boolean {
  return (
    (match.model === undefined || match.model === call.model) &&
    (match.method === undefined || match.method === call.method) &&
    (match.protocol === undefined || match.protocol === call.protocol)
  );
}

export class Knobs {
  /** sleep per call: fixedMs, plus perRecordMs for each record the call carries or returns */
  latency = { fixedMs: 0, perRecordMs: 0 };
  private readonly http503: Injection[] = [];
  private readonly serialization: Injection[] = [];
  private readonly lost: Injection[] = [];
  private readonly wizards: WizardInjection[] = [];
  private stop: (Injection & { stopped: boolean }) | null = null;

  /** The next `count` matching calls answer HTTP 503 (nothing runs). */
  failWith503(count: number, match: CallMatch = {}): void {
    this.http503.push({ remaining: count, match });
  }

  /** The next `count` matching calls fail with a Postgres serialization failure (rolled back). */
  failWithSerialization(count: number, match: CallMatch = {}): void {
    this.serialization.push({ remaining: count, match });
  }

  /** The next `count` matching calls run and commit, then the connection drops without an answer. */
  loseResponse(count: number, match: CallMatch = {}): void {
    this.lost.push({ remaining: count, match });
  }

  /** Matching calls answer a window action for `resModel` instead of doing their work. */
  forceWizard(
    match: CallMatch & { model: string; method: string },
    resModel: string,
    options: { count?: number; name?: string } = {},
  ): void {
    this.wizards.push({ remaining: options.count ?? Number.POSITIVE_INFINITY, match, resModel, name: options.name ?? 'Wizard' });
  }

  /**
   * Odoo stops after `count` more matching calls: those run and answer, every later call (any
   * model, any method, login included) answers HTTP 503 as a stopped Odoo behind its proxy
   * does, until reset.
   */
  stopAfter(count: number, match: CallMatch = {}): void {
    this.stop = { remaining: count, match, stopped: count <= 0 };
  }

  /** true once a `stopAfter` server has stopped */
  get stopped(): boolean {
    return this.stop?.stopped ?? false;
  }

  reset(): void {
    this.stop = null;
    this.latency = { fixedMs: 0, perRecordMs: 0 };
    this.http503.length = 0;
    this.serialization.length = 0;
    this.lost.length = 0;
    this.wizards.length = 0;
  }

  private take<T extends Injection>(list: T[], call: CallInfo): T | undefined {
    const found = list.find((item) => item.remaining > 0 && matches(item.match, call));
    if (found) found.remaining--;
    return found;
  }

  take503(call: CallInfo): boolean {
    if (this.stop) {
      if (this.stop.stopped) return true;
      if (matches(this.stop.match, call) && --this.stop.remaining <= 0) this.stop.stopped = true;
    }
    return this.take(this.http503, call) !== undefined;
  }

  takeSerialization(call: CallInfo): boolean {
    return this.take(this.serialization, call) !== undefined;
  }

  takeLost(call: CallInfo): boolean {
    return this.take(this.lost, call) !== undefined;
  }

  takeWizard(call: CallInfo): { resModel: string; name: string } | undefined {
    return this.take(this.wizards, call);
  }
}

export class CallStats {
  /** HTTP requests received */
  requests = 0;
  /** requests being answered right now, and the most seen at once */
  inFlight = 0;
  peakInFlight = 0;
  readonly log: CallRecord[] = [];
  private readonly counts = new Map<string, number>();

  record(entry: CallRecord): void {
    this.log.push(entry);
    const key = `${entry.model}.${entry.method}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Calls received for a model and method (either may be left out). */
  count(model?: string, method?: string): number {
    if (model === undefined && method === undefined) return this.log.length;
    return this.log.filter((entry) => (model === undefined || entry.model === model) && (method === undefined || entry.method === method))
      .length;
  }

  /** Counts per 'model.method'. */
  byMethod(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  reset(): void {
    this.requests = 0;
    this.peakInFlight = this.inFlight;
    this.log.length = 0;
    this.counts.clear();
  }
}
