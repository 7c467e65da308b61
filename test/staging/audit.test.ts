import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, listAudit } from '../../load/staging/audit.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
beforeAll(async () => {
  app = await testApp('audit');
});
afterAll(async () => app?.cleanup());

describe('audit trail', () => {
  it('keeps appended events in order', async () => {
    await appendAudit(app.db.knex, { actor: 'anna', entity: 'batch', entityId: 7, action: 'approved', details: { why: 'ok' } });
    await appendAudit(app.db.knex, { actor: 'bob', entity: 'batch', entityId: 7, action: 'loaded' });
    const events = await listAudit(app.db.knex, 'batch', 7);
    expect(events.map((e) => [e.actor, e.action])).toEqual([
      ['anna', 'approved'],
      ['bob', 'loaded'],
    ]);
    expect(events[0]!.details).toEqual({ why: 'ok' });
  });

  it('refuses UPDATE of an audit row', async () => {
    await expect(app.db.knex('audit_events').update({ actor: 'mallory' })).rejects.toThrow(/append-only: UPDATE/);
  });

  it('refuses DELETE and TRUNCATE of audit rows', async () => {
    await expect(app.db.knex('audit_events').delete()).rejects.toThrow(/append-only: DELETE/);
    await expect(app.db.knex.raw('truncate audit_events')).rejects.toThrow(/append-only: TRUNCATE/);
    expect((await listAudit(app.db.knex, 'batch', 7)).length).toBe(2);
  });
});
