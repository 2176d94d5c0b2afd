// Text PostgreSQL cannot store: a NUL character (refused by text and jsonb columns) and half of a UTF-16
// surrogate pair (JSON may carry "\ud800"; jsonb refuses it, text columns would silently get U+FFFD).
// Every request's parsed JSON body, query string and path parameters are checked here before any route
// runs, so such input is a 400 with the field's path instead of a 500 from the database.
import type { FastifyInstance } from 'fastify';
import { AppError, type ErrorDetail } from '#shared/errors.ts';

// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const hex = (c: string) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Why a string cannot be stored, or null when it can. */
export function unstorableReason(s: string): string | null {
  const m = UNSTORABLE.exec(s);
  if (!m) return null;
  return m[0] === '\u0000'
    ? 'Contains a NUL character (U+0000), which cannot be stored'
    : `Contains half of a UTF-16 surrogate pair (${hex(m[0])}), which is not valid text`;
}

/** "Contains …" → "contains …", to follow a subject ("The file name contains …"). */
export const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * The first string (or object key) in a parsed JSON value that cannot be stored, as a validation detail
 * whose path is dotted like the API's others (`emails.work`, `ids.3`). A bad key is reported at the path
 * of the object holding it, naming the key with the bad character escaped.
 */
export function findUnstorable(value: unknown, path = ''): ErrorDetail | null {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    return reason ? { path, message: reason } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], join(path, String(i)));
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    // data only (parsed JSON, query strings, path parameters: Fastify gives the last two their own
    // prototypes); never binary bodies or streams
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || typeof (value as { pipe?: unknown }).pipe === 'function') return null;
    for (const [key, v] of Object.entries(value)) {
      const reason = unstorableReason(key);
      if (reason) return { path, message: `The key ${JSON.stringify(key)} ${lowerFirst(reason)}` };
      const found = findUnstorable(v, join(path, key));
      if (found) return found;
    }
  }
  return null;
}

/** Throws the API's validation error when `value` holds text that cannot be stored. */
export function assertStorable(value: unknown, path = '', what = 'input'): void {
  const found = findUnstorable(value, path);
  if (found) throw new AppError('VALIDATION', `Invalid ${what}: text that cannot be stored`, [found]);
}

/** Checks path parameters, the query string and the parsed body of every request before validation. */
export function installStorableTextGuard(app: FastifyInstance) {
  app.addHook('preValidation', async (req) => {
    assertStorable(req.params, '', 'path');
    assertStorable(req.query, '', 'query');
    assertStorable(req.body, '', 'body');
  });
}
