/**
 * Inbox folders (forecasts, costs, counts): planners drop files in `<root>/`; a job takes each
 * settled file by an atomic rename into `processing/`, and afterwards moves it to
 * `archive/YYYY/MM/`, `archive/YYYY/MM/duplicates/` or `rejected/` (with an error CSV and a
 * plain-words report beside it).
 *
 * Rules that keep files safe:
 *  - a file is only taken once its size and mtime have been still for `settleSeconds`
 *    (copies in progress, Excel lock files and partial downloads are left alone);
 *  - claiming is one rename: of two concurrent claimers exactly one wins, the other gets null;
 *  - a file left in processing/ by a crash is found again by `listProcessing`;
 *  - file names are data: every name written is sanitised and checked to stay inside the inbox,
 *    and never overwrites anything (a timestamp, then a counter, is added when a name is taken);
 *  - only regular files are taken (no symlinks out of the inbox, no FIFOs that would block);
 *  - before every write, the folder written to (processing/, archive/…, rejected/) is resolved with
 *    its links: one that leads out of the inbox is refused (InboxFolderLinkError), the file stays
 *    where it is. Otherwise anyone who can write to the inbox could plant files anywhere the ETL
 *    user can write, by linking rejected/ elsewhere.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, unlink } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { DataValidationError, EtlError } from '../../core/errors.ts';
import { csvField } from '../../core/spreadsheet-text.ts';

export const PROCESSING = 'processing';
export const ARCHIVE = 'archive';
export const REJECTED = 'rejected';

export interface InboxFile {
  /** name as found in the inbox folder (may be hostile: use `safeName` for anything written) */
  name: string;
  safeName: string;
  path: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export interface FileObservation {
  size: number;
  mtimeMs: number;
}

export interface ClaimedFile {
  root: string;
  /** current path, inside processing/ */
  path: string;
  /** sanitised original name: used for archive and report names */
  name: string;
  claimId: string;
  claimedAt: Date;
}

/** one line of a rejected file's error report */
export interface InboxErrorRow {
  ref: string;
  column: string;
  value: string;
  message: string;
}

// ---- names ----------------------------------------------------------------------------------

const MAX_NAME_BYTES = 150;
// control characters, path separators, characters Windows refuses, bidi overrides that disguise extensions
// eslint-disable-next-line no-control-regex -- control characters are what this pattern removes
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\:*?"<>|\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;

/**
 * A name safe to create in any inbox folder: no separators or control characters, no leading
 * dots (never "..", never hidden), at most 150 UTF-8 bytes (extension kept), never empty.
 */
export function sanitizeFileName(raw: string): string {
  let name = raw.normalize('NFC').replace(UNSAFE, '_').trim();
  name = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    const ext = extname(name).slice(0, 12);
    let stem = name.slice(0, name.length - extname(name).length);
    while (Buffer.byteLength(stem) + Buffer.byteLength(ext) > MAX_NAME_BYTES) stem = stem.slice(0, -1);
    // never leave half a surrogate pair behind
    name = stem.replace(/[\ud800-\udbff]$/, '') + ext;
  }
  return name === '' ? 'file' : name;
}

/** the last line of defence: `path` must be inside `dir` */
function inside(dir: string, path: string): string {
  if (!resolve(path).startsWith(resolve(dir) + sep)) {
    throw new EtlError(`Refusing a path outside the inbox: ${JSON.stringify(path.slice(0, 200))}`);
  }
  return path;
}

/** A folder of the inbox is a link (or below one) that leads outside the inbox: nothing was written there. */
export class InboxFolderLinkError extends EtlError {}

