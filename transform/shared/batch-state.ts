/**
 * The batch life cycle, one set of rules for every batch kind:
 *   received → validated | rejected → approved → loading → loaded | load_failed
 * plus `superseded` when a newer approved version replaces an approved-but-unloaded one.
 * Pure rules; persistence lives in load/staging/batches.ts.
 */
import { z } from 'zod';
import { BatchStateError } from '../../core/errors.ts';

export const batchStatusSchema = z.enum([
  'received',
  'validated',
  'rejected',
  'approved',
  'loading',
  'loaded',
  'load_failed',
  'superseded',
]);
export type BatchStatus = z.infer<typeof batchStatusSchema>;

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

export function nextStatus(current: BatchStatus, action: BatchAction, batchId?: number): BatchStatus {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(current)) {
    const hint = HINTS[action] ? `: ${HINTS[action]}` : '';
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
