/**
 * Settings of the historian jobs: the config file's `historian` section. Pure: validated here,
 * read by jobs/historian-extract.ts, jobs/historian-load.ts and the plant simulator. The OPC UA
 * connection itself (endpoint, security, user) comes from MFG_ETL_OPCUA_* (core/config.ts).
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import { type ConfigMistake, expected, parseSection } from './mistakes.ts';
import { MAX_DAYS } from './values.ts';
import { approvalPolicySchema, checkpointSetting } from './policy.ts';

const clock = z
  .string(expected('a time of day HH:MM (00:00–23:59)'))
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, expected('a time of day HH:MM (00:00–23:59)'));
const positive = z.number().finite().positive();

export const shiftSchema = z
  .object({
    name: z.string().min(1).max(40),
    /** plant time (MFG_ETL_TIMEZONE); end ≤ start means the shift crosses midnight */
    start: clock,
    end: clock,
  })
  .strict();
export type Shift = z.infer<typeof shiftSchema>;

/** a state code's meaning: "running", "idle", or "down" with the loss reason posted to Odoo */
const stateMeaningSchema = z.union(
  [
    z.enum(['running', 'idle', 'down']),
    z
      .object({
        state: z.enum(['running', 'idle', 'down']),
        /** Odoo loss reason: an external ID (module.name) or the reason's name */
        lossReason: z.string().min(1).optional(),
      })
      .strict(),
  ],
  expected('"running", "idle", "down" or { "state": "running" | "idle" | "down", "lossReason": "…" }'),
);

export const TAG_KINDS = ['good-counter', 'scrap-counter', 'state', 'analog'] as const;
export type TagKind = (typeof TAG_KINDS)[number];

export const tagSchema = z
  .object({
    /** unique name, used in staging, reports and watermarks */
    name: z.string().min(1).max(200),
    /** "ns=2;i=1111", "ns=2;s=Machine1.Good" or "nsu=<namespace uri>;s=…" */
    nodeId: z.string().min(1).optional(),
    /** "/Objects/2:Plant1/2:Machine1/2:ScrapCount"; a prefix is a namespace index or nsu=<uri>; */
    browsePath: z.string().startsWith('/').optional(),
    /** the Odoo work center code this tag belongs to */
    asset: z.string().min(1),
    kind: z.enum(TAG_KINDS),
    /** counters: the value after which the counter wraps to 0 (e.g. 4294967295 for UInt32) */
    rollover: positive.optional(),
    /** scrap counters: the product scrapped (Odoo default_code); else the work order in progress */
    product: z.string().min(1).optional(),
    /** state tags: code → meaning */
    states: z.record(z.string(), stateMeaningSchema).optional(),
    /** analog tags: engineering unit, shown in reports */
    unit: z.string().optional(),
    /** false: configured but not read (kept for history) */
    active: z.boolean().default(true),
  })
  .strict()
  .refine((t) => (t.nodeId === undefined) !== (t.browsePath === undefined), { message: 'give exactly one of nodeId or browsePath' })
  .refine((t) => t.kind !== 'state' || (t.states !== undefined && Object.keys(t.states).length > 0), {
    message: 'a state tag needs a "states" map (code → running / idle / down)',
    path: ['states'],
  });
export type TagSettings = z.infer<typeof tagSchema>;

/** threshold: the largest measured value that still passes (minutes, counts or percent, per check) */
export const historianCheckpointSettingsSchema = z
  .object({
    /** longest stretch without a sample on an active tag, in minutes */
    gaps: checkpointSetting('warning', 15),
    /** counter resets and implausible jumps */
    counter_anomalies: checkpointSetting('warning', 0),
    /** samples stamped after the read's end (clock skew on the server or the PLC) */
    future_timestamps: checkpointSetting('error', 0),
    /** bad or uncertain samples, percent of all samples read */
    bad_quality: checkpointSetting('warning', 5),
    /** active tags that returned no sample in the window */
    silent_tags: checkpointSetting('warning', 0),
  })
  .strict()
  .prefault({});
export type HistorianCheckpointSettings = z.infer<typeof historianCheckpointSettingsSchema>;

export const assetSchema = z
  .object({
    /** Odoo work center code when it differs from the asset name */
    workcenter: z.string().min(1).optional(),
    /** product scrapped on this asset when the scrap tag names none */
    product: z.string().min(1).optional(),
    /** ideal output per running hour, for OEE performance (absent: performance not computed) */
    idealRatePerHour: positive.optional(),
  })
  .strict();

