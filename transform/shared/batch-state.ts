/**
 * The batch life cycle, one set of rules for every batch kind:
 *   received → validated | rejected → approved → loading → loaded | load_failed
 * plus `superseded` when a newer approved version replaces an approved-but-unloaded one.
 * Pure rules; persistence lives in load/staging/batches.ts.
 */
import { z } from 'zod';
import { BatchStateError } from '../../core/errors.ts';
import { BATCH_KINDS, BATCH_STATUSES } from './batch-names.ts';

export const batchStatusSchema = z.enum(BATCH_STATUSES);
export type BatchStatus = z.infer<typeof batchStatusSchema>;

export { BATCH_KINDS };

export const batchActionSchema = z.enum(['validate', 'reject', 'approve', 'start_load', 'finish_load', 'fail_load', 'supersede']);
export type BatchAction = z.infer<typeof batchActionSchema>;

/** action → (allowed from) → to */
const TRANSITIONS: Record<BatchAction, { from: readonly BatchStatus[]; to: BatchStatus }> = {
  validate: { from: ['received'], to: 'validated' },
  // a person may reject a batch that passed validation, as long as nothing reached Odoo yet
  reject: { from: ['received', 'validated', 'approved', 'load_failed'], to: 'rejected' },
  approve: { from: ['validated'], to: 'approved' },
  // load_failed → loading: a rerun after a fix loads what is left
  start_load: { from: ['approved', 'load_failed'], to: 'loading' },
  finish_load: { from: ['loading'], to: 'loaded' },
  fail_load: { from: ['loading'], to: 'load_failed' },
  supersede: { from: ['approved', 'load_failed'], to: 'superseded' },
};

const HINTS: Partial<Record<BatchAction, string>> = {
  approve: 'only a validated batch can be approved; a rejected one must be fixed at the source and imported again',
  start_load: 'only an approved batch (or one whose load failed) can be loaded; approve it first',
  reject: 'a batch that is loading or already in Odoo cannot be rejected',
};

/** Why an action does not apply to a batch in this state, and what to do instead (people read these). */
const STATE_HINTS: Partial<Record<BatchAction, Partial<Record<BatchStatus, string>>>> = {
  approve: {
    received: 'its checks have not finished; wait for the import to validate it',
    approved: 'it is already approved; its load job writes it to Odoo',
    loading: 'it is being loaded into Odoo now',
    loaded: 'it is already in Odoo',
    load_failed: 'it is already approved; Odoo refused part of it: fix what `mfg-etl batch <id>` lists and run its load job again',
    superseded: 'a newer approved version replaced it; approve that one instead',
    rejected: 'a rejected batch must be fixed at the source and imported again',
  },
  reject: {
    rejected: 'it is already rejected',
    superseded: 'a newer approved version replaced it already; it will never be loaded',
  },
};

export function nextStatus(current: BatchStatus, action: BatchAction, batchId?: number): BatchStatus {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(current)) {
    const specific = STATE_HINTS[action]?.[current]?.replace('<id>', String(batchId ?? '<id>'));
    const hint = specific ? `: ${specific}` : HINTS[action] ? `: ${HINTS[action]}` : '';
    throw new BatchStateError(`batch ${batchId ?? '?'} is ${current}; cannot ${action.replace('_', ' ')}${hint}`, {
      context: { batchId, status: current, action },
    });
  }
  return rule.to;
}

export function canTransition(current: BatchStatus, action: BatchAction): boolean {
  return TRANSITIONS[action].from.includes(current);
}

/** Statuses from which a newer approved version of the same kind and scope supersedes a batch. */
export const SUPERSEDABLE: readonly BatchStatus[] = TRANSITIONS.supersede.from;
