/**
 * Files for the outside world in the outbox (MFG_ETL_OUTBOX: supplier files, MES messages): written under a temporary name in
 * the target folder, then renamed, so a reader (a mail robot, an SFTP pick-up) never sees half a
 * file. The folder is resolved to its real path first and must stay inside the outbox's real
 * path: a symlink in the outbox cannot send a file elsewhere. The temporary file is created
 * exclusively (never through an existing name or link); the rename replaces a link at the final
 * name instead of following it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { EtlError } from '../../core/errors.ts';

export class OutboxError extends EtlError {
  override readonly permanent = true;
}

/** One path part of a folder or file name: letters, digits, `_`, `-` and `.` only, never `..`. */
export function safePart(raw: string): string {
  const clean = raw.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
  return clean === '' ? '_' : clean.slice(0, 100);
}

/** The real path of `<outbox>/<parts…>` (made if missing), refused when it leaves the outbox. */
export async function outboxFolder(outbox: string, parts: readonly string[]): Promise<string> {
  await mkdir(outbox, { recursive: true });
  const root = await realpath(outbox);
  let dir = root;
  for (const part of parts) {
    dir = path.join(dir, safePart(part));
    await mkdir(dir, { recursive: true });
    const real = await realpath(dir);
    if (real !== root && !real.startsWith(root + path.sep))
      throw new OutboxError(`${dir} leads outside the outbox ${root} (a symbolic link?): remove the link; nothing was written`, {
        context: { dir, real, root },
      });
    dir = real;
  }
  return dir;
}

/** Writes `data` as `<dir>/<name>`, atomically; returns the final path. */
export async function writeAtomically(dir: string, name: string, data: Buffer | string): Promise<string> {
  const final = path.join(dir, safePart(name));
  const temp = path.join(dir, `.${safePart(name)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(temp, 'wx', 0o640);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(temp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(temp, final);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return final;
}