export const historianSettingsSchema = z
  .object({
    bucketMinutes: z.number().int().positive().max(1440).default(60),
    /** each run re-reads this much before the watermark to catch late values */
    overlapMinutes: z.number().int().nonnegative().default(15),
    /** a tag without a watermark starts this far back */
    initialLookbackHours: positive.default(24),
    /** one run reads at most this much; a run further behind catches up over several runs */
    maxWindowHours: positive.default(168),
    /** a backfill (--param from/to) is staged in windows of at most this much, one batch each */
    backfillWindowHours: positive.max(24 * 31).default(24),
    /** a backfill covers at most this many days (a larger one is refused: split it) */
    backfillMaxDays: positive.default(366),
    shifts: z.array(shiftSchema).default([]),
    tags: z.array(tagSchema).default([]),
    assets: z.record(z.string(), assetSchema).default({}),
    /** HistoryRead: values per node per page (numValuesPerNode) */
    pageSize: z.number().int().positive().max(100_000).default(1000),
    /** HistoryRead: nodes per request */
    nodesPerRequest: z.number().int().positive().max(1000).default(20),
    /** raw samples kept in staging, days */
    retentionDays: z.number().int().positive().max(MAX_DAYS).default(30),
    /** downtime shorter than this is not an event */
    minDowntimeMinutes: z.number().nonnegative().default(2),
    /** Odoo location the scrap is taken from (complete name, e.g. "WH/Stock"); default: the warehouse stock */
    scrapLocation: z.string().min(1).optional(),
    /** lab only: trust any server certificate (never in production) */
    acceptUnknownServerCertificate: z.boolean().default(false),
    approval: approvalPolicySchema.default('auto'),
    checkpoints: historianCheckpointSettingsSchema,
  })
  .strict();
export type HistorianSettings = z.infer<typeof historianSettingsSchema>;

// ---------------------------------------------------------------------------------------------
// Validation of the whole section at start: every mistake on its own line, naming its key.

const KIND_FIELDS: ReadonlyArray<{ field: string; kinds: readonly TagKind[]; says: string }> = [
  {
    field: 'rollover',
    kinds: ['good-counter', 'scrap-counter'],
    says: 'only a counter (good-counter, scrap-counter) has a rollover value',
  },
  { field: 'product', kinds: ['scrap-counter'], says: 'only a scrap-counter names a product' },
  { field: 'states', kinds: ['state'], says: 'only a state tag has a "states" map' },
  { field: 'unit', kinds: ['analog'], says: 'only an analog tag has a unit' },
];

/** "ns=2;i=1111", "ns=2;s=Machine1.Good", "nsu=<uri>;g=<guid>", "i=2258" (namespace 0), "b=<base64>" */
const NODE_ID =
  /^(?:(?:ns=(\d+)|nsu=([^;]+));)?(?:i=(\d+)|s=.+|g=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|b=[A-Za-z0-9+/]+={0,2})$/s;
const UINT16_MAX = 65_535;
const UINT32_MAX = 4_294_967_295;

/** what is wrong with a node id, or null */
export function nodeIdProblem(nodeId: string): string | null {
  const m = NODE_ID.exec(nodeId);
  if (!m)
    return `"${nodeId}" is not a node id: expected ns=<index>;i=<number> | s=<string> | g=<guid> | b=<base64>, or nsu=<namespace uri>;… instead of ns=`;
  if (m[1] !== undefined && Number(m[1]) > UINT16_MAX) return `"${nodeId}": namespace index ${m[1]} is above ${UINT16_MAX}`;
  if (m[3] !== undefined && Number(m[3]) > UINT32_MAX) return `"${nodeId}": numeric identifier ${m[3]} is above ${UINT32_MAX}`;
  return null;
}

