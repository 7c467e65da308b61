import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchStateError } from '../../core/errors.ts';
import { listAudit } from '../../load/staging/audit.ts';
import { createBatch, getBatch, transitionBatch } from '../../load/staging/batches.ts';
import { nextStatus } from '../../transform/shared/batch-state.ts';
import { verdict } from '../../transform/shared/checkpoints.ts';
import { type TestApp, testApp } from '../support/staging.ts';

let app: TestApp;
beforeAll(async () => {
  app = await testApp('batches');
});
afterAll(async () => app?.cleanup());

async function newBatch(scope = 'WH1', version = 'v1') {
  return createBatch(app.db.knex, { kind: 'forecast', scope, version, source: `${version}.csv`, actor: 'test' });
}

describe('batch state machine', () => {
  it('follows received → validated → approved → loading → loaded', async () => {
    const b = await newBatch('S-happy');
    for (const action of ['validate', 'approve', 'start_load', 'finish_load'] as const) {
      await transitionBatch(app.db.knex, b.id, action, { actor: 'anna' });
    }
    expect((await getBatch(app.db.knex, b.id)).status).toBe('loaded');
    const actions = (await listAudit(app.db.knex, 'batch', b.id)).map((e) => e.action);
    expect(actions).toEqual(['received', 'validated', 'approved', 'loading', 'loaded']);
  });

  it('refuses to approve a rejected batch and says why', async () => {
    const b = await newBatch('S-rejected');
    await transitionBatch(app.db.knex, b.id, 'reject', { actor: 'anna', reason: 'wrong plant' });
    const err = await transitionBatch(app.db.knex, b.id, 'approve', { actor: 'bob' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatchStateError);
    expect((err as Error).message).toMatch(/batch \d+ is rejected; cannot approve/);
    expect((await getBatch(app.db.knex, b.id)).status).toBe('rejected');
  });

  it('refuses to load a batch that was never approved', () => {
    expect(() => nextStatus('validated', 'start_load', 3)).toThrow(/approve it first/);
    expect(() => nextStatus('received', 'finish_load')).toThrow(BatchStateError);
  });

  it('refuses start_load on a batch already loading: a second loader cannot take it too', async () => {
    expect(() => nextStatus('loading', 'start_load', 7)).toThrow(/batch 7 is loading; cannot start load/);
    const b = await newBatch('S-loading');
    for (const action of ['validate', 'approve', 'start_load'] as const)
      await transitionBatch(app.db.knex, b.id, action, { actor: 'anna' });
    const err = await transitionBatch(app.db.knex, b.id, 'start_load', { actor: 'bob' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatchStateError);
    expect((err as Error).message).toMatch(/batch \d+ is loading; cannot start load/);
    expect((await getBatch(app.db.knex, b.id)).status).toBe('loading');
    const actions = (await listAudit(app.db.knex, 'batch', b.id)).map((e) => e.action);
    expect(actions.filter((a) => a === 'loading')).toHaveLength(1);
  });

  it('lets a failed load be loaded again', () => {
    expect(nextStatus('load_failed', 'start_load')).toBe('loading');
  });

  it('records who approved and why', async () => {
    const b = await newBatch('S-who');
    await transitionBatch(app.db.knex, b.id, 'validate', { actor: 'system' });
    const approved = await transitionBatch(app.db.knex, b.id, 'approve', { actor: 'anna', reason: 'looks right' });
    expect([approved.approvedBy, approved.approvalComment]).toEqual(['anna', 'looks right']);
    const last = (await listAudit(app.db.knex, 'batch', b.id)).at(-1)!;
    expect(last).toMatchObject({
      actor: 'anna',
      action: 'approved',
      details: { from: 'validated', to: 'approved', reason: 'looks right' },
    });
  });

  it('supersedes the previous approved-but-unloaded version of the same kind and scope only', async () => {
    const old = await newBatch('S-sup', 'v1');
    const other = await newBatch('S-other', 'v1');
    for (const b of [old, other]) {
      await transitionBatch(app.db.knex, b.id, 'validate', { actor: 'system' });
      await transitionBatch(app.db.knex, b.id, 'approve', { actor: 'anna' });
    }
    const next = await newBatch('S-sup', 'v2');
    await transitionBatch(app.db.knex, next.id, 'validate', { actor: 'system' });
    await transitionBatch(app.db.knex, next.id, 'approve', { actor: 'anna' });
    const after = await getBatch(app.db.knex, old.id);
    expect([after.status, after.supersededBy]).toEqual(['superseded', next.id]);
    expect((await getBatch(app.db.knex, other.id)).status).toBe('approved');
  });
});

describe('approval order', () => {
  it('refuses to approve an older version behind a newer approved one of the same scope', async () => {
    const older = await newBatch('S-order', 'v1');
    const newer = await newBatch('S-order', 'v2');
    for (const b of [older, newer]) await transitionBatch(app.db.knex, b.id, 'validate', { actor: 'system' });
    await transitionBatch(app.db.knex, newer.id, 'approve', { actor: 'anna' });
    await expect(transitionBatch(app.db.knex, older.id, 'approve', { actor: 'anna' })).rejects.toThrow(
      new RegExp(`older than batch ${newer.id} \\(approved\\)`),
    );
    expect((await getBatch(app.db.knex, older.id)).status).toBe('validated');
  });
});

describe('approval verdict', () => {
  const warn = { name: 'delta', severity: 'warning' as const, passed: false, measured: {}, message: 'big change' };
  const err = { name: 'parse', severity: 'error' as const, passed: false, measured: {}, message: 'bad rows' };
  it('rejects on a failed error checkpoint whatever the policy', () => {
    expect(verdict([err], 'auto')).toBe('rejected');
  });
  it('waits for a person on warnings unless the policy is auto', () => {
    expect(verdict([warn], 'auto-unless-warnings')).toBe('await_approval');
    expect(verdict([warn], 'auto')).toBe('approve');
    expect(verdict([], 'manual')).toBe('await_approval');
  });
});
