/** quality-report: the daily quality-holds report (XLSX + CSV) in the reports folder: value on hold by reason, open holds. */
import { z } from 'zod';
import { writeHoldsReport } from '../../load/quality/report.ts';
import { listOpenHolds } from '../../load/quality/staging.ts';
import { localDate } from '../../transform/shared/plant-time.ts';
import { defineJob } from '../job.ts';
import { jobEntry } from '../catalog.ts';

export const qualityReportJob = defineJob({
  ...jobEntry('quality-report'),
  params: z.object({}).strict(),
  async run(ctx) {
    const now = new Date();
    const holds = await listOpenHolds(ctx.db.knex, now);
    const date = localDate(now, ctx.config.timezone);
    const files = await writeHoldsReport(ctx.config.reports, date, holds);
    return { holds: holds.length, value: Math.round(holds.reduce((s, h) => s + h.value, 0) * 100) / 100, ...files };
  },
});
