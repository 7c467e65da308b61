/**
 * The shop-floor part of `npm run demo`: the plant simulator (two historized machines, two days of
 * one-minute history with downtime, a counter reset and a bad-quality stretch) on a free local
 * port, `historian-extract` from it, what staging made of it (shift summaries, downtime events),
 * then `historian-load`, which without Odoo writes its plan and the OEE report. jobs/demo.ts
 * calls it; the historian settings are the demo's own (the simulator's tag map and three shifts).
 */
import path from 'node:path';
import type { App } from '../core/app.ts';
import type { Config } from '../core/config.ts';
import type { HistorianSettings } from '../core/config/historian.ts';
import { startPlantSimulator } from '../tools/plant-simulator/server.ts';
import { defaultRegistry } from '../jobs/registry.ts';
import { Runner } from '../jobs/runner.ts';

const MINUTE = 60_000;
const SHIFTS = [
  { name: 'A', start: '06:00', end: '14:00' },
  { name: 'B', start: '14:00', end: '22:00' },
  { name: 'C', start: '22:00', end: '06:00' },
];

const pad = (v: unknown, n: number) => String(v).padStart(n);
const minutes = (v: unknown) => Number(v).toFixed(0);
const local = (d: Date, timeZone: string) => d.toLocaleString('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'short' });

export async function runHistorianDemo(app: App, out: (line?: string) => void): Promise<void> {
  const to = Math.floor(Date.now() / MINUTE) * MINUTE;
  const plant = await startPlantSimulator({
    port: 0,
    machines: 2,
    from: to - 2 * 24 * 60 * MINUTE,
    to,
    sampleSeconds: 60,
    badQuality: true,
    securityModes: ['None'],
    pkiDir: path.join(app.config.dataDir, 'simulator-pki'),
  });
  try {
    out(`\nplant simulator: ${plant.endpointUrl} (2 machines, 2 days of one-minute history)`);
    const historian: Partial<HistorianSettings> = { shifts: SHIFTS, tags: plant.historianTags(), initialLookbackHours: 36, assets: {} };
    for (const tag of historian.tags ?? []) historian.assets![tag.asset] = { idealRatePerHour: 900 }; // the simulated machines make 12–14 parts a running minute
    const config: Config = { ...app.config, opcuaEndpoint: plant.endpointUrl, file: { ...app.config.file, historian } };
    const runner = new Runner({ config, db: app.db, logger: app.logger, registry: defaultRegistry() });
    await runner.start();
    try {
      const run = await runner.runNow('historian-extract', {});
      out(`historian-extract run ${run.id}: ${run.status}${run.error ? ` (${run.error.message})` : ''}`);
      for (const line of (run.stats.summary ?? []) as string[]) out(`  ${line}`);

      const tz = config.timezone;
      const shifts = (await app.db
        .knex('historian_shifts')
        .where({ complete: true })
        .orderBy([{ column: 'start_at', order: 'desc' }, 'asset'])
        .limit(6)) as Array<Record<string, unknown>>;
      out('\n  latest complete shifts:');
      out(
        `  ${'asset'.padEnd(12)} ${'shift'.padEnd(13)} ${'good'.padStart(6)} ${'scrap'.padStart(6)} ${'run min'.padStart(8)} ${'down min'.padStart(8)} ${'idle min'.padStart(8)}`,
      );
      for (const s of shifts.reverse()) {
        const day = s.shift_date instanceof Date ? s.shift_date.toISOString().slice(0, 10) : String(s.shift_date).slice(0, 10);
        out(
          `  ${String(s.asset).padEnd(12)} ${`${day} ${String(s.shift)}`.padEnd(13)} ${pad(s.good, 6)} ${pad(s.scrap, 6)} ${pad(minutes(s.running_minutes), 8)} ${pad(minutes(s.down_minutes), 8)} ${pad(minutes(s.idle_minutes), 8)}`,
        );
      }
      const events = (await app.db.knex('historian_downtime').orderBy('start_at', 'desc').limit(5)) as Array<Record<string, unknown>>;
      out('\n  latest downtime events (wall-clock minutes, plant time):');
      for (const e of events.reverse()) {
        out(
          `  ${String(e.asset).padEnd(12)} ${local(e.start_at as Date, tz)} → ${local(e.end_at as Date, tz)}  ${pad(minutes(e.minutes), 4)} min  ${String(e.loss_reason ?? '-')}${e.open ? '  (still down)' : ''}`,
        );
      }

      // no MFG_ETL_ODOO_*: the load only plans, and writes the OEE report from staging
      const load = await runner.runNow('historian-load', {});
      out(`\nhistorian-load run ${load.id}: ${load.status}${load.error ? ` (${load.error.message})` : ''}`);
      for (const line of (load.stats.summary ?? []) as string[]) out(`  ${line}`);
    } finally {
      await runner.stop();
    }
  } finally {
    await plant.stop();
  }
}
