/**
 * Secret redaction shared by the logger, error output, --json output, the status page and
 * everything stored in the database (run errors, run logs, alert incidents, audit events).
 * Three nets: keys that name a secret (password, api key, token…); the literal values of secrets
 * the configuration loaded (URL passwords both percent-encoded and decoded), wherever they appear
 * inside a string; and patterns that carry a secret in any text (URL passwords, `Bearer <token>`,
 * `Authorization: …`, `password=…` / `api_key=…`).
 */
// `passed` (checkpoints) and similar words must stay readable, hence the anchored `pass`
const SECRET_KEY = /passw(or)?d|^pass$|^pwd$|secret|api[_-]?key|token|authorization|credential|cookie/i;
// scheme://user:<password>@host — the password runs to the last @ before the host (a decoded
// password may hold @ and :), never across a slash or a space
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@"'<>]*:)([^/\s"'<>]+)(@[^@/\s"'<>]*)/gi;
// `Authorization: Basic xyz`, `"authorization":"Bearer xyz"`, `Proxy-Authorization=…`
const AUTH_HEADER = /(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(?:basic|bearer|digest|token|negotiate)\s+)?[^\s"',;]+/gi;
// `bearer <token>` anywhere (an Odoo answer echoing the key); tokens are long, words after "bearer" are not
const BEARER = /(\bbearer\s+)(?!\[redacted\])[A-Za-z0-9._~+/=-]{12,}/gi;
// key=value / key: value pairs in query strings, DSNs and JSON
const KEY_VALUE =
  /(\b(?:password|passwd|pwd|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|client[_-]?secret|secret)["']?\s*[=:]\s*["']?)(?!\[redacted\])[^\s"'&;,]+/gi;
export const REDACTED = '[redacted]';

/** Every secret value any configuration of this process registered, for redactSecrets. */
const knownSecrets = new Set<string>();

function maskValues(input: string, values: Iterable<string>): string {
  let out = input;
  // longest first: a URL containing a password goes as a whole before the password alone
  for (const secret of [...values].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

function maskPatterns(input: string): string {
  return input
    .replace(URL_PASSWORD, `$1${REDACTED}$3`)
    .replace(AUTH_HEADER, `$1${REDACTED}`)
    .replace(BEARER, `$1${REDACTED}`)
    .replace(KEY_VALUE, `$1${REDACTED}`);
}

/**
 * Text masked for storing or showing, without a redactor at hand: the patterns plus every secret
 * value a loaded configuration registered in this process. Use before writing text to the database.
 */
export function redactSecrets(input: string): string {
  return maskPatterns(maskValues(input, knownSecrets));
}

/** Deep copy of a JSON-like value with every string passed through redactSecrets and secret keys masked. */
export function redactSecretsDeep<T>(input: T): T {
  return new SecretRedactor(knownSecrets).value(input) as T;
}

/**
 * A URL's password as written (percent-encoded) and decoded: it also turns up alone in driver
 * errors ("password authentication failed…"). Empty for anything that is not a URL with a password.
 */
function urlPasswords(value: string): string[] {
  const passwords = new Set<string>();
  const written = /^[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:([^/\s]+)@[^@/\s]*/i.exec(value)?.[1];
  if (written) passwords.add(written);
  try {
    const parsed = new URL(value).password;
    if (parsed) passwords.add(parsed);
  } catch {
    // not a URL
  }
  for (const raw of [...passwords]) {
    try {
      passwords.add(decodeURIComponent(raw));
    } catch {
      // a malformed escape: the raw form is all there is
    }
  }
  return [...passwords];
}

export class SecretRedactor {
  private readonly values: Set<string>;

  constructor(values?: Set<string>) {
    this.values = values ?? new Set<string>();
  }

  /** Remember a secret value so any string containing it is masked. Short values are ignored: masking "1" everywhere would wreck the logs. */
  add(value: string | undefined): void {
    if (!value || value.length < 4) return;
    const passwords = urlPasswords(value);
    for (const v of passwords.length > 0 ? passwords : [value]) this.remember(v);
  }

  /** For a URL that is not itself secret (the Odoo URL): only its password, if it has one, is remembered. */
  addUrlPassword(value: string | undefined): void {
    if (value) for (const v of urlPasswords(value)) this.remember(v);
  }

  private remember(value: string): void {
    if (value.length < 4) return;
    this.values.add(value);
    knownSecrets.add(value);
    // as it appears in HTML (status pages)
    const html = value
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;')
      .replace(/`/g, '&#96;');
    if (html !== value) {
      this.values.add(html);
      knownSecrets.add(html);
    }
  }

  text(input: string): string {
    return maskPatterns(maskValues(input, this.values));
  }

  /** Deep copy with secret keys and secret values masked. Cycles and depth are bounded. */
  value(input: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
    if (typeof input === 'string') return this.text(input);
    if (input === null || typeof input !== 'object') return input;
    if (depth > 8 || seen.has(input)) return '[…]';
    seen.add(input);
    if (input instanceof Error) {
      return { name: input.name, message: this.text(input.message), stack: input.stack ? this.text(input.stack) : undefined };
    }
    if (input instanceof Date) return input;
    if (Array.isArray(input)) return input.map((item) => this.value(item, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [key, val] of Object.entries(input)) {
      out[key] = SECRET_KEY.test(key) && val !== undefined && val !== null && val !== '' ? REDACTED : this.value(val, depth + 1, seen);
    }
    return out;
  }
}
