/**
 * Status page sessions, server-side (http_sessions): the cookie holds a random token, the table
 * only its SHA-256, so a leaked table does not hand out sessions. Each session has its own CSRF token.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';

export interface Session {
  login: string;
  csrfToken: string;
  expiresAt: Date;
}

export function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function randomToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Creates a session; answers the cookie token (never stored). Expired sessions are cleared on the way. */
export async function createSession(
  knex: Knex,
  login: string,
  hours: number,
  now = new Date(),
): Promise<{ token: string; session: Session }> {
  const token = randomToken();
  const session = { login, csrfToken: randomToken(), expiresAt: new Date(now.getTime() + hours * 3_600_000) };
  await knex('http_sessions').where('expires_at', '<', now).delete();
  await knex('http_sessions').insert({
    token_hash: tokenHash(token),
    login,
    csrf_token: session.csrfToken,
    created_at: now,
    expires_at: session.expiresAt,
  });
  return { token, session };
}

export async function findSession(knex: Knex, token: string, now = new Date()): Promise<Session | undefined> {
  const row = await knex('http_sessions')
    .where({ token_hash: tokenHash(token) })
    .where('expires_at', '>', now)
    .first('login', 'csrf_token', 'expires_at');
  return row ? { login: row.login, csrfToken: row.csrf_token, expiresAt: row.expires_at } : undefined;
}

export async function deleteSession(knex: Knex, token: string): Promise<void> {
  await knex('http_sessions')
    .where({ token_hash: tokenHash(token) })
    .delete();
}
