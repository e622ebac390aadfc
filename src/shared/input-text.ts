/**
 * What text and JSON a client may hand us, decided once for every entry point (GraphQL arguments,
 * event and contact rows, REST bodies, webhook fields, URL parameters). Pure.
 *
 * - PostgreSQL cannot store U+0000 in `text` nor in `jsonb`, and its JSON parser refuses an
 *   unpaired UTF-16 surrogate (`"\udc17"`, which JSON.stringify writes for a lone half), so either
 *   would fail the statement — and with it every valid row written beside it. Such text is
 *   refused up front with the reason INVALID_TEXT.
 * - JSON values (contact attributes, template variables, audience attributes) are bounded in depth
 *   and size, so that walking, storing or rendering them can never exhaust the stack or memory.
 */

export const INVALID_TEXT = 'INVALID_TEXT';

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What makes `s` unstorable, in words, or undefined when it is fine. */
export function textDefect(s: string): string | undefined {
  if (s.includes('\u0000')) return 'a NUL character (U+0000)';
  if (UNPAIRED_SURROGATE.test(s)) return 'an unpaired UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

/** The message for a field holding unstorable text, or undefined when the text is fine. */
export function checkText(s: string, field: string): string | undefined {
  const defect = textDefect(s);
  return defect && `${field} contains ${defect}, which cannot be stored`;
}

export interface JsonLimits {
  /** Nesting levels of objects and arrays (a scalar at the top is depth 0). */
  maxDepth: number;
  /** Values in all (every object, array, string, number, boolean and null counts one). */
  maxValues: number;
}

export const JSON_LIMITS: JsonLimits = { maxDepth: 32, maxValues: 10_000 };

export interface TextProblem {
  reason: 'INVALID_TEXT' | 'JSON_TOO_DEEP' | 'JSON_TOO_LARGE';
  message: string;
  /** Path inside the value, e.g. `a.b.0`; '' for the value itself. */
  path: string;
}

function textProblem(s: string, path: string): TextProblem | undefined {
  const message = checkText(s, path || 'The value');
  return message ? { reason: INVALID_TEXT, message, path } : undefined;
}

/**
 * Checks a JSON value (as parsed from a request) without recursion: strings and keys storable
 * (see textDefect), depth and number of values within `limits`. Undefined when it is acceptable.
 */
export function checkJsonValue(value: unknown, limits: JsonLimits = JSON_LIMITS, basePath = ''): TextProblem | undefined {
  const join = (path: string, key: string | number) => (path === '' ? String(key) : `${path}.${key}`);
  const stack: { v: unknown; depth: number; path: string }[] = [{ v: value, depth: 0, path: basePath }];
  let values = 0;
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (++values > limits.maxValues) {
      return { reason: 'JSON_TOO_LARGE', message: `${basePath || 'The JSON value'} holds more than ${limits.maxValues} values`, path: basePath };
    }
    if (typeof v === 'string') {
      const p = textProblem(v, path);
      if (p) return p;
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= limits.maxDepth) {
        return { reason: 'JSON_TOO_DEEP', message: `${basePath || 'The JSON value'} is nested deeper than ${limits.maxDepth} levels`, path: basePath };
      }
      if (Array.isArray(v)) {
        v.forEach((item, i) => stack.push({ v: item, depth: depth + 1, path: join(path, i) }));
      } else {
        for (const [k, item] of Object.entries(v)) {
          const p = textProblem(k, join(path, JSON.stringify(k).slice(1, -1)));
          if (p) return p;
          stack.push({ v: item, depth: depth + 1, path: join(path, k) });
        }
      }
    }
  }
  return undefined;
}