/** what is wrong with each segment of a browse path ("/Objects/2:Plant1/nsu=urn:x;Machine1") */
export function browsePathProblems(browsePath: string): string[] {
  const problems: string[] = [];
  const segments = browsePath.split('/').slice(1);
  segments.forEach((segment, i) => {
    const where = `segment ${i + 1} "${segment}"`;
    if (segment === '') {
      problems.push(`${where} is empty (a doubled or trailing "/")`);
      return;
    }
    if (segment.startsWith('nsu=')) {
      if (!/^nsu=[^;]+;.+$/s.test(segment)) problems.push(`${where} is not nsu=<namespace uri>;<name>`);
      return;
    }
    const colon = segment.indexOf(':');
    if (colon < 0) return; // a plain name: namespace 0
    const prefix = segment.slice(0, colon);
    if (!/^\d+$/.test(prefix) || colon === segment.length - 1) {
      problems.push(`${where} is not <namespace index>:<name>, nsu=<namespace uri>;<name> or a plain <name>`);
    } else if (Number(prefix) > UINT16_MAX) {
      problems.push(`${where}: namespace index ${prefix} is above ${UINT16_MAX}`);
    }
  });
  return problems;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** the checks that span fields or entries (read from the raw section, so they run even when some entries fail the schema) */
function crossChecks(raw: Record<string, unknown>): ConfigMistake[] {
  const out: ConfigMistake[] = [];
  const shifts = Array.isArray(raw.shifts) ? raw.shifts : [];
  const shiftNames = new Map<string, number>();
  const spans: Array<{ i: number; name: string; text: string; start: number; length: number }> = [];
  shifts.forEach((s, i) => {
    if (!isRecord(s)) return;
    if (typeof s.name === 'string') {
      const first = shiftNames.get(s.name);
      if (first !== undefined)
        out.push({ key: `historian.shifts.${i}.name`, message: `shift "${s.name}" is already defined at historian.shifts.${first}` });
      else shiftNames.set(s.name, i);
    }
    const a = typeof s.start === 'string' ? CLOCK.exec(s.start) : null;
    const b = typeof s.end === 'string' ? CLOCK.exec(s.end) : null;
    if (!a || !b) return;
    const start = Number(a[1]) * 60 + Number(a[2]);
    const end = Number(b[1]) * 60 + Number(b[2]);
    const length = end > start ? end - start : end - start + 1440;
    spans.push({ i, name: String(s.name), text: `${String(s.start)}–${String(s.end)}`, start, length });
  });
  for (let x = 0; x < spans.length; x++) {
    for (let y = 0; y < x; y++) {
      const p = spans[x]!;
      const q = spans[y]!;
      // shifts repeat every day: compare against the other one on the day before, the same day and after
      const overlaps = [-1440, 0, 1440].some((d) => p.start < q.start + d + q.length && q.start + d < p.start + p.length);
      if (overlaps) {
        out.push({
          key: `historian.shifts.${p.i}`,
          message: `shift "${p.name}" (${p.text}) overlaps shift "${q.name}" (${q.text}) at historian.shifts.${q.i}`,
        });
        break;
      }
    }
  }

  const tags = Array.isArray(raw.tags) ? raw.tags : [];
  const tagNames = new Map<string, number>();
  const nodes = new Map<string, number>();
  // downtime events and shift minutes are the asset's: two state tags would give it two clocks
  const stateTags = new Map<string, number>();
  tags.forEach((t, i) => {
    if (!isRecord(t)) return;
    const key = `historian.tags.${i}`;
    if (typeof t.name === 'string') {
      const first = tagNames.get(t.name);
      if (first !== undefined) out.push({ key: `${key}.name`, message: `tag "${t.name}" is already defined at historian.tags.${first}` });
      else tagNames.set(t.name, i);
    }
    if ((t.nodeId === undefined) === (t.browsePath === undefined)) out.push({ key, message: 'give exactly one of nodeId or browsePath' });
    if (typeof t.nodeId === 'string' && t.nodeId !== '') {
      const problem = nodeIdProblem(t.nodeId);
      if (problem) out.push({ key: `${key}.nodeId`, message: problem });
    }
    if (typeof t.browsePath === 'string' && t.browsePath.startsWith('/')) {
      for (const problem of browsePathProblems(t.browsePath)) out.push({ key: `${key}.browsePath`, message: problem });
    }
    for (const field of ['nodeId', 'browsePath'] as const) {
      const node = t[field];
      if (typeof node !== 'string' || node === '') continue;
      const first = nodes.get(`${field}\u0000${node}`);
      if (first !== undefined) out.push({ key: `${key}.${field}`, message: `"${node}" is already read by historian.tags.${first}` });
      else nodes.set(`${field}\u0000${node}`, i);
    }
    const kind = typeof t.kind === 'string' && (TAG_KINDS as readonly string[]).includes(t.kind) ? (t.kind as TagKind) : undefined;
    if (kind) {
      for (const f of KIND_FIELDS)
        if (t[f.field] !== undefined && !f.kinds.includes(kind))
          out.push({ key: `${key}.${f.field}`, message: `${f.says}; this tag is a ${kind}` });
      if (kind === 'state' && (!isRecord(t.states) || Object.keys(t.states).length === 0)) {
        out.push({ key: `${key}.states`, message: 'a state tag needs a "states" map (code → running / idle / down)' });
      }
    }
    if (kind === 'state' && typeof t.asset === 'string' && t.active !== false) {
      const first = stateTags.get(t.asset);
      if (first !== undefined)
        out.push({
          key: `${key}.asset`,
          message: `asset "${t.asset}" already has an active state tag (historian.tags.${first}); give each asset one`,
        });
      else stateTags.set(t.asset, i);
    }
    if (kind === 'state' && isRecord(t.states)) {
      // the tag's value is matched as String(value): an integer written the way JavaScript prints it
      for (const code of Object.keys(t.states)) {
        if (!/^(0|-?[1-9]\d*)$/.test(code))
          out.push({ key: `${key}.states.${code}`, message: `"${code}" is not an integer state code (write e.g. "1", "-2")` });
      }
    }
  });
  return out;
}

/**
 * The config file's `historian` section, validated. Throws a ConfigError listing every mistake,
 * one line each: `historian.tags.2.kind: expected one of …, got "counter"`.
 */
export function parseHistorianSettings(raw: unknown): HistorianSettings {
  return parseSection('historian', historianSettingsSchema, raw, (section) => (isRecord(section) ? crossChecks(section) : []));
}

/** The historian section of the configuration, validated (see parseHistorianSettings). */
export function historianSettings(config: Pick<Config, 'file'>): HistorianSettings {
  return parseHistorianSettings(config.file.historian);
}