/** strictly below `parent` (both real paths) */
function isBelow(parent: string, child: string): boolean {
  return child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/**
 * `dir` (a folder below `root`) created as needed and checked, links resolved, to lie inside the
 * inbox's real path. Each missing level is created on its own (never `mkdir -p` through a link),
 * and the real path is checked again once it all exists. `keeps` says where the file stays.
 */
async function safeFolder(root: string, dir: string, keeps: string): Promise<string> {
  inside(root, join(dir, 'x'));
  const realRoot = await realpath(root);
  const refuse = (level: string, target: string): never => {
    const name = relative(root, level) || '.';
    throw new InboxFolderLinkError(
      `The inbox folder "${name}" in ${root} is a link to ${target}, outside the inbox; nothing was written there and ${keeps}. ` +
        `Replace "${name}" with a real folder inside the inbox (or remove the link) and run again.`,
      { context: { inbox: root, folder: name, target } },
    );
  };
  let level = resolve(root);
  for (const part of relative(resolve(root), resolve(dir)).split(sep)) {
    level = join(level, part);
    try {
      await mkdir(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const real = await realpath(level);
    if (!isBelow(realRoot, real)) refuse(level, real);
  }
  return dir;
}

/** names produced by readdir are plain; anything else passed as a name is refused */
function assertPlainName(name: string): void {
  // eslint-disable-next-line no-control-regex -- a NUL byte in a name is refused on purpose
  if (name === '' || name === '.' || name === '..' || name !== basename(name) || /[/\\\u0000]/.test(name)) {
    throw new DataValidationError(`Not a plain file name: ${JSON.stringify(name.slice(0, 200))}`);
  }
}

// ---- listing and settling -------------------------------------------------------------------

/** temp and lock files of Excel, LibreOffice, browsers and copy tools */
export function isIgnoredName(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    name.startsWith('.') || // dot files, including LibreOffice's .~lock.name#
    name.startsWith('~$') || // Excel owner files
    lower.endsWith('.tmp') ||
    lower.endsWith('.part') ||
    lower.endsWith('.crdownload') ||
    lower === 'thumbs.db' ||
    lower === 'desktop.ini'
  );
}

/** regular files in `root` that are not temp/lock files; subfolders and links are skipped */
export async function listCandidates(root: string): Promise<{ files: InboxFile[]; ignored: string[] }> {
  const files: InboxFile[] = [];
  const ignored: string[] = [];
  let dirents;
  try {
    dirents = await readdir(root, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files, ignored };
    throw err;
  }
  for (const d of dirents) {
    if (d.isDirectory()) continue;
    if (!d.isFile() || isIgnoredName(d.name)) {
      ignored.push(d.name);
      continue;
    }
    const path = join(root, d.name);
    try {
      const st = await lstat(path);
      if (!st.isFile()) continue;
      files.push({ name: d.name, safeName: sanitizeFileName(d.name), path, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // taken meanwhile
    }
  }
  files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
  return { files, ignored };
}

/**
 * Settled: no change for `settleSeconds`, judged by the newest of mtime and ctime (ctime also
 * moves when a copy tool back-dates mtime or the file is renamed into the inbox), and, when a
 * previous observation exists, size and mtime equal to it.
 */
export function isSettled(file: InboxFile, now: Date, settleSeconds: number, previous?: FileObservation): boolean {
  if (previous !== undefined && (previous.size !== file.size || previous.mtimeMs !== file.mtimeMs)) return false;
  // file times carry fractions of a millisecond, Date does not: floored, a file changed this very
  // millisecond counts as 0 ms old (not -0.4), so settleSeconds 0 takes it at once
  return now.getTime() - Math.floor(Math.max(file.mtimeMs, file.ctimeMs)) >= settleSeconds * 1000;
}

export interface ScanOptions {
  settleSeconds?: number;
  now?: Date;
  /** observations from the previous scan (long-running workers keep them between ticks) */
  previous?: ReadonlyMap<string, FileObservation>;
}

export interface InboxScan {
  ready: InboxFile[];
  waiting: InboxFile[];
  ignored: string[];
  /** pass as `previous` to the next scan */
  observations: Map<string, FileObservation>;
}

export async function scanInbox(root: string, options: ScanOptions = {}): Promise<InboxScan> {
  const settleSeconds = options.settleSeconds ?? 10;
  const now = options.now ?? new Date();
  const { files, ignored } = await listCandidates(root);
  const ready: InboxFile[] = [];
  const waiting: InboxFile[] = [];
  const observations = new Map<string, FileObservation>();
  for (const file of files) {
    observations.set(file.name, { size: file.size, mtimeMs: file.mtimeMs });
    (isSettled(file, now, settleSeconds, options.previous?.get(file.name)) ? ready : waiting).push(file);
  }
  return { ready, waiting, ignored, observations };
}

// ---- claiming -------------------------------------------------------------------------------

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.(\d{3})Z$/, '$1Z'); // 20261207T101500123Z
}

const CLAIM_NAME = /^(\d{8}T\d{9}Z)-([0-9a-f]{8})--(.+)$/;

function parseStamp(text: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(text)!;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!));
}

/**
 * Take `name` from the inbox: one rename to `processing/<time>-<random>--<safe name>`. The
 * random part makes every claim's target unique, so the rename can never replace another file,
 * and of concurrent claimers only the first finds the source: the others get null.
 */
