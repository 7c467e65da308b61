/**
 * The MES part of `npm run demo` (examples/mes-demo.ts) on the real PostgreSQL: the Odoo test
 * double as Odoo 19, one order released, answered by the simulated MES, reported, loaded and done.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMesDemo } from '../../examples/mes-demo.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
beforeAll(async () => {
  app = await testApp('mes-demo');
});
afterAll(async () => app?.cleanup());

describe('the MES part of the demo', () => {
  it('releases one order, shows the files exchanged, the acknowledgment, the report batch, what was posted and the order done in Odoo', async () => {
    const lines: string[] = [];
    const started = Date.now();
    await runMesDemo(app, (line = '') => lines.push(line));
    const text = lines.join('\n');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(text).toContain('the Odoo test double the tests use, answering like Odoo 19 over JSON-2 (not a real Odoo)');
    expect(text).toMatch(/seeded manufacturing order WH\/MO\/00001: 2 × \[FURN_8855\] Drawer/);
    expect(text).toMatch(/mes-release run \d+: succeeded, release state: released/);
    const files = [...text.matchAll(/MES (read |wrote) {2}(\S+)/g)].map((m) => m[2]!);
    expect(files.map((f) => /-(Process|Acknowledge|Performance)-WH_MO_00001\.xml$/.exec(f)?.[1])).toEqual([
      'Process',
      'Acknowledge',
      'Performance',
    ]);
    expect(fs.existsSync(files[0]!)).toBe(true); // the release stays in the outbox; the answers were taken by mes-report
    expect(text).toContain('Acknowledge: Process of WH/MO/00001 accepted');
    expect(text).toMatch(
      /Performance: TX-WH\/MO\/00001-1: Completed 2 Units FURN_8855 lot WH-MO-00001-L1, 3 consumption line\(s\), scrap 1 \(cracked on the press\)/,
    );
    expect(text).toMatch(/mes-report run \d+: succeeded, release state: acknowledged/);
    expect(text).toMatch(/batch \d+ +mes\/\S+-Acknowledge-WH_MO_00001\.xml +\(acknowledgment\) +→ +APPROVED/);
    expect(text).toMatch(/batch \d+ +mes\/\S+-Performance-WH_MO_00001\.xml +\(performance report, 1 line\(s\)\) +→ +APPROVED/);
    expect(text).toMatch(/ok {4}transaction_conflict/);
    expect(text).not.toMatch(/FAIL|warn {2}/);
    expect(text).toMatch(/mes-load run \d+: succeeded/);
    expect(text).toMatch(/TX-WH\/MO\/00001-1:scrap +create +stock\.scrap/);
    expect(text).toMatch(/TX-WH\/MO\/00001-1:done +update +mrp\.production/);
    expect(text).toMatch(/in Odoo now: WH\/MO\/00001 done, produced 2 of 2, finished lot WH-MO-00001-L1/);
  }, 30_000);
});
