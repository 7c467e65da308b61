import { describe, expect, it } from 'vitest';
import { jobCatalog, jobEntry } from '../../jobs/catalog.ts';
import { defaultRegistry } from '../../jobs/registry.ts';

describe('the job catalog (what `mfg-etl jobs` shows without loading the jobs)', () => {
  const registry = defaultRegistry();

  it('names the same jobs as the registry, in the same order', () => {
    expect([...jobCatalog.keys()]).toEqual([...registry.keys()]);
  });

  it('is where each job takes its name, description, schedule and slot rule from, and names a job it lacks', () => {
    for (const job of registry.values()) {
      const entry = jobCatalog.get(job.name)!;
      expect({ description: job.description, schedule: job.schedule, runsOn: job.runsOn }).toEqual({
        description: entry.description,
        schedule: entry.schedule,
        runsOn: entry.runsOn,
      });
    }
    expect(() => jobEntry('forecast-imprt')).toThrow('jobs/catalog.ts has no entry for job forecast-imprt: add one');
  });
});
