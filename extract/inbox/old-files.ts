/** Finds files older than a cutoff below a folder (for retention). Missing folders are empty. */
import fs from 'node:fs/promises';
import path from 'node:path';

export async function filesOlderThan(root: string, cutoff: Date): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && (await fs.stat(full)).mtime < cutoff) out.push(full);
    }
  }
  await walk(root);
  return out.sort();
}
