import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapeSpreadsheetText } from '../../core/spreadsheet-text.ts';
import { DataValidationError } from '../../core/errors.ts';
import {
  archive,
  archiveDuplicate,
  claim,
  InboxFolderLinkError,
  errorsCsv,
  isIgnoredName,
  listCandidates,
  listProcessing,
  reject,
  sanitizeFileName,
  scanInbox,
  sha256File,
} from '../../extract/inbox/inbox.ts';
import { makeTmpDir } from '../fixtures/files.ts';

let base: string;
let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: base, cleanup } = await makeTmpDir('inbox'));
  root = join(base, 'forecasts');
  await mkdir(root);
});
afterEach(() => cleanup());

const NOW = new Date('2026-12-07T10:15:00.000Z');

async function drop(name: string, content = `content of ${name}`): Promise<string> {
  const path = join(root, name);
  await writeFile(path, content);
  return path;
}

/** every file under the base folder, relative, to check nothing leaked outside the inbox */
async function allFiles(dir = base): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await allFiles(p)));
    else out.push(p.slice(base.length + 1));
  }
  return out.sort();
}

describe('listing candidates', () => {
  it('ignores temp and lock files, dot files, subfolders and links', async () => {
    for (const name of ['plan.xlsx', '~$plan.xlsx', '.~lock.plan.xlsx#', 'upload.tmp', 'big.csv.part', '.hidden.csv', 'data.csv']) await drop(name);
    await mkdir(join(root, 'sub'));
    await writeFile(join(base, 'outside.csv'), 'secret');
    await symlink(join(base, 'outside.csv'), join(root, 'link.csv'));
    const { files, ignored } = await listCandidates(root);
    expect(files.map((f) => f.name).sort()).toEqual(['data.csv', 'plan.xlsx']);
    expect(ignored.sort()).toEqual(['.hidden.csv', '.~lock.plan.xlsx#', 'big.csv.part', 'link.csv', 'upload.tmp', '~$plan.xlsx']);
    expect(await claim(root, 'link.csv', NOW)).toBeNull();
  });

  it('knows the temp-file patterns', () => {
    expect(['~$a.xlsx', '.~lock.a.xlsx#', 'a.TMP', 'a.part', '.DS_Store', 'a.crdownload'].every(isIgnoredName)).toBe(true);
    expect(['a.csv', 'a~.xlsx', 'tmp.csv'].some(isIgnoredName)).toBe(false);
  });

  it('returns nothing for a missing inbox folder', async () => {
    expect((await listCandidates(join(base, 'missing'))).files).toEqual([]);
  });
});

describe('settling', () => {
  it('waits until size and mtime have been still for settleSeconds', async () => {
    await drop('plan.csv');
    const now = Date.now();
    expect((await scanInbox(root, { settleSeconds: 10, now: new Date(now) })).waiting.map((f) => f.name)).toEqual(['plan.csv']);
    expect((await scanInbox(root, { settleSeconds: 10, now: new Date(now + 11_000) })).ready.map((f) => f.name)).toEqual(['plan.csv']);
  });

  it('takes files at once with settleSeconds 0', async () => {
    await drop('plan.csv');
    expect((await scanInbox(root, { settleSeconds: 0 })).ready).toHaveLength(1);
  });

  it('does not trust a back-dated mtime alone (copy tools preserve it; ctime still moves)', async () => {
    const path = await drop('copied.csv');
    await utimes(path, new Date('2020-01-01'), new Date('2020-01-01'));
    expect((await scanInbox(root, { settleSeconds: 10, now: new Date() })).waiting).toHaveLength(1);
  });

  it('waits while the file still changes between two observations', async () => {
    const path = await drop('growing.csv', 'a');
    const later = new Date(Date.now() + 60_000);
    const first = await scanInbox(root, { settleSeconds: 10, now: later });
    await writeFile(path, 'a,b,c');
    const second = await scanInbox(root, { settleSeconds: 10, now: later, previous: first.observations });
    expect(second.waiting.map((f) => f.name)).toEqual(['growing.csv']);
    const third = await scanInbox(root, { settleSeconds: 10, now: later, previous: second.observations });
    expect(third.ready.map((f) => f.name)).toEqual(['growing.csv']);
  });
});

