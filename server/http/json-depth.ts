// JSON nested far deeper than any of our inputs (a contact body is 3 levels deep) would make every
// recursive walk of it (text checks, validation) overflow the stack. The depth is checked on the text,
// before anything is built from it, by one pass that never recurses.
import type { FastifyInstance } from 'fastify';
import { AppError, type ErrorDetail } from '#shared/errors.ts';

/** Deepest nesting of arrays and objects a JSON input may have. */
export const MAX_JSON_DEPTH = 64;

/**
 * When `text` (JSON, valid or not) nests arrays and objects deeper than `max`, a validation detail at the
 * path of the top-level field holding the deep value (`phones`, `ids.2`; `prefix` alone at the root);
 * otherwise null.
 */
export function jsonTooDeep(text: string, prefix = '', max = MAX_JSON_DEPTH): ErrorDetail | null {
  let depth = 0;
  let inString = false;
  let stringStart = -1;
  let lastString = '';
  let rootIsArray = false;
  let index = 0;
  let field: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) {
        inString = false;
        if (depth === 1) lastString = text.slice(stringStart, i + 1);
      }
      continue;
    }
    if (c === 0x22) {
      inString = true;
      stringStart = i;
    } else if (c === 0x7b || c === 0x5b) {
      if (depth === 0) rootIsArray = c === 0x5b;
      else if (depth === 1 && rootIsArray) field = String(index);
      if (++depth > max) return { path: join(prefix, depth > 1 ? field : null), message: `Nested deeper than ${max} levels` };
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (depth === 1 && c === 0x3a) {
      field = keyOf(lastString);
    } else if (depth === 1 && c === 0x2c) {
      index++;
    }
  }
  return null;
}

function keyOf(quoted: string): string | null {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return null;
  }
}

const join = (prefix: string, field: string | null) => (field === null ? prefix : prefix ? `${prefix}.${field}` : field);

/** Refuses JSON text nested deeper than MAX_JSON_DEPTH with the API's validation error. */
export function assertJsonDepth(text: string, path = '', what = 'input'): void {
  const found = jsonTooDeep(text, path);
  if (found) throw new AppError('VALIDATION', `Invalid ${what}: nested too deep`, [found]);
}

/** Fastify's own JSON body parser (prototype poisoning refused), after the depth check. */
export function installJsonDepthLimit(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const found = jsonTooDeep(body as string);
    if (found) return done(new AppError('VALIDATION', 'Invalid body: nested too deep', [found]), undefined);
    parse(req, body as string, done);
  });
}
