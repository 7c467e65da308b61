/**
 * Settings of the MES link (#14): the config file's `mes` section (all keys optional).
 * Read by jobs/mes/* (mes-release, mes-ack, mes-report, mes-load) and `mfg-etl releases`.
 * The MES bearer token is a secret: give it in MFG_ETL_MES_TOKEN (or MFG_ETL_MES_TOKEN_FILE), never here.
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import { expected, parseSection } from './mistakes.ts';
import { approvalPolicySchema, checkpointSetting } from './policy.ts';

/** threshold: the largest measured count that still passes */
export const mesCheckpointSettingsSchema = z
  .object({
    parse_errors: checkpointSetting('error', 0),
    // an OperationsRequestID that mfg-etl never released (or whose release was cancelled)
    unknown_order: checkpointSetting('error', 0),
    // the produced material is not the order's product
    product_mismatch: checkpointSetting('error', 0),
    // produced more than the order's remaining quantity plus overproductionTolerancePct
    over_production: checkpointSetting('error', 0),
    // a component lot Odoo does not know for that product
    unknown_lots: checkpointSetting('error', 0),
    // consumed quantity further than consumptionTolerancePct from the BoM share of what was produced
    consumption_deviation: checkpointSetting('warning', 0),
    negative_quantities: checkpointSetting('error', 0),
    // a transaction id seen before with other content: never post either silently
    transaction_conflict: checkpointSetting('error', 0),
  })
  .strict()
  .prefault({});
export type MesCheckpointSettings = z.infer<typeof mesCheckpointSettingsSchema>;

const names = z.array(z.string().min(1)).default([]);

export const mesSettingsSchema = z
  .object({
    /** warehouse codes whose orders are released ("WH"); empty: every warehouse */
    plants: names,
    /** operation types (picking type names, "WH: Manufacturing") released; empty: every one */
    operationTypes: names,
    /** work centers (names) released: an order with a work order on one of them; empty: every one */
    workcenters: names,
    /** `reserved`: only orders whose components are all reserved (reservation_state 'assigned'); `any`: regardless */
    reservation: z.enum(['reserved', 'any']).default('reserved'),
    /** a release not acknowledged within this many minutes is overdue (an alert, once) */
    ackTimeoutMinutes: z.number().positive().default(30),
    /** the MES reports less than the order's quantity as complete: `backorder` the rest, or `close` the order short */
    partialCompletion: z.enum(['backorder', 'close']).default('backorder'),
    /** consumption differs from the BoM when closing: `accept` it, or `hold` the order for a person */
    consumptionDifference: z.enum(['accept', 'hold']).default('hold'),
    /** produced quantity may exceed the order's remaining quantity by this much (percent) */
    overproductionTolerancePct: z.number().nonnegative().default(0),
    /** consumed quantity may differ from the BoM share of the produced quantity by this much (percent) */
    consumptionTolerancePct: z.number().nonnegative().default(10),
    /** ApplicationArea/Sender/LogicalID of the messages mfg-etl writes */
    sender: z.string().min(1).default('mfg-etl'),
    /** also POST every message to the MES (beside the outbox folder) */
    url: z.url({ protocol: /^https?$/, ...expected('an http:// or https:// URL') }).optional(),
    /** attempts per message when POSTing to the MES */
    deliveryAttempts: z.number().int().positive().max(20).default(3),
    /** approval of production report files; `auto`: a file whose lines all pass is loaded by the next mes-load */
    approval: approvalPolicySchema.default('auto'),
    maxErrors: z.number().int().positive().default(1000),
    checkpoints: mesCheckpointSettingsSchema,
  })
  .strict();
export type MesSettings = z.infer<typeof mesSettingsSchema>;

/** The config file's `mes` section, validated: a ConfigError lists every mistake, one line each. */
export function mesSettings(config: Pick<Config, 'file'>): MesSettings {
  return parseSection('mes', mesSettingsSchema, config.file.mes ?? {});
}