describe('claiming', () => {
  it('moves the file into processing/ atomically and keeps its content', async () => {
    await drop('plan.csv', 'a,b\n1,2\n');
    const claimed = await claim(root, 'plan.csv', NOW);
    expect(claimed).not.toBeNull();
    expect(claimed!.name).toBe('plan.csv');
    expect(claimed!.path.startsWith(join(root, 'processing') + sep)).toBe(true);
    expect(await readFile(claimed!.path, 'utf8')).toBe('a,b\n1,2\n');
    expect(await readdir(root)).toEqual(['processing']);
    expect(await claim(root, 'plan.csv', NOW)).toBeNull();
  });

  it('gives each file to exactly one of many concurrent claimers', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `plan-${i}.csv`);
    for (const name of names) await drop(name);
    const attempts = names.flatMap((name) => Array.from({ length: 6 }, () => claim(root, name, NOW)));
    const results = await Promise.all(attempts);
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(10);
    expect(new Set(winners.map((w) => w!.name))).toEqual(new Set(names));
    expect((await readdir(join(root, 'processing'))).length).toBe(10);
  });

  it('recovers a file left in processing/ by a crash after the claim', async () => {
    await drop('plan.csv', 'payload');
    const claimed = await claim(root, 'plan.csv', NOW);
    // the worker dies here; the next run starts from scratch
    const recovered = await listProcessing(root);
    expect(recovered).toEqual([{ root, path: claimed!.path, name: 'plan.csv', claimId: claimed!.claimId, claimedAt: NOW }]);
    expect(await readFile(recovered[0]!.path, 'utf8')).toBe('payload');
    const archived = await archive(recovered[0]!, NOW);
    expect(archived).toBe(join(root, 'archive', '2026', '12', 'plan.csv'));
    expect(await listProcessing(root)).toEqual([]);
  });

  it('also recovers a file put into processing/ by hand', async () => {
    await mkdir(join(root, 'processing'));
    await writeFile(join(root, 'processing', 'manual.csv'), 'x');
    const [recovered] = await listProcessing(root);
    expect(recovered!.name).toBe('manual.csv');
  });

  it('hashes the claimed file (sha256, streamed)', async () => {
    const content = 'x'.repeat(3 * 1024 * 1024 + 7);
    await drop('big.csv', content);
    const claimed = await claim(root, 'big.csv', NOW);
    expect(await sha256File(claimed!.path)).toBe(createHash('sha256').update(content).digest('hex'));
  });
});

