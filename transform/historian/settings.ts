/**
 * Settings of the historian jobs: the config file's `historian` section. Pure: validated here,
 * read by jobs/historian-extract.ts, jobs/historian-load.ts and the plant simulator. The OPC UA
 * connection itself (endpoint, security, user) comes from MFG_ETL_OPCUA_* (core/config.ts).
 */
import { z } from 'zod';
import { approvalPolicySchema, type Severity, severitySchema } from '../checkpoints.ts';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day HH:MM (00:00–23:59)');
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
const stateMeaningSchema = z.union([
  z.enum(['running', 'idle', 'down']),
  z
    .object({
      state: z.enum(['running', 'idle', 'down']),
      /** Odoo loss reason: an external ID (module.name) or the reason's name */
      lossReason: z.string().min(1).optional(),
    })
    .strict(),
]);

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

const checkpointSetting = (severity: Severity, threshold: number) =>
  z
    .object({ severity: severitySchema.default(severity), threshold: z.number().nonnegative().default(threshold) })
    .strict()
    .default({ severity, threshold });

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
    shifts: z.array(shiftSchema).default([]),
    tags: z.array(tagSchema).default([]),
    assets: z.record(z.string(), assetSchema).default({}),
    /** HistoryRead: values per node per page (numValuesPerNode) */
    pageSize: z.number().int().positive().max(100_000).default(1000),
    /** HistoryRead: nodes per request */
    nodesPerRequest: z.number().int().positive().max(1000).default(20),
    /** raw samples kept in staging, days */
    retentionDays: z.number().int().positive().default(30),
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
