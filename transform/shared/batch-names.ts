/** Batch statuses and kinds as plain lists (no zod), for `mfg-etl batches --help` (CLI start-up). */
export const BATCH_STATUSES = ['received', 'validated', 'rejected', 'approved', 'loading', 'loaded', 'load_failed', 'superseded'] as const;

/** The kinds of batch the pipelines stage (for `mfg-etl batches --kind`). */
export const BATCH_KINDS = [
  'forecast',
  'cost_update',
  'cost_rollup',
  'inventory_count',
  'historian',
  'quality_events',
  'supplier_confirmation',
  'mes_report',
] as const;
