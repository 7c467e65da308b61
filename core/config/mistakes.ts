/**
 * The one way every configuration value is checked: a zod schema parsed with the input reported,
 * every issue turned into a mistake that names the full key path and says what is expected
 * (`forecast.colums: unknown key (did you mean "columns"?)`, `costs.priceDigits: expected a
 * number ≤ 6, got 9`), and all mistakes thrown together as one ConfigError, one line each.
 *
 * Schemas say what they expect with `expected('a 3-letter currency code')`; zod's own messages
 * are reworded here; other custom messages (cross-field rules) are kept as written.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.ts';

export interface ConfigMistake {
  /** the full key path (`costs.checkpoints.cost_delta.severity`), an env variable or `--param x` */
  key: string;
  message: string;
}

type Issue = z.core.$ZodIssue & { input?: unknown };
type Path = readonly PropertyKey[];

/** Error option for a schema or check: its failure reads "expected <what>, got <value>". */
export function expected(what: string): { error: () => string } {
  return { error: () => `expected ${what}` };
}

/** A value as shown in a mistake: short, quoted when text. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// zod's messages in our words

const ZOD_DEFAULT = /^(Invalid|Too (small|big)|Unrecognized)\b/;

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  date: 'a date',
  null: 'null',
};

function bound(issue: { origin?: string; inclusive?: boolean }, n: number | bigint, below: boolean): string {
  const value = Number(n);
  switch (issue.origin) {
    case 'string':
      return below ? (value <= 1 ? 'non-empty text' : `text of at least ${value} characters`) : `text of at most ${value} characters`;
    case 'array':
    case 'set':
      return below ? `a list of at least ${value} entries` : `a list of at most ${value} entries`;
    default: {
      const op = below ? (issue.inclusive === false ? '>' : '≥') : issue.inclusive === false ? '<' : '≤';
      return `a number ${op} ${value}`;
    }
  }
}

/** What a zod issue expected, in words, when zod's message is its own (undefined: keep the message). */
function expectation(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_NAMES[issue.expected] ?? issue.expected;
    case 'invalid_value':
      return issue.values.length === 1 ? shown(issue.values[0]) : `one of ${issue.values.map((v) => shown(v)).join(', ')}`;
    case 'too_small':
      return bound(issue, issue.minimum, true);
    case 'too_big':
      return bound(issue, issue.maximum, false);
    case 'not_multiple_of':
      return `a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      return issue.format === 'regex' ? `text matching ${issue.pattern ?? 'the pattern'}` : `a valid ${issue.format}`;
    default:
      return undefined;
  }
}

/** The object schema reached by `path` (through defaults, optionals, records, arrays, unions), for key suggestions. */
function knownKeysAt(schema: z.core.$ZodType | undefined, path: Path): string[] {
  let current: z.core.$ZodType | undefined = schema;
  const unwrap = (s: z.core.$ZodType | undefined): z.core.$ZodType | undefined => {
    for (let i = 0; s && i < 20; i++) {
      const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
      if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type))
        s = def.innerType as z.core.$ZodType;
      else if (def.type === 'pipe')
        s = (def.in as z.core.$ZodType)._zod.def.type === 'transform' ? (def.out as z.core.$ZodType) : (def.in as z.core.$ZodType);
      else return s;
    }
    return s;
  };
  const objectIn = (s: z.core.$ZodType | undefined): z.core.$ZodType | undefined => {
    const u = unwrap(s);
    if (!u) return undefined;
    const def = u._zod.def as unknown as { type: string; options?: z.core.$ZodType[] };
    if (def.type === 'union') return def.options!.map(objectIn).find(Boolean);
    return u;
  };
  for (const segment of path) {
    const s = objectIn(current);
    if (!s) return [];
    const def = s._zod.def as unknown as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      valueType?: z.core.$ZodType;
      element?: z.core.$ZodType;
    };
    if (def.type === 'object') current = def.shape![String(segment)];
    else if (def.type === 'record') current = def.valueType;
    else if (def.type === 'array') current = def.element;
    else return [];
  }
  const s = objectIn(current);
  const def = s?._zod.def as { type: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === 'object' ? Object.keys(def.shape!) : [];
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The known name closest to a misspelt one, if one is close enough to be meant. */
export function closest(key: string, known: readonly string[]): string | undefined {
  const scored = known
    .map((k) => ({ k, d: k.toLowerCase() === key.toLowerCase() ? 0 : distance(key.toLowerCase(), k.toLowerCase()) }))
    .sort((a, b) => a.d - b.d);
  const best = scored[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

/** "unknown key (did you mean "columns"?)", or the known keys when none is close. */
export function unknownKey(key: string, known: readonly string[]): string {
  const best = closest(key, known);
  if (best) return `unknown key (did you mean "${best}"?)`;
  if (known.length === 0) return 'unknown key';
  return known.length <= 15 ? `unknown key; known keys: ${known.join(', ')}` : 'unknown key (the README lists the known ones)';
}

export interface MistakeOptions {
  /** the name shown for a path (default: the path joined with dots) */
  keyOf?: (path: Path) => string;
  /** values never shown (secrets) */
  hidden?: (path: Path) => boolean;
  /** the value as given (shown instead of zod's, which is after coercion: "1e9", not 1000000000) */
  input?: unknown;
}

const NOT_FOUND = Symbol('not found');
function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return NOT_FOUND;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** Every issue of a failed parse as mistakes, one per line. */
export function zodMistakes(schema: z.core.$ZodType, error: z.core.$ZodError, options: MistakeOptions = {}): ConfigMistake[] {
  const keyOf = options.keyOf ?? ((path: Path) => path.map(String).join('.'));
  const out: ConfigMistake[] = [];
  const add = (issue: Issue, base: Path): void => {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, path);
      for (const k of issue.keys) out.push({ key: keyOf([...path, k]), message: unknownKey(k, known) });
      return;
    }
    if (issue.code === 'invalid_union' && ZOD_DEFAULT.test(issue.message)) {
      // the branch that took the value's type explains best; when none did, list what would
      const typeMismatch = (branch: z.core.$ZodIssue[]) =>
        branch.length === 1 && branch[0]!.path.length === 0 && ['invalid_type', 'invalid_value'].includes(branch[0]!.code);
      const taken = issue.errors.find((branch) => !typeMismatch(branch));
      if (taken) {
        for (const inner of taken) add(inner as Issue, path);
        return;
      }
      const what = issue.errors.map((branch) => expectation(branch[0] as Issue)).filter(Boolean);
      out.push({ key: keyOf(path), message: withValue(`expected ${what.join(' or ')}`, issue, path, options) });
      return;
    }
    if (issue.code === 'invalid_key' && ZOD_DEFAULT.test(issue.message)) {
      const inner = issue.issues.map((i) => expectation(i as Issue) ?? i.message).join('; ');
      out.push({ key: keyOf(path), message: `not a valid key: expected ${inner}` });
      return;
    }
    const what = ZOD_DEFAULT.test(issue.message) ? expectation(issue) : undefined;
    const message = what !== undefined ? `expected ${what}` : issue.message;
    out.push({ key: keyOf(path), message: withValue(message, issue, path, options) });
  };
  for (const issue of error.issues) add(issue as Issue, []);
  return out;
}

function withValue(message: string, issue: Issue, path: Path, options: MistakeOptions): string {
  if (!message.startsWith('expected ') || !('input' in issue)) return message;
  if (options.hidden?.(path)) return message;
  const given = options.input === undefined ? NOT_FOUND : valueAt(options.input, path);
  const value = given === NOT_FOUND ? issue.input : given;
  if (value === undefined && issue.code === 'invalid_type') return `missing: ${message}`;
  return `${message}, got ${shown(value)}`;
}

// ---------------------------------------------------------------------------------------------
// sections

export function mistakeLines(mistakes: readonly ConfigMistake[]): string[] {
  return [...new Set(mistakes.map((m) => `${m.key}: ${m.message}`))];
}

/** One ConfigError listing every mistake (nothing when there is none). */
export function throwMistakes(mistakes: readonly ConfigMistake[] | readonly string[]): void {
  const lines = [...new Set(mistakes.map((m) => (typeof m === 'string' ? m : `${m.key}: ${m.message}`)))];
  if (lines.length > 0) throw new ConfigError(lines.join('\n'), { context: { mistakes: lines } });
}

/** The lines of a ConfigError (one per mistake). */
export function linesOf(err: ConfigError): string[] {
  const listed = err.context.mistakes;
  return Array.isArray(listed) ? (listed as string[]) : err.message.split('\n');
}

/** Runs a check and collects its ConfigError's lines instead of throwing them. */
export function collect<T>(lines: string[], check: () => T): T | undefined {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    lines.push(...linesOf(err));
    return undefined;
  }
}

export type SectionResult<T> = { ok: true; data: T; mistakes: [] } | { ok: false; data: undefined; mistakes: ConfigMistake[] };

/**
 * Validates a config file section: `raw` against `schema`, then `checks` (rules across fields,
 * given the raw section so they run even when some of it fails the schema).
 */
export function checkSection<S extends z.ZodType>(
  section: string,
  schema: S,
  raw: unknown,
  checks?: (raw: unknown, data: z.output<S> | undefined) => ConfigMistake[],
): SectionResult<z.output<S>> {
  const value = raw ?? {};
  const parsed = schema.safeParse(value, { reportInput: true });
  const mistakes = parsed.success
    ? []
    : zodMistakes(schema, parsed.error, { keyOf: (path) => [section, ...path.map(String)].join('.'), input: value });
  if (checks) mistakes.push(...checks(value, parsed.success ? parsed.data : undefined));
  if (mistakes.length > 0) return { ok: false, data: undefined, mistakes };
  return { ok: true, data: parsed.data as z.output<S>, mistakes: [] };
}

/** Like checkSection, but throws the ConfigError listing every mistake. */
export function parseSection<S extends z.ZodType>(
  section: string,
  schema: S,
  raw: unknown,
  checks?: (raw: unknown, data: z.output<S> | undefined) => ConfigMistake[],
): z.output<S> {
  const result = checkSection(section, schema, raw, checks);
  throwMistakes(result.mistakes);
  return result.data as z.output<S>;
}

/** A regex setting: valid, and holding the named groups it must have. */
export function regexMistakes(key: string, value: unknown, groups: readonly string[] = []): ConfigMistake[] {
  if (typeof value !== 'string') return [];
  let re: RegExp;
  try {
    re = new RegExp(value);
  } catch (err) {
    return [{ key, message: `not a valid regular expression (${(err as Error).message})` }];
  }
  const missing = groups.filter((g) => !re.source.includes(`(?<${g}>`));
  return missing.length ? [{ key, message: `needs a named group ${missing.map((g) => `(?<${g}>…)`).join(' and ')}` }] : [];
}
