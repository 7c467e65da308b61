/** psql as a child process, with host, port, user and database taken from a postgres:// URL. */
import { spawn } from 'node:child_process';

export interface PsqlResult {
  seconds: number;
  stdout: string;
}

export function psqlArgs(databaseUrl: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const args = ['-X', '-v', 'ON_ERROR_STOP=1'];
  if (url.hostname) args.push('-h', decodeURIComponent(url.hostname));
  if (url.port) args.push('-p', url.port);
  if (url.username) args.push('-U', decodeURIComponent(url.username));
  args.push('-d', decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres');
  const env = { ...process.env };
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  return { args, env };
}

/** Runs one psql command (`-c`), timing it from spawn to exit; rejects on a non-zero exit. */
export function runPsql(databaseUrl: string, command: string): Promise<PsqlResult> {
  const { args, env } = psqlArgs(databaseUrl);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('psql', [...args, '-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new Error(`cannot run psql: ${err.message}`)));
    child.on('close', (code) => {
      const seconds = (performance.now() - start) / 1000;
      if (code === 0) resolve({ seconds, stdout });
      else reject(new Error(`psql exited with ${code}: ${stderr.trim().slice(0, 500)}`));
    });
  });
}

/** A literal for psql's \copy file name. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
