/**
 * OEE per shift: the maths (availability over planned time only, performance against the ideal
 * rate, quality, zero divisions empty and never NaN), and the report written from staging
 * without Odoo: the CSV header, and the XLSX read back with exceljs (sheets, header rows, percent
 * formats, frozen header, autofilter, formula-safe text, "not loaded" statuses).
 */
import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatch, transitionBatch } from '../../load/staging/batches.ts';
import { OEE_CSV_HEADER, OEE_FORMATS, OEE_SHEETS, writeOeeReport } from '../../load/historian/oee-workbook.ts';
import { ratio, shiftOee, sumCounts } from '../../transform/historian/oee.ts';
import { type TestApp, testApp } from '../support/staging.ts';

const counts = (good: number, scrap: number, runningMinutes: number, downMinutes: number, idleMinutes = 0) => ({
  good,
  scrap,
  runningMinutes,
  downMinutes,
  idleMinutes,
});

describe('OEE maths', () => {
  it('computes availability, performance, quality and their product', () => {
    // 8 h shift: 6 h running, 1 h down, 1 h idle; 60 / h ideal → 360 possible, 342 made, 18 scrap
    const f = shiftOee(counts(324, 18, 360, 60, 60), 60);
    expect(f.availability).toBeCloseTo(360 / 420, 12);
    expect(f.performance).toBeCloseTo(342 / 360, 12);
    expect(f.quality).toBeCloseTo(324 / 342, 12);
    expect(f.oee).toBeCloseTo((360 / 420) * (342 / 360) * (324 / 342), 12);
  });

  it('leaves idle time out of availability: it is not planned production time', () => {
    const busy = shiftOee(counts(10, 0, 300, 100, 0));
    const quiet = shiftOee(counts(10, 0, 300, 100, 400));
    expect(busy.availability).toBe(0.75);
    expect(quiet.availability).toBe(0.75);
  });

  it('gives empty figures (null), never NaN or Infinity, on zero divisions', () => {
    const idle = shiftOee(counts(0, 0, 0, 0, 480), 60);
    expect(idle).toEqual({ availability: null, performance: null, quality: null, oee: null });
    // down the whole shift: availability 0, no output, performance needs running time
    const down = shiftOee(counts(0, 0, 0, 480), 60);
    expect(down.availability).toBe(0);
    expect(down.quality).toBeNull();
    expect(down.performance).toBeNull();
    expect(down.oee).toBeNull();
    // all scrap: quality 0, a real figure
    expect(shiftOee(counts(0, 5, 60, 0), 10).quality).toBe(0);
    expect(shiftOee(counts(0, 5, 60, 0), 10).oee).toBe(0);
    for (const f of [idle, down]) for (const v of Object.values(f)) expect(v === null || Number.isFinite(v)).toBe(true);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(Number.NaN, 1)).toBeNull();
    expect(ratio(1, Number.POSITIVE_INFINITY)).toBeNull();
  });

  it('has no performance (nor OEE) without an ideal rate', () => {
    for (const ideal of [undefined, null, 0]) {
      const f = shiftOee(counts(90, 10, 120, 0), ideal);
      expect(f.performance).toBeNull();
      expect(f.oee).toBeNull();
      expect(f.quality).toBe(0.9);
    }
  });

  it('does not clamp a performance above 100 % (an ideal rate set too low shows)', () => {
    expect(shiftOee(counts(120, 0, 60, 0), 60).performance).toBe(2);
  });

  it('adds shifts up before dividing', () => {
    const total = sumCounts([counts(10, 0, 60, 0, 5), counts(0, 10, 0, 60, 5)]);
    expect(total).toEqual(counts(10, 10, 60, 60, 10));
    expect(shiftOee(total).availability).toBe(0.5);
  });
});

