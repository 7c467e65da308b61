/**
 * The acknowledgment side of <inbox>/mes belongs to the release (transform/mes/acknowledgment.ts,
 * load/mes/releases.ts, branch mes-release). mes-report hands AcknowledgeOperationsSchedule /
 * ConfirmBOD files to it through this adapter, with the signatures of the shared plan.
 */
import type { Knex } from 'knex';
import { EtlError } from '../../core/errors.ts';

export interface Acknowledgment {
  messageId?: string;
  moName?: string;
  accepted: boolean;
  text: string;
  at?: string;
}

/** An acknowledgment arrived but this build has no release side to record it: the file waits in processing/. */
export class AcknowledgmentsUnavailableError extends EtlError {}

const unavailable = () =>
  new AcknowledgmentsUnavailableError(
    'acknowledgments need mes-release: this build cannot record AcknowledgeOperationsSchedule / ConfirmBOD files yet; the file stays in <inbox>/mes/processing and is read by the next mes-report once the release side is installed',
  );

export function parseAcknowledgment(_xml: string): Acknowledgment[] {
  throw unavailable();
}

export function recordAcknowledgments(
  _db: Knex,
  _acks: Acknowledgment[],
  _ctx: { runId: number | null; file: string },
): Promise<{ acknowledged: number; refused: number; unknown: string[] }> {
  return Promise.reject(unavailable());
}
