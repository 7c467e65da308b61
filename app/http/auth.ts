/**
 * Status page users: MFG_ETL_HTTP_USERS_FILE holds one user per line,
 *
 *   <login>:<scrypt hash>[:<display name>]
 *
 * e.g. `anna:scrypt$32768$8$1$<salt>$<key>:Anna Planner`; blank lines and lines starting with #
 * are ignored. The hash comes from `mfg-etl hash-password`. The display name (else the login) is
 * what the audit trail records as the approver. The file is read again when it changes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { ConfigError } from '../../core/errors.ts';

const scrypt = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

export interface User {
  login: string;
  /** who approves, in the audit trail */
  name: string;
  hash: string;
}

const LOGIN = /^[A-Za-z0-9._@-]{1,64}$/;
const HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;
const DEFAULT_COST = { N: 32768, r: 8, p: 1 };

function params(hash: string): { N: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  const m = HASH.exec(hash);
  if (!m) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // bounded, so a hand-edited file cannot make every login eat gigabytes
  if (N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  return { N, r, p, salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

export async function hashPassword(password: string, cost = DEFAULT_COST): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password.normalize('NFC'), salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const p = params(hash);
  if (!p || p.key.length < 16) return false;
  const key = await scrypt(password.normalize('NFC'), p.salt, p.key.length, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r });
  return crypto.timingSafeEqual(key, p.key);
}

export function parseUsers(text: string, file: string): Map<string, User> {
  const users = new Map<string, User>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const where = `MFG_ETL_HTTP_USERS_FILE ${file} line ${index + 1}`;
    const [login, hash, ...rest] = line.split(':');
    if (!login || !LOGIN.test(login))
      throw new ConfigError(`${where}: expected <login>:<scrypt hash>[:<display name>], with a login of letters, digits, . _ @ -`);
    if (!hash || !params(hash))
      throw new ConfigError(`${where}: the password hash of "${login}" is not an scrypt hash from "mfg-etl hash-password"`);
    if (users.has(login)) throw new ConfigError(`${where}: user "${login}" appears twice`);
    const name = rest.join(':').trim();
    users.set(login, { login, name: name || login, hash });
  });
  return users;
}

/** The users file, read again when its modification time or size changes. */
export class UserStore {
  private users = new Map<string, User>();
  private stamp = '';
  // a hash of a random password: unknown logins cost as much time as known ones
  private readonly decoy: Promise<string>;

  constructor(readonly file: string | undefined) {
    this.decoy = hashPassword(crypto.randomBytes(16).toString('hex'));
    this.decoy.catch(() => {});
    this.reload(true);
  }

  get enabled(): boolean {
    return this.file !== undefined;
  }

  /** Reads the file when it changed; a broken file at start-up is a ConfigError, later the last good version stays. */
  reload(strict = false): void {
    if (!this.file) return;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
      const stamp = `${stat.mtimeMs}:${stat.size}`;
      if (stamp === this.stamp) return;
      this.users = parseUsers(fs.readFileSync(this.file, 'utf8'), this.file);
      this.stamp = stamp;
    } catch (err) {
      if (strict) {
        if (err instanceof ConfigError) throw err;
        throw new ConfigError(`MFG_ETL_HTTP_USERS_FILE: cannot read ${this.file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
    }
  }

  get(login: string): User | undefined {
    this.reload();
    return this.users.get(login);
  }

  async authenticate(login: string, password: string): Promise<User | undefined> {
    const user = this.get(login);
    const ok = await verifyPassword(password, user?.hash ?? (await this.decoy));
    return user && ok ? user : undefined;
  }
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    try {
      out.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // a malformed cookie is ignored
    }
  }
  return out;
}

export function cookie(name: string, value: string, o: { maxAgeSeconds?: number; secure: boolean }): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (o.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.round(o.maxAgeSeconds))}`);
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