export async function claim(root: string, name: string, now: Date = new Date()): Promise<ClaimedFile | null> {
  assertPlainName(name);
  const source = inside(root, join(root, name));
  try {
    if (!(await lstat(source)).isFile()) return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const processing = join(root, PROCESSING);
  await safeFolder(root, processing, `${JSON.stringify(name.slice(0, 200))} stays in the inbox`);
  const safe = sanitizeFileName(name);
  const claimId = `${stamp(now)}-${randomBytes(4).toString('hex')}`;
  const target = inside(processing, join(processing, `${claimId}--${safe}`));
  try {
    await rename(source, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null; // another worker was first
    throw err;
  }
  const claimed: ClaimedFile = { root, path: target, name: safe, claimId, claimedAt: now };
  // swapped for a link or folder between the check and the rename: not ours to read
  if (!(await lstat(target)).isFile()) {
    await reject(claimed, [], 'The dropped item is not a regular file (a link or folder?) and was not read.', now);
    return null;
  }
  return claimed;
}

/** files left in processing/ (a crash after claiming): the next run finishes or redoes them */
export async function listProcessing(root: string): Promise<ClaimedFile[]> {
  const processing = join(root, PROCESSING);
  let dirents;
  try {
    dirents = await readdir(processing, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: ClaimedFile[] = [];
  for (const d of dirents) {
    if (!d.isFile()) continue;
    const path = join(processing, d.name);
    const m = CLAIM_NAME.exec(d.name);
    if (m) out.push({ root, path, name: sanitizeFileName(m[3]!), claimId: `${m[1]}-${m[2]}`, claimedAt: parseStamp(m[1]!) });
    else {
      // put there by hand: still recovered, under its own name
      const st = await lstat(path);
      out.push({ root, path, name: sanitizeFileName(d.name), claimId: d.name, claimedAt: st.mtime });
    }
  }
  return out.sort((a, b) => a.claimedAt.getTime() - b.claimedAt.getTime() || (a.claimId < b.claimId ? -1 : 1));
}

/** sha256 (hex) of a file, streamed; links are not followed */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false, highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

// ---- finishing ------------------------------------------------------------------------------

function split(name: string): [string, string] {
  const ext = extname(name);
  return ext === '' || ext === name ? [name, ''] : [name.slice(0, -ext.length), ext];
}

/** candidate names: the name itself, then with a timestamp, then with a counter */
function* candidates(name: string, now: Date): Generator<string> {
  const [stem, ext] = split(name);
  yield name;
  const t = stamp(now);
  yield `${stem}.${t}${ext}`;
  for (let n = 2; n <= 1000; n++) yield `${stem}.${t}-${n}${ext}`;
  throw new EtlError(`No free name for ${JSON.stringify(name)} after 1000 attempts.`);
}

/** create `path` only if it does not exist (the reservation that makes names never collide) */
async function createExclusive(path: string, content?: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      if (content !== undefined) await handle.writeFile(content, 'utf8');
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Move a claimed file to `dir` under a free name: reserve the name with an exclusive create,
 * then rename over the reservation (atomic). A crash between the two leaves an empty placeholder,
 * never a lost or overwritten file.
 */
async function moveTo(claimed: ClaimedFile, dir: string, now: Date): Promise<string> {
  await safeFolder(claimed.root, dir, `the file stays in ${claimed.path}`);
  for (const name of candidates(sanitizeFileName(claimed.name), now)) {
    const target = inside(dir, join(dir, name));
    if (await createExclusive(target)) {
      await rename(claimed.path, target);
      return target;
    }
  }
  throw new EtlError('unreachable'); // candidates() throws first
}

function monthDir(root: string, date: Date): string {
  return join(root, ARCHIVE, String(date.getUTCFullYear()), String(date.getUTCMonth() + 1).padStart(2, '0'));
}

/** after the batch committed: `archive/YYYY/MM/<name>` (UTC month of `date`); returns the new path */
export async function archive(claimed: ClaimedFile, date: Date): Promise<string> {
  return moveTo(claimed, monthDir(claimed.root, date), date);
}

/** identical to a file already staged: `archive/YYYY/MM/duplicates/<name>` */
export async function archiveDuplicate(claimed: ClaimedFile, date: Date): Promise<string> {
  return moveTo(claimed, join(monthDir(claimed.root, date), 'duplicates'), date);
}

// ---- rejection reports ----------------------------------------------------------------------

/** the `<name>.errors.csv` content: UTF-8 with BOM (so Excel shows accents), CRLF lines */
export function errorsCsv(errors: readonly InboxErrorRow[]): string {
  const lines = ['row_or_cell,column,value,message'];
  for (const e of errors) lines.push([e.ref, e.column, e.value, e.message].map((v) => csvField(v)).join(','));
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

export interface Rejection {
  file: string;
  errorsCsv: string;
  report: string;
}

/**
 * `rejected/<name>` plus `<name>.errors.csv` and `<name>.report.txt`, all three under one free
 * name. Reports are written first: a crash leaves the file in processing/ (retried), never a
 * rejected file without its explanation.
 */
export async function reject(
  claimed: ClaimedFile,
  errors: readonly InboxErrorRow[],
  reportText: string,
  now: Date = new Date(),
): Promise<Rejection> {
  const dir = await safeFolder(claimed.root, join(claimed.root, REJECTED), `the file stays in ${claimed.path}`);
  const csv = errorsCsv(errors);
  for (const name of candidates(sanitizeFileName(claimed.name), now)) {
    const file = inside(dir, join(dir, name));
    const errorsPath = `${file}.errors.csv`;
    const reportPath = `${file}.report.txt`;
    if (!(await createExclusive(file))) continue;
    if (!(await createExclusive(errorsPath, csv))) {
      await unlink(file);
      continue;
    }
    if (!(await createExclusive(reportPath, reportText.endsWith('\n') ? reportText : `${reportText}\n`))) {
      await unlink(errorsPath);
      await unlink(file);
      continue;
    }
    await rename(claimed.path, file);
    return { file, errorsCsv: errorsPath, report: reportPath };
  }
  throw new EtlError('unreachable'); // candidates() throws first
}