describe('finishing', () => {
  it('archives to archive/YYYY/MM and never overwrites a file of the same name', async () => {
    await drop('plan.csv', 'first');
    const a = await archive((await claim(root, 'plan.csv', NOW))!, NOW);
    await drop('plan.csv', 'second');
    const b = await archive((await claim(root, 'plan.csv', NOW))!, NOW);
    await drop('plan.csv', 'third');
    const c = await archive((await claim(root, 'plan.csv', NOW))!, NOW);
    expect(a).toBe(join(root, 'archive/2026/12/plan.csv'));
    expect(b).toBe(join(root, 'archive/2026/12/plan.20261207T101500000Z.csv'));
    expect(c).toBe(join(root, 'archive/2026/12/plan.20261207T101500000Z-2.csv'));
    expect([await readFile(a, 'utf8'), await readFile(b, 'utf8'), await readFile(c, 'utf8')]).toEqual(['first', 'second', 'third']);
  });

  it('archives duplicates apart', async () => {
    await drop('plan.csv');
    const path = await archiveDuplicate((await claim(root, 'plan.csv', NOW))!, NOW);
    expect(path).toBe(join(root, 'archive/2026/12/duplicates/plan.csv'));
  });

  it('rejects with an error CSV and a report beside the file', async () => {
    await drop('plan.csv', 'bad content');
    const claimed = await claim(root, 'plan.csv', NOW);
    const errors = [
      { ref: 'Sheet1!D12', column: 'Qty', value: '=HYPERLINK("http://x","click")', message: 'quantity is not a number' },
      { ref: '7', column: 'product', value: '+1', message: 'unknown product' },
      { ref: '8', column: 'qty', value: '-5', message: 'negative, "really"' },
      { ref: '9', column: '@col', value: '@SUM(A1)', message: 'x' },
      { ref: '10', column: 'note', value: '\tcmd', message: 'multi\nline' },
      { ref: '11', column: 'note', value: '\rcmd', message: 'Größe ok' },
    ];
    const result = await reject(claimed!, errors, 'Checkpoint parse-errors failed: 6 rows have errors.', NOW);
    expect(result.file).toBe(join(root, 'rejected', 'plan.csv'));
    expect(await readFile(result.file, 'utf8')).toBe('bad content');
    expect(await readFile(result.report, 'utf8')).toBe('Checkpoint parse-errors failed: 6 rows have errors.\n');
    expect(await readFile(result.errorsCsv, 'utf8')).toBe(
      '\ufeffrow_or_cell,column,value,message\r\n' +
        `Sheet1!D12,Qty,"'=HYPERLINK(""http://x"",""click"")",quantity is not a number\r\n` +
        "7,product,'+1,unknown product\r\n" +
        `8,qty,'-5,"negative, ""really"""\r\n` +
        "9,'@col,'@SUM(A1),x\r\n" +
        `10,note,"'\tcmd","multi\nline"\r\n` +
        `11,note,"'\rcmd",Größe ok\r\n`,
    );
    expect(result.errorsCsv).toBe(`${result.file}.errors.csv`);
    expect(result.report).toBe(`${result.file}.report.txt`);
  });

  it('picks a new name when an earlier report of the same name exists', async () => {
    await mkdir(join(root, 'rejected'));
    await writeFile(join(root, 'rejected', 'plan.csv.errors.csv'), 'orphan from an earlier crash');
    await drop('plan.csv');
    const result = await reject((await claim(root, 'plan.csv', NOW))!, [], 'report', NOW);
    expect(result.file).toBe(join(root, 'rejected', 'plan.20261207T101500000Z.csv'));
    expect(await readFile(join(root, 'rejected', 'plan.csv.errors.csv'), 'utf8')).toBe('orphan from an earlier crash');
    expect(await readdir(join(root, 'rejected'))).not.toContain('plan.csv');
  });

  it('escapes formula triggers and nothing else', () => {
    expect(['=1', '+1', '-1', '@a', '\t', '\rx'].map(escapeSpreadsheetText)).toEqual(["'=1", "'+1", "'-1", "'@a", "'\t", "'\rx"]);
    expect(['1', 'a=b', ' =x', ''].map(escapeSpreadsheetText)).toEqual(['1', 'a=b', ' =x', '']);
    expect(errorsCsv([])).toBe('\ufeffrow_or_cell,column,value,message\r\n');
  });
});

describe('hostile file names', () => {
  it('sanitises names so they never leave the folder, hide, or disguise their extension', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('_.._etc_passwd');
    expect(sanitizeFileName('..')).toBe('file');
    expect(sanitizeFileName('.bashrc')).toBe('bashrc');
    expect(sanitizeFileName('a\u0000b\u001b[31m.csv')).toBe('a_b_[31m.csv');
    expect(sanitizeFileName('invoice\u202Egpj.csv')).toBe('invoice_gpj.csv');
    expect(sanitizeFileName('C:\\temp\\x.csv')).toBe('C__temp_x.csv');
    expect(sanitizeFileName('CON.csv')).toBe('_CON.csv');
    const long = sanitizeFileName(`${'ä'.repeat(200)}.xlsx`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(150);
    expect(long.endsWith('ä.xlsx')).toBe(true);
  });

  it('refuses a claim for a name that is a path', async () => {
    await writeFile(join(base, 'outside.csv'), 'secret');
    await expect(claim(root, '../outside.csv', NOW)).rejects.toBeInstanceOf(DataValidationError);
    await expect(claim(root, 'sub/../../outside.csv', NOW)).rejects.toBeInstanceOf(DataValidationError);
    expect(await readFile(join(base, 'outside.csv'), 'utf8')).toBe('secret');
  });

  it('claims, archives and rejects files with control characters and absurd lengths inside the inbox only', async () => {
    const nasty = ['\u0007bell\u001b]0;title\u0007.csv', `${'x'.repeat(240)}.csv`, '..\u202Ecsv.exe', ' .. '];
    for (const name of nasty) await drop(name);
    const claimed = await Promise.all(nasty.map((name) => claim(root, name, NOW)));
    expect(claimed.every((c) => c !== null)).toBe(true);
    await archive(claimed[0]!, NOW);
    await reject(claimed[1]!, [{ ref: '1', column: 'a', value: '=evil()', message: 'm' }], 'r', NOW);
    await archiveDuplicate(claimed[2]!, NOW);
    await archive(claimed[3]!, NOW);
    const files = await allFiles();
    expect(files.every((f) => f.startsWith(`forecasts${sep}`))).toBe(true);
    for (const f of files) {
      const name = f.split(sep).pop()!;
      // eslint-disable-next-line no-control-regex -- the test looks for control characters
      expect(name).not.toMatch(/[\u0000-\u001f\u202e]/);
      expect(name.startsWith('.')).toBe(false);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(150 + '.errors.csv'.length);
      expect(resolve(base, f).startsWith(root + sep)).toBe(true);
    }
    expect(files).toContain(join('forecasts', 'archive', '2026', '12', '_bell_]0;title_.csv'));
    expect(files).toContain(join('forecasts', 'archive', '2026', '12', 'file'));
    expect((await stat(join(root, 'archive', '2026', '12', 'duplicates', '_csv.exe'))).isFile()).toBe(true);
  });
});

