/**
 * MES messages in `<outbox>/mes/`: the folder is resolved to its real path first and must stay
 * inside the outbox's real path (a symbolic link cannot send a message elsewhere); each file is
 * written under an exclusive temporary name in the same folder, synced, then renamed, so the
 * MES never picks up half a message. (Same rules as the supplier outbox; pipelines keep their own.)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { EtlError } from '../../core/errors.ts';

export class MesOutboxError extends EtlError {
  override readonly permanent = true;
}

/** The real path of `<outbox>/mes` (made if missing), refused when it leads outside the outbox. */
export async function mesOutboxFolder(outbox: string): Promise<string> {
  await mkdir(outbox, { recursive: true });
  const root = await realpath(outbox);
  const dir = path.join(root, 'mes');
  await mkdir(dir, { recursive: true });
  const real = await realpath(dir);
  if (!real.startsWith(root + path.sep))
    throw new MesOutboxError(`${dir} leads outside the outbox ${root} (a symbolic link?): remove the link; nothing was written`, {
      context: { dir, real, root },
    });
  return real;
}

/** Writes `data` as `<dir>/<name>` atomically (name: letters, digits, `_ . -` only); returns the final path. */
export async function writeMessageFile(dir: string, name: string, data: string): Promise<string> {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) || name.length > 200)
    throw new MesOutboxError(`message file name "${name}" is not safe: letters, digits, '_', '.', '-' only`);
  const final = path.join(dir, name);
  const temp = path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(temp, 'wx', 0o640);
  try {
    await fh.writeFile(data, 'utf8');
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