describe('OEE report without Odoo', () => {
  let app: TestApp;
  let batchId: number;

  beforeAll(async () => {
    app = await testApp('hist-oee', { MFG_ETL_TIMEZONE: 'Europe/Berlin' });
    const knex = app.db.knex;
    const batch = await createBatch(knex, { kind: 'historian', scope: 'oee-test', version: 'w1', actor: 'test' });
    batchId = batch.id;
    await transitionBatch(knex, batchId, 'validate', { actor: 'test' });
    const shift = (
      asset: string,
      date: string,
      name: string,
      start: string,
      end: string,
      good: number,
      scrap: number,
      run: number,
      down: number,
      idle: number,
      complete = true,
    ) => ({
      asset,
      shift_date: date,
      shift: name,
      start_at: start,
      end_at: end,
      good,
      scrap,
      running_minutes: run,
      down_minutes: down,
      idle_minutes: idle,
      complete,
      batch_id: batchId,
    });
    await knex('historian_shifts').insert([
      shift('M1', '2026-01-24', 'A', '2026-01-24T05:00:00Z', '2026-01-24T13:00:00Z', 324, 18, 360, 60, 60),
      shift('M1', '2026-01-24', 'B', '2026-01-24T13:00:00Z', '2026-01-24T21:00:00Z', 0, 0, 0, 0, 480),
      shift('=cmd|calc', '2026-01-24', 'A', '2026-01-24T05:00:00Z', '2026-01-24T13:00:00Z', 10, 0, 100, 0, 0, false),
      shift('M1', '2026-01-25', 'A', '2026-01-25T05:00:00Z', '2026-01-25T13:00:00Z', 1, 0, 1, 0, 0),
    ]);
    await knex('historian_downtime').insert([
      {
        asset: 'M1',
        start_at: '2026-01-24T07:00:00Z',
        end_at: '2026-01-24T08:00:00Z',
        open: false,
        tag: 'M1.state',
        state_code: '2',
        loss_reason: 'Equipment Failure',
        minutes: 60,
        shift_date: '2026-01-24',
        shift: 'A',
        batch_id: batchId,
      },
      {
        asset: 'M1',
        start_at: '2026-01-24T20:30:00Z',
        end_at: '2026-01-24T21:00:00Z',
        open: true,
        tag: 'M1.state',
        state_code: '2',
        loss_reason: null,
        minutes: 30,
        shift_date: '2026-01-24',
        shift: 'B',
        batch_id: batchId,
      },
    ]);
    await knex('historian_scrap').insert([
      {
        asset: 'M1',
        product: 'FURN_7800',
        shift_date: '2026-01-24',
        shift: 'A',
        start_at: '2026-01-24T05:00:00Z',
        end_at: '2026-01-24T13:00:00Z',
        quantity: 18,
        complete: true,
        batch_id: batchId,
      },
    ]);
  }, 60_000);

  afterAll(async () => {
    await app?.cleanup();
  });

  it('writes the CSV with the required columns first and figures as fractions, empty when not computable', async () => {
    const files = await writeOeeReport(app.db.knex, {
      dir: app.config.reports,
      from: '2026-01-24',
      to: '2026-01-24',
      timeZone: 'Europe/Berlin',
      assets: { M1: { idealRatePerHour: 60, workcenter: 'WC-ASSEMBLY' } },
    });
    expect(files.xlsx.endsWith('oee_2026-01-24.xlsx')).toBe(true);
    expect(files.shifts).toBe(3); // the 25th is outside the range
    const text = fs.readFileSync(files.csv, 'utf8');
    expect(text.startsWith('\ufeff')).toBe(true);
    const [header, ...rows] = text.slice(1).trimEnd().split('\r\n');
    expect(header!.split(',').slice(0, 10)).toEqual([
      'asset',
      'shift_date',
      'shift',
      'good',
      'scrap',
      'running_minutes',
      'down_minutes',
      'idle_minutes',
      'availability',
      'quality',
    ]);
    expect(header!.split(',')).toEqual([...OEE_CSV_HEADER]);
    expect(header).toContain('performance');
    expect(header).toContain('oee');
    expect(header).toContain('downtime_events');
    const byKey = Object.fromEntries(
      rows
        .map((r) => r.split(','))
        .map((cells) => [`${cells[0]}|${cells[2]}`, Object.fromEntries(OEE_CSV_HEADER.map((h, i) => [h, cells[i]]))]),
    );
    const a = byKey['M1|A']!;
    expect(Number(a.availability)).toBeCloseTo(360 / 420, 6);
    expect(Number(a.performance)).toBeCloseTo(342 / 360, 6);
    expect(Number(a.quality)).toBeCloseTo(324 / 342, 6);
    expect(a.downtime_events).toBe('1');
    expect(a.workcenter).toBe('WC-ASSEMBLY');
    expect(a.shift_start).toBe('2026-01-24 06:00'); // Berlin wall clock
    const idle = byKey['M1|B']!;
    expect([idle.availability, idle.quality, idle.performance, idle.oee]).toEqual(['', '', '', '']);
    expect(text).not.toMatch(/NaN|Infinity/);
    // a formula-looking asset name stays text
    expect(rows.some((r) => r.startsWith(`"'=cmd|calc",`))).toBe(true); // quoted: it holds a separator (|)
  });

  it('writes the XLSX: four sheets, header rows, percent formats, frozen header and autofilter, statuses "not loaded"', async () => {
    const files = await writeOeeReport(app.db.knex, {
      dir: app.config.reports,
      from: '2026-01-24',
      to: '2026-01-25',
      timeZone: 'Europe/Berlin',
      assets: { M1: { idealRatePerHour: 60 } },
    });
    expect(files.xlsx.endsWith('oee_2026-01-24_2026-01-25.xlsx')).toBe(true);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(files.xlsx);
    expect(wb.worksheets.map((w) => w.name)).toEqual([OEE_SHEETS.shifts, OEE_SHEETS.downtime, OEE_SHEETS.scrap, OEE_SHEETS.days]);

    const ws = wb.getWorksheet(OEE_SHEETS.shifts)!;
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(
      expect.arrayContaining([
        'Asset',
        'Shift date',
        'Shift',
        'Good',
        'Scrap',
        'Availability',
        'Performance',
        'Quality',
        'OEE',
        'Downtime events',
      ]),
    );
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBeTruthy();
    const col = (name: string) => header.indexOf(name) + 1;
    const rows = [2, 3, 4, 5].map((n) => ws.getRow(n));
    const m1a = rows.find(
      (r) =>
        r.getCell(col('Asset')).value === 'M1' &&
        r.getCell(col('Shift')).value === 'A' &&
        r.getCell(col('Shift date')).value === '2026-01-24',
    )!;
    expect(m1a.getCell(col('Availability')).numFmt).toBe(OEE_FORMATS.percent);
    expect(m1a.getCell(col('Availability')).value as number).toBeCloseTo(360 / 420, 9);
    expect(m1a.getCell(col('OEE')).numFmt).toBe(OEE_FORMATS.percent);
    // Start shows the plant's wall clock (06:00 in Berlin)
    expect((m1a.getCell(col('Start')).value as Date).toISOString()).toBe('2026-01-24T06:00:00.000Z');
    // an idle shift: empty availability, not 0 and not an error
    const idleRow = rows.find((r) => r.getCell(col('Asset')).value === 'M1' && r.getCell(col('Shift')).value === 'B')!;
    expect(idleRow.getCell(col('Availability')).value).toBeNull();
    const names = rows.map((r) => r.getCell(col('Asset')).value);
    expect(names).toContain("'=cmd|calc");

    const wd = wb.getWorksheet(OEE_SHEETS.downtime)!;
    const dh = (wd.getRow(1).values as unknown[]).slice(1);
    expect(dh).toEqual(expect.arrayContaining(['Wall-clock min', 'Loss reason', 'Odoo status']));
    const statuses = [2, 3].map((n) => wd.getRow(n).getCell(dh.indexOf('Odoo status') + 1).value);
    expect(statuses.sort()).toEqual(['not loaded', 'open']);
    expect(wd.getRow(2).getCell(dh.indexOf('Wall-clock min') + 1).value).toBe(60);

    const sc = wb.getWorksheet(OEE_SHEETS.scrap)!;
    const sh = (sc.getRow(1).values as unknown[]).slice(1);
    expect(sh).toEqual(expect.arrayContaining(['Product', 'Quantity', 'Odoo status']));
    expect(sc.getRow(2).getCell(sh.indexOf('Odoo status') + 1).value).toBe('not loaded');
    expect(sc.getRow(2).getCell(sh.indexOf('Quantity') + 1).value).toBe(18);

    // per asset and day: the day's summed counts (M1's idle shift B adds nothing)
    const days = wb.getWorksheet(OEE_SHEETS.days)!;
    const dayHeader = (days.getRow(1).values as unknown[]).slice(1);
    expect(dayHeader[0]).toBe('Shift date');
    expect(dayHeader).toEqual(expect.arrayContaining(['M1 availability', 'M1 quality']));
    expect(days.getRow(2).getCell(1).value).toBe('2026-01-24');
    expect(days.getRow(2).getCell(dayHeader.indexOf('M1 availability') + 1).value).toBeCloseTo(360 / 420, 6);
    expect(days.getRow(2).getCell(dayHeader.indexOf('M1 quality') + 1).value).toBeCloseTo(324 / 342, 6);
    expect(days.getRow(2).getCell(dayHeader.indexOf('M1 quality') + 1).numFmt).toBe(OEE_FORMATS.percent);
  });
});
