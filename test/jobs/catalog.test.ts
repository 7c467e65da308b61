import { describe, expect, it } from 'vitest';
import { jobCatalog } from '../../jobs/catalog.ts';
import { defaultRegistry } from '../../jobs/registry.ts';

describe('the job catalog (what `mfg-etl jobs` shows without loading the jobs)', () => {
  const registry = defaultRegistry();

  it('names the same jobs as the registry, in the same order', () => {
    expect([...jobCatalog.keys()]).toEqual([...registry.keys()]);
  });

  it('says what each registered job says: description, default schedule and whether it has a slot rule', () => {
    for (const job of registry.values()) {
      const entry = jobCatalog.get(job.name)!;
      expect({ name: entry.name, description: entry.description, schedule: entry.schedule, runsOn: !!entry.runsOn }).toEqual({
        name: job.name,
        description: job.description,
        schedule: job.schedule,
        runsOn: !!job.runsOn,
      });
    }
  });

  it('accepts and refuses the same slots as the jobs that have a slot rule', () => {
    // every day at 23:00 UTC for two months: month ends and other days, in two time zones
    const slots = Array.from({ length: 62 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i, 23)));
    for (const job of registry.values()) {
      if (!job.runsOn) continue;
      for (const timeZone of ['UTC', 'Pacific/Auckland'])
        expect(slots.map((s) => jobCatalog.get(job.name)!.runsOn!(s, timeZone))).toEqual(slots.map((s) => job.runsOn!(s, timeZone)));
    }
  });
});
