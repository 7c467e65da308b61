/**
 * Secret redaction shared by the logger, error output and --json output.
 * Two nets: keys that name a secret (password, api key, token…) and the literal values of
 * secrets the configuration loaded, wherever they appear inside a string (URLs, messages).
 */
// `passed` (checkpoints) and similar words must stay readable, hence the anchored `pass`
const SECRET_KEY = /passw(or)?d|^pass$|^pwd$|secret|api[_-]?key|token|authorization|credential|cookie/i;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)([^@/\s]+)(@)/gi;
export const REDACTED = '[redacted]';

export class SecretRedactor {
  private readonly values = new Set<string>();

  /** Remember a secret value so any string containing it is masked. Short values are ignored: masking "1" everywhere would wreck the logs. */
  add(value: string | undefined): void {
    if (!value || value.length < 4) return;
    this.values.add(value);
    // a URL's password alone also turns up in driver errors ("password authentication failed…")
    try {
      const password = decodeURIComponent(new URL(value).password);
      if (password.length >= 4) this.values.add(password);
    } catch {
      // not a URL
    }
  }

  text(input: string): string {
    let out = input.replace(URL_PASSWORD, `$1${REDACTED}$3`);
    for (const secret of this.values) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
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