describe('linked folders inside the inbox', () => {
  /** a folder outside the inbox that the ETL user can write to */
  async function elsewhere(): Promise<string> {
    const dir = join(base, 'elsewhere');
    await mkdir(dir, { recursive: true });
    return dir;
  }

  it('refuses to reject into a rejected/ that links out of the inbox; the file stays in processing/, nothing is written outside', async () => {
    const outside = await elsewhere();
    await symlink(outside, join(root, 'rejected'));
    await drop('evil', 'content of my choosing');
    const claimed = (await claim(root, 'evil', NOW))!;
    const error = await reject(claimed, [{ ref: '1', column: 'a', value: 'b', message: 'c' }], 'report', NOW).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InboxFolderLinkError);
    expect((error as Error).message).toMatch(/rejected/);
    expect((error as Error).message).toMatch(/link/i);
    expect((error as Error).message).toMatch(/replace .* with a real folder/i);
    expect(await readdir(outside)).toEqual([]);
    expect(await readFile(claimed.path, 'utf8')).toBe('content of my choosing');
  });

  it('refuses to archive through a linked archive/ or a linked month folder below it', async () => {
    const outside = await elsewhere();
    await symlink(outside, join(root, 'archive'));
    await drop('plan.csv', 'plan');
    const claimed = (await claim(root, 'plan.csv', NOW))!;
    await expect(archive(claimed, NOW)).rejects.toBeInstanceOf(InboxFolderLinkError);
    await expect(archiveDuplicate(claimed, NOW)).rejects.toBeInstanceOf(InboxFolderLinkError);
    expect(await allFiles(outside)).toEqual([]);
    expect(await readFile(claimed.path, 'utf8')).toBe('plan');

    await (await import('node:fs/promises')).unlink(join(root, 'archive'));
    await mkdir(join(root, 'archive', '2026'), { recursive: true });
    await symlink(outside, join(root, 'archive', '2026', '12'));
    await expect(archive(claimed, NOW)).rejects.toBeInstanceOf(InboxFolderLinkError);
    expect(await allFiles(outside)).toEqual([]);
    expect(await readFile(claimed.path, 'utf8')).toBe('plan');
  });

  it('refuses to claim into a processing/ that links out of the inbox; the file stays in the inbox', async () => {
    const outside = await elsewhere();
    await symlink(outside, join(root, 'processing'));
    await drop('plan.csv', 'plan');
    await expect(claim(root, 'plan.csv', NOW)).rejects.toBeInstanceOf(InboxFolderLinkError);
    expect(await readdir(outside)).toEqual([]);
    expect(await readFile(join(root, 'plan.csv'), 'utf8')).toBe('plan');
  });

  it('follows a link that stays inside the inbox, and an inbox that is itself reached through a link', async () => {
    const real = join(base, 'real-inbox');
    await mkdir(join(real, 'kept'), { recursive: true });
    const linked = join(base, 'linked-inbox');
    await symlink(real, linked);
    await symlink(join(real, 'kept'), join(real, 'rejected'));
    await writeFile(join(linked, 'plan.csv'), 'x');
    const result = await reject((await claim(linked, 'plan.csv', NOW))!, [], 'report', NOW);
    expect(await readFile(join(real, 'kept', 'plan.csv'), 'utf8')).toBe('x');
    expect(result.file).toBe(join(linked, 'rejected', 'plan.csv'));
  });
});
